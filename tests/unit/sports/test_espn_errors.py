"""Malformed payloads: a typed EspnPayloadError with a clear message, never anything else."""

import copy
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from inplay.sports.espn import EspnPayloadError, parse_payload, parse_scoreboard, parse_summary
from inplay.sports.models import GameState, League
from tests.unit.sports.espn_fixtures import load


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ([], "payload must be a JSON object, got an array"),
        ("events", "payload must be a JSON object, got a string"),
        (None, "payload must be a JSON object, got null"),
        ({}, "no 'events' and no 'header'"),
        ({"leagues": [{"slug": "nba"}], "events": {}}, "no 'events' list"),
        ({"leagues": [{"slug": "nba"}], "events": [42]}, r"events\[0\] must be a JSON object, got a number"),
        ({"leagues": [{"slug": "nba"}], "events": [{"id": "1"}]}, "no 'competitions'"),
        ({"header": []}, "no 'header' object"),
    ],
)
def test_shapes_that_are_not_espn(payload, message) -> None:
    with pytest.raises(EspnPayloadError, match=message):
        parse_payload(payload)


def first_event() -> tuple[dict[str, Any], dict[str, Any]]:
    payload = load("scoreboard_nba.json")
    payload["events"] = payload["events"][1:2]
    return payload, payload["events"][0]["competitions"][0]


def test_competitors_missing() -> None:
    payload, competition = first_event()
    del competition["competitors"]
    with pytest.raises(EspnPayloadError, match="event 401900102: competitors missing"):
        parse_scoreboard(payload)


def test_two_home_teams() -> None:
    payload, competition = first_event()
    competition["competitors"][1]["homeAway"] = "home"
    with pytest.raises(EspnPayloadError, match="two home competitors"):
        parse_scoreboard(payload)


def test_three_competitors() -> None:
    payload, competition = first_event()
    competition["competitors"].append(copy.deepcopy(competition["competitors"][0]))
    competition["competitors"][2]["homeAway"] = "neither"
    with pytest.raises(EspnPayloadError, match="homeAway must be home/away"):
        parse_scoreboard(payload)


def test_team_id_missing() -> None:
    payload, competition = first_event()
    del competition["competitors"][0]["team"]["id"]
    del competition["competitors"][0]["id"]
    with pytest.raises(EspnPayloadError, match="home: team id missing"):
        parse_scoreboard(payload)


def test_bad_score_names_the_event_and_side() -> None:
    payload, competition = first_event()
    competition["competitors"][1]["score"] = "forty"
    with pytest.raises(EspnPayloadError, match="event 401900102: away: score"):
        parse_scoreboard(payload)


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda s: s.pop("type"), "status.type must be a JSON object"),
        (lambda s: s["type"].update(state="live"), "state must be pre/in/post"),
        (lambda s: s["type"].update(completed="yes"), "completed must be a boolean"),
        (lambda s: s.update(period="second"), "status.period is not a number"),
        (lambda s: s.update(period=-1), "period"),
    ],
)
def test_bad_status(mutate, message) -> None:
    payload, competition = first_event()
    mutate(competition["status"])
    with pytest.raises(EspnPayloadError, match=message):
        parse_scoreboard(payload)


def test_missing_completed_means_not_completed() -> None:
    payload, competition = first_event()
    del competition["status"]["type"]["completed"]
    assert parse_scoreboard(payload)[0].completed is False


def test_one_bad_event_can_be_skipped_and_reported() -> None:
    payload = load("scoreboard_nba.json")
    del payload["events"][2]["competitions"][0]["competitors"]
    with pytest.raises(EspnPayloadError):
        parse_scoreboard(payload)
    errors: list[EspnPayloadError] = []
    games = parse_scoreboard(payload, errors=errors)
    assert len(games) == 5
    assert "401900103" not in {game.event_id for game in games}
    assert len(errors) == 1 and "401900103" in str(errors[0])


def test_summary_needs_teams() -> None:
    payload = load("summary_nba_live.json")
    competition = payload["header"]["competitions"][0]
    competition["competitors"] = competition["competitors"][:1]
    with pytest.raises(EspnPayloadError, match="exactly one home and one away"):
        parse_summary(payload)


# ---------------------------------------------------------------- property: only EspnPayloadError

FIXTURE_NAMES = [
    "scoreboard_nba.json",
    "scoreboard_nfl.json",
    "scoreboard_mlb.json",
    "scoreboard_nhl.json",
    "summary_nba_live.json",
    "summary_nfl_pregame.json",
]
FIXTURES = {name: load(name) for name in FIXTURE_NAMES}

json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.sampled_from(["", "0", "-1", "1e999999999", "NaN", "2025-12-07T18:00Z", "home", "away", "pre", "in"]),
)
json_values = st.recursive(
    json_scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=3), st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=8,
)


def paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            found += paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node[:3]):
            found += paths(value, (*prefix, index))
    return found


@st.composite
def mutated_payloads(draw: st.DrawFn) -> Any:
    payload = copy.deepcopy(FIXTURES[draw(st.sampled_from(FIXTURE_NAMES))])
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        all_paths = paths(payload)
        path = draw(st.sampled_from(all_paths))
        if not path:
            return draw(json_values)
        parent = payload
        for step in path[:-1]:
            parent = parent[step]
        action = draw(st.sampled_from(["replace", "delete"]))
        if action == "delete":
            if isinstance(parent, dict):
                del parent[path[-1]]
            else:
                parent.pop(path[-1])
        else:
            parent[path[-1]] = draw(json_values)
    return payload


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_payloads(), st.sampled_from([None, League.NBA, League.NFL]))
def test_mutated_payloads_raise_only_espn_payload_errors(payload, league) -> None:
    try:
        games = parse_payload(payload, league)
    except EspnPayloadError as exc:
        assert str(exc)
        return
    assert all(isinstance(game, GameState) for game in games)
