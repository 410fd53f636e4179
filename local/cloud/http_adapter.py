"""The local API Gateway: HTTP requests → REST (v1) Lambda proxy events, plus the static dashboard.

moto cannot dispatch ``AWS_PROXY`` integrations and SAM needs Docker, so this stdlib server does
what API Gateway does for a Lambda proxy integration: match the template's routes, build the event
(from ``events/apigw/rest_proxy.json``), invoke the function through Lambda (so the patch runs the
real handler) and write the function's ``statusCode``/``headers``/``multiValueHeaders``/``body``
back. A function error or a malformed response is a 502 ``{"message": "Internal server error"}``;
a path under the API prefix that no route matches is API Gateway's 403 "Missing Authentication
Token". ``GET /config.json`` is the dashboard's runtime configuration when one is given (it wins
over a file of that name in the build). Every other GET is served from ``frontend/dist``
(``index.html`` for ``/`` and as the SPA fallback for extension-less paths), never from outside it.

With a :class:`~local.cloud.live.LiveHub` (the template has a WebSocket API), ``GET <api prefix>
/positions/live`` is that API served as Server-Sent Events and ``/_aws/ws/@connections/{id}`` its
management API (see :mod:`local.cloud.live`). Access logs never show a ``token`` query value.
"""

from __future__ import annotations

import base64
import contextlib
import json
import logging
import mimetypes
import re
import threading
import urllib.parse
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from infra.dashboard_config import content_security_policy
from local.cloud.errors import LocalCloudError
from local.cloud.events import rest_proxy_event

if TYPE_CHECKING:
    from mypy_boto3_lambda import LambdaClient

    from local.cloud.live import LiveHub
    from local.cloud.provisioner import ApiRoute

__all__ = [
    "CONFIG_PATH",
    "HttpAdapter",
    "InvokeResult",
    "Invoker",
    "RouteMatch",
    "RouteTable",
    "lambda_invoker",
]

logger = logging.getLogger(__name__)

MAX_BODY_BYTES: Final = 1024 * 1024
CONFIG_PATH: Final = "/config.json"
_DASHBOARD_CSP: Final = content_security_policy([])
"""The dashboard's runtime configuration (``infra.dashboard_config``)."""
LIVE_PATH: Final = "/positions/live"
"""Under the API prefix: the WebSocket API as Server-Sent Events (with a live hub)."""
_TOKEN_VALUE: Final = re.compile(r"((?:^|[?&\s])token=)[^&\s]*", re.IGNORECASE)
_HOP_BY_HOP: Final = frozenset({"content-length", "transfer-encoding", "connection", "keep-alive"})
_INTERNAL_ERROR: Final = {"message": "Internal server error"}
_EXTRA_TYPES: Final = {
    ".js": "text/javascript",
    ".mjs": "text/javascript",
    ".css": "text/css",
    ".svg": "image/svg+xml",
    ".json": "application/json",
    ".map": "application/json",
    ".wasm": "application/wasm",
    ".webmanifest": "application/manifest+json",
    ".woff2": "font/woff2",
    ".ico": "image/x-icon",
}


@dataclass(frozen=True, slots=True)
class InvokeResult:
    payload: Any
    """The function's response parsed from JSON (or the raw text when it is not JSON)."""
    function_error: str | None = None


type Invoker = Callable[[str, dict[str, Any]], InvokeResult]


def lambda_invoker(client: LambdaClient) -> Invoker:
    """Invoke functions synchronously through the Lambda API (moto + the patch)."""

    def invoke(function_name: str, event: dict[str, Any]) -> InvokeResult:
        response = client.invoke(FunctionName=function_name, Payload=json.dumps(event).encode())
        raw = response["Payload"].read().decode("utf-8", "replace")
        try:
            payload: Any = json.loads(raw)
        except json.JSONDecodeError:
            payload = raw
        return InvokeResult(payload=payload, function_error=response.get("FunctionError"))

    return invoke


@dataclass(frozen=True, slots=True)
class RouteMatch:
    route: ApiRoute
    path_parameters: dict[str, str]


class RouteTable:
    """API Gateway-style matching: literal paths beat ``{param}``, which beat greedy ``{proxy+}``."""

    def __init__(self, routes: Sequence[ApiRoute]) -> None:
        compiled = []
        for route in routes:
            pattern, names, rank = self._compile(route.path)
            compiled.append((rank, route.method == "ANY", pattern, names, route))
        compiled.sort(key=lambda entry: (entry[0], entry[1]))
        self._routes = compiled

    @staticmethod
    def _compile(path: str) -> tuple[re.Pattern[str], list[str], tuple[int, int, int]]:
        segments = [segment for segment in path.split("/") if segment]
        parts: list[str] = []
        names: list[str] = []
        greedy = params = 0
        for segment in segments:
            if segment.startswith("{") and segment.endswith("+}"):
                names.append(segment[1:-2])
                parts.append(f"(?P<p{len(names) - 1}>.+)")
                greedy += 1
            elif segment.startswith("{") and segment.endswith("}"):
                names.append(segment[1:-1])
                parts.append(f"(?P<p{len(names) - 1}>[^/]+)")
                params += 1
            else:
                parts.append(re.escape(segment))
        pattern = re.compile("^/" + "/".join(parts) + "/?$")
        return pattern, names, (greedy, params, -len(segments))

    def match(self, method: str, path: str) -> RouteMatch | None:
        for _, _, pattern, names, route in self._routes:
            if route.method not in ("ANY", method):
                continue
            found = pattern.match(path)
            if found:
                parameters = {name: found.group(f"p{index}") for index, name in enumerate(names)}
                return RouteMatch(route, parameters)
        return None

    def has_path(self, path: str) -> bool:
        return any(pattern.match(path) for _, _, pattern, _, _ in self._routes)


def _is_binary(content_type: str | None, media_types: Sequence[str]) -> bool:
    if not content_type or not media_types:
        return False
    kind = content_type.split(";")[0].strip().lower()
    for media in media_types:
        media = media.lower()
        if media in ("*/*", kind) or (media.endswith("/*") and kind.startswith(media[:-1])):
            return True
    return False


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    adapter: HttpAdapter


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.0"
    server_version = "inplay-local-cloud"
    timeout = 30

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("%s - %s", self.address_string(), _TOKEN_VALUE.sub(r"\1***", format % args))

    def _dispatch(self) -> None:
        try:
            self.server.adapter.handle(self)
        except (BrokenPipeError, ConnectionResetError):
            pass
        except Exception:
            logger.exception("local HTTP adapter failed on %s %s", self.command, self.path)
            with contextlib.suppress(OSError):
                self.server.adapter.send_json(self, HTTPStatus.INTERNAL_SERVER_ERROR, _INTERNAL_ERROR)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _dispatch


class HttpAdapter:
    """``ThreadingHTTPServer`` on ``host:port`` (port 0 = a free port)."""

    def __init__(
        self,
        routes: Sequence[ApiRoute],
        invoker: Invoker,
        *,
        host: str = "127.0.0.1",
        port: int = 8000,
        frontend_dir: Path | None = None,
        api_prefix: str = "/api",
        max_body_bytes: int = MAX_BODY_BYTES,
        live: LiveHub | None = None,
        runtime_config: Mapping[str, Any] | None = None,
    ) -> None:
        """``runtime_config``: the document ``GET /config.json`` answers (``None``: the file in
        ``frontend_dir``, if any)."""
        self._routes = RouteTable(routes)
        self._runtime_config = (
            json.dumps(runtime_config, separators=(",", ":")).encode() if runtime_config is not None else None
        )
        self._invoker = invoker
        self._host = host
        self._requested_port = port
        self._frontend = frontend_dir.resolve() if frontend_dir is not None else None
        self._api_prefix = "/" + api_prefix.strip("/") if api_prefix.strip("/") else ""
        self._max_body = max_body_bytes
        self._live = live
        self._live_path = self._api_prefix + LIVE_PATH
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        if self._server is None:
            raise LocalCloudError("the HTTP adapter is not running")
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://{self._host}:{self.port}"

    def start(self) -> str:
        if self._server is not None:
            return self.url
        try:
            server = _Server((self._host, self._requested_port), _Handler)
        except OSError as exc:
            raise LocalCloudError(
                f"cannot listen on {self._host}:{self._requested_port}: {exc} (choose another port)"
            ) from exc
        server.adapter = self
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="local-cloud-http", daemon=True
        )
        self._thread.start()
        return self.url

    def stop(self, timeout: float = 5.0) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        if self._live is not None:  # end the event streams first: each one's $disconnect still runs
            self._live.close(timeout)
        server.shutdown()
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def __enter__(self) -> HttpAdapter:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # ---- request handling

    def handle(self, request: _Handler) -> None:
        split = urllib.parse.urlsplit(request.path)
        path = urllib.parse.unquote(split.path) or "/"
        if "\x00" in path:
            self.send_json(request, HTTPStatus.BAD_REQUEST, {"message": "Bad request"})
            return
        method = request.command.upper()
        if self._live is not None and self._serve_live(request, method, path, split.query):
            return
        is_api = bool(self._api_prefix) and (
            path == self._api_prefix or path.startswith(self._api_prefix + "/")
        )
        found = self._routes.match(method, path)
        if found is not None or is_api or (not self._api_prefix and self._routes.has_path(path)):
            self._api(request, method, path, split.query, found)
        else:
            self._static(request, method, path)

    def _serve_live(self, request: _Handler, method: str, path: str, query: str) -> bool:
        """The live path and the management API; False when ``path`` is neither."""
        from local.cloud.live import CONNECTIONS_PATH

        assert self._live is not None
        if path.rstrip("/") == self._live_path:
            if method == "GET":
                self._live.serve(request, query)
            else:
                self.send_json(request, HTTPStatus.METHOD_NOT_ALLOWED, {"message": "Method Not Allowed"})
            return True
        if path.startswith(CONNECTIONS_PATH):
            connection_id = path[len(CONNECTIONS_PATH) :]
            if not connection_id or "/" in connection_id:
                self.send_json(request, HTTPStatus.NOT_FOUND, {"message": "Not Found"})
            else:
                self._live.manage(request, method, connection_id)
            return True
        return False

    def _read_body(self, request: _Handler) -> bytes | None:
        if "chunked" in (request.headers.get("Transfer-Encoding") or "").lower():
            self.send_json(request, HTTPStatus.LENGTH_REQUIRED, {"message": "Length Required"})
            return None
        try:
            length = int(request.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if length < 0:
            self.send_json(request, HTTPStatus.BAD_REQUEST, {"message": "Invalid Content-Length"})
            return None
        if length > self._max_body:
            request.close_connection = True
            self.send_json(request, HTTPStatus.REQUEST_ENTITY_TOO_LARGE, {"message": "Request Too Long"})
            return None
        return request.rfile.read(length) if length else b""

    def _api(self, request: _Handler, method: str, path: str, query: str, found: RouteMatch | None) -> None:
        if found is None:  # API Gateway's answer for an unknown resource or method
            self.send_json(request, HTTPStatus.FORBIDDEN, {"message": "Missing Authentication Token"})
            return
        body = self._read_body(request)
        if body is None:
            return
        route = found.route
        request_id = str(uuid.uuid4())
        event = rest_proxy_event(
            method=method,
            path=path,
            resource=route.path,
            path_parameters=found.path_parameters,
            query=urllib.parse.parse_qsl(query, keep_blank_values=True),
            headers=[(name, value) for name, value in request.headers.items()],
            body=body,
            binary=_is_binary(request.headers.get("Content-Type"), route.binary_media_types),
            stage=route.stage,
            source_ip=request.client_address[0],
            api_id=route.api_id,
            request_id=request_id,
        )
        try:
            result = self._invoker(route.function_name, event)
        except Exception as exc:
            logger.warning("invoking %s for %s %s failed: %s", route.function_name, method, path, exc)
            self.send_json(request, HTTPStatus.BAD_GATEWAY, _INTERNAL_ERROR, request_id)
            return
        if result.function_error:
            logger.warning("%s %s: function %s failed: %s", method, path, route.function_name, result.payload)
            self.send_json(request, HTTPStatus.BAD_GATEWAY, _INTERNAL_ERROR, request_id)
            return
        self._proxy_response(request, method, result.payload, request_id, route.function_name)

    def _proxy_response(
        self, request: _Handler, method: str, payload: Any, request_id: str, function: str
    ) -> None:
        status = payload.get("statusCode") if isinstance(payload, dict) else None
        if isinstance(status, str) and status.isdigit():
            status = int(status)
        if not isinstance(status, int) or isinstance(status, bool) or not 100 <= status <= 599:
            logger.warning("function %s returned a malformed proxy response: %.200r", function, payload)
            self.send_json(request, HTTPStatus.BAD_GATEWAY, _INTERNAL_ERROR, request_id)
            return
        assert isinstance(payload, dict)
        raw_body = payload.get("body")
        try:
            if raw_body is None:
                body = b""
            elif payload.get("isBase64Encoded"):
                body = base64.b64decode(str(raw_body), validate=True)
            else:
                body = (raw_body if isinstance(raw_body, str) else json.dumps(raw_body)).encode("utf-8")
        except ValueError:
            logger.warning("function %s returned isBase64Encoded with an invalid body", function)
            self.send_json(request, HTTPStatus.BAD_GATEWAY, _INTERNAL_ERROR, request_id)
            return
        headers = self._merge_headers(payload.get("headers"), payload.get("multiValueHeaders"))
        request.send_response(status)
        for name, value in headers:
            request.send_header(name, value)
        request.send_header("x-amzn-RequestId", request_id)
        request.send_header("Content-Length", str(len(body)))
        request.end_headers()
        if method != "HEAD":
            request.wfile.write(body)

    @staticmethod
    def _merge_headers(single: Any, multi: Any) -> list[tuple[str, str]]:
        merged: list[tuple[str, str]] = []
        seen: set[str] = set()
        if isinstance(multi, Mapping):
            for name, values in multi.items():
                if str(name).lower() in _HOP_BY_HOP:
                    continue
                seen.add(str(name).lower())
                for value in values if isinstance(values, list) else [values]:
                    merged.append((str(name), str(value)))
        if isinstance(single, Mapping):
            for name, value in single.items():
                if str(name).lower() in _HOP_BY_HOP or str(name).lower() in seen:
                    continue
                merged.append((str(name), str(value)))
        return merged

    def send_json(self, request: _Handler, status: int, body: Any, request_id: str | None = None) -> None:
        data = json.dumps(body).encode()
        request.send_response(status)
        request.send_header("Content-Type", "application/json")
        if request_id:
            request.send_header("x-amzn-RequestId", request_id)
            request.send_header("x-amzn-ErrorType", "InternalServerErrorException")
        request.send_header("Content-Length", str(len(data)))
        request.end_headers()
        if request.command != "HEAD":
            request.wfile.write(data)

    # ---- static files

    def _static(self, request: _Handler, method: str, path: str) -> None:
        if method not in ("GET", "HEAD"):
            self.send_json(request, HTTPStatus.METHOD_NOT_ALLOWED, {"message": "Method Not Allowed"})
            return
        if path == CONFIG_PATH and self._runtime_config is not None:
            self._send_static(request, method, self._runtime_config, "application/json; charset=utf-8", True)
            return
        if self._frontend is None or not self._frontend.is_dir():
            message = "Not Found" if path != "/" else "Not Found: the dashboard is not built (frontend/dist)"
            self.send_json(request, HTTPStatus.NOT_FOUND, {"message": message})
            return
        target = self._static_file(path)
        if target is None:
            self.send_json(request, HTTPStatus.NOT_FOUND, {"message": "Not Found"})
            return
        data = target.read_bytes()
        content_type = _EXTRA_TYPES.get(target.suffix.lower()) or mimetypes.guess_type(target.name)[0]
        content_type = content_type or "application/octet-stream"
        if content_type.startswith("text/") or content_type in ("application/json", "image/svg+xml"):
            content_type += "; charset=utf-8"
        no_cache = target.name == "index.html" or target == self._frontend / CONFIG_PATH.lstrip("/")
        self._send_static(request, method, data, content_type, no_cache)

    @staticmethod
    def _send_static(request: _Handler, method: str, data: bytes, content_type: str, no_cache: bool) -> None:
        request.send_response(HTTPStatus.OK)
        request.send_header("Content-Type", content_type)
        request.send_header("Content-Length", str(len(data)))
        request.send_header("X-Content-Type-Options", "nosniff")
        # The deployed site's policy (CloudFront adds it there); the API is same-origin here.
        request.send_header("Content-Security-Policy", _DASHBOARD_CSP)
        request.send_header("X-Frame-Options", "DENY")
        request.send_header("Referrer-Policy", "no-referrer")
        if no_cache:
            request.send_header("Cache-Control", "no-cache")
        request.end_headers()
        if method == "GET":
            request.wfile.write(data)

    def _static_file(self, path: str) -> Path | None:
        root = self._frontend
        assert root is not None
        relative = path.lstrip("/")
        candidate = (root / relative).resolve() if relative else root
        if not candidate.is_relative_to(root):
            return None
        if candidate.is_dir():
            candidate = candidate / "index.html"
        if candidate.is_file():
            return candidate
        last_segment = relative.rsplit("/", 1)[-1]
        if "." not in last_segment and ".." not in relative.split("/"):
            index = root / "index.html"
            return index if index.is_file() else None
        return None
