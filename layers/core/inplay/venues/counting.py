"""Count each user's venue calls and API errors for the kill switch's API-error-rate trigger.

:class:`CountingVenues` wraps a :class:`~inplay.venues.factory.VenueProvider`: every venue it hands
out counts its calls (per user, per UTC minute) in memory. An *API error* is a failure of the
venue or of the conversation with it — :class:`ExchangeUnavailableError`,
:class:`RateLimitedError`, :class:`InvalidResponseError`, :class:`AmbiguousOutcomeError` and
:class:`AuthenticationError` (and their subclasses). The venue's business answers (not found,
order rejected, insufficient balance, market closed or paused) are calls, not errors.

Counts reach the risk store only on :meth:`CountingVenues.flush` (one atomic increment per user and
minute), so a Lambda step pays one write at its end, not one per call. A failed flush is logged and
never raised (an order step must not fail over statistics); the counts stay pending and go with
the next flush of a warm container.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final, Protocol

from inplay.orders.intents import IntentRecord, TradingMode
from inplay.venues.base import (
    AmbiguousOutcomeError,
    AuthenticationError,
    Balance,
    CancelAck,
    ExchangeStatus,
    ExchangeUnavailableError,
    Fill,
    InvalidResponseError,
    Market,
    Order,
    OrderAck,
    OrderBook,
    OrderIntent,
    OrderStatus,
    Position,
    RateLimitedError,
    Venue,
)
from inplay.venues.factory import VenueProvider

__all__ = ["API_ERRORS", "ApiCallSink", "CountingVenue", "CountingVenues", "is_api_error"]

log = logging.getLogger(__name__)

API_ERRORS: Final = (
    ExchangeUnavailableError,
    RateLimitedError,
    InvalidResponseError,
    AmbiguousOutcomeError,
    AuthenticationError,
)
MAX_PENDING_MINUTES: Final = 24 * 60
"""Pending (user, minute) counters kept when flushes keep failing; the oldest are dropped beyond."""


def is_api_error(exc: BaseException) -> bool:
    return isinstance(exc, API_ERRORS)


class ApiCallSink(Protocol):
    """Where the counts go (``RiskStore.count_api_calls``)."""

    def count_api_calls(self, user_id: str, *, at: datetime, calls: int, errors: int) -> None: ...


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(slots=True)
class _Counter:
    calls: int = 0
    errors: int = 0


class CountingVenues:
    """A :class:`VenueProvider` whose venues count their calls; call :meth:`flush` at the end."""

    def __init__(
        self,
        inner: VenueProvider,
        sink: ApiCallSink,
        *,
        now: Callable[[], datetime] = _utc_now,
    ) -> None:
        self._inner = inner
        self._sink = sink
        self._now = now
        self._lock = threading.Lock()
        self._pending: dict[tuple[str, datetime], _Counter] = {}

    # VenueProvider

    def venue_for(self, intent: IntentRecord) -> Venue:
        return CountingVenue(self._inner.venue_for(intent), self, intent.user_id)

    def account(self, user_id: str, venue: str, mode: TradingMode) -> Venue:
        return CountingVenue(self._inner.account(user_id, venue, mode), self, user_id)

    def account_key(self, user_id: str, venue: str, mode: TradingMode) -> str:
        return self._inner.account_key(user_id, venue, mode)

    # Counting

    def record(self, user_id: str, *, error: bool) -> None:
        """Count one venue call of ``user_id`` now (``error``: it failed as an API error)."""
        minute = self._now().astimezone(UTC).replace(second=0, microsecond=0)
        with self._lock:
            counter = self._pending.setdefault((user_id, minute), _Counter())
            counter.calls += 1
            counter.errors += 1 if error else 0
            if len(self._pending) > MAX_PENDING_MINUTES:
                del self._pending[min(self._pending, key=lambda key: key[1])]

    def pending(self) -> dict[tuple[str, datetime], tuple[int, int]]:
        """Counts not yet flushed: ``(user, minute) → (calls, errors)``."""
        with self._lock:
            return {key: (c.calls, c.errors) for key, c in self._pending.items()}

    def flush(self) -> bool:
        """Write the pending counts (one increment per user and minute). Never raises: a failure is
        logged and its counts stay pending for the next flush. True when nothing is left pending."""
        with self._lock:
            batch, self._pending = self._pending, {}
        failed: dict[tuple[str, datetime], _Counter] = {}
        for (user_id, minute), counter in sorted(batch.items(), key=lambda item: (item[0][1], item[0][0])):
            try:
                self._sink.count_api_calls(user_id, at=minute, calls=counter.calls, errors=counter.errors)
            except Exception as exc:  # statistics must never fail the step that made the calls
                log.warning(
                    "could not store venue-call counts for %s at %s: %s: %s",
                    user_id,
                    minute.isoformat(),
                    type(exc).__name__,
                    exc,
                )
                failed[(user_id, minute)] = counter
        if failed:
            with self._lock:
                for key, counter in failed.items():
                    current = self._pending.setdefault(key, _Counter())
                    current.calls += counter.calls
                    current.errors += counter.errors
        return not failed

    def close(self) -> None:
        """Flush, then close the inner provider when it can be closed."""
        self.flush()
        closer = getattr(self._inner, "close", None)
        if callable(closer):
            closer()


class CountingVenue:
    """A :class:`Venue` that counts every call on its provider (other attributes pass through,
    uncounted when not callable, counted when they are methods such as Kalshi's
    ``user_data_timestamp``)."""

    def __init__(self, inner: Venue, counter: CountingVenues, user_id: str) -> None:
        self._inner = inner
        self._counter = counter
        self._user_id = user_id
        self.name = inner.name

    @property
    def inner(self) -> Venue:
        return self._inner

    def _call[T](self, method: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        try:
            result = method(*args, **kwargs)
        except Exception as exc:
            self._counter.record(self._user_id, error=is_api_error(exc))
            raise
        self._counter.record(self._user_id, error=False)
        return result

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._inner, name)
        if not callable(value):
            return value

        def counted(*args: Any, **kwargs: Any) -> Any:
            return self._call(value, *args, **kwargs)

        return counted

    def exchange_status(self) -> ExchangeStatus:
        return self._call(self._inner.exchange_status)

    def get_balance(self) -> Balance:
        return self._call(self._inner.get_balance)

    def get_positions(self, *, market_ticker: str | None = None) -> list[Position]:
        return self._call(self._inner.get_positions, market_ticker=market_ticker)

    def get_fills(
        self, *, market_ticker: str | None = None, order_id: str | None = None, since: datetime | None = None
    ) -> list[Fill]:
        return self._call(self._inner.get_fills, market_ticker=market_ticker, order_id=order_id, since=since)

    def get_order(self, order_id: str) -> Order:
        return self._call(self._inner.get_order, order_id)

    def find_order_by_client_id(
        self, client_order_id: str, *, market_ticker: str | None = None, since: datetime | None = None
    ) -> Order | None:
        return self._call(
            self._inner.find_order_by_client_id, client_order_id, market_ticker=market_ticker, since=since
        )

    def list_orders(
        self, *, status: OrderStatus | None = None, market_ticker: str | None = None
    ) -> list[Order]:
        return self._call(self._inner.list_orders, status=status, market_ticker=market_ticker)

    def place_order(self, intent: OrderIntent) -> OrderAck:
        return self._call(self._inner.place_order, intent)

    def cancel_order(self, order_id: str, *, market_ticker: str | None = None) -> CancelAck:
        return self._call(self._inner.cancel_order, order_id, market_ticker=market_ticker)

    def get_orderbook(self, market_ticker: str, *, depth: int = 0) -> OrderBook:
        return self._call(self._inner.get_orderbook, market_ticker, depth=depth)

    def get_market(self, market_ticker: str) -> Market:
        return self._call(self._inner.get_market, market_ticker)


def _check_protocols(venues: CountingVenues, venue: CountingVenue) -> tuple[VenueProvider, Venue]:
    return venues, venue  # mypy proves the wrappers satisfy the protocols they wrap
