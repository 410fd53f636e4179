"""Field-level conversions: scores, odds, statuses, clocks and probabilities."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from inplay.sports.espn import (
    EspnPayloadError,
    map_status,
    parse_american_odds,
    parse_score,
    parse_scoreboard,
)
from inplay.sports.models import GameStatus


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("STATUS_SCHEDULED", GameStatus.SCHEDULED),
        ("STATUS_IN_PROGRESS", GameStatus.IN_PROGRESS),
        ("STATUS_HALFTIME", GameStatus.HALFTIME),
        ("STATUS_END_PERIOD", GameStatus.END_PERIOD),
        ("STATUS_FINAL", GameStatus.FINAL),
        ("STATUS_FULL_TIME", GameStatus.FINAL),
        ("STATUS_FINAL_OT", GameStatus.FINAL),
        ("STATUS_FINAL_PEN", GameStatus.FINAL),
        ("STATUS_POSTPONED", GameStatus.POSTPONED),
        ("STATUS_SUSPENDED", GameStatus.SUSPENDED),
        ("STATUS_DELAYED", GameStatus.DELAYED),
        ("STATUS_RAIN_DELAY", GameStatus.DELAYED),
        ("STATUS_CANCELED", GameStatus.CANCELED),
        ("STATUS_FORFEIT", GameStatus.UNKNOWN),
        ("STATUS_SOMETHING_NEW", GameStatus.UNKNOWN),
    ],
)
def test_status_names(name, expected) -> None:
    assert map_status(name) is expected


def test_status_id_is_only_a_fallback() -> None:
    assert map_status(None, "23") is GameStatus.HALFTIME
    assert map_status(None, 3) is GameStatus.FINAL
    assert map_status("STATUS_SCHEDULED", "3") is GameStatus.SCHEDULED
    assert map_status(None, "99") is GameStatus.UNKNOWN
    assert map_status(None) is GameStatus.UNKNOWN


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("87", 87), (87, 87), (87.0, 87), ("0", 0), (None, None), ("", None), ({"value": 12.0}, 12)],
)
def test_scores(raw, expected) -> None:
    assert parse_score(raw) == expected


@pytest.mark.parametrize("raw", ["-1", "8.5", "abc", True, [3], {"value": "x"}, "1e999999999"])
def test_bad_scores_raise(raw) -> None:
    with pytest.raises(EspnPayloadError):
        parse_score(raw)


@given(st.integers(min_value=0, max_value=10**6))
def test_score_strings_round_trip(score: int) -> None:
    assert parse_score(str(score)) == score
    assert parse_score(score) == score
    assert parse_score(float(score)) == score


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("+114", 114),
        ("-130", -130),
        ("EVEN", 100),
        ("even", 100),
        (-440, -440),
        (135.0, 135),
        ("OFF", None),
        ("", None),
        ("+50", None),
        (None, None),
        (True, None),
        (float("nan"), None),
    ],
)
def test_american_odds(raw, expected) -> None:
    assert parse_american_odds(raw) == expected


@given(st.integers(min_value=100, max_value=100_000), st.sampled_from(["+", "-"]))
def test_american_odds_strings_round_trip(number: int, sign: str) -> None:
    assert parse_american_odds(f"{sign}{number}") == (number if sign == "+" else -number)


def one_game(espn_fixture, event_id="401900102"):
    payload = espn_fixture("scoreboard_nba.json")
    payload["events"] = [event for event in payload["events"] if event["id"] == event_id]
    return payload, payload["events"][0]["competitions"][0]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (0.634, Decimal("0.634")),
        (1, Decimal(1)),
        (0.0, Decimal("0.0")),
        (1.2, None),
        (-0.1, None),
        ("x", None),
    ],
)
def test_win_probability_is_a_decimal_in_0_1_or_dropped(espn_fixture, raw, expected) -> None:
    payload, competition = one_game(espn_fixture)
    competition["situation"]["lastPlay"]["probability"]["homeWinPercentage"] = raw
    assert parse_scoreboard(payload)[0].home_win_prob == expected


def test_win_probability_float_becomes_its_shortest_decimal(espn_fixture) -> None:
    payload, competition = one_game(espn_fixture)
    competition["situation"]["lastPlay"]["probability"]["homeWinPercentage"] = 0.1 + 0.2
    assert parse_scoreboard(payload)[0].home_win_prob == Decimal("0.30000000000000004")


def test_clock_string_and_display_fallback(espn_fixture) -> None:
    payload, competition = one_game(espn_fixture)
    competition["status"]["clock"] = "12.5"
    assert parse_scoreboard(payload)[0].clock_seconds == Decimal("12.5")
    del competition["status"]["clock"]
    del payload["events"][0]["status"]["clock"]
    competition["status"]["displayClock"] = "24.3"
    assert parse_scoreboard(payload)[0].clock_seconds == Decimal("24.3")
    competition["status"]["displayClock"] = "Halftime"
    assert parse_scoreboard(payload)[0].clock_seconds is None


def test_negative_clock_is_a_payload_error(espn_fixture) -> None:
    payload, competition = one_game(espn_fixture)
    competition["status"]["clock"] = -3.0
    with pytest.raises(EspnPayloadError, match="event 401900102: clock_seconds"):
        parse_scoreboard(payload)


@pytest.mark.parametrize(
    ("date", "iso"),
    [
        ("2025-12-07T18:00Z", "2025-12-07T18:00:00+00:00"),
        ("2025-12-07T18:00:00Z", "2025-12-07T18:00:00+00:00"),
        ("2025-12-07T18:00:00.000Z", "2025-12-07T18:00:00+00:00"),
        ("2025-12-07T13:00-05:00", "2025-12-07T18:00:00+00:00"),
    ],
)
def test_start_time_formats_end_in_utc(espn_fixture, date, iso) -> None:
    payload, _ = one_game(espn_fixture)
    payload["events"][0]["date"] = date
    assert parse_scoreboard(payload)[0].start_time.isoformat() == iso


@pytest.mark.parametrize("date", ["2025-12-07T18:00", "yesterday", "", 1733594400])
def test_bad_or_naive_start_time_raises(espn_fixture, date) -> None:
    payload, competition = one_game(espn_fixture)
    payload["events"][0]["date"] = date
    competition["date"] = date
    with pytest.raises(EspnPayloadError, match="start time"):
        parse_scoreboard(payload)


@pytest.mark.parametrize(
    ("details", "spread"),
    [("NY -4.5", Decimal("-4.5")), ("MIA -4.5", Decimal("4.5")), ("NY +1", Decimal(1)), ("PK", Decimal(0))],
)
def test_spread_from_details_when_spread_is_missing(espn_fixture, details, spread) -> None:
    payload, competition = one_game(espn_fixture)
    competition["odds"] = [{"details": details, "overUnder": 221.5}]
    assert parse_scoreboard(payload)[0].spread == spread


@pytest.mark.parametrize("details", ["BOS -4.5", "NYK -4.5", "N -4.5", "whatever", 7])
def test_details_naming_another_team_gives_no_spread(espn_fixture, details) -> None:
    payload, competition = one_game(espn_fixture)
    competition["odds"] = [{"details": details}]
    assert parse_scoreboard(payload)[0].spread is None


def test_odds_spread_wins_over_details(espn_fixture) -> None:
    payload, competition = one_game(espn_fixture)
    competition["odds"] = [{"details": "NY -4.5", "spread": -5.0}]
    assert parse_scoreboard(payload)[0].spread == Decimal("-5.0")


def test_bases_given_as_runner_objects_count_as_occupied(espn_fixture) -> None:
    payload, competition = one_game(espn_fixture)
    competition["situation"] = {"onFirst": {"playerId": 1}, "onSecond": None, "outs": 2, "balls": "x"}
    assert parse_scoreboard(payload)[0].situation == {"on_first": True, "outs": 2}
