"""The WebSocket routes: $connect verifies the query-string ID token (real moto tokens)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from moto import mock_aws

from inplay.live.sessions import handle_route
from tests.support.auth import CognitoUsers
from tests.unit.live.fakes import MemoryConnections

NOW = datetime(2026, 1, 15, 1, 30, tzinfo=UTC)


def event(route: str, connection_id: str = "cOnn-1=", **extra: Any) -> dict[str, Any]:
    event_type = {"$connect": "CONNECT", "$disconnect": "DISCONNECT"}.get(route, "MESSAGE")
    return {
        "requestContext": {"routeKey": route, "eventType": event_type, "connectionId": connection_id},
        **extra,
    }


@pytest.fixture
def users() -> Iterator[CognitoUsers]:
    with mock_aws():
        yield CognitoUsers()


def test_connect_with_a_valid_token_stores_the_connection_as_that_user(users: CognitoUsers) -> None:
    users.create("alice", user_id="alice")
    connections = MemoryConnections()
    answer = handle_route(
        event("$connect", queryStringParameters={"token": users.token("alice")}),
        verifier=users.verifier(),
        connections=connections,
        now=NOW,
    )
    assert answer["statusCode"] == 200
    assert connections.items["cOnn-1="].user_id == "alice"


@pytest.mark.parametrize(
    ("query", "message"),
    [
        (None, "sign in first"),
        ({"token": ""}, "sign in first"),
        ({"token": "not-a-jwt"}, "not a JWT"),
    ],
)
def test_connect_without_a_valid_token_is_refused(
    users: CognitoUsers, query: dict[str, str] | None, message: str
) -> None:
    connections = MemoryConnections()
    answer = handle_route(
        event("$connect", queryStringParameters=query),
        verifier=users.verifier(),
        connections=connections,
        now=NOW,
    )
    assert answer["statusCode"] == 401
    assert message in json.loads(answer["body"])["message"]
    assert connections.items == {}


def test_a_token_of_another_pool_or_an_access_token_is_refused(users: CognitoUsers) -> None:
    other = CognitoUsers()
    other.create("mallory")
    connections = MemoryConnections()
    for token in (other.token("mallory"), "x" + users.token("alice")[1:]):
        answer = handle_route(
            event("$connect", queryStringParameters={"token": token}),
            verifier=users.verifier(),
            connections=connections,
            now=NOW,
        )
        assert answer["statusCode"] == 401, answer
        assert token not in answer["body"]
    assert connections.items == {}


def test_disconnect_forgets_and_default_answers_ping() -> None:
    connections = MemoryConnections()
    connections.add("c1", "alice", now=NOW)
    verifier: Any = None
    assert handle_route(event("$disconnect", "c1"), verifier=verifier, connections=connections, now=NOW) == {
        "statusCode": 200
    }
    assert connections.items == {}
    for body in ("ping", '{"type": "PING"}', '{"action":"ping"}'):
        answer = handle_route(
            event("$default", "c1", body=body), verifier=verifier, connections=connections, now=NOW
        )
        assert json.loads(answer["body"]) == {"type": "PONG", "at": "2026-01-15T01:30:00Z"}
    ignored = handle_route(
        event("$default", "c1", body="hello"), verifier=verifier, connections=connections, now=NOW
    )
    assert ignored == {"statusCode": 200}


def test_bad_requests_are_400() -> None:
    connections = MemoryConnections()
    verifier: Any = None
    for bad in (event("$connect", "bad id with spaces"), {"requestContext": "nope"}, event("$other")):
        answer = handle_route(bad, verifier=verifier, connections=connections, now=NOW)
        assert answer["statusCode"] == 400
        assert json.loads(answer["body"])["message"]
