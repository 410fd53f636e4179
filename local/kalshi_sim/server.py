"""HTTP transport for the simulator: a stdlib ``ThreadingHTTPServer`` on 127.0.0.1.

``/trade-api/v2/...`` → :class:`~local.kalshi_sim.api.KalshiApi`; ``/_sim/...`` →
:class:`~local.kalshi_sim.admin.AdminApi`. HTTP/1.1 keep-alive with explicit Content-Length. A
"dropped" response closes the connection without writing a status line. When the simulator runs
on the system clock, a background thread calls :meth:`KalshiSimulator.tick` so makers requote.
"""

from __future__ import annotations

import contextlib
import email.utils
import json
import socket
import threading
import time
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import parse_qs, urlsplit

from .admin import ADMIN_PREFIX, AdminApi
from .api import API_PREFIX, ApiRequest, ApiResponse, KalshiApi
from .clock import SystemClock

if TYPE_CHECKING:
    from .simulator import KalshiSimulator

__all__ = ["SimServer"]

_MAX_BODY = 4 * 1024 * 1024
ADMIN_TOKEN_HEADER = "X-Sim-Admin-Token"
_POLL_SECONDS = 0.05
"""How often the accept loop checks for ``stop()`` (the stdlib default, 0.5 s, makes every stop slow)."""


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "KalshiSim/1.0"
    sys_version = ""
    api: ClassVar[KalshiApi]
    admin: ClassVar[AdminApi]
    admin_token: ClassVar[str | None]

    def log_message(self, format: str, *args: Any) -> None:
        return

    def date_time_string(self, timestamp: float | None = None) -> str:
        """The ``Date`` header from the simulator's clock: one server clock, as on Kalshi, so a
        client measuring skew from ``Date`` agrees with the timestamps in the bodies."""
        if timestamp is None:
            timestamp = self.api.sim.clock.now_ms() / 1000
        return email.utils.formatdate(timestamp, usegmt=True)

    def setup(self) -> None:
        super().setup()
        # one small response per request: without this, Nagle + delayed ACK add ~40 ms each
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def do_DELETE(self) -> None:
        self._serve("DELETE")

    def do_PUT(self) -> None:
        self._serve("PUT")

    def _serve(self, method: str) -> None:
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        if length > _MAX_BODY:
            self._write(ApiResponse(413, {"error": {"code": "bad_request", "message": "body too large"}}))
            return
        body = self.rfile.read(length) if length else b""
        request = ApiRequest(
            method=method,
            path=parts.path,
            query=parse_qs(parts.query, keep_blank_values=True),
            headers=dict(self.headers.items()),
            body=body,
            client=self.client_address[0],
        )
        try:
            response = self._dispatch(request)
        except Exception:  # a simulator bug: answer like a server would, and say why on stderr
            traceback.print_exc()
            response = ApiResponse(
                500, {"error": {"code": "internal_server_error", "message": "internal error"}}
            )
        if response.drop:
            self._drop(response.hold_ms)
            return
        try:
            self._write(response)
        except OSError:  # the client gave up (timeout) and closed the connection: nothing to tell
            self.close_connection = True

    def _dispatch(self, request: ApiRequest) -> ApiResponse:
        path = request.path
        if path == ADMIN_PREFIX or path.startswith(ADMIN_PREFIX + "/"):
            token = self.admin_token
            if token is not None and self.headers.get(ADMIN_TOKEN_HEADER) != token:
                return ApiResponse(
                    401, {"error": {"code": "unauthorized", "message": "admin token required"}}
                )
            return self.admin.handle(request)
        return self.api.handle(request)

    def _drop(self, hold_ms: int) -> None:
        if hold_ms:
            time.sleep(hold_ms / 1000)
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)

    def _write(self, response: ApiResponse) -> None:
        data = b"" if response.body is None else json.dumps(response.body, separators=(",", ":")).encode()
        self.send_response(response.status)
        if response.body is not None:
            self.send_header("Content-Type", "application/json; charset=utf-8")
        if response.status != 204:
            self.send_header("Content-Length", str(len(data)))
        for name, value in (response.headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if data:
            self.wfile.write(data)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64


class SimServer:
    """Serve a :class:`KalshiSimulator` over HTTP: ``start()``, ``base_url``, ``stop()``.

    ``tick_ms``: background tick period; default 250 ms on the system clock, off on a manual
    clock (tests tick explicitly or through ``POST /_sim/clock/advance``).
    """

    def __init__(
        self,
        sim: KalshiSimulator,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        tick_ms: int | None = None,
        admin_token: str | None = None,
    ) -> None:
        self.sim = sim
        self.host = host
        self.port = port
        self.tick_ms = tick_ms if tick_ms is not None else (250 if isinstance(sim.clock, SystemClock) else 0)
        self.admin_token = admin_token
        self._server: _Server | None = None
        self._threads: list[threading.Thread] = []
        self._stopping = threading.Event()
        self.tick_errors = 0
        self.last_tick_error: str | None = None

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT/trade-api/v2`` — pass as the SDK's ``Configuration(host=...)``."""
        return f"{self.root_url}{API_PREFIX}"

    @property
    def root_url(self) -> str:
        if self._server is None:
            raise RuntimeError("server not started")
        host, port = self._server.server_address[:2]
        return f"http://{host if isinstance(host, str) else host.decode()}:{port}"

    @property
    def admin_url(self) -> str:
        return f"{self.root_url}{ADMIN_PREFIX}"

    def start(self) -> SimServer:
        if self._server is not None:
            return self
        handler = type(
            "KalshiSimHandler",
            (_Handler,),
            {"api": KalshiApi(self.sim), "admin": AdminApi(self.sim), "admin_token": self.admin_token},
        )
        self._server = _Server((self.host, self.port), handler)
        self._stopping.clear()
        serve = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": _POLL_SECONDS},
            name="kalshi-sim-http",
            daemon=True,
        )
        serve.start()
        self._threads = [serve]
        if self.tick_ms > 0:
            ticker = threading.Thread(target=self._tick_loop, name="kalshi-sim-tick", daemon=True)
            ticker.start()
            self._threads.append(ticker)
        return self

    def _tick_loop(self) -> None:
        while not self._stopping.wait(self.tick_ms / 1000):
            try:
                self.sim.tick()
            except Exception as exc:  # keep the market alive; remember what went wrong
                self.tick_errors += 1
                self.last_tick_error = repr(exc)

    def stop(self) -> None:
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        for thread in self._threads:
            thread.join(timeout=5)
        self._threads = []
        self._server = None

    def __enter__(self) -> SimServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
