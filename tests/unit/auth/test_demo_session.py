"""The demo's sign-in: its session renews the ID token before expiry, and its printed curl examples."""

from __future__ import annotations

import argparse
import json
import shlex
import sys
from typing import Any

import httpx
import pytest

from local.commands import demo

API = "http://127.0.0.1:8000/api"


class FakeApi:
    """Answers /auth/sign-in and /auth/refresh like the api function; counts the calls."""

    def __init__(self, *, password: str = demo.DEMO_PASSWORD, refresh_ok: bool = True) -> None:
        self.password = password
        self.refresh_ok = refresh_ok
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.issued = 0

    def handle(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        path = request.url.path.removeprefix("/api")
        self.calls.append((path, body))
        if path == "/auth/sign-in":
            if body != {"username": demo.DEMO_USER, "password": self.password}:
                return httpx.Response(401, json={"message": "wrong username or password"})
            return httpx.Response(200, json=self._tokens(refresh="r-1"))
        if path == "/auth/refresh" and self.refresh_ok and body == {"refresh_token": "r-1"}:
            return httpx.Response(200, json=self._tokens(refresh=None))
        return httpx.Response(401, json={"message": "the refresh token is invalid"})

    def _tokens(self, refresh: str | None) -> dict[str, Any]:
        self.issued += 1
        return {
            "id_token": f"id-{self.issued}",
            "refresh_token": refresh,
            "expires_in": 3600,
            "token_type": "Bearer",
        }


class Clock:
    now = 0.0

    def __call__(self) -> float:
        return self.now


def session(api: FakeApi, password: str = demo.DEMO_PASSWORD) -> tuple[demo._Session, httpx.Client, Clock]:
    clock = Clock()
    return (
        demo._Session(API, demo.DEMO_USER, password, clock=clock),
        httpx.Client(transport=httpx.MockTransport(api.handle)),
        clock,
    )


def test_signs_in_once_and_reuses_the_token() -> None:
    api = FakeApi()
    running, http, _ = session(api)
    assert running.headers(http) == {"Authorization": "Bearer id-1"}
    assert running.headers(http) == {"Authorization": "Bearer id-1"}
    assert [path for path, _ in api.calls] == ["/auth/sign-in"]


def test_refreshes_before_the_token_expires() -> None:
    api = FakeApi()
    running, http, clock = session(api)
    running.headers(http)
    clock.now = 3600 - demo.TOKEN_RENEW_MARGIN_SECONDS - 1
    assert running.headers(http) == {"Authorization": "Bearer id-1"}
    clock.now += 2
    assert running.headers(http) == {"Authorization": "Bearer id-2"}
    assert [path for path, _ in api.calls] == ["/auth/sign-in", "/auth/refresh"]
    clock.now += 3600  # the refresh token from sign-in is kept for the next refresh
    assert running.headers(http) == {"Authorization": "Bearer id-3"}
    assert api.calls[-1] == ("/auth/refresh", {"refresh_token": "r-1"})


def test_signs_in_again_when_the_refresh_is_refused_or_the_token_forgotten() -> None:
    api = FakeApi(refresh_ok=False)
    running, http, clock = session(api)
    running.headers(http)
    clock.now = 4000
    assert running.headers(http) == {"Authorization": "Bearer id-2"}
    running.forget()
    assert running.headers(http) == {"Authorization": "Bearer id-3"}
    assert [path for path, _ in api.calls] == [
        "/auth/sign-in",
        "/auth/refresh",
        "/auth/sign-in",
        "/auth/sign-in",
    ]


def test_a_refused_sign_in_is_an_http_error_with_the_apis_message() -> None:
    running, http, _ = session(FakeApi(), password="not-the-password")
    with pytest.raises(httpx.HTTPError, match="wrong username or password"):
        running.headers(http)


def test_the_curl_examples_sign_in_then_send_the_token() -> None:
    examples = demo.curl_examples(API)
    assert [what.split(" ")[0] for what, _ in examples] == ["sign", "bot", "start", "emergency"]
    sign_in = examples[0][1]
    assert sign_in.startswith("TOKEN=$(curl -s http://127.0.0.1:8000/api/auth/sign-in ")
    assert sign_in.endswith("| jq -r .id_token)")
    body = shlex.split(sign_in.split("-d ", 1)[1].split(" |", 1)[0])[0]
    assert json.loads(body) == {"username": "demo", "password": "inplay-demo-pass"}
    for _, command in examples[1:]:
        words = shlex.split(command)
        assert words[:2] == ["curl", "-s"]
        assert "Authorization: Bearer $TOKEN" in words
    paths = [next(w for w in shlex.split(c) if w.startswith("http")) for _, c in examples[1:]]
    assert paths == [f"{API}/bot/status", f"{API}/bot/start", f"{API}/bot/emergency-stop"]
    assert json.loads(shlex.split(examples[2][1])[-1]) == {"bot_id": demo.DEMO_BOT}
    assert json.loads(shlex.split(examples[3][1])[-1]) == {}


def test_a_chosen_password_is_not_printed(capsys: pytest.CaptureFixture[str]) -> None:
    demo._curl_examples(sys.stdout, API, custom_password=True)
    printed = capsys.readouterr().out
    assert "<your --password>" in printed and demo.DEMO_PASSWORD not in printed


@pytest.mark.parametrize("password", ["short", "elevenchars"])
def test_the_demo_refuses_a_password_the_pool_would_refuse(password: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError, match="at least 12 characters"):
        demo._password(password)
    assert demo._password("twelve-chars") == "twelve-chars"
