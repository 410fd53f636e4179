"""GET /api/performance through the api function's real handler, on moto tables, signed in with
moto Cognito tokens, with the dashboard's origins configured (CORS)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest

from inplay.config import Env
from inplay.orders.fills import FillRecord
from inplay.store.bots import DynamoBotControls
from inplay.store.schema import BOTS, FILLS, POSITIONS
from inplay.store.trades import DynamoTradeStore
from local.cloud.moto_runtime import local_mock_aws
from tests.integration.risk_store.tables import create_table
from tests.support.api import Answer, api_env, call_api
from tests.support.auth import CognitoUsers, SigningInUsers

ENV = api_env("pf")
DASHBOARD = "https://d1234abcd.cloudfront.net"
DEV = "http://localhost:5173"


class PerformanceApi:
    def __init__(self, users: CognitoUsers) -> None:
        self.users = users
        self.bots = DynamoBotControls(ENV[Env.BOTS_TABLE.value])

    def record(self, fill: FillRecord, *, at: datetime) -> None:
        """Apply ``fill`` with the store's clock at ``at`` (a closing fill closes at ``at``)."""
        DynamoTradeStore(
            ENV[Env.FILLS_TABLE.value], ENV[Env.POSITIONS_TABLE.value], now=lambda: at
        ).record_fill(fill)

    def get(
        self, query: dict[str, str] | None = None, *, user: str | None = "alice", **kwargs: Any
    ) -> Answer:
        token = self.users.token(user) if user is not None else None
        return call_api("GET", "/api/performance", token=token, query=query or {}, **kwargs)


@pytest.fixture
def api(monkeypatch: pytest.MonkeyPatch) -> Iterator[PerformanceApi]:
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv(Env.DASHBOARD_ORIGINS.value, f"{DASHBOARD},{DEV}")
    with local_mock_aws(patch_lambda=False):
        for spec in (BOTS, FILLS, POSITIONS):
            create_table(spec, ENV[spec.env.value])
        users = SigningInUsers().install(monkeypatch)
        yield PerformanceApi(users)


def raw_answer(
    method: str, path: str, *, token: str | None, origin: str, query: dict[str, str] | None = None
) -> dict[str, Any]:
    """The api function's proxy answer itself (headers included) for a browser request."""
    import api.handler
    from local.cloud.events import rest_proxy_event
    from tests.support.api import LAMBDA_CONTEXT

    headers = [("Origin", origin)] + ([("Authorization", f"Bearer {token}")] if token else [])
    event = rest_proxy_event(
        method=method,
        path=path,
        resource="/api/{proxy+}",
        path_parameters={"proxy": path.removeprefix("/api/")},
        query=list((query or {}).items()),
        headers=headers,
        body=b"",
        binary=False,
        stage="prod",
        source_ip="127.0.0.1",
    )
    result: dict[str, Any] = api.handler.handler(event, LAMBDA_CONTEXT)
    return result


def allow_origin(result: dict[str, Any]) -> list[str]:
    found = [
        str(v) for k, v in (result.get("headers") or {}).items() if k.lower() == "access-control-allow-origin"
    ]
    for key, values in (result.get("multiValueHeaders") or {}).items():
        if key.lower() == "access-control-allow-origin":
            found.extend(str(v) for v in values)
    return found
