"""The HTTP adapter on 127.0.0.1: proxy events to functions, static files from a dist folder."""

import base64
import importlib
import threading

import boto3
import httpx
import pytest

from local.cloud.http_adapter import HttpAdapter, InvokeResult, lambda_invoker
from local.cloud.moto_runtime import local_mock_aws
from local.cloud.provisioner import ApiRoute, provision
from tests.fixtures.local_cloud_handlers.lc_template import build_template

pytestmark = pytest.mark.timeout(60)

ROUTES = [
    ApiRoute("Api", "api", "prod", "ANY", "/api/{proxy+}", "ApiFn", "ApiFn", ("application/octet-stream",)),
    ApiRoute("Api", "api", "prod", "GET", "/api/items/{id}", "ItemFn", "ItemFn"),
]


class FakeInvoker:
    """Runs the fixture API handler directly and records every event."""

    def __init__(self):
        self.events = []

    def __call__(self, function_name, event):
        api = importlib.import_module("lc_handlers.api")

        self.events.append((function_name, event))
        try:
            return InvokeResult(api.handler(event, None))
        except Exception as exc:
            return InvokeResult({"errorType": type(exc).__name__, "errorMessage": str(exc)}, "Handled")


@pytest.fixture
def dist(tmp_path):
    root = tmp_path / "dist"
    (root / "assets").mkdir(parents=True)
    (root / "index.html").write_text("<!doctype html><title>inplay</title>")
    (root / "assets" / "app.js").write_text("console.log('hi')")
    (root / "assets" / "style.css").write_text("body{}")
    (root / "favicon.svg").write_text("<svg/>")
    (tmp_path / "secret.txt").write_text("outside the dist dir")
    return root


@pytest.fixture
def invoker():
    return FakeInvoker()


@pytest.fixture
def server(invoker, dist):
    adapter = HttpAdapter(ROUTES, invoker, port=0, frontend_dir=dist, max_body_bytes=1024)
    adapter.start()
    try:
        with httpx.Client(base_url=adapter.url, timeout=10) as client:
            yield client
    finally:
        adapter.stop()


def test_a_request_round_trips_through_a_proxy_event(server, invoker):
    response = server.post(
        "/api/games/nba?league=nba&state=in&league=nfl",
        content=b'{"bet": 1}',
        headers=[("X-Test", "one"), ("X-Test", "two"), ("Content-Type", "application/json")],
    )
    assert response.status_code == 201
    assert response.headers["X-Handler"] == "lc-api"
    assert response.headers.get_list("Set-Cookie") == ["a=1", "b=2"]
    assert response.headers["x-amzn-RequestId"]
    echoed = response.json()
    assert echoed == {
        "httpMethod": "POST",
        "path": "/api/games/nba",
        "resource": "/api/{proxy+}",
        "pathParameters": {"proxy": "games/nba"},
        "queryStringParameters": {"league": "nfl", "state": "in"},
        "multiValueQueryStringParameters": {"league": ["nba", "nfl"], "state": ["in"]},
        "body": '{"bet": 1}',
        "isBase64Encoded": False,
        "stage": "prod",
        "sourceIp": "127.0.0.1",
        "header": "two",
        "multiHeader": ["one", "two"],
    }
    function_name, event = invoker.events[-1]
    assert function_name == "ApiFn"
    assert event["requestContext"]["requestId"] == response.headers["x-amzn-RequestId"]


def test_more_specific_routes_win_and_get_path_parameters(server, invoker):
    assert server.get("/api/items/42").status_code == 200
    function_name, event = invoker.events[-1]
    assert function_name == "ItemFn"
    assert event["pathParameters"] == {"id": "42"}
    assert event["resource"] == "/api/items/{id}"


def test_binary_media_types_are_base64_both_ways(server, invoker):
    response = server.put(
        "/api/upload", content=b"\x00\x01\x02", headers={"Content-Type": "application/octet-stream"}
    )
    assert response.json()["isBase64Encoded"] is True
    assert base64.b64decode(response.json()["body"]) == b"\x00\x01\x02"
    binary = server.get("/api/binary")
    assert binary.content == b"\x00\x01\xffbinary"
    assert binary.headers["Content-Type"] == "application/octet-stream"


def test_function_errors_and_bad_responses_are_502_like_api_gateway(server):
    for path in ("/api/boom", "/api/bad-shape"):
        response = server.get(path)
        assert response.status_code == 502
        assert response.json() == {"message": "Internal server error"}


def test_unknown_api_paths_get_api_gateways_403(server):
    response = server.get("/api")
    assert response.status_code == 403
    assert response.json() == {"message": "Missing Authentication Token"}


def test_oversized_bodies_are_rejected_before_invoking(server, invoker):
    response = server.post("/api/big", content=b"x" * 2048)
    assert response.status_code == 413
    assert invoker.events == []


def test_static_files_with_content_types(server):
    index = server.get("/")
    assert index.status_code == 200 and "<title>inplay</title>" in index.text
    assert index.headers["Content-Type"].startswith("text/html")
    assert server.get("/assets/app.js").headers["Content-Type"] == "text/javascript; charset=utf-8"
    assert server.get("/assets/style.css").headers["Content-Type"] == "text/css; charset=utf-8"
    assert server.get("/favicon.svg").headers["Content-Type"].startswith("image/svg+xml")
    head = server.head("/assets/app.js")
    assert head.status_code == 200 and head.content == b""


def test_spa_fallback_for_routes_but_404_for_missing_files(server):
    fallback = server.get("/games/nba/401")
    assert fallback.status_code == 200 and "<title>inplay</title>" in fallback.text
    missing = server.get("/assets/missing.js")
    assert missing.status_code == 404 and missing.json() == {"message": "Not Found"}
    assert server.post("/").status_code == 405


@pytest.mark.parametrize(
    "path",
    ["/../secret.txt", "/%2e%2e/secret.txt", "/assets/%2e%2e/%2e%2e/secret.txt", "/..%2fsecret.txt", "/%00"],
)
def test_no_path_traversal_outside_the_dist_dir(dist, invoker, path):
    adapter = HttpAdapter([], invoker, port=0, frontend_dir=dist)
    adapter.start()
    try:
        # Send the raw path: an HTTP client would normalise the dots away.
        import socket

        with socket.create_connection(("127.0.0.1", adapter.port), timeout=5) as sock:
            sock.sendall(f"GET {path} HTTP/1.0\r\nHost: x\r\n\r\n".encode())
            raw = b""
            while chunk := sock.recv(65536):
                raw += chunk
    finally:
        adapter.stop()
    assert b"outside the dist dir" not in raw
    status = int(raw.split(b" ", 2)[1])
    assert status in (400, 404)


def test_without_a_built_frontend_everything_else_is_404_json(invoker, tmp_path):
    adapter = HttpAdapter(ROUTES, invoker, port=0, frontend_dir=tmp_path / "no-dist")
    with adapter:
        response = httpx.get(adapter.url + "/", timeout=5)
    assert response.status_code == 404
    assert "not built" in response.json()["message"]


def test_stop_is_idempotent_and_leaves_no_threads(invoker, dist):
    adapter = HttpAdapter(ROUTES, invoker, port=0, frontend_dir=dist)
    adapter.start()
    url = adapter.url
    assert httpx.get(url + "/api/x", timeout=5).status_code == 200
    adapter.stop()
    adapter.stop()
    assert not any(t.name == "local-cloud-http" for t in threading.enumerate())
    with pytest.raises(httpx.ConnectError):
        httpx.get(url + "/", timeout=2)


def test_through_moto_lambda_and_the_patch(dist):
    with local_mock_aws():
        stack = provision(build_template())
        adapter = HttpAdapter(stack.routes, lambda_invoker(boto3.client("lambda")), port=0, frontend_dir=dist)
        with adapter:
            ok = httpx.get(adapter.url + "/api/health?x=1", timeout=10)
            boom = httpx.get(adapter.url + "/api/boom", timeout=10)
    assert ok.status_code == 200
    assert ok.json()["stage"] == "v1"
    assert ok.json()["queryStringParameters"] == {"x": "1"}
    assert boom.status_code == 502
