"""Live updates in the local cloud, end to end: two signed-in users hold Server-Sent Event streams
on ``GET /api/positions/live?token=…`` (the WebSocket API's ``$connect`` verifies each ID token
against the local Cognito pool); positions, a bot and the kill switch change in the tables; the
broadcaster (DynamoDB streams) posts to the local management API, and each user sees exactly their
own changes."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import boto3
import pytest

from infra.constants import DISCORD_WEBHOOK_SECRET_LOGICAL_ID
from inplay.bots.lifecycle import BotState
from inplay.config import Env
from inplay.live.connections import DynamoConnectionStore
from inplay.orders.intents import TradingMode
from inplay.store.bots import DynamoBotControls
from inplay.store.schema import BOTS, CONNECTIONS, FILLS, POSITIONS
from inplay.store.trades import DynamoTradeStore
from local.cloud import LocalCloud
from local.cloud.moto_runtime import REGION
from tests.support.live import EventStream, fill_for

pytestmark = [pytest.mark.slow, pytest.mark.timeout(240)]

PASSWORD = "Live-updates-9-pass"
T0 = datetime(2026, 1, 15, 1, 0, tzinfo=UTC)
EVERY_KIND = {"NEW_POSITION", "POSITION_UPDATE", "POSITION_CLOSED", "BOT_STATUS", "KILL_SWITCH"}


@pytest.fixture
def cloud(template_path: Path, tmp_path: Path) -> Iterator[LocalCloud]:
    overrides = {Env.LOG_LEVEL.value: "WARNING", "POWERTOOLS_METRICS_DISABLED": "true"}
    with LocalCloud(
        template_path, http_port=0, env_overrides=overrides, frontend_dir=tmp_path, schedules_enabled=False
    ) as running:
        secret = running.provisioned.secrets[DISCORD_WEBHOOK_SECRET_LOGICAL_ID]
        boto3.client("secretsmanager").put_secret_value(SecretId=secret, SecretString="disabled")
        yield running


def sign_in(cloud: LocalCloud, username: str) -> str:
    cloud.create_user(username, PASSWORD, user_id=username)
    client = boto3.client("cognito-idp", region_name=REGION, endpoint_url=cloud.moto_url)
    result = client.initiate_auth(
        ClientId=cloud.user_pool_client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": username, "PASSWORD": PASSWORD},
    )
    return str(result["AuthenticationResult"]["IdToken"])


def table(cloud: LocalCloud, logical_id: str) -> str:
    return cloud.provisioned.tables[logical_id].name


def eventually(predicate: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.05)


def test_each_user_sees_only_their_own_live_updates(cloud: LocalCloud) -> None:
    assert cloud.live_url.endswith("/api/positions/live")
    alice_token, bob_token = sign_in(cloud, "alice"), sign_in(cloud, "bob")

    refused = EventStream(cloud.live_url, {"token": alice_token[:-4] + "AAAA"}).start()
    assert refused.status == 401 and b"message" in refused.body
    assert EventStream(cloud.live_url).start().status == 401  # no token at all

    connections = DynamoConnectionStore(table(cloud, CONNECTIONS.logical_id))
    trades = DynamoTradeStore(table(cloud, FILLS.logical_id), table(cloud, POSITIONS.logical_id))
    controls = DynamoBotControls(table(cloud, BOTS.logical_id))
    with (
        EventStream(cloud.live_url, {"token": alice_token}) as alice,
        EventStream(cloud.live_url, {"token": bob_token}) as bob,
    ):
        assert (alice.status, bob.status) == (200, 200)
        now = datetime.now(UTC)
        assert len(connections.of_user("alice", now=now)) == 1
        assert len(connections.of_user("bob", now=now)) == 1

        trades.record_fill(fill_for("alice", 1, buy=True, count=10, price="0.52", at=T0))
        trades.record_fill(
            fill_for("alice", 2, buy=True, count=5, price="0.55", at=T0 + timedelta(minutes=1))
        )
        trades.record_fill(
            fill_for("alice", 3, buy=False, count=15, price="0.60", at=T0 + timedelta(minutes=2))
        )
        controls.transition_bot(
            "alice", "default", BotState.STARTING, by="alice", at=now, mode=TradingMode.PAPER
        )
        controls.trip(
            "alice",
            trigger="manual",
            reason="emergency stop",
            values={},
            by="alice",
            event_id="ks-live-1",
            at=now,
        )
        assert cloud.drain_streams(30)
        events = alice.wait_for(lambda got: {e["type"] for e in got} >= EVERY_KIND, what="alice's updates")
        by_type = {e["type"]: e for e in events}
        assert by_type["NEW_POSITION"]["data"]["contracts"] == "10"
        assert by_type["POSITION_UPDATE"]["data"]["contracts"] == "15"
        assert by_type["POSITION_CLOSED"]["data"]["realized_pnl"] == "1.050000"
        assert by_type["BOT_STATUS"]["data"]["state"] == "STARTING"
        assert by_type["KILL_SWITCH"]["data"]["tripped"] is True
        assert all(set(e) == {"type", "at", "data"} for e in events)

        trades.record_fill(fill_for("bob", 1, buy=True, count=3, price="0.40", at=T0))
        assert cloud.drain_streams(30)
        assert [e["type"] for e in bob.wait_for(lambda got: len(got) >= 1, what="bob's update")] == [
            "NEW_POSITION"
        ]
        time.sleep(0.5)  # anything misrouted would have arrived with bob's
        assert bob.types() == ["NEW_POSITION"]  # none of alice's five
        assert sorted(alice.types()) == sorted(EVERY_KIND)  # none of bob's

        alice.close()
        eventually(lambda: connections.of_user("alice", now=datetime.now(UTC)) == [])  # $disconnect ran
        assert len(connections.of_user("bob", now=datetime.now(UTC))) == 1
