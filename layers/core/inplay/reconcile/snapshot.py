"""Reading both sides: the venue account in a handful of list calls, and the store.

Venue reads raise :class:`~inplay.venues.base.VenueError` on any failure (a truncated page
included); the caller aborts the run on it and concludes nothing from a partial picture.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Final, Protocol, runtime_checkable

from inplay.orders.fills import PositionState
from inplay.orders.intents import TERMINAL_STATES, IntentLedger, IntentRecord, IntentState
from inplay.reconcile.model import ReconcileTrades
from inplay.venues.base import NotFoundError, Order, OrderStatus, Position, Venue

__all__ = ["LIVE_STATES", "UserDataClock", "VenueSnapshot", "read_intents", "read_positions", "read_venue"]

LIVE_STATES: Final = tuple(state for state in IntentState if state not in TERMINAL_STATES)
"""PENDING, SUBMITTED, RESTING, PARTIAL, UNKNOWN: intents a workflow or reconciliation still owes."""


@runtime_checkable
class UserDataClock(Protocol):
    """A venue that says how fresh its portfolio data is (Kalshi: ``/exchange/user_data_timestamp``)."""

    def user_data_timestamp(self) -> datetime: ...


@dataclass(frozen=True, slots=True)
class VenueSnapshot:
    """The account as one run saw it."""

    read_at: datetime
    """Our clock when the reads started."""
    as_of: datetime | None
    """The venue's own "portfolio data validated at" time, when it has one."""
    resting: tuple[Order, ...]
    positions: dict[str, Position]
    """Non-zero positions by market."""
    vanished: dict[str, Order | None]
    """Previously recorded orphan orders no longer resting: what the venue says of each now
    (None: it does not know the order)."""

    @property
    def data_time(self) -> datetime:
        """The moment the portfolio data is known to be at least as fresh as."""
        return self.as_of if self.as_of is not None else self.read_at

    @property
    def resting_ids(self) -> frozenset[str]:
        return frozenset(order.order_id for order in self.resting)


def read_venue(
    venue: Venue, orphan_order_ids: Iterable[str], *, now: Callable[[], datetime]
) -> VenueSnapshot:
    """As-of time first (the data read after it is at least that fresh), then resting orders and
    positions (list endpoints), then the few recorded orphan orders that stopped resting."""
    read_at = now()
    as_of: datetime | None = None
    if isinstance(venue, UserDataClock):
        try:
            as_of = venue.user_data_timestamp()
        except NotFoundError:  # the venue does not serve it: our own read time stands in
            as_of = None
    resting = tuple(
        order
        for order in venue.list_orders(status=OrderStatus.RESTING)
        if order.status is OrderStatus.RESTING
    )
    positions = {p.market_ticker: p for p in venue.get_positions() if p.position != 0}
    resting_ids = {order.order_id for order in resting}
    vanished: dict[str, Order | None] = {}
    for order_id in orphan_order_ids:
        if order_id in resting_ids:
            continue
        try:
            vanished[order_id] = venue.get_order(order_id)
        except NotFoundError:
            vanished[order_id] = None
    return VenueSnapshot(
        read_at=read_at, as_of=as_of, resting=resting, positions=positions, vanished=vanished
    )


def read_intents(ledger: IntentLedger, user_id: str, *, since: datetime) -> dict[str, IntentRecord]:
    """The user's intents that are not terminal (any age) plus every one created since ``since``.

    Served from indexes (eventually consistent): the settle path re-reads each one consistently.
    """
    found: dict[str, IntentRecord] = {}

    def keep(intent: IntentRecord) -> None:
        current = found.get(intent.intent_id)
        if current is None or intent.version > current.version:
            found[intent.intent_id] = intent

    for status in LIVE_STATES:
        for intent in ledger.list_by_status(status):
            if intent.user_id == user_id:
                keep(intent)
    for intent in ledger.list_by_user(user_id, since=since):
        keep(intent)
    return found


def read_positions(trades: ReconcileTrades, user_id: str) -> dict[str, PositionState]:
    """The user's open positions by position id."""
    return {p.position_id: p for p in trades.open_positions(user_id) if p.contracts != 0}
