"""Summary payloads (``summary?event=ID``) → one GameState."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from inplay.sports.espn import EspnPayloadError, parse_payload, parse_summary
from inplay.sports.models import GameStatus, League, Phase


def test_live_summary_uses_the_last_win_probability_and_pickcenter(espn_fixture) -> None:
    game = parse_summary(espn_fixture("summary_nba_live.json"))
    assert (game.league, game.event_id) == (League.NBA, "401900901")
    assert (game.state, game.status, game.period) == (Phase.IN, GameStatus.IN_PROGRESS, 3)
    assert (game.home.score, game.away.score) == (88, 83)
    assert game.home_win_prob == Decimal("0.712")  # the last winprobability entry
    assert game.spread == Decimal("-6.5")
    assert (game.home_moneyline, game.away_moneyline) == (-260, 210)
    assert game.start_time == datetime(2025, 12, 8, 0, 30, tzinfo=UTC)
    assert game.name == "Los Angeles Lakers at Boston Celtics"


def test_summary_clock_falls_back_to_the_display_clock(espn_fixture) -> None:
    game = parse_summary(espn_fixture("summary_nba_live.json"))
    assert game.display_clock == "3:12"
    assert game.clock_seconds == Decimal(192)


def test_pre_game_summary_has_no_scores_and_no_win_probability(espn_fixture) -> None:
    game = parse_summary(espn_fixture("summary_nfl_pregame.json"))
    assert game.league is League.NFL
    assert game.home.score is None and game.away.score is None
    assert game.home_win_prob is None  # winprobability is [] before the start
    assert game.state is Phase.PRE
    assert game.spread == Decimal("-2.5")  # the first pickcenter entry
    assert (game.home_moneyline, game.away_moneyline) == (-142, 120)


def test_nhl_summary_without_winprobability(espn_fixture) -> None:
    payload = espn_fixture("summary_nhl_final.json")
    assert "winprobability" not in payload
    game = parse_summary(payload)
    assert game.home_win_prob is None
    assert game.is_final and game.status_detail == "Final/SO"
    assert game.spread is None  # empty pickcenter


def test_mlb_summary_situation_and_probability_without_tie(espn_fixture) -> None:
    game = parse_summary(espn_fixture("summary_mlb_live.json"))
    assert game.home_win_prob == Decimal("0.398")
    assert game.situation == {
        "balls": 2,
        "strikes": 1,
        "outs": 1,
        "on_first": True,
        "on_second": False,
        "on_third": True,
    }


def test_scores_come_from_integer_plays_when_the_header_has_none(espn_fixture) -> None:
    payload = espn_fixture("summary_nhl_final.json")
    for competitor in payload["header"]["competitions"][0]["competitors"]:
        del competitor["score"]
    game = parse_summary(payload)
    assert (game.home.score, game.away.score) == (3, 4)


def test_parse_payload_detects_a_summary(espn_fixture) -> None:
    games = parse_payload(espn_fixture("summary_nba_live.json"))
    assert [game.event_id for game in games] == ["401900901"]


def test_summary_league_from_header_must_match(espn_fixture) -> None:
    payload = espn_fixture("summary_nba_live.json")
    with pytest.raises(EspnPayloadError, match="not 'wnba'"):
        parse_summary(payload, League.WNBA)
    del payload["header"]["league"]
    with pytest.raises(EspnPayloadError, match="league not given"):
        parse_summary(payload)
    assert parse_summary(payload, League.NBA).league is League.NBA


def test_summary_without_competitions_is_refused(espn_fixture) -> None:
    payload = espn_fixture("summary_nba_live.json")
    payload["header"]["competitions"] = []
    with pytest.raises(EspnPayloadError, match="no 'competitions'"):
        parse_summary(payload)
