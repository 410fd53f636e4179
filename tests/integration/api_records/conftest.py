"""The record routes through the api function's real handler, on moto tables, signed in with
moto Cognito tokens."""

from __future__ import annotations

import json
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest

from inplay.audit.store import DynamoAuditLog
from inplay.store.intents import DynamoIntentLedger
from inplay.store.risk import DynamoRiskStore
from inplay.store.schema import AUDIT, INTENTS, RISK
from local.cloud.events import rest_proxy_event
from local.cloud.moto_runtime import local_mock_aws
from tests.integration.risk_store.tables import create_table
from tests.support.auth import CognitoUsers

TABLES = {"intents": "r-intents", "audit": "r-audit", "risk": "r-risk"}
ENV = {
    "INPLAY_GAMES_TABLE": "r-games",
    "INPLAY_BOTS_TABLE": "r-bots",
    "INPLAY_INTENTS_TABLE": TABLES["intents"],
    "INPLAY_FILLS_TABLE": "r-fills",
    "INPLAY_POSITIONS_TABLE": "r-positions",
    "INPLAY_AUDIT_TABLE": TABLES["audit"],
    "INPLAY_IDEMPOTENCY_TABLE": "r-idem",
    "INPLAY_RISK_TABLE": TABLES["risk"],
    "INPLAY_PAPER_TABLE": "r-paper",
    "INPLAY_ALERTS_TOPIC_ARN": "arn:aws:sns:us-east-1:123456789012:alerts",
    "INPLAY_ORDER_STATE_MACHINE_ARN": "arn:aws:states:us-east-1:123456789012:stateMachine:orders",
    "INPLAY_RECONCILER_FUNCTION": "reconciler-fn",
    "INPLAY_KILL_SWITCH_FUNCTION": "kill-switch-fn",
}


class RecordsApi:
    """Real stores to write records with, and :meth:`get` through the api function's handler."""

    def __init__(self, users: CognitoUsers) -> None:
        self.users = users
        self.intents = DynamoIntentLedger(TABLES["intents"])
        self.audit = DynamoAuditLog(TABLES["audit"])
        self.risk = DynamoRiskStore(TABLES["risk"])

    def get(
        self,
        path: str,
        query: dict[str, str] | None = None,
        *,
        user: str | None = "alice",
        headers: dict[str, str] | None = None,
    ) -> tuple[int, dict[str, Any]]:
        import api.handler

        sent = [("Content-Type", "application/json")]
        if user is not None:
            sent.append(("Authorization", f"Bearer {self.users.token(user)}"))
        sent.extend((headers or {}).items())
        event = rest_proxy_event(
            method="GET",
            path=path,
            resource="/api/{proxy+}",
            path_parameters={"proxy": path.removeprefix("/api/")},
            query=list((query or {}).items()),
            headers=sent,
            body=b"",
            binary=False,
            stage="prod",
            source_ip="127.0.0.1",
        )
        context = SimpleNamespace(
            function_name="api",
            memory_limit_in_mb=256,
            invoked_function_arn="arn:aws:lambda:us-east-1:123456789012:function:api",
            aws_request_id="req-1",
        )
        answer = api.handler.handler(event, context)
        return int(answer["statusCode"]), json.loads(answer["body"])

    def pages(
        self, path: str, query: dict[str, str] | None = None, *, user: str = "alice"
    ) -> list[dict[str, Any]]:
        """Every page of a listing, following ``next_cursor``."""
        pages: list[dict[str, Any]] = []
        cursor: str | None = None
        while True:
            status, body = self.get(
                path, {**(query or {}), **({"cursor": cursor} if cursor else {})}, user=user
            )
            assert status == 200, body
            pages.append(body)
            cursor = body["next_cursor"]
            if cursor is None:
                return pages
            assert len(pages) < 50


@pytest.fixture
def api(monkeypatch: pytest.MonkeyPatch) -> Iterator[RecordsApi]:
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    with local_mock_aws(patch_lambda=False):
        for spec, key in ((INTENTS, "intents"), (AUDIT, "audit"), (RISK, "risk")):
            create_table(spec, TABLES[key])
        users = CognitoUsers().install(monkeypatch)
        for name in ("alice", "bob"):
            users.create(name, user_id=name)
        yield RecordsApi(users)
