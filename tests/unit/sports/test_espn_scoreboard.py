"""Scoreboard payloads → GameState, one league and one game situation at a time."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from inplay.sports.espn import EspnPayloadError, parse_payload, parse_scoreboard
from inplay.sports.models import GameState, GameStatus, League, Phase


def by_id(games: list[GameState]) -> dict[str, GameState]:
    return {game.event_id: game for game in games}


def test_nba_pre_game_has_teams_odds_and_no_live_fields(espn_fixture) -> None:
    game = by_id(parse_scoreboard(espn_fixture("scoreboard_nba.json")))["401900101"]
    assert game.league is League.NBA
    assert (game.state, game.status, game.completed, game.is_final) == (
        Phase.PRE,
        GameStatus.SCHEDULED,
        False,
        False,
    )
    assert (game.home.team_id, game.home.abbreviation, game.home.name) == ("2", "BOS", "Boston Celtics")
    assert (game.away.team_id, game.away.abbreviation) == ("13", "LAL")
    assert game.home.score == 0 and game.away.score == 0
    assert game.period == 0
    assert game.spread == Decimal("-3.5")
    assert (game.home_moneyline, game.away_moneyline) == (-166, 140)  # the closing line, not the open
    assert game.home_win_prob is None
    assert game.situation is None
    assert game.start_time == datetime(2025, 12, 8, 0, 30, tzinfo=UTC)
    assert game.name == "Los Angeles Lakers at Boston Celtics"


def test_nba_in_progress_reads_clock_scores_and_espn_win_probability(espn_fixture) -> None:
    game = by_id(parse_scoreboard(espn_fixture("scoreboard_nba.json")))["401900102"]
    assert (game.state, game.status, game.is_live) == (Phase.IN, GameStatus.IN_PROGRESS, True)
    assert (game.home.score, game.away.score) == (54, 49)
    assert game.period == 2
    assert game.clock_seconds == Decimal("349.0")
    assert isinstance(game.clock_seconds, Decimal)
    assert game.display_clock == "5:49"
    assert game.status_detail == "5:49 - 2nd Quarter"
    assert game.home_win_prob == Decimal("0.634")
    assert game.spread is None and game.home_moneyline is None  # odds gone once play starts
    assert game.situation is None  # an NBA situation has only lastPlay


@pytest.mark.parametrize(
    ("event_id", "status", "period", "clock", "completed"),
    [
        ("401900103", GameStatus.HALFTIME, 2, Decimal("0.0"), False),
        ("401900104", GameStatus.IN_PROGRESS, 5, Decimal("154.3"), False),  # overtime: period 5
        ("401900105", GameStatus.FINAL, 5, Decimal("0.0"), True),  # Final/OT
        ("401900106", GameStatus.END_PERIOD, 3, Decimal("0.0"), False),
    ],
)
def test_nba_status_variants(espn_fixture, event_id, status, period, clock, completed) -> None:
    game = by_id(parse_scoreboard(espn_fixture("scoreboard_nba.json")))[event_id]
    assert (game.status, game.period, game.clock_seconds, game.completed) == (
        status,
        period,
        clock,
        completed,
    )
    assert game.is_final is (status is GameStatus.FINAL)


def test_nba_overtime_final_keeps_detail_and_scores(espn_fixture) -> None:
    game = by_id(parse_scoreboard(espn_fixture("scoreboard_nba.json")))["401900105"]
    assert game.status_detail == "Final/OT"
    assert (game.home.score, game.away.score) == (121, 124)
    assert game.state is Phase.POST


def test_int_scores_numeric_moneylines_details_spread_and_neutral_site(espn_fixture) -> None:
    games = by_id(parse_scoreboard(espn_fixture("scoreboard_nba_variants.json")))
    cup = games["401900201"]
    assert cup.neutral_site is True
    assert cup.status is GameStatus.SCHEDULED  # status only on the event, not the competition
    # details "LAL -2.5" with LAL away: the home line is +2.5
    assert cup.spread == Decimal("2.5")
    assert (cup.home_moneyline, cup.away_moneyline) == (115, -135)  # old numeric moneyLine
    final = games["401900202"]
    assert (final.home.score, final.away.score) == (101, 97)  # JSON integers, not strings
    assert final.spread == Decimal(0)  # "EVEN"
    assert final.is_final


def test_nfl_situation_is_flattened_with_possession_team_id(espn_fixture) -> None:
    game = by_id(parse_scoreboard(espn_fixture("scoreboard_nfl.json")))["401900301"]
    assert game.situation == {
        "down": 3,
        "distance": 4,
        "yard_line": 18,
        "possession": "2",
        "is_red_zone": True,
        "home_timeouts": 2,
        "away_timeouts": 1,
        "down_distance_text": "3rd & 4 at KC 18",
    }
    assert game.situation["possession"] == game.away.team_id
    assert game.home_win_prob == Decimal("0.412")
    assert game.clock_seconds == Decimal("312.0")


def test_nfl_overtime_and_final(espn_fixture) -> None:
    games = by_id(parse_scoreboard(espn_fixture("scoreboard_nfl.json")))
    overtime = games["401900302"]
    assert (overtime.period, overtime.status_detail, overtime.is_live) == (5, "7:01 - OT", True)
    assert overtime.situation is not None and overtime.situation["possession"] == "8"
    assert overtime.situation["is_red_zone"] is False
    assert games["401900304"].is_final


def test_nfl_neutral_site_pre_game_spread_from_details_and_numeric_moneylines(espn_fixture) -> None:
    game = by_id(parse_scoreboard(espn_fixture("scoreboard_nfl.json")))["401900303"]
    assert game.neutral_site is True
    assert game.home.abbreviation == "JAX"  # a neutral-site game still names a home team
    assert game.spread == Decimal("3")  # "LAR -3", LAR away
    assert (game.home_moneyline, game.away_moneyline) == (135, -160)


def test_nhl_overtime_has_no_win_probability(espn_fixture) -> None:
    games = by_id(parse_scoreboard(espn_fixture("scoreboard_nhl.json")))
    overtime = games["401900401"]
    assert (overtime.period, overtime.status_detail) == (4, "17:09 - OT")
    assert overtime.clock_seconds == Decimal("1029.0")
    assert overtime.home_win_prob is None
    assert overtime.situation is None
    shootout = games["401900402"]
    assert shootout.status_detail == "Final/SO" and shootout.is_final


def test_nhl_moneyline_details_are_never_read_as_a_spread(espn_fixture) -> None:
    game = by_id(parse_scoreboard(espn_fixture("scoreboard_nhl.json")))["401900403"]
    assert game.spread is None  # details "UTAH -135" is a moneyline in hockey
    assert (game.home_moneyline, game.away_moneyline) == (-135, 115)
    assert game.home.team_id == "129764"


def test_mlb_live_situation(espn_fixture) -> None:
    game = by_id(parse_scoreboard(espn_fixture("scoreboard_mlb.json")))["401900501"]
    assert game.situation == {
        "balls": 2,
        "strikes": 1,
        "outs": 1,
        "on_first": True,
        "on_second": False,
        "on_third": True,
    }
    assert game.period == 6
    assert game.home_win_prob is None


def test_mlb_postponed_is_post_but_never_final(espn_fixture) -> None:
    game = by_id(parse_scoreboard(espn_fixture("scoreboard_mlb.json")))["401900502"]
    assert (game.state, game.status, game.completed) == (Phase.POST, GameStatus.POSTPONED, False)
    assert game.is_final is False
    assert (game.home.score, game.away.score, game.period) == (0, 0, 1)


def test_mlb_suspended_keeps_partial_score_and_is_not_final(espn_fixture) -> None:
    game = by_id(parse_scoreboard(espn_fixture("scoreboard_mlb.json")))["401900503"]
    assert (game.state, game.status, game.completed) == (Phase.POST, GameStatus.SUSPENDED, False)
    assert (game.home.score, game.away.score, game.period) == (3, 3, 7)
    assert not game.is_final


def test_mlb_delay_cancel_extras_and_run_line(espn_fixture) -> None:
    games = by_id(parse_scoreboard(espn_fixture("scoreboard_mlb.json")))
    assert games["401900504"].status is GameStatus.DELAYED
    assert games["401900507"].status is GameStatus.CANCELED and not games["401900507"].is_final
    extras = games["401900505"]
    assert (extras.status_detail, extras.period, extras.is_final) == ("Final/10", 10, True)
    scheduled = games["401900506"]
    assert scheduled.period == 1  # MLB pre-game period is 1
    assert scheduled.spread == Decimal("1.5")  # the home run line from odds.spread
    assert (scheduled.home_moneyline, scheduled.away_moneyline) == (128, -150)


def test_college_football(espn_fixture) -> None:
    games = by_id(parse_scoreboard(espn_fixture("scoreboard_college_football.json")))
    assert {game.league for game in games.values()} == {League.COLLEGE_FOOTBALL}
    army_navy = games["401900601"]
    assert army_navy.neutral_site and army_navy.spread is None and army_navy.home_moneyline is None
    live = games["401900602"]
    assert live.situation is not None and live.situation["possession"] == "130"
    assert live.home_win_prob == Decimal("0.771")
    double_ot = games["401900603"]
    assert (double_ot.period, double_ot.is_final, double_ot.status_detail) == (6, True, "Final/2OT")
    hawaii = games["401900604"]
    assert hawaii.start_time == datetime(2025, 11, 30, 5, 0, tzinfo=UTC)
    assert hawaii.spread == Decimal("7.5")  # "UNLV -7.5", UNLV away


def test_wnba_and_mens_college_basketball(espn_fixture) -> None:
    wnba = by_id(parse_scoreboard(espn_fixture("scoreboard_wnba.json")))
    assert wnba["401900701"].league is League.WNBA
    assert wnba["401900701"].home_win_prob == Decimal("0.421")
    assert (wnba["401900702"].home.abbreviation, wnba["401900702"].away.abbreviation) == ("GS", "LA")
    mcbb = by_id(parse_scoreboard(espn_fixture("scoreboard_mens_college_basketball.json")))
    live = mcbb["401900801"]
    assert live.league is League.MENS_COLLEGE_BASKETBALL
    assert (live.period, live.clock_seconds, live.home_win_prob) == (2, Decimal("601.0"), Decimal("0.205"))
    assert mcbb["401900802"].spread is None  # no odds at all


def test_empty_day_is_an_empty_list(espn_fixture) -> None:
    assert parse_scoreboard(espn_fixture("scoreboard_empty.json")) == []


def test_league_from_payload_given_or_missing(espn_fixture) -> None:
    payload = espn_fixture("scoreboard_no_league.json")
    with pytest.raises(EspnPayloadError, match="league not given and not in payload"):
        parse_scoreboard(payload)
    games = parse_scoreboard(payload, League.NBA)
    assert [game.league for game in games] == [League.NBA]
    assert parse_scoreboard(payload, "nba")[0].league is League.NBA


def test_given_league_must_match_the_payload(espn_fixture) -> None:
    payload = espn_fixture("scoreboard_nfl.json")
    assert parse_scoreboard(payload, League.NFL)
    with pytest.raises(EspnPayloadError, match="'nfl', not 'nba'"):
        parse_scoreboard(payload, League.NBA)
    with pytest.raises(EspnPayloadError, match="unknown league"):
        parse_scoreboard(payload, "curling")


def test_league_by_numeric_id_when_the_slug_is_missing(espn_fixture) -> None:
    payload = espn_fixture("scoreboard_nhl.json")
    del payload["leagues"][0]["slug"]
    assert {game.league for game in parse_scoreboard(payload)} == {League.NHL}


def test_unsupported_league_slug_is_refused(espn_fixture) -> None:
    payload = espn_fixture("scoreboard_nba.json")
    payload["leagues"][0]["slug"] = "womens-college-basketball"
    with pytest.raises(EspnPayloadError, match="unsupported league"):
        parse_scoreboard(payload)


def test_parse_payload_detects_a_scoreboard(espn_fixture) -> None:
    assert len(parse_payload(espn_fixture("scoreboard_nba.json"))) == 6


def test_no_float_survives_parsing(espn_fixture) -> None:
    for name in ("scoreboard_nba.json", "scoreboard_nfl.json", "scoreboard_mlb.json"):
        for game in parse_scoreboard(espn_fixture(name)):
            for value in game.model_dump().values():
                assert not isinstance(value, float)
            for value in (game.situation or {}).values():
                assert not isinstance(value, float)
