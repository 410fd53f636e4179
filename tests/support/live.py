"""A Server-Sent Events client for tests: httpx streaming on a background thread.

``EventStream(url, params)`` connects on ``start()`` and collects every ``data:`` event (parsed
as JSON when it is JSON) and every comment line. ``close()`` shuts the socket down from this side
(the server then sees the client gone), so a test never waits for a keep-alive to stop reading.
:func:`fill_for` builds the fills tests record to move a user's position.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from collections.abc import Callable, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

import httpx

from inplay.orders.fills import FillRecord
from inplay.orders.intents import TradingMode
from inplay.venues.base import Action, OutcomeSide


class EventStream:
    def __init__(
        self, url: str, params: Mapping[str, str] | None = None, *, connect_timeout: float = 10.0
    ) -> None:
        self.url = url
        self.params = dict(params or {})
        self.status: int | None = None
        self.headers: httpx.Headers | None = None
        self.body: bytes = b""
        """The response body when the stream was refused (status ≠ 200)."""
        self.events: list[Any] = []
        self.comments: list[str] = []
        self.ended = threading.Event()
        self._ready = threading.Event()
        self._changed = threading.Condition()
        self._socket: socket.socket | None = None
        self._error: BaseException | None = None
        self._timeout = connect_timeout
        self._thread = threading.Thread(target=self._run, name="sse-client", daemon=True)

    def start(self) -> EventStream:
        self._thread.start()
        if not self._ready.wait(self._timeout):
            raise AssertionError(f"no response from {self.url} within {self._timeout} s")
        if self._error is not None:
            raise AssertionError(f"connecting to {self.url} failed: {self._error!r}")
        return self

    def _run(self) -> None:
        try:
            with (
                httpx.Client(timeout=httpx.Timeout(self._timeout, read=None)) as client,
                client.stream("GET", self.url, params=self.params) as response,
            ):
                self.status, self.headers = response.status_code, response.headers
                stream = response.extensions.get("network_stream")
                self._socket = stream.get_extra_info("socket") if stream is not None else None
                if response.status_code != 200:
                    self.body = response.read()
                    self._ready.set()
                    return
                self._ready.set()
                data: list[str] = []
                for line in response.iter_lines():
                    if line.startswith(":"):
                        self._add(self.comments, line[1:].strip())
                    elif line.startswith("data:"):
                        data.append(line[5:].removeprefix(" "))
                    elif line == "" and data:
                        text = "\n".join(data)
                        data = []
                        try:
                            self._add(self.events, json.loads(text))
                        except ValueError:
                            self._add(self.events, text)
        except (httpx.HTTPError, OSError) as exc:
            if not self._ready.is_set():
                self._error = exc
        finally:
            self._ready.set()
            self.ended.set()
            with self._changed:
                self._changed.notify_all()

    def _add(self, target: list[Any], item: Any) -> None:
        with self._changed:
            target.append(item)
            self._changed.notify_all()

    def wait_for(
        self, predicate: Callable[[list[Any]], bool], *, timeout: float = 10.0, what: str = "events"
    ) -> list[Any]:
        """Wait until ``predicate(events)`` holds; return the events then."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while not predicate(list(self.events)):
                remaining = deadline - time.monotonic()
                if remaining <= 0 or (self.ended.is_set() and not predicate(list(self.events))):
                    raise AssertionError(f"timed out waiting for {what}; got {self.events!r}")
                self._changed.wait(min(remaining, 0.2))
            return list(self.events)

    def types(self) -> list[str]:
        with self._changed:
            return [str(e.get("type")) for e in self.events if isinstance(e, dict)]

    def close(self, timeout: float = 5.0) -> None:
        sock = self._socket
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        self._thread.join(timeout)

    def __enter__(self) -> EventStream:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def fill_for(
    user_id: str, n: int, *, buy: bool, count: int, price: str, at: datetime, bot_id: str = "default"
) -> FillRecord:
    """A paper fill of ``count`` YES contracts at ``price`` (bought or sold) for ``user_id``'s bot."""
    return FillRecord(
        user_id=user_id,
        fill_id=f"kalshi#{user_id}-f{n}",
        venue="kalshi",
        venue_fill_id=f"{user_id}-f{n}",
        intent_id=f"{user_id}-i{n}",
        bot_id=bot_id,
        order_id=f"{user_id}-o{n}",
        market_ticker="KXNBAGAME-26JAN15NYKBOS-BOS",
        side=OutcomeSide.YES,
        action=Action.BUY if buy else Action.SELL,
        price=Decimal(price),
        count=Decimal(count),
        fee=Decimal("0.07"),
        is_taker=True,
        yes_direction=1 if buy else -1,
        yes_price=Decimal(price),
        filled_at=at,
        mode=TradingMode.PAPER,
    )
