"""The seeded simulators: determinism and the rules of each sport, checked over many seeds."""

from __future__ import annotations

import itertools
import statistics

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from inplay.sports.models import League
from local.espn_replay.model import GameScript, Segment, american_odds, make_line, stern_home_win
from tests.unit.replay.helpers import make_game

SEEDS = st.integers(min_value=0, max_value=2**32 - 1)
FAST = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
REGULATION = {
    League.NBA: 4,
    League.WNBA: 4,
    League.MENS_COLLEGE_BASKETBALL: 2,
    League.NFL: 4,
    League.COLLEGE_FOOTBALL: 4,
    League.NHL: 3,
    League.MLB: 9,
}


def check_common_invariants(league: League, script: GameScript) -> None:
    plays = script.plays
    assert plays, "a game has plays"
    assert [p.seq for p in plays] == list(range(1, len(plays) + 1))
    segments = script.segments
    for before, after in itertools.pairwise(segments):
        assert before.end <= after.start, "segments are ordered and do not overlap"
        order = {None: 0, "top": 0, "bottom": 1}
        assert (before.number, order[before.half]) < (after.number, order[after.half])
    by_number: dict[int, list[Segment]] = {}
    for segment in segments:
        by_number.setdefault(segment.number, []).append(segment)
    previous = None
    for play in plays:
        if previous is not None:
            assert play.t >= previous.t, "time never runs backwards"
            assert play.period >= previous.period, "periods advance in order"
            assert play.home_score >= previous.home_score and play.away_score >= previous.away_score
            assert (play.home_score - previous.home_score) + (play.away_score - previous.away_score) == (
                play.score_value
            )
        assert any(s.start - 1e-6 <= play.t <= s.end + 1e-6 for s in by_number[play.period]), (
            "play inside its period"
        )
        segment = by_number[play.period][0]
        assert 0.0 <= play.clock <= max(segment.length, 0.0) + 1e-6, "clock within the period"
        if play.home_wp is not None:
            assert 0.0 <= play.home_wp <= 1.0
        previous = play
    assert script.end >= plays[-1].t
    assert script.home_score == plays[-1].home_score


def check_decided(league: League, script: GameScript) -> None:
    tied = script.home_score == script.away_score
    if league is League.NFL:
        assert not tied or script.overtime, "an NFL tie only after overtime"
    else:
        assert not tied, f"{league} games always have a winner"
    regulation_end = [p for p in script.plays if p.period <= REGULATION[league]][-1]
    tied_after_regulation = regulation_end.home_score == regulation_end.away_score
    assert script.overtime == tied_after_regulation, "overtime exactly when tied at the end of regulation"
    if script.plays[-1].home_wp is not None and not tied:
        assert script.plays[-1].home_wp == (1.0 if script.home_score > script.away_score else 0.0)


@pytest.mark.parametrize("league", list(League))
def test_same_seed_same_game_and_different_seed_different_game(league: League) -> None:
    assert make_game(league, 11) == make_game(league, 11)
    assert make_game(league, 11)[1].plays != make_game(league, 12)[1].plays


@pytest.mark.parametrize("league", list(League))
@FAST
@given(seed=SEEDS)
def test_invariants_hold_for_any_seed(league: League, seed: int) -> None:
    _, script = make_game(league, seed)
    check_common_invariants(league, script)
    check_decided(league, script)


@pytest.mark.parametrize("league", [League.NBA, League.WNBA, League.MENS_COLLEGE_BASKETBALL])
@FAST
@given(seed=SEEDS)
def test_basketball_scores_only_in_ones_twos_threes_and_overtimes_are_five_minutes(
    league: League, seed: int
) -> None:
    _, script = make_game(league, seed)
    assert {p.score_value for p in script.plays} <= {0, 1, 2, 3}
    regulation = REGULATION[league]
    period_length = {League.NBA: 720.0, League.WNBA: 600.0, League.MENS_COLLEGE_BASKETBALL: 1200.0}[league]
    for segment in script.segments:
        assert segment.length == (300.0 if segment.number > regulation else period_length)
    overtimes = len(script.segments) - regulation
    expected_detail = "Final" if overtimes == 0 else "Final/OT" if overtimes == 1 else f"Final/{overtimes}OT"
    assert script.final_detail == expected_detail


def test_nba_totals_are_realistic_over_many_seeds() -> None:
    points = []
    for seed in range(150):
        _, script = make_game(League.NBA, seed)
        points += [script.home_score, script.away_score]
    assert 105 <= statistics.mean(points) <= 119
    assert min(points) >= 60 and max(points) <= 170
    assert 8 <= statistics.pstdev(points) <= 20


def test_nba_possessions_change_the_score_every_few_seconds() -> None:
    _, script = make_game(League.NBA, 3)
    scoring = [p.t for p in script.plays if p.scoring and p.period == 1]
    gaps = [b - a for a, b in itertools.pairwise(scoring)]
    assert statistics.mean(gaps) < 40
    possessions = [
        p for p in script.plays if p.period == 1 and p.type_text in ("Turnover", "Defensive Rebound")
    ]
    assert len(possessions) > 10


def test_stronger_home_team_wins_more_often() -> None:
    favoured = underdog = 0
    for seed in range(200):
        matchup, script = make_game(League.NBA, seed)
        if abs(matchup.mu_true) < 4:
            continue
        home_won = script.home_score > script.away_score
        if (matchup.mu_true > 0) == home_won:
            favoured += 1
        else:
            underdog += 1
    assert favoured > 1.5 * underdog


@pytest.mark.parametrize("league", [League.NFL, League.COLLEGE_FOOTBALL])
@FAST
@given(seed=SEEDS)
def test_football_scores_drives_and_situations(league: League, seed: int) -> None:
    _, script = make_game(league, seed)
    assert {p.score_value for p in script.plays} <= {0, 2, 3, 6, 7, 8}
    for play in script.plays:
        spot = play.spot_after
        assert spot is not None
        assert 0 <= spot.down <= 4
        if spot.down > 0:
            assert 1 <= spot.yard_line <= 99
            assert 1 <= spot.distance <= 100 - spot.yard_line
        if play.type_text == "Safety":
            assert play.scorer != play.team, "a safety scores for the defense"
    for drive in script.drives:
        assert drive.first_play <= drive.last_play
        assert {p.drive for p in script.plays[drive.first_play : drive.last_play + 1]} == {drive.index}
    assert [d.index for d in script.drives] == sorted({d.index for d in script.drives})
    if league is League.NFL:
        assert len(script.segments) <= 5, "one 10-minute overtime at most in the regular season"
        if script.overtime:
            assert script.segments[-1].length == 600.0
    else:
        assert script.home_score != script.away_score


def test_nfl_scoring_is_realistic() -> None:
    points, results = [], []
    for seed in range(120):
        _, script = make_game(League.NFL, seed)
        points += [script.home_score, script.away_score]
        results += [d.result for d in script.drives]
    assert 18 <= statistics.mean(points) <= 27
    assert results.count("TD") > results.count("SF") * 10
    assert "PUNT" in results and "FG" in results


@FAST
@given(seed=SEEDS)
def test_hockey_overtime_shootout_and_no_win_probability(seed: int) -> None:
    _, script = make_game(League.NHL, seed)
    assert all(p.home_wp is None for p in script.plays)
    numbers = [s.number for s in script.segments]
    assert numbers[:3] == [1, 2, 3]
    if script.final_detail == "Final":
        assert numbers == [1, 2, 3]
    elif script.final_detail == "Final/OT":
        assert numbers == [1, 2, 3, 4]
        assert script.plays[-1].type_text == "Goal" and script.plays[-1].period == 4
    else:
        assert script.final_detail == "Final/SO"
        assert numbers == [1, 2, 3, 4, 5]
        assert abs(script.home_score - script.away_score) == 1
        assert script.plays[-1].shootout and script.plays[-1].score_value == 1


def test_hockey_goals_are_about_three_per_team() -> None:
    goals = []
    for seed in range(200):
        _, script = make_game(League.NHL, seed)
        goals += [script.home_score, script.away_score]
    assert 2.5 <= statistics.mean(goals) <= 3.6


@FAST
@given(seed=SEEDS)
def test_baseball_innings_bases_and_walk_offs(seed: int) -> None:
    _, script = make_game(League.MLB, seed)
    halves = [(s.number, s.half) for s in script.segments]
    innings = halves[-1][0]
    assert halves[0] == (1, "top")
    score_after: dict[tuple[int, str | None], tuple[int, int]] = {}
    for play in script.plays:
        assert play.bases is not None
        assert 0 <= play.bases.outs <= 3
        score_after[(play.period, "top" if play.bases.batting == "away" else "bottom")] = (
            play.home_score,
            play.away_score,
        )
    top9 = score_after[(9, "top")]
    if top9[0] > top9[1]:
        assert (9, "bottom") not in halves, "no bottom of the 9th when the home team leads"
    if innings > 9:
        assert script.final_detail == f"Final/{innings}"
        regulation_end = [p for p in script.plays if p.period == 9][-1]
        assert regulation_end.home_score == regulation_end.away_score
    else:
        assert script.final_detail == "Final"
    last = script.plays[-1]
    if halves[-1][1] == "bottom" and last.bases is not None and last.bases.outs < 3:
        assert last.home_score > last.away_score, "the bottom half stops at the winning run"
        if last.type_text != "Home Run":
            assert last.home_score == last.away_score + 1


def test_baseball_runs_are_about_four_and_a_half_per_team() -> None:
    runs = []
    for seed in range(200):
        _, script = make_game(League.MLB, seed)
        runs += [script.home_score, script.away_score]
    assert 3.6 <= statistics.mean(runs) <= 5.4


def test_extra_innings_start_with_a_runner_on_second() -> None:
    for seed in range(400):
        _, script = make_game(League.MLB, seed)
        if script.segments[-1].number < 10:
            continue
        first_extra = next(p for p in script.plays if p.period == 10)
        bases = first_extra.bases
        assert bases is not None
        # after one plate appearance the runner has scored, moved or is still on second/third
        assert bases.second or bases.third or first_extra.score_value > 0 or bases.outs >= 1
        return
    pytest.fail("no extra-inning game in 400 seeds")


def test_win_probability_model() -> None:
    assert stern_home_win(0, 0.0, 12.0, 1.0) == pytest.approx(0.5, abs=1e-9)
    assert (
        stern_home_win(5, 0.0, 12.0, 0.5)
        > stern_home_win(0, 0.0, 12.0, 0.5)
        > stern_home_win(-5, 0.0, 12.0, 0.5)
    )
    assert stern_home_win(3, 0.0, 12.0, 0.01) > stern_home_win(3, 0.0, 12.0, 0.9)
    assert stern_home_win(1, 0.0, 12.0, 0.0) == 1.0
    assert stern_home_win(0, 0.0, 12.0, 0.0, tie_value=0.5) == 0.5


def test_lines_and_moneylines() -> None:
    assert american_odds(0.75) == -300
    assert american_odds(0.25) == 300
    line = make_line(4.0, 12.0, 224.0)
    assert line.spread == -4.0
    assert line.home_moneyline < 0 < line.away_moneyline
    assert make_line(-2.2, 12.0, 45.0).spread == 2.0


def test_a_turnover_on_downs_near_the_goal_line_keeps_a_real_spot() -> None:
    # Seed 734 (found by hypothesis): a failed 4th down at the 6 used to report 4th-and-7 at the 94.
    _, script = make_game(League.COLLEGE_FOOTBALL, 734)
    spots = [p.spot_after for p in script.plays if p.spot_after is not None and p.spot_after.down > 0]
    assert all(1 <= spot.distance <= 100 - spot.yard_line for spot in spots)
