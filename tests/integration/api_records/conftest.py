"""The record routes through the api function's real handler, on moto tables, signed in with
moto Cognito tokens."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from inplay.audit.store import DynamoAuditLog
from inplay.store.intents import DynamoIntentLedger
from inplay.store.risk import DynamoRiskStore
from inplay.store.schema import AUDIT, INTENTS, RISK
from local.cloud.moto_runtime import local_mock_aws
from tests.integration.risk_store.tables import create_table
from tests.support.api import api_env, call_api
from tests.support.auth import CognitoUsers

TABLES = {"intents": "r-intents", "audit": "r-audit", "risk": "r-risk"}
ENV = api_env("r")


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
        token = self.users.token(user) if user is not None else None
        answer = call_api("GET", path, token=token, query=query or {}, headers=headers)
        return answer.status, answer.body

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
