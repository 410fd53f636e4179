"""The replay's JSON goes through the project's own ESPN parser into the expected GameStates."""

from __future__ import annotations

from decimal import Decimal

import pytest

from inplay.sports.espn import parse_scoreboard, parse_summary
from inplay.sports.models import GameState, GameStatus, League, Phase
from local.espn_replay import ReplayService, demo_scenario
from local.espn_replay.scenario import ReplayGame
from local.espn_replay.view import View, current_bases
from tests.unit.replay.helpers import ManualClock

STATUS = {
    "STATUS_SCHEDULED": GameStatus.SCHEDULED,
    "STATUS_IN_PROGRESS": GameStatus.IN_PROGRESS,
    "STATUS_HALFTIME": GameStatus.HALFTIME,
    "STATUS_END_PERIOD": GameStatus.END_PERIOD,
    "STATUS_FINAL": GameStatus.FINAL,
    "STATUS_POSTPONED": GameStatus.POSTPONED,
    "STATUS_SUSPENDED": GameStatus.SUSPENDED,
}


def check_common(state: GameState, game: ReplayGame, view: View) -> None:
    assert state.league is game.league
    assert state.event_id == game.event_id
    assert (state.home.team_id, state.home.abbreviation) == (game.home.id, game.home.abbreviation)
    assert (state.away.team_id, state.away.abbreviation) == (game.away.id, game.away.abbreviation)
    assert state.state is Phase(view.state)
    assert state.completed is view.status.completed
    assert state.status is STATUS[view.status.name]
    assert state.is_final is (view.status.name == "STATUS_FINAL")
    assert state.period == view.period
    assert state.clock_seconds == Decimal(str(view.clock))
    assert state.display_clock == view.display_clock
    assert state.status_detail == view.status.detail
    assert state.start_time == game.scheduled_start.replace(second=0, microsecond=0)
    assert state.neutral_site is False


def check_situation(state: GameState, game: ReplayGame, view: View) -> None:
    last = view.last_play
    if view.state != "in" or last is None:
        assert state.situation is None
        return
    situation = state.situation or {}
    if game.league.sport == "football":
        spot = last.spot_after
        assert spot is not None
        assert situation["possession"] == (game.home if spot.possession == "home" else game.away).id
        assert (situation["down"], situation["distance"], situation["yard_line"]) == (
            spot.down,
            spot.distance,
            spot.yard_line,
        )
    elif game.league is League.MLB:
        bases = current_bases(view)
        assert bases is not None
        assert situation["outs"] == bases.outs
        assert (situation["on_first"], situation["on_second"], situation["on_third"]) == (
            bases.first,
            bases.second,
            bases.third,
        )
    else:
        assert state.situation is None


def expected_scoreboard_wp(game: ReplayGame, view: View) -> Decimal | None:
    last = view.last_play
    if view.state != "in" or last is None or last.home_wp is None:
        return None
    return Decimal(str(last.home_wp))


@pytest.mark.parametrize("minutes_later", [0, 7, 95, 400])
def test_scoreboards_parse_into_the_expected_game_states(clock: ManualClock, minutes_later: int) -> None:
    service = ReplayService(demo_scenario(), speed=1.5, clock=clock)
    clock.advance(minutes_later * 60)
    seen = 0
    for league in League:
        payload = service.scoreboard(league, {"dates": "20251207", "limit": "500"})
        states = {s.event_id: s for s in parse_scoreboard(payload, league)}
        for game in (g for g in service.games if g.league is league):
            view = service.view(game)
            state = states[game.event_id]
            check_common(state, game, view)
            check_situation(state, game, view)
            assert (state.home.score, state.away.score) == (view.home_score, view.away_score)
            assert state.home_win_prob == expected_scoreboard_wp(game, view)
            line = game.matchup.line
            if view.state == "pre":
                assert state.spread == Decimal(str(line.spread))
                assert (state.home_moneyline, state.away_moneyline) == (
                    line.home_moneyline,
                    line.away_moneyline,
                )
            else:
                assert (state.spread, state.home_moneyline, state.away_moneyline) == (None, None, None)
            seen += 1
    assert seen == len(service.games)


@pytest.mark.parametrize("minutes_later", [0, 7, 95, 400])
def test_summaries_parse_into_the_expected_game_states(clock: ManualClock, minutes_later: int) -> None:
    service = ReplayService(demo_scenario(), speed=1.5, clock=clock)
    clock.advance(minutes_later * 60)
    for game in service.games:
        view = service.view(game)
        state = parse_summary(service.summary(game.league, game.event_id), game.league)
        check_common(state, game, view)
        if view.started:
            assert (state.home.score, state.away.score) == (view.home_score, view.away_score)
        else:
            assert (state.home.score, state.away.score) == (None, None)
        last = view.last_play
        if game.league is League.NHL or last is None or last.home_wp is None:
            assert state.home_win_prob is None
        else:
            assert state.home_win_prob == Decimal(str(last.home_wp))
        line = game.matchup.line
        if game.special == "postponed":
            assert state.spread is None
        else:
            assert state.spread == Decimal(str(line.spread))
            assert (state.home_moneyline, state.away_moneyline) == (line.home_moneyline, line.away_moneyline)
        if game.league.sport in ("football", "baseball"):
            check_situation(state, game, view)
