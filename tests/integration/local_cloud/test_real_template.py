"""The local cloud on the real synthesized CDK template (the session synthesis in tests/conftest.py)."""

import socket

import boto3
import httpx
import pytest

from inplay.config import FUNCTIONS, Env
from inplay.store.schema import TABLES
from local.cloud import LocalCloud

pytestmark = [
    pytest.mark.slow,
    pytest.mark.timeout(300),
    pytest.mark.filterwarnings("ignore:No application metrics to publish:UserWarning"),
]


def _closed_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def cloud(template_path, tmp_path_factory):
    overrides = {
        # Never reach the real ESPN from a test: a closed local port, one pass, one league.
        Env.ESPN_BASE_URL.value: f"http://127.0.0.1:{_closed_port()}/apis/site/v2/sports",
        Env.POLL_WINDOW_SECONDS.value: "0",
        Env.LEAGUES.value: "nba",
    }
    frontend = tmp_path_factory.mktemp("dist")
    (frontend / "index.html").write_text("<title>inplay</title>")
    with LocalCloud(template_path, http_port=0, env_overrides=overrides, frontend_dir=frontend) as running:
        yield running


def test_startup_is_quick(cloud):
    assert cloud.startup_seconds is not None and cloud.startup_seconds < 30


def test_every_table_of_the_schema_exists_with_its_keys_indexes_stream_and_ttl(cloud):
    ddb = boto3.client("dynamodb")
    for spec in TABLES:
        table = cloud.provisioned.table(spec.logical_id)
        described = ddb.describe_table(TableName=table.name)["Table"]
        keys = {k["KeyType"]: k["AttributeName"] for k in described["KeySchema"]}
        assert keys == {"HASH": spec.partition_key, **({"RANGE": spec.sort_key} if spec.sort_key else {})}
        assert sorted(g["IndexName"] for g in described.get("GlobalSecondaryIndexes", [])) == sorted(
            g.name for g in spec.gsis
        )
        stream = described.get("StreamSpecification", {}).get("StreamViewType")
        assert stream == (spec.stream.value if spec.stream else None), spec.logical_id
        ttl = ddb.describe_time_to_live(TableName=table.name)["TimeToLiveDescription"]
        assert ttl.get("AttributeName") == spec.ttl_attribute, spec.logical_id


def test_every_function_spec_is_provisioned_with_its_schedule(cloud):
    stack = cloud.provisioned
    by_handler = {fn.handler: fn for fn in stack.functions.values()}
    for spec in FUNCTIONS:
        fn = by_handler[spec.handler]
        assert (fn.timeout_seconds, fn.memory_mb) == (spec.timeout_seconds, spec.memory_mb)
        rules = [rule for rule in stack.schedules if any(t.name == fn.name for t in rule.targets)]
        assert [rule.expression for rule in rules] == ([spec.schedule] if spec.schedule else [])


def test_the_api_answers_through_the_http_adapter(cloud):
    cloud.create_user("tester", "Local-Password-1")
    with httpx.Client(base_url=cloud.http_url, timeout=15) as http:
        health = http.get("/api/health")
        assert health.status_code == 200 and health.json()["status"] == "ok"
        assert http.get("/api/games").status_code == 401  # signed out
        signed_in = http.post(
            "/api/auth/sign-in", json={"username": "tester", "password": "Local-Password-1"}
        )
        assert signed_in.status_code == 200, signed_in.text
        http.headers["Authorization"] = f"Bearer {signed_in.json()['id_token']}"
        games = http.get("/api/games", params={"league": "nba"})
        assert games.status_code == 200 and games.json()["count"] == 0
        assert http.get("/api/games", params={"league": "curling"}).status_code == 400
        assert "<title>inplay</title>" in http.get("/").text


def test_the_game_poller_schedule_fired_at_start(cloud):
    scheduler = cloud.scheduler
    assert scheduler is not None
    assert scheduler.wait_idle(30)
    (rule,) = [rule for rule in cloud.provisioned.schedules if "GamePoller" in rule.logical_id]
    stats = scheduler.stats()[rule.logical_id]
    assert stats.fired >= 1 and stats.completed >= 1
    assert stats.failed == 0  # an unreachable ESPN is a recorded feed error, not a crash
    games = boto3.client("dynamodb")
    table = cloud.provisioned.table("GamesTable").name
    beat = games.get_item(TableName=table, Key={"league": {"S": "nba"}, "event_id": {"S": "#feed"}})["Item"]
    assert beat["ok"] == {"BOOL": False}
    assert "127.0.0.1" in beat["error"]["S"] or "connect" in beat["error"]["S"].lower()
