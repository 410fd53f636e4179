"""The local HTTP adapter serves the dashboard: a generated /config.json (over the build's own file,
never cached), the build's files and the single-page-app fallback."""

import json

import httpx
import pytest

from infra.dashboard_config import content_security_policy, dashboard_config
from local.cloud.http_adapter import CONFIG_PATH, HttpAdapter, InvokeResult

pytestmark = pytest.mark.timeout(60)

CONFIG = dashboard_config(
    api_base="",
    live_transport="sse",
    live_url="/api/positions/live",
    region="us-east-1",
    user_pool_id="us-east-1_local",
    client_id="localclient",
    environment="local",
)


def no_function(function_name, event):
    return InvokeResult({"statusCode": 500, "body": "not expected"})


@pytest.fixture
def dist(tmp_path):
    root = tmp_path / "dist"
    (root / "assets").mkdir(parents=True)
    (root / "index.html").write_text("<!doctype html><title>inplay</title>")
    (root / "assets" / "index-abc123.js").write_text("console.log('app')")
    (root / "config.json").write_text('{"environment": "from-the-build"}')
    return root


def serve(dist, runtime_config):
    adapter = HttpAdapter([], no_function, port=0, frontend_dir=dist, runtime_config=runtime_config)
    adapter.start()
    return adapter


def test_the_generated_config_wins_over_the_builds_file(dist):
    adapter = serve(dist, CONFIG)
    try:
        with httpx.Client(base_url=adapter.url, timeout=10) as client:
            answer = client.get(CONFIG_PATH)
            assert answer.status_code == 200
            assert answer.headers["content-type"] == "application/json; charset=utf-8"
            assert answer.headers["cache-control"] == "no-cache"
            assert answer.json() == CONFIG
            assert json.loads(answer.text)["live"] == {"transport": "sse", "url": "/api/positions/live"}
            head = client.head(CONFIG_PATH)
            assert head.status_code == 200 and head.content == b""
            assert client.post(CONFIG_PATH).status_code == 405
    finally:
        adapter.stop()


def test_without_a_generated_config_the_builds_file_is_served_uncached(dist):
    adapter = serve(dist, None)
    try:
        with httpx.Client(base_url=adapter.url, timeout=10) as client:
            answer = client.get(CONFIG_PATH)
            assert answer.json() == {"environment": "from-the-build"}
            assert answer.headers["cache-control"] == "no-cache"
            assert "cache-control" not in client.get("/assets/index-abc123.js").headers
    finally:
        adapter.stop()


def test_the_config_is_served_even_without_a_build(tmp_path):
    adapter = serve(tmp_path / "missing", CONFIG)
    try:
        with httpx.Client(base_url=adapter.url, timeout=10) as client:
            assert client.get(CONFIG_PATH).json() == CONFIG
            assert client.get("/").status_code == 404
    finally:
        adapter.stop()


@pytest.mark.parametrize("route", ["/", "/positions", "/health", "/sign-in", "/settings/"])
def test_client_routes_answer_the_app(dist, route):
    adapter = serve(dist, CONFIG)
    try:
        with httpx.Client(base_url=adapter.url, timeout=10) as client:
            answer = client.get(route)
            assert answer.status_code == 200 and "<title>inplay</title>" in answer.text
            assert answer.headers["cache-control"] == "no-cache"
            assert client.get("/assets/missing.js").status_code == 404  # a file, not a route
    finally:
        adapter.stop()


def test_the_dashboard_is_served_with_the_deployed_sites_security_headers(dist):
    """The browser tests then run the app under the same CSP as CloudFront serves it with."""
    adapter = serve(dist, CONFIG)
    try:
        with httpx.Client(base_url=adapter.url, timeout=10) as client:
            for path in ("/", "/assets/index-abc123.js", "/config.json"):
                headers = client.get(path).headers
                assert headers["content-security-policy"] == content_security_policy([]), path
                assert "script-src 'self';" in headers["content-security-policy"]
                assert headers["x-frame-options"] == "DENY" and headers["referrer-policy"] == "no-referrer"
    finally:
        adapter.stop()
