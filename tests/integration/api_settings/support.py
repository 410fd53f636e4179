"""The api function's real handler on moto tables, called as API Gateway would with a signed-in user."""

from __future__ import annotations

from typing import Any

import pytest

from inplay.config import API, Env
from inplay.store.schema import table_spec
from tests.integration.risk_store.tables import create_table
from tests.support.api import call_api
from tests.support.auth import CognitoUsers


def table_name(env: Env) -> str:
    return "t-" + env.value.removeprefix("INPLAY_").removesuffix("_TABLE").lower()


API_ENV: dict[str, str] = {
    **{env.value: table_name(env) for env in API.tables},
    Env.ALERTS_TOPIC_ARN.value: "arn:aws:sns:us-east-1:123456789012:alerts",
    Env.ORDER_STATE_MACHINE_ARN.value: "arn:aws:states:us-east-1:123456789012:stateMachine:orders",
    Env.RECONCILER_FUNCTION.value: "reconciler-fn",
    Env.KILL_SWITCH_FUNCTION.value: "kill-switch-fn",
    Env.FEED_MAX_AGE_SECONDS.value: "90",
}


def install_api(monkeypatch: pytest.MonkeyPatch, *, skip: frozenset[Env] = frozenset()) -> None:
    """The api function's environment, and its tables in moto (but ``skip``)."""
    for name, value in API_ENV.items():
        monkeypatch.setenv(name, value)
    for env in API.tables:
        if env not in skip:
            create_table(table_spec(env), table_name(env))


class ApiClient:
    """Requests through ``api.handler.handler`` with a user's Cognito ID token."""

    def __init__(self, users: CognitoUsers) -> None:
        self.users = users

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        user: str | None,
        query: list[tuple[str, str]] | None = None,
        raw: bytes | None = None,
    ) -> tuple[int, dict[str, Any]]:
        token = self.users.token(user) if user is not None else None
        answer = call_api(method, path, body, token=token, query=query or [], raw=raw)
        assert answer.content_type.startswith("application/json"), answer
        return answer.status, answer.body
