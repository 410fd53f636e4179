"""POST /api/bot/order: the api Lambda (invoked like API Gateway would) starts the real order
workflow, which trades against the Kalshi simulator, and returns the result."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import boto3
import pytest

from local.cloud.events import rest_proxy_event
from tests.integration.order_workflow.support import USER, Harness
from tests.support.auth import SigningInUsers

pytestmark = [pytest.mark.timeout(120)]


def post_order(
    harness: Harness, body: dict[str, Any], *, user: str | None = USER
) -> tuple[int, dict[str, Any]]:
    headers = [("Content-Type", "application/json")]
    if user is not None:
        users = SigningInUsers.of_function(harness.stack.function("ApiFunction").environment)
        headers.append(("Authorization", f"Bearer {users.token(user)}"))
    event = rest_proxy_event(
        method="POST",
        path="/api/bot/order",
        resource="/api/{proxy+}",
        path_parameters={"proxy": "bot/order"},
        query=[],
        headers=headers,
        body=json.dumps(body).encode(),
        binary=False,
        stage="prod",
        source_ip="127.0.0.1",
    )
    response = boto3.client("lambda").invoke(
        FunctionName=harness.stack.function("ApiFunction").name, Payload=json.dumps(event).encode()
    )
    answer = json.loads(response["Payload"].read())
    assert "FunctionError" not in response, answer
    return answer["statusCode"], json.loads(answer["body"])


@pytest.fixture
def local_auth(harness: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    """The api function verifies tokens of the stack's own (moto) user pool with moto's keys."""
    import api.security

    users = SigningInUsers.of_function(harness.stack.function("ApiFunction").environment)
    monkeypatch.setattr(api.security, "token_verifier", users.verifier)


def order(harness: Harness, **change: Any) -> dict[str, Any]:
    return {"market_ticker": harness.venue.home, "side": "yes", "price": "0.52", "count": "5", **change}


def test_a_manual_order_runs_the_workflow_and_a_repeat_joins_it(harness: Harness, local_auth: None) -> None:
    status, body = post_order(harness, order(harness, client_ref="manual-1"))
    assert status == 200, body
    result = body["result"]
    assert body["status"] == "FILLED" and result["intent_state"] == "FILLED"
    assert Decimal(result["filled_count"]) == 5 and result["mode"] == "paper"
    intent_id = body["intent_id"]
    assert len(harness.venue.orders(intent_id)) == 1
    assert harness.audit_kinds() == ["ENTRY"]
    # The same client_ref again: the same intent, no second order.
    status, again = post_order(harness, order(harness, client_ref="manual-1"))
    assert status in (200, 422), again
    assert again["intent_id"] == intent_id
    assert len(harness.venue.orders(intent_id)) == 1


def test_an_unknown_market_is_400_naming_the_field(harness: Harness, local_auth: None) -> None:
    status, body = post_order(harness, order(harness, market_ticker="KXNBAGAME-26NOV24XXXYYY-XXX"))
    assert status == 400, body
    assert body["errors"][0].startswith("market_ticker: unknown market")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"price": "1.50"}, "price"),
        ({"count": "0"}, "count"),
        ({"side": "up"}, "side"),
        ({"mode": "live"}, "confirm_live"),
    ],
)
def test_bad_values_are_400_naming_the_field(
    harness: Harness, local_auth: None, change: dict[str, Any], field: str
) -> None:
    status, body = post_order(harness, order(harness, **change))
    assert status == 400
    assert any(field in error for error in body["errors"]), body


def test_a_missing_field_is_400_naming_it(harness: Harness, local_auth: None) -> None:
    body = order(harness)
    del body["count"]
    status, answer = post_order(harness, body)
    assert status == 400 and any(error.startswith("count") for error in answer["errors"]), answer


def test_an_unsigned_request_places_nothing(harness: Harness, local_auth: None) -> None:
    status, body = post_order(harness, order(harness), user=None)
    assert status == 401 and "sign in" in body["message"]
    assert harness.ledger().list_by_user(USER) == []  # no intent, so nothing reached the venue
