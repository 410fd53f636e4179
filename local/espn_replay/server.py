"""The replay over HTTP: a stdlib ``ThreadingHTTPServer`` on 127.0.0.1 in a background thread.

Point the poller at :attr:`ReplayServer.base_url` (``http://127.0.0.1:PORT/apis/site/v2/sports``)
instead of ``https://site.api.espn.com/apis/site/v2/sports``; nothing else changes.
"""

from __future__ import annotations

import logging
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Final, Self

from local.espn_replay.clock import Clock, ReplayError
from local.espn_replay.scenario import Scenario
from local.espn_replay.service import ADMIN_PATH, BASE_PATH, ReplayService, Response

__all__ = ["ReplayServer"]

_LOG: Final = logging.getLogger(__name__)
_MAX_BODY: Final = 64 * 1024


class _Handler(BaseHTTPRequestHandler):
    service: ReplayService
    protocol_version = "HTTP/1.1"
    server_version = "nginx"
    sys_version = ""

    def _dispatch(self, method: str) -> None:
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if not 0 <= length <= _MAX_BODY:
            self._send(
                method,
                Response(
                    400,
                    b'{"code":400,"message":"Bad Request"}',
                    (("Content-Type", "application/json;charset=UTF-8"),),
                ),
            )
            return
        body = self.rfile.read(length) if length else b""
        try:
            served = "GET" if method == "HEAD" else method
            response = self.service.handle(served, self.path, dict(self.headers.items()), body)
        except Exception:  # a bug must not kill the connection thread silently
            _LOG.exception("espn replay failed on %s %s", method, self.path)
            response = Response(
                500,
                b'{"code":500,"message":"Internal Server Error"}',
                (("Content-Type", "application/json;charset=UTF-8"),),
            )
        if response.delay > 0:
            time.sleep(response.delay)
        self._send(method, response)

    def _send(self, method: str, response: Response) -> None:
        self.send_response(response.status)
        for name, value in response.headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if method != "HEAD":
            self.wfile.write(response.body)

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_HEAD(self) -> None:
        self._dispatch("HEAD")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    def do_PUT(self) -> None:
        self._dispatch("PUT")

    def log_message(self, format: str, *args: object) -> None:
        _LOG.debug("espn replay: " + format, *args)


class ReplayServer:
    """``ReplayServer(scenario, speed)`` → ``.start()`` → poll ``.base_url`` → ``.stop()``.

    Also a context manager. ``port=0`` picks a free port. ``clock`` (a callable returning an aware
    datetime) replaces the wall clock, for tests.
    """

    def __init__(
        self,
        scenario: Scenario,
        speed: float = 1.0,
        host: str = "127.0.0.1",
        port: int = 0,
        clock: Clock | None = None,
        *,
        reject_browser_user_agents: bool = False,
    ) -> None:
        if not isinstance(port, int) or not 0 <= port <= 65535:
            raise ReplayError(f"port must be 0-65535, got {port!r}")
        self.service = ReplayService(
            scenario, speed, clock, reject_browser_user_agents=reject_browser_user_agents
        )
        self.host = host
        self._requested_port = port
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> Self:
        if self._httpd is not None:
            return self
        handler = type("ReplayHandler", (_Handler,), {"service": self.service})
        try:
            httpd = ThreadingHTTPServer((self.host, self._requested_port), handler)
        except OSError as exc:
            raise ReplayError(f"cannot listen on {self.host}:{self._requested_port}: {exc.strerror}") from exc
        httpd.daemon_threads = True
        self._httpd = httpd
        self._thread = threading.Thread(
            target=httpd.serve_forever, kwargs={"poll_interval": 0.1}, name="espn-replay", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        httpd, thread = self._httpd, self._thread
        self._httpd, self._thread = None, None
        if httpd is not None:
            httpd.shutdown()
            httpd.server_close()
        if thread is not None:
            thread.join(timeout=5)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        return self._httpd is not None

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise ReplayError("the replay server is not running")
        return int(self._httpd.server_address[1])

    @property
    def root_url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def base_url(self) -> str:
        """What to use instead of ``https://site.api.espn.com/apis/site/v2/sports``."""
        return self.root_url + BASE_PATH

    @property
    def admin_url(self) -> str:
        return self.root_url + ADMIN_PATH

    @property
    def request_count(self) -> int:
        return self.service.request_count

    def request_counts(self) -> dict[str, int]:
        return self.service.request_counts()
