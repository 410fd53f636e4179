"""The local WebSocket API as Server-Sent Events, over HTTP on 127.0.0.1: $connect decides, the
management API (through boto3 and ``inplay.live.gateway``) delivers, 410 for unknown connections,
$disconnect when a stream ends for any reason."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Iterator
from typing import Any

import boto3
import httpx
import pytest

from inplay.live.gateway import ApiGatewayConnections, ConnectionGone
from local.cloud.http_adapter import HttpAdapter, InvokeResult
from local.cloud.live import MANAGEMENT_PATH, LiveHub
from tests.support.live import EventStream

pytestmark = pytest.mark.timeout(60)

FUNCTION = "WebsocketFunction"


class FakeWebSocketFunction:
    """Accepts ``?token=good-<user>``; records every event it is invoked with."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []
        self.users: dict[str, str] = {}
        self.lock = threading.Lock()
        self.fail = False

    def __call__(self, function_name: str, event: dict[str, Any]) -> InvokeResult:
        assert function_name == FUNCTION
        with self.lock:
            self.events.append(event)
        context = event["requestContext"]
        if self.fail:
            return InvokeResult({"errorType": "Boom", "errorMessage": "boom"}, "Unhandled")
        if context["routeKey"] == "$connect":
            token = (event.get("queryStringParameters") or {}).get("token", "")
            if not token.startswith("good-"):
                return InvokeResult(
                    {"statusCode": 401, "body": json.dumps({"message": "the token is not a JWT"})}
                )
            with self.lock:
                self.users[context["connectionId"]] = token.removeprefix("good-")
        return InvokeResult({"statusCode": 200})

    def routes(self, route: str) -> list[dict[str, Any]]:
        with self.lock:
            return [e for e in self.events if e["requestContext"]["routeKey"] == route]

    def connection_of(self, user: str) -> str:
        with self.lock:
            return next(cid for cid, who in self.users.items() if who == user)


@pytest.fixture
def function() -> FakeWebSocketFunction:
    return FakeWebSocketFunction()


@pytest.fixture
def hub(function: FakeWebSocketFunction) -> LiveHub:
    routes = {"$connect": FUNCTION, "$disconnect": FUNCTION, "$default": FUNCTION}
    return LiveHub(function, routes, api_id="WebSocketApi", stage="prod", keepalive_seconds=0.3)


@pytest.fixture
def adapter(hub: LiveHub) -> Iterator[HttpAdapter]:
    with HttpAdapter([], lambda name, event: InvokeResult({"statusCode": 500}), port=0, live=hub) as server:
        yield server


def live_url(adapter: HttpAdapter) -> str:
    return adapter.url + "/api/positions/live"


def gateway(adapter: HttpAdapter) -> ApiGatewayConnections:
    client = boto3.client(
        "apigatewaymanagementapi",
        endpoint_url=adapter.url + MANAGEMENT_PATH,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    return ApiGatewayConnections(adapter.url + MANAGEMENT_PATH, client=client)


def wait_until(predicate: Any, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.02)


def test_connect_passes_the_token_as_api_gateway_does_and_streams_posted_messages(
    adapter: HttpAdapter, function: FakeWebSocketFunction
) -> None:
    with EventStream(live_url(adapter), {"token": "good-alice"}) as stream:
        assert stream.status == 200
        assert stream.headers is not None and stream.headers["content-type"].startswith("text/event-stream")
        [connect] = function.routes("$connect")
        context = connect["requestContext"]
        assert context["eventType"] == "CONNECT"
        assert context["stage"] == "prod" and context["apiId"] == "WebSocketApi"
        assert connect["queryStringParameters"] == {"token": "good-alice"}
        assert connect["multiValueQueryStringParameters"] == {"token": ["good-alice"]}
        connection_id = context["connectionId"]

        sender = gateway(adapter)
        sender.send(connection_id, b'{"type":"NEW_POSITION","data":{"contracts":"10"}}')
        sender.send(connection_id, b'{"type":"BOT_STATUS"}')
        events = stream.wait_for(lambda e: len(e) == 2)
        assert events == [{"type": "NEW_POSITION", "data": {"contracts": "10"}}, {"type": "BOT_STATUS"}]
        # Keep-alive comments flow while nothing happens.
        wait_until(lambda: "keep-alive" in stream.comments)
        assert stream.comments[0] == "connected"


def test_a_refused_connect_answers_its_status_and_message(
    adapter: HttpAdapter, function: FakeWebSocketFunction
) -> None:
    response = httpx.get(live_url(adapter), params={"token": "forged"}, timeout=5)
    assert response.status_code == 401
    assert response.json() == {"message": "the token is not a JWT"}
    assert function.routes("$disconnect") == []  # never connected: no $disconnect
    function.fail = True
    response = httpx.get(live_url(adapter), params={"token": "good-alice"}, timeout=5)
    assert response.status_code == 502
    assert response.json() == {"message": "Internal server error"}
    assert httpx.post(live_url(adapter), timeout=5).status_code == 405


def test_unknown_connections_are_gone_for_boto3(adapter: HttpAdapter) -> None:
    with pytest.raises(ConnectionGone):
        gateway(adapter).send("nobody-here1", b"{}")
    response = httpx.post(
        adapter.url + MANAGEMENT_PATH + "/@connections/nobody-here1", content=b"{}", timeout=5
    )
    assert response.status_code == 410
    assert response.headers["x-amzn-ErrorType"] == "GoneException"


def test_a_message_goes_only_to_the_connection_it_is_posted_to(
    adapter: HttpAdapter, function: FakeWebSocketFunction
) -> None:
    with (
        EventStream(live_url(adapter), {"token": "good-alice"}) as alice,
        EventStream(live_url(adapter), {"token": "good-bob"}) as bob,
    ):
        sender = gateway(adapter)
        sender.send(function.connection_of("alice"), b'{"for":"alice"}')
        sender.send(function.connection_of("bob"), b'{"for":"bob"}')
        assert alice.wait_for(lambda e: len(e) >= 1) == [{"for": "alice"}]
        assert bob.wait_for(lambda e: len(e) >= 1) == [{"for": "bob"}]
        time.sleep(0.3)  # nothing else arrives
        assert alice.events == [{"for": "alice"}] and bob.events == [{"for": "bob"}]


def test_closing_the_client_or_deleting_the_connection_runs_disconnect(
    adapter: HttpAdapter, hub: LiveHub, function: FakeWebSocketFunction
) -> None:
    stream = EventStream(live_url(adapter), {"token": "good-alice"}).start()
    alice = function.connection_of("alice")
    stream.close()
    wait_until(
        lambda: [e["requestContext"]["connectionId"] for e in function.routes("$disconnect")] == [alice]
    )
    [disconnect] = function.routes("$disconnect")
    assert disconnect["requestContext"]["eventType"] == "DISCONNECT"
    assert "queryStringParameters" not in disconnect
    assert hub.connection_ids == []
    with pytest.raises(ConnectionGone):
        gateway(adapter).send(alice, b"{}")

    with EventStream(live_url(adapter), {"token": "good-bob"}) as bob:
        connection = function.connection_of("bob")
        client = gateway(adapter)._api()
        described = client.get_connection(ConnectionId=connection)
        assert described["Identity"]["SourceIp"] == "127.0.0.1"
        assert described["ConnectedAt"] <= described["LastActiveAt"]
        client.delete_connection(ConnectionId=connection)
        assert bob.ended.wait(5)
        wait_until(lambda: len(function.routes("$disconnect")) == 2)


def test_stopping_the_server_ends_streams_with_disconnect(function: FakeWebSocketFunction) -> None:
    hub = LiveHub(function, {"$connect": FUNCTION, "$disconnect": FUNCTION}, keepalive_seconds=5)
    adapter = HttpAdapter([], lambda name, event: InvokeResult({}), port=0, live=hub).__enter__()
    stream = EventStream(live_url(adapter), {"token": "good-carol"}).start()
    adapter.stop()
    assert stream.ended.wait(5)
    assert len(function.routes("$disconnect")) == 1
    stream.close()


def test_the_token_never_reaches_the_access_log(
    adapter: HttpAdapter, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG, logger="local.cloud.http_adapter"):
        httpx.get(live_url(adapter), params={"token": "forged-secret-value"}, timeout=5)
    assert caplog.records, "the adapter logs requests at debug level"
    assert "forged-secret-value" not in caplog.text
    assert "token=***" in caplog.text
