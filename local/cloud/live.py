"""The local cloud's WebSocket API, served as Server-Sent Events by the HTTP adapter.

API Gateway's WebSocket protocol, with an EventSource in place of the socket:

- ``GET <live path>?token=…`` (``/api/positions/live``) opens a connection: the ``$connect`` route's
  function is invoked with the event API Gateway sends (``requestContext.routeKey``, ``eventType``,
  ``connectionId``, ``queryStringParameters`` …). Any answer but 2xx refuses it with that status and
  ``{"message"}`` (from the function's body when it has one); a function error is a 502. Accepted,
  the response is ``text/event-stream``: a ``: connected`` comment, then one ``data: <message>``
  event per message, and a ``: keep-alive`` comment every ~15 s.
- The management API, at ``<http url>/_aws/ws`` (boto3 ``apigatewaymanagementapi`` with that
  ``endpoint_url``): ``POST @connections/{id}`` delivers its body as one event, ``DELETE`` closes
  the connection, ``GET`` describes it; an unknown id is 410 with ``x-amzn-ErrorType:
  GoneException``, as on AWS. Messages posted while ``$connect`` is still running are delivered
  once it accepts.
- The client going away, ``DELETE``, the 2-hour limit API Gateway also enforces, or the local cloud
  stopping ends the stream; then the ``$disconnect`` route's function is invoked.
"""

from __future__ import annotations

import base64
import contextlib
import json
import logging
import os
import queue
import select
import socket
import threading
import time
import urllib.parse
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING, Any, Final

from local.cloud.provisioner import local_name
from local.cloud.websocket_routes import websocket_apis

if TYPE_CHECKING:
    from local.cloud.http_adapter import Invoker, InvokeResult
    from local.cloud.provisioner import ProvisionedStack

__all__ = ["CONNECTIONS_PATH", "MANAGEMENT_PATH", "LiveHub"]

logger = logging.getLogger(__name__)

MANAGEMENT_PATH: Final = "/_aws/ws"
"""Where the management API is served; the broadcaster's ``INPLAY_WS_ENDPOINT`` is
``<http url>`` + this."""
CONNECTIONS_PATH: Final = f"{MANAGEMENT_PATH}/@connections/"
KEEPALIVE_SECONDS: Final = 15.0
MAX_CONNECTION_SECONDS: Final = 2 * 60 * 60
"""API Gateway closes every WebSocket connection after two hours."""
MAX_MESSAGE_BYTES: Final = 128 * 1024
"""API Gateway's WebSocket message size limit."""
_POLL_SECONDS: Final = 0.25
_CLOSE: Final = object()


@dataclass(slots=True)
class _Stream:
    connection_id: str
    source_ip: str
    user_agent: str
    connected_at: datetime
    messages: queue.Queue[object] = field(default_factory=queue.Queue)
    last_active: datetime | None = None


class LiveHub:
    """The connections of one WebSocket API. ``functions`` maps route keys to function names."""

    def __init__(
        self,
        invoker: Invoker,
        functions: Mapping[str, str],
        *,
        api_id: str = "local",
        stage: str = "prod",
        keepalive_seconds: float = KEEPALIVE_SECONDS,
        max_connection_seconds: float = MAX_CONNECTION_SECONDS,
    ) -> None:
        self._invoker = invoker
        self._functions = dict(functions)
        self._api_id = api_id
        self._stage = stage
        self._keepalive = keepalive_seconds
        self._max_seconds = max_connection_seconds
        self._streams: dict[str, _Stream] = {}
        self._changed = threading.Condition()
        self._closed = False

    @classmethod
    def from_template(
        cls, template: Mapping[str, Any], provisioned: ProvisionedStack, invoker: Invoker, **options: Any
    ) -> LiveHub | None:
        """The hub of the template's WebSocket API (``None`` when it has none; the first of several)."""
        apis = websocket_apis(template)
        if not apis:
            return None
        if len(apis) > 1:
            logger.warning("%d WebSocket APIs in the template; serving %s", len(apis), apis[0].logical_id)
        api = apis[0]
        functions = {key: provisioned.function(logical_id).name for key, logical_id in api.routes.items()}
        return cls(invoker, functions, api_id=local_name(api.logical_id), stage=api.stage, **options)

    @property
    def connection_ids(self) -> list[str]:
        with self._changed:
            return sorted(self._streams)

    # ---- the event stream

    def serve(self, request: BaseHTTPRequestHandler, query: str) -> None:
        """Open a connection for ``request`` (blocks until it ends)."""
        if self._closed:
            _send_json(request, HTTPStatus.SERVICE_UNAVAILABLE, {"message": "the local cloud is stopping"})
            return
        stream = _Stream(
            connection_id=_new_connection_id(),
            source_ip=str(request.client_address[0]),
            user_agent=request.headers.get("User-Agent") or "",
            connected_at=datetime.now(UTC),
        )
        with self._changed:
            self._streams[stream.connection_id] = stream  # posts during $connect wait in its queue
        accepted = False
        try:
            accepted = self._connect(request, stream, query)
            if accepted:
                self._pump(request, stream)
        finally:
            with self._changed:
                self._streams.pop(stream.connection_id, None)
                self._changed.notify_all()
            if accepted:
                self._disconnect(stream)

    def _connect(self, request: BaseHTTPRequestHandler, stream: _Stream, query: str) -> bool:
        function = self._functions.get("$connect")
        if function is not None:
            event = self._event("$connect", stream, request=request, query=query)
            refusal = self._refusal(self._invoke(function, event))
            if refusal is not None:
                _send_json(request, *refusal)
                return False
        request.send_response(HTTPStatus.OK)
        request.send_header("Content-Type", "text/event-stream; charset=utf-8")
        request.send_header("Cache-Control", "no-cache")
        request.send_header("X-Accel-Buffering", "no")
        request.send_header("Connection", "close")
        request.end_headers()
        request.close_connection = True
        return _write(request, b": connected\n\nretry: 3000\n\n")

    def _refusal(self, result: InvokeResult | None) -> tuple[int, dict[str, Any]] | None:
        """``None`` when ``$connect`` accepted; else the status and body to answer."""
        if result is None or result.function_error:
            return HTTPStatus.BAD_GATEWAY, {"message": "Internal server error"}
        payload = result.payload if isinstance(result.payload, dict) else {}
        status = payload.get("statusCode")
        if isinstance(status, str) and status.isdigit():
            status = int(status)
        if not isinstance(status, int) or isinstance(status, bool) or not 100 <= status <= 599:
            return HTTPStatus.BAD_GATEWAY, {"message": "Internal server error"}
        if 200 <= status < 300:
            return None
        message: Any = None
        with contextlib.suppress(TypeError, ValueError):
            body = json.loads(payload.get("body") or "")
            message = body.get("message") if isinstance(body, dict) else None
        if not isinstance(message, str) or not message:
            message = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "Refused"
        return status, {"message": message}

    def _pump(self, request: BaseHTTPRequestHandler, stream: _Stream) -> None:
        started = last_write = time.monotonic()
        while True:
            try:
                item = stream.messages.get(timeout=_POLL_SECONDS)
            except queue.Empty:
                item = None
            if item is _CLOSE:
                return
            now = time.monotonic()
            if isinstance(item, bytes):
                if not _write(request, _event_bytes(item)):
                    return
                last_write = now
                continue
            if now - started >= self._max_seconds or _client_gone(request):
                return
            if now - last_write >= self._keepalive:
                if not _write(request, b": keep-alive\n\n"):
                    return
                last_write = now

    def _disconnect(self, stream: _Stream) -> None:
        function = self._functions.get("$disconnect")
        if function is not None:
            self._invoke(function, self._event("$disconnect", stream))

    def _invoke(self, function: str, event: dict[str, Any]) -> InvokeResult | None:
        route = event["requestContext"]["routeKey"]
        try:
            result = self._invoker(function, event)
        except Exception as exc:
            logger.warning("invoking %s for WebSocket %s failed: %s", function, route, exc)
            return None
        if result.function_error:
            logger.warning("WebSocket %s: function %s failed: %.300s", route, function, result.payload)
        return result

    # ---- the management API

    def manage(self, request: BaseHTTPRequestHandler, method: str, connection_id: str) -> None:
        """``{method} @connections/{connection_id}`` of the management API."""
        if method not in ("POST", "DELETE", "GET"):
            _send_json(request, HTTPStatus.NOT_FOUND, {"message": "Not Found"})
            return
        data = b""
        if method == "POST":
            read = _read_body(request)
            if read is None:
                return
            data = read
        with self._changed:
            stream = self._streams.get(connection_id)
        if stream is None:
            _send_json(request, HTTPStatus.GONE, {"message": None}, error_type="GoneException")
            return
        if method == "POST":
            stream.last_active = datetime.now(UTC)
            stream.messages.put(data)
            _send_json(request, HTTPStatus.OK, None)
        elif method == "DELETE":
            stream.messages.put(_CLOSE)
            _send_json(request, HTTPStatus.NO_CONTENT, None)
        else:
            _send_json(
                request,
                HTTPStatus.OK,
                {
                    "connectedAt": _iso(stream.connected_at),
                    "lastActiveAt": _iso(stream.last_active or stream.connected_at),
                    "identity": {"sourceIp": stream.source_ip, "userAgent": stream.user_agent},
                },
            )

    def close(self, timeout: float = 5.0) -> None:
        """End every stream (each gets its ``$disconnect``); wait up to ``timeout`` s for them."""
        with self._changed:
            self._closed = True
            for stream in self._streams.values():
                stream.messages.put(_CLOSE)
            self._changed.wait_for(lambda: not self._streams, timeout)

    # ---- events as API Gateway builds them

    def _event(
        self,
        route: str,
        stream: _Stream,
        *,
        request: BaseHTTPRequestHandler | None = None,
        query: str = "",
    ) -> dict[str, Any]:
        now = datetime.now(UTC)
        request_id = str(uuid.uuid4())
        context: dict[str, Any] = {
            "routeKey": route,
            "eventType": "CONNECT" if route == "$connect" else "DISCONNECT",
            "extendedRequestId": request_id,
            "requestTime": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "messageDirection": "IN",
            "stage": self._stage,
            "connectedAt": int(stream.connected_at.timestamp() * 1000),
            "requestTimeEpoch": int(now.timestamp() * 1000),
            "identity": {"sourceIp": stream.source_ip, "userAgent": stream.user_agent},
            "requestId": request_id,
            "domainName": f"{self._api_id}.execute-api.localhost",
            "connectionId": stream.connection_id,
            "apiId": self._api_id,
        }
        event: dict[str, Any] = {"requestContext": context, "isBase64Encoded": False}
        if route == "$disconnect":
            context["disconnectStatusCode"] = 1001
            context["disconnectReason"] = "Going away"
            event["headers"] = {"Host": context["domainName"]}
            event["multiValueHeaders"] = {"Host": [context["domainName"]]}
            return event
        assert request is not None
        single: dict[str, str] = {}
        multi: dict[str, list[str]] = {}
        for name, value in request.headers.items():
            single[name] = value
            multi.setdefault(name, []).append(value)
        pairs = urllib.parse.parse_qsl(query, keep_blank_values=True)
        parameters: dict[str, list[str]] = {}
        for name, value in pairs:
            parameters.setdefault(name, []).append(value)
        event["headers"] = single
        event["multiValueHeaders"] = multi
        event["queryStringParameters"] = {k: v[-1] for k, v in parameters.items()} or None
        event["multiValueQueryStringParameters"] = parameters or None
        return event


def _new_connection_id() -> str:
    """12 characters like API Gateway's (URL-safe, so the management path needs no escaping)."""
    return base64.urlsafe_b64encode(os.urandom(9)).decode()


def _event_bytes(data: bytes) -> bytes:
    text = data.decode("utf-8", "replace")
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "".join(f"data: {line}\n" for line in lines).encode() + b"\n"


def _write(request: BaseHTTPRequestHandler, data: bytes) -> bool:
    try:
        request.wfile.write(data)
        request.wfile.flush()
    except OSError:
        return False
    return True


def _client_gone(request: BaseHTTPRequestHandler) -> bool:
    """The client closed its end (EOF readable on the socket)."""
    connection = request.connection
    try:
        readable, _, _ = select.select([connection], [], [], 0)
        if not readable:
            return False
        peeked: bytes = connection.recv(1, socket.MSG_PEEK)
    except (OSError, ValueError):
        return True
    return peeked == b""


def _read_body(request: BaseHTTPRequestHandler) -> bytes | None:
    try:
        length = int(request.headers.get("Content-Length") or 0)
    except ValueError:
        length = -1
    if length < 0:
        _send_json(request, HTTPStatus.BAD_REQUEST, {"message": "Invalid Content-Length"}, "BadRequest")
        return None
    if length > MAX_MESSAGE_BYTES:
        request.close_connection = True
        _send_json(
            request,
            HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
            {"message": f"the message is larger than {MAX_MESSAGE_BYTES} bytes"},
            "PayloadTooLargeException",
        )
        return None
    return request.rfile.read(length) if length else b""


def _send_json(
    request: BaseHTTPRequestHandler, status: int, body: Any, error_type: str | None = None
) -> None:
    data = b"" if body is None else json.dumps(body).encode()
    request.send_response(status)
    if body is not None:
        request.send_header("Content-Type", "application/json")
    if error_type:
        request.send_header("x-amzn-ErrorType", error_type)
    request.send_header("x-amzn-RequestId", str(uuid.uuid4()))
    request.send_header("Content-Length", str(len(data)))
    request.end_headers()
    if data and request.command != "HEAD":
        request.wfile.write(data)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
