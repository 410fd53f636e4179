"""Where paper accounts live: the :class:`PaperLedger` protocol and an in-memory ledger.

An account is one cash item plus its orders, fills and positions. Every change is one atomic
:meth:`PaperLedger.commit` conditioned on the account's ``version`` as read (and, for a new
order, on its client order id being unused), so concurrent writers never lose an update: the
loser gets :class:`LedgerConflict` and recomputes from a fresh read. The DynamoDB ledger is
:class:`inplay.store.paper.DynamoPaperLedger`.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Protocol

from inplay.venues.base import OrderStatus
from inplay.venues.paper.engine import PaperAccount, PaperFill, PaperOrder, PaperPosition

__all__ = ["InMemoryPaperLedger", "LedgerConflict", "LedgerWrite", "PaperLedger"]


class LedgerConflict(Exception):
    """The account changed since it was read, or the client order id is taken: read again."""


@dataclass(frozen=True, slots=True)
class LedgerWrite:
    """One atomic change of an account. ``account.version`` must be the version read + 1."""

    account: PaperAccount
    orders: tuple[PaperOrder, ...] = ()
    """Orders to store (created or updated)."""
    new_client_ids: tuple[str, ...] = ()
    """Client order ids claimed by new orders in ``orders`` (must not exist yet)."""
    fills: tuple[PaperFill, ...] = ()
    positions: tuple[PaperPosition, ...] = ()


class PaperLedger(Protocol):
    def open_account(self, key: str, starting_balance: Decimal, now: datetime) -> PaperAccount:
        """The account, created with ``starting_balance`` on first use (a conditional create)."""
        ...

    def get_order(self, key: str, order_id: str) -> PaperOrder | None: ...

    def order_by_client_id(self, key: str, client_order_id: str) -> PaperOrder | None: ...

    def orders(self, key: str, *, resting_only: bool = False) -> list[PaperOrder]: ...

    def fills(self, key: str, *, since: datetime | None = None) -> list[PaperFill]:
        """Fills at or after ``since``, oldest first."""
        ...

    def positions(self, key: str) -> list[PaperPosition]: ...

    def commit(self, key: str, write: LedgerWrite) -> None:
        """Apply ``write`` atomically or raise :class:`LedgerConflict` (nothing written)."""
        ...


@dataclass(slots=True)
class _Book:
    account: PaperAccount
    orders: dict[str, PaperOrder] = field(default_factory=dict)
    client_ids: dict[str, str] = field(default_factory=dict)
    fills: list[PaperFill] = field(default_factory=list)
    positions: dict[str, PaperPosition] = field(default_factory=dict)


class InMemoryPaperLedger:
    """A :class:`PaperLedger` in a dict (backtests, tests); thread-safe."""

    def __init__(self) -> None:
        self._accounts: dict[str, _Book] = {}
        self._lock = threading.Lock()

    def open_account(self, key: str, starting_balance: Decimal, now: datetime) -> PaperAccount:
        with self._lock:
            book = self._accounts.get(key)
            if book is None:
                account = PaperAccount(
                    key=key,
                    cash=starting_balance,
                    starting_balance=starting_balance,
                    created_time=now,
                    updated_time=now,
                )
                book = self._accounts[key] = _Book(account)
            return book.account

    def get_order(self, key: str, order_id: str) -> PaperOrder | None:
        with self._lock:
            book = self._accounts.get(key)
            return book.orders.get(order_id) if book else None

    def order_by_client_id(self, key: str, client_order_id: str) -> PaperOrder | None:
        with self._lock:
            book = self._accounts.get(key)
            if book is None or client_order_id not in book.client_ids:
                return None
            return book.orders[book.client_ids[client_order_id]]

    def orders(self, key: str, *, resting_only: bool = False) -> list[PaperOrder]:
        with self._lock:
            book = self._accounts.get(key)
            found = list(book.orders.values()) if book else []
        if resting_only:
            found = [o for o in found if o.status is OrderStatus.RESTING]
        return sorted(found, key=lambda o: (o.created_time, o.order_id))

    def fills(self, key: str, *, since: datetime | None = None) -> list[PaperFill]:
        with self._lock:
            book = self._accounts.get(key)
            found = list(book.fills) if book else []
        if since is not None:
            found = [f for f in found if f.created_time >= since]
        return sorted(found, key=lambda f: (f.created_time, f.fill_id))

    def positions(self, key: str) -> list[PaperPosition]:
        with self._lock:
            book = self._accounts.get(key)
            return sorted(book.positions.values(), key=lambda p: p.market_ticker) if book else []

    def commit(self, key: str, write: LedgerWrite) -> None:
        with self._lock:
            book = self._accounts.get(key)
            if book is None or book.account.version + 1 != write.account.version:
                raise LedgerConflict(f"paper account {key} changed meanwhile")
            if any(cid in book.client_ids for cid in write.new_client_ids):
                raise LedgerConflict(f"paper account {key}: client order id already used")
            known = {f.fill_id for f in book.fills}
            if any(f.fill_id in known for f in write.fills):
                raise LedgerConflict(f"paper account {key}: fill already recorded")
            book.account = write.account
            for order in write.orders:
                book.orders[order.order_id] = order
            for order in write.orders:
                if order.client_order_id in write.new_client_ids:
                    book.client_ids[order.client_order_id] = order.order_id
            book.fills.extend(write.fills)
            for position in write.positions:
                book.positions[position.market_ticker] = position
