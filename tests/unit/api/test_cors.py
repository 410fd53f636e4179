"""CORS for the dashboard's origins: parsing ``INPLAY_DASHBOARD_ORIGINS`` and the headers the api
function adds to answers that need no table or token (liveness, an oversized body)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from inplay.config import CorsSettings, Env, SettingsError, load_settings
from local.cloud.events import rest_proxy_event
from tests.support.api import LAMBDA_CONTEXT

DASHBOARD = "https://d1234abcd.cloudfront.net"
DEV = "http://localhost:5173"


def origins(value: str) -> tuple[str, ...]:
    return load_settings(CorsSettings, {Env.DASHBOARD_ORIGINS.value: value}).dashboard_origins


def test_origins_parse_from_a_comma_separated_list() -> None:
    assert origins(f" {DASHBOARD} , {DEV},,") == (DASHBOARD, DEV)
    assert origins("HTTPS://D1234ABCD.CloudFront.net") == (DASHBOARD,)  # browsers send lowercase
    assert origins(f"{DASHBOARD},{DASHBOARD}") == (DASHBOARD,)
    assert origins("") == ()
    assert load_settings(CorsSettings, {}).dashboard_origins == ()


@pytest.mark.parametrize(
    "bad", ["*", "d1234.cloudfront.net", f"{DASHBOARD}/", f"{DASHBOARD}/app", "ftp://x.example", "https://"]
)
def test_anything_but_an_origin_is_refused(bad: str) -> None:
    with pytest.raises(SettingsError, match=Env.DASHBOARD_ORIGINS.value):
        origins(f"{DASHBOARD},{bad}")


def answer(method: str, path: str, *, origin: str | None, body: bytes = b"") -> dict[str, Any]:
    import api.handler

    headers = [("Content-Type", "application/json")]
    if origin is not None:
        headers.append(("Origin", origin))
    event = rest_proxy_event(
        method=method,
        path=path,
        resource="/api/{proxy+}",
        path_parameters={"proxy": path.removeprefix("/api/")},
        query=[],
        headers=headers,
        body=body,
        binary=False,
        stage="prod",
        source_ip="127.0.0.1",
    )
    result: dict[str, Any] = api.handler.handler(event, LAMBDA_CONTEXT)
    return result


def header(result: dict[str, Any], name: str) -> list[str]:
    """Every value of ``name`` in a proxy answer (single- and multi-value headers)."""
    values = [str(v) for k, v in (result.get("headers") or {}).items() if k.lower() == name.lower()]
    for key, listed in (result.get("multiValueHeaders") or {}).items():
        if key.lower() == name.lower():
            values.extend(str(v) for v in listed)
    return values


@pytest.fixture
def configured(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(Env.DASHBOARD_ORIGINS.value, f"{DASHBOARD},{DEV}")


@pytest.mark.usefixtures("configured")
@pytest.mark.parametrize("origin", [DASHBOARD, DEV])
def test_an_allowed_origin_is_echoed(origin: str) -> None:
    result = answer("GET", "/api/health", origin=origin)
    assert result["statusCode"] == 200
    assert header(result, "Access-Control-Allow-Origin") == [origin]
    assert header(result, "Vary") == ["Origin"]


@pytest.mark.usefixtures("configured")
@pytest.mark.parametrize("origin", ["https://evil.example", f"{DASHBOARD}.evil.example", "null"])
def test_another_origin_gets_no_allow_origin(origin: str) -> None:
    result = answer("GET", "/api/health", origin=origin)
    assert result["statusCode"] == 200
    assert header(result, "Access-Control-Allow-Origin") == []
    assert header(result, "Vary") == ["Origin"]


@pytest.mark.usefixtures("configured")
def test_a_refusal_before_the_resolver_carries_it_too() -> None:
    import api.handler

    result = answer("POST", "/api/bot/start", origin=DASHBOARD, body=b"x" * (api.handler.MAX_BODY_BYTES + 1))
    assert result["statusCode"] == 413
    assert header(result, "Access-Control-Allow-Origin") == [DASHBOARD]
    assert json.loads(result["body"])["message"]


@pytest.mark.usefixtures("configured")
def test_no_origin_header_no_cors_headers() -> None:
    result = answer("GET", "/api/health", origin=None)
    assert header(result, "Access-Control-Allow-Origin") == [] and header(result, "Vary") == []


def test_without_configured_origins_nothing_is_added() -> None:
    result = answer("GET", "/api/health", origin=DASHBOARD)
    assert result["statusCode"] == 200
    assert header(result, "Access-Control-Allow-Origin") == [] and header(result, "Vary") == []
