"""The local cloud end to end: the template's schedule fires the real poller, which reads the ESPN
replay over HTTP into DynamoDB (moto server), and the API shows a live game whose score changes."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest

from inplay.config import Env
from inplay.sports.models import League
from local.cloud import LocalCloud
from local.espn_replay import GameSpec, ReplayServer, Scenario

pytestmark = [pytest.mark.slow, pytest.mark.timeout(180)]


@pytest.fixture
def running(template_path, tmp_path) -> Iterator[tuple[LocalCloud, ReplayServer]]:
    scenario = Scenario((GameSpec(League.NBA, elapsed=timedelta(minutes=6), home="BOS", away="NY"),), seed=11)
    with ReplayServer(scenario, speed=30) as replay:
        overrides = {
            Env.ESPN_BASE_URL.value: replay.base_url,
            Env.LEAGUES.value: "nba,nhl",
            Env.POLL_INTERVAL_SECONDS.value: "1",
            Env.POLL_WINDOW_SECONDS.value: "40",
            Env.LOG_LEVEL.value: "WARNING",
            "POWERTOOLS_METRICS_DISABLED": "true",
        }
        with LocalCloud(template_path, http_port=0, env_overrides=overrides, frontend_dir=tmp_path) as cloud:
            yield cloud, replay


def test_a_live_games_score_changes_through_the_api(running) -> None:
    cloud, replay = running
    scores: list[tuple[int, int]] = []
    deadline = time.monotonic() + 60
    cloud.create_user("viewer", "viewer-password")
    with httpx.Client(base_url=cloud.api_url, timeout=10) as http:
        signed_in = http.post("/auth/sign-in", json={"username": "viewer", "password": "viewer-password"})
        http.headers["Authorization"] = f"Bearer {signed_in.json()['id_token']}"
        while time.monotonic() < deadline and len(set(scores)) < 3:
            body = http.get("/games", params={"league": "nba", "state": "in"}).json()
            if body["games"]:
                game = body["games"][0]
                scores.append((game["home"]["score"], game["away"]["score"]))
                (feed,) = body["feeds"]
                assert feed["ok"] is True
                assert float(feed["age_seconds"]) < 10  # fresh while live
            time.sleep(0.5)
    assert len(set(scores)) >= 3, f"score did not move: {scores}"
    assert scores == sorted(scores, key=sum)  # scores never go backwards
    assert replay.request_count > 3  # the poller kept polling inside its minute
    stats = cloud.scheduler.stats() if cloud.scheduler else {}
    assert sum(rule.fired for rule in stats.values()) >= 1
