"""A local stand-in for a Discord webhook: accepts webhook POSTs on 127.0.0.1 and prints each alert
as one readable line, so ``inplay demo`` shows alerts without a Discord account.

The local cloud runs the real ``discord_notifier``; only its webhook URL (the value of the webhook
secret) points here instead of at Discord. Tests can script answers (``respond_with``) to play a
rate-limited or broken Discord.
"""

from __future__ import annotations

import json
import re
import threading
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import IO, TYPE_CHECKING, Any, Final

from inplay.alerts.discord import SEVERITY_COLOURS
from inplay.config import Env

if TYPE_CHECKING:
    from local.cloud.provisioner import ProvisionedStack

__all__ = [
    "WEBHOOK_PATH",
    "AlertSink",
    "ScriptedResponse",
    "alert_line",
    "point_webhook_secret",
    "start_alert_sink",
]

WEBHOOK_PATH: Final = "/api/webhooks/local/alerts"
"""Shaped like a Discord webhook path (``/api/webhooks/<id>/<token>``); no real token."""
LINE_MAX: Final = 400
MAX_BODY: Final = 1_000_000
_SEVERITY_BY_COLOUR: Final = {colour: severity.value for severity, colour in SEVERITY_COLOURS.items()}
_MARKDOWN: Final = re.compile(r"(\*\*|__|`{1,3}|~~)")


def _plain(text: object) -> str:
    return " ".join(_MARKDOWN.sub("", str(text)).split())


def alert_line(payload: Mapping[str, Any]) -> str:
    """One line for a Discord webhook payload: title, first description line, fields, severity."""
    parts: list[str] = []
    embeds = payload.get("embeds") or []
    if not embeds and payload.get("content"):
        parts.append(_plain(payload["content"]))
    for embed in embeds if isinstance(embeds, list) else []:
        if not isinstance(embed, Mapping):
            continue
        piece = _plain(embed.get("title", "(untitled)"))
        description = str(embed.get("description") or "").strip()
        if description:
            first = next((line for line in description.splitlines() if line.strip("` ")), "")
            if first:
                piece += f" — {_plain(first)}"
        facts = [
            f"{_plain(f.get('name', ''))}: {_plain(f.get('value', ''))}"
            for f in embed.get("fields") or []
            if isinstance(f, Mapping) and f.get("name") != "Mode"  # the title already shows the mode
        ]
        if facts:
            piece += " | " + " · ".join(facts)
        severity = _SEVERITY_BY_COLOUR.get(embed.get("color", -1))
        if severity:
            piece += f" [{severity}]"
        parts.append(piece)
    line = " ‖ ".join(parts) or "(empty webhook message)"
    return line if len(line) <= LINE_MAX else line[: LINE_MAX - 1] + "…"


@dataclass(frozen=True, slots=True)
class ScriptedResponse:
    status: int
    body: Mapping[str, Any] | None = None
    headers: Mapping[str, str] = field(default_factory=dict)


class AlertSink:
    """A tiny threaded HTTP server on ``host`` (loopback) that plays a Discord webhook.

    Every accepted POST (answered 204) is kept in :attr:`received` and printed to ``out`` as
    ``[HH:MM:SS] ALERT <line>``. Answers queued with :meth:`respond_with` are used first.
    """

    def __init__(self, out: IO[str] | None = None, *, host: str = "127.0.0.1", port: int = 0) -> None:
        self._out = out
        self._host = host
        self._port = port
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._script: deque[ScriptedResponse] = deque()
        self.received: list[dict[str, Any]] = []
        """Payloads accepted (2xx), in arrival order."""
        self.attempts = 0
        """Every POST, including the ones answered with a scripted error."""

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the alert sink is not running")
        return f"http://{self._host}:{self._server.server_address[1]}{WEBHOOK_PATH}"

    def respond_with(
        self,
        status: int,
        *,
        body: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        times: int = 1,
    ) -> None:
        """Answer the next ``times`` POSTs with ``status`` (and optional JSON body and headers)."""
        with self._lock:
            self._script.extend([ScriptedResponse(status, body, dict(headers or {}))] * times)

    def rate_limit(self, retry_after: float, *, times: int = 1) -> None:
        """Answer like Discord's rate limiter: 429 with ``retry_after`` in the body and the header."""
        self.respond_with(
            HTTPStatus.TOO_MANY_REQUESTS,
            body={"message": "You are being rate limited.", "retry_after": retry_after, "global": False},
            headers={"Retry-After": str(max(1, round(retry_after)))},
            times=times,
        )

    def _next_answer(self) -> ScriptedResponse | None:
        with self._lock:
            self.attempts += 1
            return self._script.popleft() if self._script else None

    def _accept(self, payload: dict[str, Any]) -> None:
        line = alert_line(payload)
        with self._lock:
            self.received.append(payload)
            if self._out is not None:
                stamp = datetime.now(UTC).strftime("%H:%M:%S")
                self._out.write(f"[{stamp}] ALERT {line}\n")
                self._out.flush()

    def start(self) -> str:
        """Start serving; return the webhook URL (idempotent)."""
        if self._server is not None:
            return self.url
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                if length > MAX_BODY:
                    self._answer(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, {"message": "Request entity too large"})
                    return
                raw = self.rfile.read(length)
                scripted = sink._next_answer()
                if scripted is not None and not 200 <= scripted.status < 300:
                    self._answer(scripted.status, scripted.body, scripted.headers)
                    return
                try:
                    payload = json.loads(raw)
                except ValueError:
                    self._answer(HTTPStatus.BAD_REQUEST, {"message": "400: Bad Request", "code": 50109})
                    return
                if not isinstance(payload, dict) or not (payload.get("embeds") or payload.get("content")):
                    self._answer(
                        HTTPStatus.BAD_REQUEST, {"message": "Cannot send an empty message", "code": 50006}
                    )
                    return
                sink._accept(payload)
                self._answer(HTTPStatus.NO_CONTENT, None)

            def _answer(
                self, status: int, body: Mapping[str, Any] | None, headers: Mapping[str, str] | None = None
            ) -> None:
                data = b"" if body is None else json.dumps(body).encode()
                self.send_response(status)
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                if body is not None:
                    self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if data:
                    self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                return None  # one line per alert is printed by the sink itself

        server = ThreadingHTTPServer((self._host, self._port), Handler)
        server.daemon_threads = True
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, name="alert-sink", daemon=True)
        self._thread.start()
        return self.url

    def stop(self) -> None:
        """Stop serving and release the port (idempotent)."""
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> AlertSink:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def start_alert_sink(out: IO[str]) -> tuple[str, Callable[[], None]]:
    """Start a sink printing to ``out``; return its webhook URL and a function that stops it."""
    sink = AlertSink(out)
    return sink.start(), sink.stop


def point_webhook_secret(stack: ProvisionedStack, url: str, *, client: Any = None) -> str:
    """Put ``url`` into the provisioned Discord webhook secret; return the secret's ARN.

    The secret is the one the ``discord_notifier`` reads (``INPLAY_DISCORD_WEBHOOK_SECRET`` in the
    functions' environment). Call it after the local cloud started (boto3 then talks to moto).
    """
    import boto3

    secret_id = stack.environment.get(Env.DISCORD_WEBHOOK_SECRET.value)
    if not secret_id:
        raise LookupError(
            f"the provisioned stack has no {Env.DISCORD_WEBHOOK_SECRET.value}; is the template up to date?"
        )
    secrets = client or boto3.client("secretsmanager")
    secrets.put_secret_value(SecretId=secret_id, SecretString=url)
    return str(secret_id)
