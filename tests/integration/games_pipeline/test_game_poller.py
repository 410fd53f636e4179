"""game_poller and api handlers end to end under moto: the synthesized template provisioned into
mock_aws, the real handlers run through Lambda invoke, ESPN played by the replay server."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import httpx
import pytest

from inplay.config import Env
from inplay.sports.models import League
from local.cloud.events import load_event, rest_proxy_event
from local.cloud.lambda_patch import apply_environment
from local.cloud.moto_runtime import local_mock_aws
from local.cloud.provisioner import ProvisionedStack, provision_file
from local.espn_replay import GameSpec, ReplayServer, Scenario
from local.espn_replay.scenario import FINISHED
from tests.support.auth import SigningInUsers

pytestmark = [pytest.mark.timeout(120)]

NBA_LIVE = "401990001"
NBA_PRE = "401990002"
NHL_FINAL = "401990003"


class MovableClock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def replay() -> Iterator[tuple[ReplayServer, MovableClock]]:
    clock = MovableClock()
    scenario = Scenario(
        (
            # 20 game-minutes in at 40× speed: it started 30 s of wall time ago.
            GameSpec(League.NBA, elapsed=timedelta(minutes=20), event_id=NBA_LIVE, home="BOS", away="NY"),
            GameSpec(League.NBA, starts_in=timedelta(hours=3), event_id=NBA_PRE, home="LAL", away="SA"),
            GameSpec(League.NHL, elapsed=FINISHED, event_id=NHL_FINAL),
        ),
        seed=7,
    )
    with ReplayServer(scenario, speed=40, clock=clock) as server:
        yield server, clock


@pytest.fixture
def stack(template_path, replay) -> Iterator[ProvisionedStack]:
    server, _ = replay
    overrides = {
        Env.ESPN_BASE_URL.value: server.base_url,
        Env.LEAGUES.value: "nba,nhl",
        Env.POLL_INTERVAL_SECONDS.value: "0.2",
        Env.POLL_WINDOW_SECONDS.value: "0.5",
        "POWERTOOLS_METRICS_DISABLED": "true",
    }
    with local_mock_aws():
        stack = provision_file(template_path, env_overrides=overrides)
        restore = apply_environment(stack.environment)  # as LocalCloud does: one process, one env
        try:
            yield stack
        finally:
            restore()


def invoke(stack: ProvisionedStack, logical_id: str, event: dict[str, Any]) -> dict[str, Any]:
    response = boto3.client("lambda").invoke(
        FunctionName=stack.function(logical_id).name, Payload=json.dumps(event).encode()
    )
    payload = json.loads(response["Payload"].read())
    assert "FunctionError" not in response, payload
    return payload


def poll(stack: ProvisionedStack) -> dict[str, Any]:
    return invoke(stack, "GamePollerFunction", load_event("eventbridge/scheduled.json"))


def api(
    stack: ProvisionedStack, path: str, query: dict[str, str] | None = None
) -> tuple[int, dict[str, Any]]:
    """``GET <path>`` through the provisioned api function, signed in to the stack's user pool."""
    users = SigningInUsers.of_function(stack.function("ApiFunction").environment)
    token = users.token("fan")
    event = rest_proxy_event(
        method="GET",
        path=path,
        resource="/api/{proxy+}",
        path_parameters={"proxy": path.removeprefix("/api/")},
        query=list((query or {}).items()),
        headers=[("Accept", "application/json"), ("Authorization", f"Bearer {token}")],
        body=b"",
        binary=False,
        stage="prod",
        source_ip="127.0.0.1",
    )
    with users.installed():
        answer = invoke(stack, "ApiFunction", event)
    return answer["statusCode"], json.loads(answer["body"])


def rows(stack: ProvisionedStack) -> dict[tuple[str, str], dict[str, Any]]:
    table = stack.table("GamesTable").name
    items = boto3.client("dynamodb").scan(TableName=table, ConsistentRead=True)["Items"]
    return {(item["league"]["S"], item["event_id"]["S"]): item for item in items}


def test_the_poller_stores_what_espn_shows(stack, replay) -> None:
    server, _ = replay
    report = poll(stack)
    assert report["errors"] == {}
    assert report["live_leagues"] == ["nba"]
    assert report["passes"] >= 2  # a live game keeps the poller going within its window
    stored = rows(stack)
    assert {key for key in stored if key[1] != "#feed"} == {
        ("nba", NBA_LIVE),
        ("nba", NBA_PRE),
        ("nhl", NHL_FINAL),
    }
    # What is stored is exactly what the replay serves right now.
    live = json.loads(stored[("nba", NBA_LIVE)]["snapshot"]["S"])
    (served,) = [e for e in server.service.scoreboard(League.NBA)["events"] if e["id"] == NBA_LIVE]
    scores = {c["homeAway"]: int(c["score"]) for c in served["competitions"][0]["competitors"]}
    assert (live["home"]["score"], live["away"]["score"]) == (scores["home"], scores["away"])
    assert live["state"] == "in"
    assert stored[("nba", NBA_LIVE)]["expires_at"]["N"].isdigit()  # TTL set
    assert stored[("nhl", "#feed")]["ok"] == {"BOOL": True}
    assert stored[("nba", "#feed")]["live_games"] == {"N": "1"}


def test_a_changed_game_is_rewritten_and_an_unchanged_one_is_not(stack, replay) -> None:
    _, clock = replay
    poll(stack)
    before = rows(stack)
    clock.now += timedelta(seconds=30)  # 20 more game-minutes at 40×: the score has moved
    poll(stack)
    after = rows(stack)
    live_before = json.loads(before[("nba", NBA_LIVE)]["snapshot"]["S"])
    live_after = json.loads(after[("nba", NBA_LIVE)]["snapshot"]["S"])
    assert (live_after["home"]["score"], live_after["away"]["score"]) != (
        live_before["home"]["score"],
        live_before["away"]["score"],
    )
    assert after[("nba", NBA_LIVE)]["observed_at"] != before[("nba", NBA_LIVE)]["observed_at"]
    assert after[("nba", NBA_PRE)]["observed_at"] == before[("nba", NBA_PRE)]["observed_at"]
    assert after[("nba", "#feed")]["polled_at"]["S"] > before[("nba", "#feed")]["polled_at"]["S"]


def test_a_started_game_keeps_its_pregame_line(stack, replay) -> None:
    _, clock = replay
    poll(stack)
    pre = json.loads(rows(stack)[("nba", NBA_PRE)]["snapshot"]["S"])
    assert pre["state"] == "pre" and pre["spread"] is not None  # ESPN lists odds before the start
    clock.now += timedelta(hours=3, seconds=30)  # it has started; the live payload has no odds
    poll(stack)
    live = json.loads(rows(stack)[("nba", NBA_PRE)]["snapshot"]["S"])
    assert live["state"] == "in"
    assert (live["spread"], live["home_moneyline"], live["away_moneyline"]) == (
        pre["spread"],
        pre["home_moneyline"],
        pre["away_moneyline"],
    )


def test_espn_refusing_us_is_recorded_not_fatal(stack, replay) -> None:
    server, _ = replay
    httpx.post(
        f"{server.admin_url}/faults", json={"status": 429, "count": 1, "kind": "scoreboard"}
    ).raise_for_status()
    report = poll(stack)
    assert report["errors"]  # the first league's request was refused
    failed = next(iter(report["errors"]))
    beat = rows(stack)[(failed, "#feed")]
    assert beat["ok"] == {"BOOL": False}
    assert "429" in beat["error"]["S"]


def test_the_api_serves_games_with_filters_and_feed_freshness(stack) -> None:
    poll(stack)
    status, body = api(stack, "/api/games", {"league": "nba", "state": "in"})
    assert status == 200
    assert [game["event_id"] for game in body["games"]] == [NBA_LIVE]
    game = body["games"][0]
    assert game["home"]["abbreviation"] == "BOS" and isinstance(game["home"]["score"], int)
    assert game["observed_at"].endswith("Z") or "+00:00" in game["observed_at"]
    (feed,) = body["feeds"]
    assert feed["league"] == "nba" and feed["ok"] is True
    assert float(feed["age_seconds"]) < 10
    status, body = api(stack, "/api/games", {"state": "post"})
    assert status == 200 and [g["event_id"] for g in body["games"]] == [NHL_FINAL]
    assert body["games"][0]["completed"] is True
    status, body = api(stack, "/api/games")
    assert status == 200 and body["count"] == 3


@pytest.mark.parametrize(
    ("query", "field"),
    [({"league": "curling"}, "league"), ({"state": "live"}, "state"), ({"league": "NBA"}, "league")],
)
def test_bad_query_values_are_400_with_a_message(stack, query, field) -> None:
    status, body = api(stack, "/api/games", query)
    assert status == 400
    assert body["message"] == "invalid request"
    assert any(error.startswith(field) for error in body["errors"])


def test_health(stack) -> None:
    status, body = api(stack, "/api/health")
    assert status == 200 and body["status"] == "ok"
