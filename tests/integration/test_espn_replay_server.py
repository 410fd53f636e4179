"""The ESPN replay over real HTTP on 127.0.0.1: httpx and the project's own ESPN client against it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest

from inplay.sports.espn import EspnClient, EspnHttpError, parse_scoreboard, parse_summary
from inplay.sports.models import GameStatus, League
from local.espn_replay import FINISHED, GameSpec, ReplayError, ReplayServer, Scenario

T0 = datetime(2025, 12, 7, 23, 0, tzinfo=UTC)
DAY = date(2025, 12, 7)


class ManualClock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


SCENARIO = Scenario(
    (
        GameSpec(League.NBA, elapsed=timedelta(minutes=4), home="BOS", away="NY", event_id="401500001"),
        GameSpec(League.NBA, starts_in=timedelta(minutes=2), home="LAL", away="GS", event_id="401500002"),
        GameSpec(League.NBA, elapsed=FINISHED, home="MIA", away="DAL", event_id="401500003"),
        GameSpec(League.NFL, elapsed=timedelta(minutes=15), home="KC", away="BUF", event_id="401500004"),
    ),
    seed=99,
)


def total_score(summary: dict[str, Any]) -> int:
    return sum(int(c["score"]) for c in summary["header"]["competitions"][0]["competitors"])


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def server(clock: ManualClock) -> Iterator[ReplayServer]:
    with ReplayServer(SCENARIO, speed=1.0, clock=clock, reject_browser_user_agents=True) as running:
        yield running


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=5.0) as client:
        yield client


def test_base_url_mimics_espn_and_serves_the_scoreboard(server: ReplayServer, http: httpx.Client) -> None:
    assert server.base_url == f"http://127.0.0.1:{server.port}/apis/site/v2/sports"
    response = http.get(
        f"{server.base_url}/basketball/nba/scoreboard", params={"dates": "20251207", "limit": 500}
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json;charset=UTF-8"
    body = response.json()
    assert [e["id"] for e in body["events"]] == ["401500003", "401500001", "401500002"]
    assert (
        response.content
        == server.service.handle(
            "GET", "/apis/site/v2/sports/basketball/nba/scoreboard?dates=20251207&limit=500"
        ).body
    )


def test_scores_move_as_the_clock_advances(
    server: ReplayServer, http: httpx.Client, clock: ManualClock
) -> None:
    url = f"{server.base_url}/basketball/nba/summary"
    before = http.get(url, params={"event": "401500001"}).json()
    clock.advance(120)
    after = http.get(url, params={"event": "401500001"}).json()
    assert len(after["plays"]) > len(before["plays"])
    assert total_score(after) > total_score(before)
    upcoming = http.get(url, params={"event": "401500002"}).json()
    assert upcoming["header"]["competitions"][0]["status"]["type"]["state"] == "in", "started after 2 minutes"


def test_project_espn_client_and_parser_work_against_the_replay(server: ReplayServer) -> None:
    with EspnClient(server.base_url) as client:
        games = {
            g.event_id: g for g in parse_scoreboard(client.fetch_scoreboard(League.NBA, DAY), League.NBA)
        }
        assert games["401500003"].is_final
        assert games["401500001"].is_live and games["401500001"].home_win_prob is not None
        assert games["401500002"].status is GameStatus.SCHEDULED and games["401500002"].spread is not None
        nfl = parse_summary(client.fetch_summary(League.NFL, "401500004"), League.NFL)
        assert nfl.is_live and nfl.situation and "possession" in nfl.situation


def test_fault_hooks_over_http(server: ReplayServer, http: httpx.Client) -> None:
    url = f"{server.base_url}/basketball/nba/scoreboard"
    posted = http.post(f"{server.admin_url}/faults", json={"status": 429, "count": 2, "retry_after": 7})
    assert posted.status_code == 200 and posted.json()["faults"][0]["remaining"] == 2
    first = http.get(url)
    assert first.status_code == 429 and first.headers["retry-after"] == "7"
    assert http.get(url).status_code == 429
    assert http.get(url).status_code == 200
    http.post(f"{server.admin_url}/faults", json={"status": 403})
    with EspnClient(server.base_url) as client, pytest.raises(EspnHttpError) as caught:
        client.fetch_scoreboard(League.NBA, DAY)
    assert caught.value.status == 403
    assert http.post(f"{server.admin_url}/faults", content=b"not json").status_code == 400


def test_delay_fault_makes_a_request_time_out(server: ReplayServer) -> None:
    with httpx.Client(timeout=5.0) as admin:
        admin.post(f"{server.admin_url}/faults", json={"delay": 0.6, "count": 1})
    with httpx.Client(timeout=0.15) as impatient, pytest.raises(httpx.ReadTimeout):
        impatient.get(f"{server.base_url}/basketball/nba/scoreboard")


def test_request_counts_and_state(server: ReplayServer, http: httpx.Client) -> None:
    for _ in range(3):
        http.get(f"{server.base_url}/basketball/nba/scoreboard")
    http.get(f"{server.base_url}/basketball/nba/summary", params={"event": "401500001"})
    http.get(f"{server.base_url}/basketball/nba/nothing-here")
    assert server.request_count == 4
    state = http.get(f"{server.admin_url}/state").json()
    assert state["requests"]["scoreboard"] == 3 and state["requests"]["summary"] == 1
    assert state["requests"]["not_found"] == 1
    assert {g["eventId"] for g in state["games"]} == {"401500001", "401500002", "401500003", "401500004"}


def test_errors_are_json(server: ReplayServer, http: httpx.Client) -> None:
    bad = http.get(f"{server.base_url}/basketball/nba/scoreboard", params={"dates": "20251201-20251207"})
    assert bad.status_code == 400 and bad.json() == {"code": 400, "message": "Failed to get events endpoint."}
    missing = http.get(f"{server.root_url}/apis/site/v2/sports/basketball/nba/standings")
    assert missing.status_code == 404 and missing.json()["code"] == 404
    browser = http.get(
        f"{server.base_url}/basketball/nba/scoreboard", headers={"User-Agent": "Mozilla/5.0 (X11)"}
    )
    assert browser.status_code == 403
    head = http.head(f"{server.base_url}/basketball/nba/scoreboard")
    assert head.status_code == 200 and head.content == b"" and int(head.headers["content-length"]) > 0


def test_lifecycle(clock: ManualClock) -> None:
    server = ReplayServer(SCENARIO, speed=2.0, clock=clock)
    with pytest.raises(ReplayError, match="not running"):
        _ = server.base_url
    server.start()
    try:
        assert server.start() is server, "start twice is harmless"
        port = server.port
        with pytest.raises(ReplayError, match="cannot listen"):
            ReplayServer(SCENARIO, port=port, clock=clock).start()
        assert (
            httpx.get(f"{server.base_url}/football/nfl/scoreboard?dates=20251207", timeout=5).status_code
            == 200
        )
    finally:
        server.stop()
    server.stop()
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"http://127.0.0.1:{port}/apis/site/v2/sports/football/nfl/scoreboard", timeout=2)


def test_json_is_deterministic_across_servers(clock: ManualClock) -> None:
    path = "/basketball/nba/summary?event=401500001"
    bodies = []
    for _ in range(2):
        with ReplayServer(SCENARIO, speed=1.0, clock=clock) as server:
            bodies.append(httpx.get(server.base_url + path, timeout=5).content)
    assert bodies[0] == bodies[1]
    assert json.loads(bodies[0])["header"]["id"] == "401500001"
