"""Replay time (speed, injected clock) and the ESPN status a game shows at each moment."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

import pytest

from inplay.sports.models import League
from local.espn_replay import GameSpec, ReplayClock, ReplayError, ReplayService, Scenario, demo_scenario
from local.espn_replay.view import compute_view, format_clock
from tests.unit.replay.helpers import T0, ManualClock


def one_game(
    league: League, clock: ManualClock, speed: float = 1.0, seed: int = 5, **spec: object
) -> ReplayService:
    return ReplayService(Scenario((GameSpec(league, **spec),), seed=seed), speed=speed, clock=clock)  # type: ignore[arg-type]


@pytest.mark.parametrize("speed", [0, -1.0, math.nan, math.inf, True, "2"])
def test_speed_must_be_a_positive_finite_number(speed: object) -> None:
    with pytest.raises(ReplayError, match="speed"):
        ReplayClock(speed)  # type: ignore[arg-type]


def test_a_naive_clock_is_rejected() -> None:
    with pytest.raises(ReplayError, match="aware"):
        ReplayClock(1.0, clock=lambda: datetime(2025, 1, 1))


def test_game_time_is_wall_time_since_start_times_speed(clock: ManualClock) -> None:
    replay = ReplayClock(4.0, clock=clock)
    start = T0 + timedelta(seconds=30)
    assert replay.game_seconds(start) == -120.0
    clock.advance(90)
    assert replay.game_seconds(start) == 240.0
    assert replay.wall_time(start, 240.0) == clock.now


def test_speed_ten_plays_ten_game_seconds_per_wall_second(clock: ManualClock) -> None:
    service = one_game(League.NBA, clock, speed=10.0, starts_in=timedelta(0))
    game = service.games[0]
    clock.advance(60)
    view = service.view(game)
    assert view.state == "in"
    assert view.period == 1
    assert view.display_clock == "2:00"
    assert view.status.detail == "2:00 - 1st Quarter"
    assert view.status.short_detail == "2:00 - 1st"


def test_elapsed_places_a_live_game_whatever_the_speed(clock: ManualClock) -> None:
    for speed in (1.0, 3.0, 60.0):
        service = one_game(League.NBA, clock, speed=speed, elapsed=timedelta(minutes=3))
        game = service.games[0]
        assert service.clock.game_seconds(game.scheduled_start) == pytest.approx(180.0)
        assert service.view(game).display_clock == "9:00"


def test_nba_walks_through_pre_quarters_halftime_and_final(clock: ManualClock) -> None:
    service = one_game(League.NBA, clock, starts_in=timedelta(minutes=1))
    game = service.games[0]
    pre = service.view(game)
    assert (pre.state, pre.status.name, pre.period, pre.display_clock) == (
        "pre",
        "STATUS_SCHEDULED",
        0,
        "0.0",
    )
    assert pre.status.detail == "Sun, December 7th at 6:01 PM EST"
    assert pre.status.short_detail == "12/7 - 6:01 PM EST"

    q1 = compute_view(game, 30.0)
    assert (q1.status.name, q1.status.id, q1.period, q1.clock, q1.display_clock) == (
        "STATUS_IN_PROGRESS",
        "2",
        1,
        690.0,
        "11:30",
    )
    last_minute = compute_view(game, 720.0 - 12.34)
    assert last_minute.display_clock == "12.3"
    assert last_minute.clock == pytest.approx(12.3)

    end_q1 = compute_view(game, 721.0)
    assert (end_q1.status.name, end_q1.status.detail, end_q1.status.short_detail) == (
        "STATUS_END_PERIOD",
        "End of 1st Quarter",
        "End of 1st",
    )
    second = game.script.segments[1]
    halftime = compute_view(game, second.end + 1)
    assert (halftime.status.name, halftime.status.id, halftime.state, halftime.period) == (
        "STATUS_HALFTIME",
        "23",
        "in",
        2,
    )
    final = compute_view(game, game.script.end + 1)
    assert (final.state, final.status.completed, final.status.detail) == (
        "post",
        True,
        game.script.final_detail,
    )
    assert final.winner == ("home" if game.script.home_score > game.script.away_score else "away")
    assert final.revealed == len(game.script.plays)


def test_clock_only_runs_down_within_a_period(clock: ManualClock) -> None:
    game = one_game(League.NFL, clock, seed=9).games[0]
    first = game.script.segments[0]
    clocks = [compute_view(game, first.start + s).clock for s in range(0, 900, 37)]
    assert clocks == sorted(clocks, reverse=True)
    assert all(0 <= c <= 900 for c in clocks)


def test_revealed_plays_and_scores_only_grow(clock: ManualClock) -> None:
    game = one_game(League.MLB, clock, seed=4).games[0]
    previous = compute_view(game, 0.0)
    for seconds in range(0, int(game.script.end) + 600, 300):
        view = compute_view(game, float(seconds))
        assert view.revealed >= previous.revealed
        assert view.home_score >= previous.home_score and view.away_score >= previous.away_score
        previous = view
    assert previous.status.completed


def test_mlb_half_innings_and_breaks(clock: ManualClock) -> None:
    game = one_game(League.MLB, clock, seed=2).games[0]
    top, bottom = game.script.segments[0], game.script.segments[1]
    assert compute_view(game, -5).period == 1, "MLB shows period 1 before the first pitch"
    assert compute_view(game, top.start + 1).status.detail == "Top 1st"
    middle = compute_view(game, top.end + 1)
    assert (middle.status.detail, middle.status.short_detail) == ("Middle 1st", "Mid 1st")
    bottom_view = compute_view(game, bottom.start + 1)
    assert (bottom_view.status.detail, bottom_view.status.short_detail) == ("Bottom 1st", "Bot 1st")
    assert compute_view(game, bottom.end + 1).status.detail == "End 1st"
    assert bottom_view.display_clock == "0:00"


def test_postponed_game(clock: ManualClock) -> None:
    service = one_game(League.MLB, clock, elapsed=timedelta(hours=2), special="postponed")
    view = service.view(service.games[0])
    assert (view.state, view.status.name, view.status.id, view.status.completed) == (
        "post",
        "STATUS_POSTPONED",
        "6",
        False,
    )
    assert (view.home_score, view.away_score, view.period, view.revealed) == (0, 0, 1, 0)


def test_suspended_game_keeps_its_partial_score(clock: ManualClock) -> None:
    service = one_game(League.MLB, clock, seed=3, starts_in=timedelta(0), special="suspended", suspend_at=0.5)
    game = service.games[0]
    assert game.suspend_after is not None
    live = compute_view(game, game.suspend_after - 1)
    assert live.status.name == "STATUS_IN_PROGRESS"
    suspended = compute_view(game, game.suspend_after + 1)
    later = compute_view(game, game.script.end + 3600)
    for view in (suspended, later):
        assert (view.state, view.status.name, view.status.completed) == ("post", "STATUS_SUSPENDED", False)
        assert view.revealed == game.script.revealed(game.suspend_after)
        assert view.winner is None
    assert later.home_score == suspended.home_score and later.away_score == suspended.away_score
    assert 1 <= suspended.period < 9


@pytest.mark.parametrize(
    ("league", "seconds", "expected"),
    [
        (League.NBA, 349.2, (350.0, "5:50")),
        (League.NBA, 59.96, (59.9, "59.9")),
        (League.NBA, 0.0, (0.0, "0.0")),
        (League.NFL, 59.5, (60.0, "1:00")),
        (League.NHL, 5.0, (5.0, "0:05")),
        (League.MLB, 100.0, (0.0, "0:00")),
    ],
)
def test_clock_formats(league: League, seconds: float, expected: tuple[float, str]) -> None:
    assert format_clock(league, seconds) == expected


def test_period_names_in_overtime_and_college_halves(clock: ManualClock) -> None:
    from local.espn_replay.view import period_labels

    assert period_labels(League.NBA, 5) == ("OT", "OT")
    assert period_labels(League.NBA, 6) == ("2OT", "2OT")
    assert period_labels(League.MENS_COLLEGE_BASKETBALL, 2) == ("2nd Half", "2nd Half")
    assert period_labels(League.NHL, 3) == ("3rd Period", "3rd")
    assert period_labels(League.NHL, 5) == ("Shootout", "SO")


def test_demo_scenario_has_live_nba_games_whose_scores_move_within_a_minute(clock: ManualClock) -> None:
    service = ReplayService(demo_scenario(), speed=1.0, clock=clock)
    live = [g for g in service.games if g.league is League.NBA and service.view(g).state == "in"]
    assert live, "the demo starts with a live NBA game"
    before = {g.event_id: service.view(g) for g in live}
    clock.advance(60)
    after = {g.event_id: service.view(g) for g in live}
    for event_id, view in before.items():
        moved = after[event_id].home_score + after[event_id].away_score
        assert moved > view.home_score + view.away_score, f"NBA game {event_id} did not score within 60 s"
    states = {service.view(g).status.name for g in service.games}
    assert {
        "STATUS_SCHEDULED",
        "STATUS_IN_PROGRESS",
        "STATUS_FINAL",
        "STATUS_POSTPONED",
        "STATUS_SUSPENDED",
    } <= states


def test_slate_helper_places_live_upcoming_final_and_later_games(clock: ManualClock) -> None:
    scenario = Scenario.slate({League.NHL: 4, League.NBA: 1}, seed=3)
    service = ReplayService(scenario, speed=1.0, clock=clock)
    states = [service.view(g).status.name for g in service.games]
    assert states == [
        "STATUS_IN_PROGRESS",
        "STATUS_SCHEDULED",
        "STATUS_FINAL",
        "STATUS_SCHEDULED",
        "STATUS_IN_PROGRESS",
    ]
    assert len({g.event_id for g in service.games}) == 5
    nhl_teams = [t.id for g in service.games if g.league is League.NHL for t in (g.home, g.away)]
    assert len(nhl_teams) == len(set(nhl_teams)), "no team plays twice on one slate while others are free"


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"league": "curling"}, "unknown league"),
        ({"league": League.NBA, "starts_in": timedelta(0), "elapsed": timedelta(0)}, "either"),
        ({"league": League.NBA, "elapsed": timedelta(seconds=-1)}, "elapsed"),
        ({"league": League.NBA, "special": "cancelled"}, "special"),
        ({"league": League.NBA, "suspend_at": 1.5}, "suspend_at"),
        ({"league": League.NBA, "home": "XYZ"}, "no nba team 'XYZ'"),
        ({"league": League.NBA, "home": "BOS", "away": "BOS"}, "different"),
        ({"league": League.NBA, "event_id": "abc"}, "numeric"),
    ],
)
def test_bad_game_specs_are_rejected_with_a_clear_message(spec: dict[str, object], message: str) -> None:
    with pytest.raises(ReplayError, match=message):
        GameSpec(**spec)  # type: ignore[arg-type]


def test_bad_scenarios_are_rejected() -> None:
    with pytest.raises(ReplayError, match="at least one game"):
        Scenario(())
    with pytest.raises(ReplayError, match="unique"):
        Scenario((GameSpec(League.NBA, event_id="1"), GameSpec(League.NHL, event_id="1")))
    with pytest.raises(ReplayError, match="scenario"):
        ReplayService("demo", speed=1.0)  # type: ignore[arg-type]
