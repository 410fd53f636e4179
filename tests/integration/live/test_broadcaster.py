"""Live updates through the deployed stack under moto: the synthesized template provisioned into
``local_mock_aws``, the ``websocket`` function storing connections on ``$connect`` (real moto ID
tokens), the stores writing positions, bots and the kill switch, DynamoDB streams delivering to the
``broadcaster``, which posts to the WebSocket API's management endpoint (moto records what each
connection was sent). Only the owner's connections get a message; a gone connection is deleted."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest

from infra.constants import DISCORD_WEBHOOK_SECRET_LOGICAL_ID
from inplay.bots.lifecycle import BotState
from inplay.config import Env
from inplay.live import connections
from inplay.live.connections import DynamoConnectionStore
from inplay.live.gateway import ConnectionGone
from inplay.orders.intents import TradingMode
from inplay.store.bots import DynamoBotControls
from inplay.store.schema import BOTS, CONNECTIONS, FILLS, POSITIONS
from inplay.store.trades import DynamoTradeStore
from local.cloud import streams
from local.cloud.lambda_patch import apply_environment
from local.cloud.moto_runtime import ACCOUNT_ID, REGION, local_mock_aws
from local.cloud.provisioner import ProvisionedStack, provision_file
from tests.support.auth import CognitoUsers
from tests.support.live import fill_for

pytestmark = [pytest.mark.slow, pytest.mark.timeout(120)]

T0 = datetime(2026, 1, 15, 1, 0, tzinfo=UTC)


def _clear_live_caches() -> None:
    import broadcaster.handler
    import websocket.handler

    for factory in (
        websocket.handler.token_verifier,
        websocket.handler.connections,
        broadcaster.handler.dependencies,
        connections._model_for,
    ):
        clear = getattr(factory, "cache_clear", None)  # a test may have replaced one
        if clear is not None:
            clear()


@dataclass
class Live:
    stack: ProvisionedStack
    users: CognitoUsers

    def table(self, logical_id: str) -> str:
        return self.stack.tables[logical_id].name

    def invoke(self, logical_id: str, event: dict[str, Any]) -> dict[str, Any]:
        response = boto3.client("lambda").invoke(
            FunctionName=self.stack.function(logical_id).name, Payload=json.dumps(event).encode()
        )
        answer: dict[str, Any] = json.loads(response["Payload"].read())
        assert "FunctionError" not in response, answer
        return answer

    def connect(self, connection_id: str, token: str) -> int:
        event = {
            "requestContext": {"routeKey": "$connect", "eventType": "CONNECT", "connectionId": connection_id},
            "queryStringParameters": {"token": token},
        }
        return int(self.invoke("WebsocketFunction", event)["statusCode"])

    def sent(self) -> dict[str, list[dict[str, Any]]]:
        """What the broadcaster posted, per connection (moto keeps each connection's bytes)."""
        from moto.apigatewaymanagementapi.models import apigatewaymanagementapi_backends

        backend = apigatewaymanagementapi_backends[ACCOUNT_ID][REGION]
        out: dict[str, list[dict[str, Any]]] = {}
        decoder = json.JSONDecoder()
        for connection_id, connection in list(backend.connections.items()):
            text, messages = connection.data.decode(), []
            while text:
                message, end = decoder.raw_decode(text)
                messages.append(message)
                text = text[end:]
            out[connection_id] = messages
        return out

    def types(self, connection_id: str) -> list[str]:
        return [m["type"] for m in self.sent().get(connection_id, [])]


@pytest.fixture
def live(template_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Live]:
    import websocket.handler

    _clear_live_caches()
    with local_mock_aws():
        stack = provision_file(template_path, env_overrides={"POWERTOOLS_METRICS_DISABLED": "true"})
        restore = apply_environment(stack.environment)
        try:
            # The kill switch alerts about the trip below; Discord is off in this test.
            secret = stack.secrets[DISCORD_WEBHOOK_SECRET_LOGICAL_ID]
            boto3.client("secretsmanager").put_secret_value(SecretId=secret, SecretString="disabled")
            users = CognitoUsers.of_function(stack.function("WebsocketFunction").environment)
            monkeypatch.setattr(websocket.handler, "token_verifier", users.verifier)  # moto's JWKS
            yield Live(stack, users)
        finally:
            streams.drain(10)
            restore()
            _clear_live_caches()


def test_changes_reach_only_their_owners_connections(live: Live) -> None:
    users = live.users
    users.create("alice", user_id="alice")
    users.create("bob", user_id="bob")
    assert live.connect("alice-1", users.token("alice")) == 200
    assert live.connect("alice-2", users.token("alice")) == 200
    assert live.connect("bob-1", users.token("bob")) == 200
    assert live.connect("forged", "x" + users.token("bob")[1:]) == 401
    store = DynamoConnectionStore(live.table(CONNECTIONS.logical_id))
    assert [c.connection_id for c in store.of_user("alice", now=T0)] == ["alice-1", "alice-2"]
    assert [c.connection_id for c in store.of_user("bob", now=T0)] == ["bob-1"]

    trades = DynamoTradeStore(live.table(FILLS.logical_id), live.table(POSITIONS.logical_id))
    controls = DynamoBotControls(live.table(BOTS.logical_id))
    trades.record_fill(fill_for("alice", 1, buy=True, count=10, price="0.52", at=T0))
    trades.record_fill(fill_for("alice", 2, buy=True, count=5, price="0.55", at=T0 + timedelta(minutes=1)))
    trades.record_fill(fill_for("alice", 3, buy=False, count=15, price="0.60", at=T0 + timedelta(minutes=2)))
    controls.transition_bot("alice", "default", BotState.STARTING, by="alice", at=T0, mode=TradingMode.PAPER)
    controls.trip(
        "alice",
        trigger="daily_loss",
        reason="daily loss over the limit",
        values={"loss": "55.00"},
        by="system",
        event_id="ks-1",
        at=T0,
    )
    assert streams.drain(20)

    expected = ["NEW_POSITION", "POSITION_UPDATE", "POSITION_CLOSED", "BOT_STATUS", "KILL_SWITCH"]
    for connection in ("alice-1", "alice-2"):
        assert sorted(live.types(connection)) == sorted(expected), connection
        for message in live.sent()[connection]:
            assert set(message) == {"type", "at", "data"}
            assert "user_id" not in message["data"]
    assert live.types("bob-1") == []
    closed = next(m for m in live.sent()["alice-1"] if m["type"] == "POSITION_CLOSED")
    assert closed["data"]["realized_pnl"] == "1.050000"  # 15 × (0.60 − 7.95 / 15), exact

    trades.record_fill(fill_for("bob", 1, buy=True, count=3, price="0.40", at=T0))
    assert streams.drain(20)
    assert live.types("bob-1") == ["NEW_POSITION"]
    assert len(live.types("alice-1")) == len(expected)  # bob's position is not alice's business


def test_a_gone_connection_is_deleted(live: Live, monkeypatch: pytest.MonkeyPatch) -> None:
    import broadcaster.handler

    live.users.create("alice", user_id="alice")
    assert live.connect("alice-old", live.users.token("alice")) == 200
    assert live.connect("alice-new", live.users.token("alice")) == 200
    connections, real = broadcaster.handler.dependencies()

    class HalfGone:
        def send(self, connection_id: str, data: bytes) -> None:
            if connection_id == "alice-old":
                raise ConnectionGone(connection_id)
            real.send(connection_id, data)

    monkeypatch.setattr(broadcaster.handler, "dependencies", lambda: (connections, HalfGone()))
    controls = DynamoBotControls(live.table(BOTS.logical_id))
    controls.transition_bot("alice", "default", BotState.STARTING, by="alice", at=T0)
    assert streams.drain(20)
    assert live.types("alice-new") == ["BOT_STATUS"]
    store = DynamoConnectionStore(live.table(CONNECTIONS.logical_id))
    assert [c.connection_id for c in store.of_user("alice", now=T0)] == ["alice-new"]


def test_disconnect_forgets_the_connection(live: Live) -> None:
    live.users.create("alice", user_id="alice")
    assert live.connect("alice-1", live.users.token("alice")) == 200
    event = {
        "requestContext": {"routeKey": "$disconnect", "eventType": "DISCONNECT", "connectionId": "alice-1"}
    }
    assert live.invoke("WebsocketFunction", event)["statusCode"] == 200
    assert DynamoConnectionStore(live.table(CONNECTIONS.logical_id)).of_user("alice", now=T0) == []
    assert Env.WS_ENDPOINT.value in live.stack.function("BroadcasterFunction").environment


def test_the_token_is_never_logged(
    live: Live, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    live.users.create("alice", user_id="alice")
    token = live.users.token("alice")
    with caplog.at_level(logging.INFO):  # (botocore's DEBUG lines are this test's own request)
        assert live.connect("alice-1", token) == 200
        assert live.connect("forged", token[:-4] + "AAAA") == 401
    captured = capsys.readouterr()
    text = captured.out + captured.err + caplog.text
    assert "websocket route" in text  # the routes were logged …
    for part in token.split("."):
        assert part[:40] not in text  # … without any piece of the token
