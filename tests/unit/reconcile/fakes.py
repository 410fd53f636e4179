"""In-memory fakes for the reconciler: a venue account, the stores, and builders for venue objects.

Reusable by the chaos suite and the benchmarks (``from tests.unit.reconcile.fakes import ...``).
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from inplay.alerts.publisher import RecordingPublisher
from inplay.audit.chain import AuditKind, AuditRecord
from inplay.audit.store import InMemoryAuditLog
from inplay.orders.fills import FillRecord, PositionState, apply_fill, position_id_for
from inplay.orders.intents import (
    InMemoryIntentLedger,
    IntentRecord,
    IntentState,
    TradingMode,
    new_intent,
)
from inplay.orders.workflow import BotConfig
from inplay.reconcile import ReconcileDeps, ReconcileSettings
from inplay.risk.kill_switch import KillSwitch
from inplay.risk.store import InMemoryRiskStore
from inplay.store.trades import RecordedFill
from inplay.venues.base import (
    Action,
    Balance,
    CancelAck,
    ExchangeStatus,
    Fill,
    Market,
    MarketStatus,
    NotFoundError,
    Order,
    OrderStatus,
    OutcomeSide,
    Position,
    VenueError,
)

D = Decimal
NOW = datetime(2026, 1, 15, 3, 0, tzinfo=UTC)
LONG_AGO = NOW - timedelta(hours=1)
USER = "u1"
BOT = "b1"
VENUE = "kalshi"


# ---------------------------------------------------------------------------------------------
# The venue


@dataclass
class FakeVenue:
    """One venue account. ``fail[method] = error`` makes that call raise; ``calls`` counts calls."""

    name: str = VENUE
    as_of: datetime | None = NOW
    orders: dict[str, Order] = field(default_factory=dict)
    fills: list[Fill] = field(default_factory=list)
    positions: dict[str, Position] = field(default_factory=dict)
    markets: dict[str, Market] = field(default_factory=dict)
    fail: dict[str, VenueError] = field(default_factory=dict)
    calls: Counter[str] = field(default_factory=Counter)
    cancels: list[str] = field(default_factory=list)

    def _call(self, method: str) -> None:
        self.calls[method] += 1
        error = self.fail.get(method)
        if error is not None:
            raise error

    # the protocol
    def user_data_timestamp(self) -> datetime:
        self._call("user_data_timestamp")
        if self.as_of is None:
            raise NotFoundError("not served")
        return self.as_of

    def exchange_status(self) -> ExchangeStatus:
        return ExchangeStatus(exchange_active=True, trading_active=True)

    def get_balance(self) -> Balance:
        return Balance(available=D(100))

    def list_orders(
        self, *, status: OrderStatus | None = None, market_ticker: str | None = None
    ) -> list[Order]:
        self._call("list_orders")
        return [
            o
            for o in self.orders.values()
            if (status is None or o.status is status)
            and (market_ticker is None or o.market_ticker == market_ticker)
        ]

    def get_positions(self, *, market_ticker: str | None = None) -> list[Position]:
        self._call("get_positions")
        return [
            p for p in self.positions.values() if market_ticker is None or p.market_ticker == market_ticker
        ]

    def get_fills(
        self, *, market_ticker: str | None = None, order_id: str | None = None, since: datetime | None = None
    ) -> list[Fill]:
        self._call("get_fills")
        return [
            f
            for f in self.fills
            if (market_ticker is None or f.market_ticker == market_ticker)
            and (order_id is None or f.order_id == order_id)
            and (since is None or f.created_time is None or f.created_time >= since)
        ]

    def get_order(self, order_id: str) -> Order:
        self._call("get_order")
        if order_id not in self.orders:
            raise NotFoundError(f"no order {order_id}")
        return self.orders[order_id]

    def find_order_by_client_id(
        self, client_order_id: str, *, market_ticker: str | None = None, since: datetime | None = None
    ) -> Order | None:
        self._call("find_order_by_client_id")
        return next((o for o in self.orders.values() if o.client_order_id == client_order_id), None)

    def cancel_order(self, order_id: str, *, market_ticker: str | None = None) -> CancelAck:
        self._call("cancel_order")
        order = self.orders[order_id]
        self.cancels.append(order_id)
        self.orders[order_id] = order.model_copy(
            update={"status": OrderStatus.CANCELED, "remaining_count": D(0)}
        )
        return CancelAck(order_id=order_id, reduced_by=order.remaining_count)

    def get_market(self, market_ticker: str) -> Market:
        self._call("get_market")
        return self.markets.get(market_ticker) or market(market_ticker)

    def place_order(self, intent: Any) -> Any:
        raise AssertionError("the reconciler never places orders")

    def get_orderbook(self, market_ticker: str, *, depth: int = 0) -> Any:
        raise AssertionError("the reconciler never reads books")

    # test helpers
    @property
    def venue_calls(self) -> int:
        return sum(self.calls.values())

    def add_order(self, order: Order) -> Order:
        self.orders[order.order_id] = order
        return order

    def hold(self, ticker: str, contracts: str, *, exposure: str = "0") -> None:
        self.positions[ticker] = Position(market_ticker=ticker, position=D(contracts), exposure=D(exposure))


@dataclass
class FakeVenues:
    venue: FakeVenue
    config_error: Exception | None = None

    def venue_for(self, intent: IntentRecord) -> FakeVenue:
        return self.account(intent.user_id, intent.venue, intent.mode)

    def account(self, user_id: str, venue: str, mode: TradingMode) -> Any:
        if self.config_error is not None:
            raise self.config_error
        return self.venue

    def account_key(self, user_id: str, venue: str, mode: TradingMode) -> str:
        return f"{venue}:{user_id}"


def order(
    order_id: str,
    *,
    ticker: str = "MKT-A",
    client_order_id: str | None = None,
    status: OrderStatus = OrderStatus.RESTING,
    side: OutcomeSide = OutcomeSide.YES,
    action: Action = Action.BUY,
    price: str = "0.40",
    count: str = "10",
    filled: str = "0",
) -> Order:
    remaining = D(0) if status is not OrderStatus.RESTING else D(count) - D(filled)
    return Order(
        order_id=order_id,
        client_order_id=client_order_id,
        market_ticker=ticker,
        side=side,
        action=action,
        price=D(price),
        status=status,
        initial_count=D(count),
        filled_count=D(filled),
        remaining_count=remaining,
        created_time=LONG_AGO,
    )


def fill(
    fill_id: str,
    order_id: str,
    *,
    ticker: str = "MKT-A",
    side: OutcomeSide = OutcomeSide.YES,
    action: Action = Action.BUY,
    price: str = "0.40",
    count: str = "10",
    at: datetime = LONG_AGO,
) -> Fill:
    return Fill(
        fill_id=fill_id,
        order_id=order_id,
        market_ticker=ticker,
        side=side,
        action=action,
        price=D(price),
        count=D(count),
        fee=D("0.02"),
        is_taker=True,
        created_time=at,
    )


def market(
    ticker: str, status: MarketStatus = MarketStatus.OPEN, result: OutcomeSide | None = None
) -> Market:
    return Market(ticker=ticker, status=status, venue_status=status.value, result=result)


# ---------------------------------------------------------------------------------------------
# Stores


class MemoryTrades:
    """:class:`~inplay.reconcile.ReconcileTrades` in memory (fills once each, positions by id)."""

    def __init__(self) -> None:
        self.fills: dict[tuple[str, str], FillRecord] = {}
        self.rows: dict[tuple[str, str], PositionState] = {}
        self.now = NOW
        self._lock = threading.Lock()

    def record_fill(self, fill: FillRecord) -> RecordedFill:
        with self._lock:
            key = (fill.user_id, fill.fill_id)
            if key in self.fills:
                return RecordedFill(self.fills[key], new=False)
            pid = position_id_for(fill.bot_id, fill.venue, fill.market_ticker, fill.mode)
            current = self.rows.get((fill.user_id, pid))
            updated, realized = apply_fill(current, fill, now=self.now)
            updated = updated.model_copy(update={"version": (current.version if current else 0) + 1})
            stored = fill.model_copy(update={"realized_pnl": realized})
            self.fills[key] = stored
            self.rows[(fill.user_id, pid)] = updated
            return RecordedFill(stored, new=True, position=updated)

    def position(self, user_id: str, position_id: str) -> PositionState | None:
        return self.rows.get((user_id, position_id))

    def fill(self, user_id: str, fill_id: str) -> FillRecord | None:
        return self.fills.get((user_id, fill_id))

    def open_positions(self, user_id: str) -> list[PositionState]:
        return [p for (u, _), p in self.rows.items() if u == user_id and p.contracts != 0]

    def put(self, position: PositionState) -> PositionState:
        self.rows[(position.user_id, position.position_id)] = position
        return position


def position(
    ticker: str = "MKT-A",
    contracts: str = "10",
    *,
    cost: str | None = None,
    bot: str = BOT,
    mode: TradingMode = TradingMode.PAPER,
    updated_at: datetime = LONG_AGO,
    user: str = USER,
) -> PositionState:
    held = D(contracts)
    return PositionState(
        user_id=user,
        position_id=position_id_for(bot, VENUE, ticker, mode),
        bot_id=bot,
        venue=VENUE,
        market_ticker=ticker,
        mode=mode,
        contracts=held,
        cost=D(cost) if cost is not None else held * D("0.40"),
        opened_at=updated_at,
        updated_at=updated_at,
        fills=1,
        version=1,
    )


@dataclass
class FakeControls:
    blocks: dict[tuple[str, str], str] = field(default_factory=dict)
    unblocked: list[str] = field(default_factory=list)

    def kill_switch(self, user_id: str) -> KillSwitch:
        return KillSwitch()

    def bot_config(self, user_id: str, bot_id: str) -> BotConfig:
        return BotConfig()

    def market_block(self, user_id: str, market_ticker: str) -> str | None:
        return self.blocks.get((user_id, market_ticker))

    def market_blocks(self, user_id: str) -> dict[str, str]:
        return {t: r for (u, t), r in self.blocks.items() if u == user_id}

    def block_market(self, user_id: str, market_ticker: str, *, reason: str, at: datetime) -> None:
        self.blocks[(user_id, market_ticker)] = reason

    def unblock_market(self, user_id: str, market_ticker: str) -> None:
        self.blocks.pop((user_id, market_ticker), None)
        self.unblocked.append(market_ticker)


class MemoryAudit:
    """The idempotent auditor and the audit log in one: ``append_once`` appends a key once."""

    def __init__(self) -> None:
        self.log = InMemoryAuditLog(now=lambda: NOW)
        self.receipts: dict[str, dict[str, Any]] = {}

    def append_once(self, *, key: str, user_id: str, kind: AuditKind, payload: Any) -> dict[str, Any]:
        if key not in self.receipts:
            record = self.log.append(user_id, kind, payload)
            self.receipts[key] = {"seq": record.seq, "hash": record.hash}
        return dict(self.receipts[key])

    def register_context(self, context: Any) -> None:
        return None

    def last(self, user_id: str) -> AuditRecord | None:
        return self.log.last(user_id)

    def count(self, user_id: str = USER) -> int:
        return len(list(self.log.records(user_id)))


# ---------------------------------------------------------------------------------------------
# Everything together


@dataclass
class World:
    venue: FakeVenue = field(default_factory=FakeVenue)
    ledger: InMemoryIntentLedger = field(default_factory=InMemoryIntentLedger)
    trades: MemoryTrades = field(default_factory=MemoryTrades)
    controls: FakeControls = field(default_factory=FakeControls)
    risk: InMemoryRiskStore = field(default_factory=InMemoryRiskStore)
    audit: MemoryAudit = field(default_factory=MemoryAudit)
    alerts: RecordingPublisher = field(default_factory=RecordingPublisher)
    clock: list[datetime] = field(default_factory=lambda: [NOW])
    settings: ReconcileSettings = field(
        default_factory=lambda: ReconcileSettings(default_accounts=((VENUE, TradingMode.PAPER),))
    )
    venues: FakeVenues | None = None

    def deps(self) -> ReconcileDeps:
        return ReconcileDeps(
            ledger=self.ledger,
            trades=self.trades,
            controls=self.controls,
            risk=self.risk,
            audit=self.audit,
            audit_log=self.audit,
            alerts=self.alerts,
            venues=self.venues or FakeVenues(self.venue),
            settings=self.settings,
            now=lambda: self.clock[0],
        )

    def advance(self, delta: timedelta) -> None:
        self.clock[0] += delta
        self.trades.now = self.clock[0]

    def intent(
        self,
        status: IntentState = IntentState.PENDING,
        *,
        ticker: str = "MKT-A",
        signal: str = "s1",
        at: datetime = LONG_AGO,
        side: OutcomeSide = OutcomeSide.YES,
        action: Action = Action.BUY,
        price: str = "0.40",
        count: str = "10",
        mode: TradingMode = TradingMode.PAPER,
        **transition: Any,
    ) -> IntentRecord:
        """An intent created at ``at`` and moved to ``status`` at ``at`` (via SUBMITTED if needed)."""
        intent = new_intent(
            user_id=USER,
            bot_id=BOT,
            market_ticker=ticker,
            signal_id=signal,
            leg="entry",
            decision_bucket=at,
            venue=VENUE,
            side=side,
            action=action,
            price=D(price),
            count=D(count),
            mode=mode,
            now=at,
        )
        assert self.ledger.create(intent)
        if status is IntentState.PENDING:
            return intent
        if status is not IntentState.SUBMITTED and status is not IntentState.REJECTED:
            intent = self.ledger.transition(
                intent.intent_id, IntentState.PENDING, IntentState.SUBMITTED, version=intent.version, now=at
            )
        return self.ledger.transition(
            intent.intent_id, intent.status, status, version=intent.version, now=at, **transition
        )

    def reports(self) -> list[Any]:
        return self.risk.reports(USER)

    def blocked(self) -> set[str]:
        return set(self.controls.market_blocks(USER))
