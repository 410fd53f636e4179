"""POST /api/auth/sign-in and /api/auth/refresh through the api function's real handler, against
moto's Cognito (real RS256 tokens, verified by the same verifier every other route uses)."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import boto3
import pytest

from inplay.auth import AuthError
from local.cloud.events import rest_proxy_event
from local.cloud.moto_runtime import local_mock_aws
from tests.support.auth import PASSWORD, CognitoUsers

ENV = {
    "INPLAY_GAMES_TABLE": "t-games",
    "INPLAY_BOTS_TABLE": "t-bots",
    "INPLAY_INTENTS_TABLE": "t-intents",
    "INPLAY_FILLS_TABLE": "t-fills",
    "INPLAY_POSITIONS_TABLE": "t-positions",
    "INPLAY_AUDIT_TABLE": "t-audit",
    "INPLAY_IDEMPOTENCY_TABLE": "t-idem",
    "INPLAY_RISK_TABLE": "t-risk",
    "INPLAY_PAPER_TABLE": "t-paper",
    "INPLAY_ALERTS_TOPIC_ARN": "arn:aws:sns:us-east-1:123456789012:alerts",
    "INPLAY_ORDER_STATE_MACHINE_ARN": "arn:aws:states:us-east-1:123456789012:stateMachine:orders",
    "INPLAY_RECONCILER_FUNCTION": "reconciler-fn",
    "INPLAY_KILL_SWITCH_FUNCTION": "kill-switch-fn",
}
CONTEXT = SimpleNamespace(
    function_name="api",
    memory_limit_in_mb=256,
    invoked_function_arn="arn:aws:lambda:us-east-1:123456789012:function:api",
    aws_request_id="req-1",
)


@dataclass
class Api:
    users: CognitoUsers

    def post(
        self, path: str, body: Any = None, *, raw: bytes | None = None, headers: dict[str, str] | None = None
    ) -> tuple[int, dict[str, Any], dict[str, Any]]:
        import api.handler

        payload = raw if raw is not None else json.dumps(body).encode()
        event = rest_proxy_event(
            method="POST",
            path=path,
            resource="/api/auth/{proxy+}",
            path_parameters={"proxy": path.removeprefix("/api/auth/")},
            query=[],
            headers=[("Content-Type", "application/json"), *(headers or {}).items()],
            body=payload,
            binary=False,
            stage="prod",
            source_ip="127.0.0.1",
        )
        answer = api.handler.handler(event, CONTEXT)  # type: ignore[arg-type]
        headers = {name: values[-1] for name, values in (answer.get("multiValueHeaders") or {}).items()}
        headers.update(answer.get("headers") or {})
        return answer["statusCode"], json.loads(answer["body"]), headers

    def sign_in(self, username: str, password: str = PASSWORD) -> tuple[int, dict[str, Any]]:
        status, body, _ = self.post("/api/auth/sign-in", {"username": username, "password": password})
        return status, body


@pytest.fixture
def api(monkeypatch: pytest.MonkeyPatch) -> Iterator[Api]:
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    with local_mock_aws(patch_lambda=False):
        users = CognitoUsers().install(monkeypatch)
        users.create("alice", user_id="alice")
        yield Api(users)


def test_sign_in_answers_tokens_the_api_accepts(api: Api) -> None:
    status, body, headers = api.post("/api/auth/sign-in", {"username": "alice", "password": PASSWORD})
    assert status == 200, body
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 3600
    assert body["refresh_token"] and body["access_token"]
    assert headers["Cache-Control"] == "no-store"
    principal = api.users.verifier().verify(body["id_token"])
    assert principal.user_id == "alice" and principal.username == "alice"
    with pytest.raises(AuthError, match="access token"):
        api.users.verifier().verify(body["access_token"])


def test_wrong_password_and_unknown_user_get_the_same_answer(api: Api) -> None:
    wrong = api.sign_in("alice", "not-the-password")
    unknown = api.sign_in("mallory", "whatever-password")
    assert wrong == (401, {"message": "wrong username or password"})
    assert unknown == wrong


def test_a_temporary_password_is_a_409_that_says_how_to_finish(api: Api) -> None:
    boto3.client("cognito-idp").admin_create_user(
        UserPoolId=api.users.pool_id, Username="newbie", TemporaryPassword="Temporary-pass-1"
    )
    status, body = api.sign_in("newbie", "Temporary-pass-1")
    assert status == 409
    assert body["challenge"] == "NEW_PASSWORD_REQUIRED"
    assert "admin-set-user-password" in body["message"] and "--permanent" in body["message"]


def test_refresh_gives_a_new_id_token_and_refuses_a_bad_refresh_token(api: Api) -> None:
    _, signed_in = api.sign_in("alice")
    status, body, headers = api.post("/api/auth/refresh", {"refresh_token": signed_in["refresh_token"]})
    assert status == 200, body
    assert body["refresh_token"] is None  # keep using the one from sign-in
    assert headers["Cache-Control"] == "no-store"
    assert api.users.verifier().verify(body["id_token"]).user_id == "alice"
    status, body, _ = api.post("/api/auth/refresh", {"refresh_token": "not-a-refresh-token"})
    assert status == 401
    assert "sign in again" in body["message"]


def test_sign_in_needs_no_token_and_ignores_a_bad_one(api: Api) -> None:
    status, body, _ = api.post(
        "/api/auth/sign-in",
        {"username": "alice", "password": PASSWORD},
        headers={"Authorization": "Bearer garbage"},
    )
    assert status == 200, body


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"username": "alice"}, "password"),
        ({"password": "secret-password-1"}, "username"),
        ({"username": "alice", "password": "secret-password-1", "admin": True}, "admin"),
        ({"username": "alice", "password": "x" * 257}, "password"),
        ({"username": "a" * 129, "password": "secret-password-1"}, "username"),
        ({"username": "has space", "password": "secret-password-1"}, "username"),
        ({"username": "nul\u0000byte", "password": "secret-password-1"}, "username"),
        ({"username": "tab\tbed", "password": "secret-password-1"}, "username"),
        ({"username": "alice", "password": ""}, "password"),
    ],
)
def test_malformed_sign_in_bodies_are_400_naming_the_field(
    api: Api, body: dict[str, Any], field: str
) -> None:
    status, answer, _ = api.post("/api/auth/sign-in", body)
    assert status == 400
    assert answer["message"] == "invalid request"
    assert any(error.startswith(field) for error in answer["errors"]), answer
    password = body.get("password")
    if password:
        assert password not in json.dumps(answer)  # validation never echoes the input


def test_not_json_and_wrong_types_are_400(api: Api) -> None:
    assert api.post("/api/auth/sign-in", raw=b"{not json")[0] == 400
    assert api.post("/api/auth/sign-in", {"username": 5, "password": ["x"]})[0] == 400
    assert api.post("/api/auth/refresh", {"refresh_token": "t" * 8193})[0] == 400


def test_no_password_or_token_reaches_the_logs(
    api: Api, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    # INFO everywhere (as deployed), DEBUG for our logger and Powertools. (botocore's own DEBUG
    # wire log would show any request body: it is never enabled.)
    caplog.set_level(logging.INFO)
    caplog.set_level(logging.DEBUG, logger="inplay")
    caplog.set_level(logging.DEBUG, logger="aws_lambda_powertools")
    _, signed_in = api.sign_in("alice")
    api.sign_in("alice", "Wrong-password-xyz")
    _, refreshed, _ = api.post("/api/auth/refresh", {"refresh_token": signed_in["refresh_token"]})
    api.post("/api/auth/sign-in", {"username": "alice", "password": "Extra-field-pass", "x": 1})
    captured = capsys.readouterr()
    text = caplog.text + captured.out + captured.err
    secrets = [
        PASSWORD,
        "Wrong-password-xyz",
        "Extra-field-pass",
        signed_in["id_token"],
        signed_in["access_token"],
        signed_in["refresh_token"],
        refreshed["id_token"],
    ]
    for secret in secrets:
        assert secret not in text


@pytest.mark.parametrize(
    ("username", "password"),
    [
        ("😀", "x"),
        ("a" * 128, "p" * 256),
        ("<script>alert(1)</script>", "'; DROP TABLE users; --"),
        ("user%00", "line\nbreak\u0000nul"),
        ("e\u0301", " leading and trailing "),
        ('"quoted"\\', "{}"),
        ("alice", "\u202e\u2028"),
    ],
)
def test_odd_but_well_formed_credentials_are_a_plain_401(api: Api, username: str, password: str) -> None:
    assert api.sign_in(username, password) == (401, {"message": "wrong username or password"})
