"""In-memory fakes for the kill switch's unit tests (each satisfies the production protocol)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from inplay.alerts.publisher import RecordingPublisher
from inplay.audit.chain import AuditKind
from inplay.audit.store import InMemoryAuditLog
from inplay.orders.fills import FillRecord, PositionState, position_id_for
from inplay.orders.intents import InMemoryIntentLedger, IntentRecord, IntentState, TradingMode, new_intent
from inplay.orders.workflow import BatchRequest
from inplay.risk.inputs import GameFeeds, InMemoryTradeQueries, TradeQueries
from inplay.risk.kill_switch import KillSwitch, KillSwitchState
from inplay.risk.store import InMemoryRiskStore, RiskStore
from inplay.risk.tripping import BatchStarter, KillAuditor, KillSwitchDeps, SwitchControls
from inplay.sports.models import GameState, GameStatus, League, Phase, TeamState
from inplay.store.games import FeedHeartbeat
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
    OrderAck,
    OrderBook,
    OrderIntent,
    OrderStatus,
    OutcomeSide,
    Position,
    Venue,
    VenueError,
    to_yes_terms,
)
from inplay.venues.factory import VenueConfigError, VenueProvider
from tests.support.fakes import InMemoryGames

D = Decimal
USER = "alice"
BOT = "bot1"
# 2026-01-15 01:30 UTC = 2026-01-14 20:30 US-Eastern (an evening of games).
NOW = datetime(2026, 1, 15, 1, 30, tzinfo=UTC)
TODAY_START = datetime(2026, 1, 14, 5, 0, tzinfo=UTC)  # midnight Eastern (EST, UTC-5)


# ---------------------------------------------------------------------------------------------
# The bots table


@dataclass
class FakeControls:
    """Conditional trip/reset like ``DynamoBotControls``; settings per user."""

    switches: dict[str, KillSwitch] = field(default_factory=dict)
    settings: dict[str, dict[str, str]] = field(default_factory=dict)
    trips: int = 0

    def kill_switch(self, user_id: str) -> KillSwitch:
        return self.switches.get(user_id, KillSwitch())

    def trip(
        self,
        user_id: str,
        *,
        trigger: str,
        reason: str,
        values: Mapping[str, str],
        by: str,
        event_id: str,
        at: datetime,
    ) -> KillSwitch | None:
        if self.kill_switch(user_id).tripped:
            return None
        self.trips += 1
        switch = KillSwitch(
            KillSwitchState.TRIPPED,
            reason=reason[:500] or trigger,
            changed_at=at,
            trigger=trigger,
            values=dict(values),
            by=by,
            event_id=event_id,
        )
        self.switches[user_id] = switch
        return switch

    def reset(self, user_id: str, *, reason: str, by: str, at: datetime) -> KillSwitch | None:
        current = self.kill_switch(user_id)
        if not current.tripped:
            return None
        switch = KillSwitch(
            KillSwitchState.ACTIVE, reason=reason[:500], changed_at=at, by=by, event_id=current.event_id
        )
        self.switches[user_id] = switch
        return switch

    def user_settings(self, user_id: str) -> dict[str, str]:
        return dict(self.settings.get(user_id, {}))


# ---------------------------------------------------------------------------------------------
# A venue account


def market(
    ticker: str,
    *,
    yes_bid: str | None = "0.55",
    yes_ask: str | None = "0.57",
    status: MarketStatus = MarketStatus.OPEN,
    tick: str | None = "0.01",
) -> Market:
    return Market(
        ticker=ticker,
        status=status,
        venue_status=status.value,
        yes_bid=D(yes_bid) if yes_bid is not None else None,
        yes_ask=D(yes_ask) if yes_ask is not None else None,
        tick_size=D(tick) if tick is not None else None,
    )


def resting(order_id: str, client_order_id: str | None, ticker: str = "MKT-A") -> Order:
    return Order(
        order_id=order_id,
        client_order_id=client_order_id,
        market_ticker=ticker,
        side=OutcomeSide.YES,
        action=Action.BUY,
        price=D("0.40"),
        status=OrderStatus.RESTING,
        initial_count=D(5),
        filled_count=D(0),
        remaining_count=D(5),
    )


@dataclass
class FakeVenue:
    """A venue account: markets, resting orders, a balance; ``fail`` makes a method raise."""

    name: str = "kalshi"
    markets: dict[str, Market] = field(default_factory=dict)
    orders: list[Order] = field(default_factory=list)
    balance: Balance = field(default_factory=lambda: Balance(available=D(1000), portfolio_value=D(0)))
    exchange: ExchangeStatus = field(
        default_factory=lambda: ExchangeStatus(exchange_active=True, trading_active=True)
    )
    fail: dict[str, VenueError] = field(default_factory=dict)
    cancelled: list[str] = field(default_factory=list)
    calls: list[str] = field(default_factory=list)

    def _enter(self, method: str) -> None:
        self.calls.append(method)
        error = self.fail.get(method)
        if error is not None:
            raise error

    def exchange_status(self) -> ExchangeStatus:
        self._enter("exchange_status")
        return self.exchange

    def get_balance(self) -> Balance:
        self._enter("get_balance")
        return self.balance

    def get_positions(self, *, market_ticker: str | None = None) -> list[Position]:
        self._enter("get_positions")
        return []

    def get_fills(
        self, *, market_ticker: str | None = None, order_id: str | None = None, since: datetime | None = None
    ) -> list[Fill]:
        self._enter("get_fills")
        return []

    def get_order(self, order_id: str) -> Order:
        self._enter("get_order")
        for order in self.orders:
            if order.order_id == order_id:
                return order
        raise NotFoundError(f"no order {order_id}")

    def find_order_by_client_id(
        self, client_order_id: str, *, market_ticker: str | None = None, since: datetime | None = None
    ) -> Order | None:
        self._enter("find_order_by_client_id")
        return next((o for o in self.orders if o.client_order_id == client_order_id), None)

    def list_orders(
        self, *, status: OrderStatus | None = None, market_ticker: str | None = None
    ) -> list[Order]:
        self._enter("list_orders")
        return [o for o in self.orders if status is None or o.status is status]

    def place_order(self, intent: OrderIntent) -> OrderAck:
        self._enter("place_order")
        raise AssertionError("the kill switch never places orders itself")

    def cancel_order(self, order_id: str, *, market_ticker: str | None = None) -> CancelAck:
        self._enter("cancel_order")
        for index, order in enumerate(self.orders):
            if order.order_id == order_id and order.status is OrderStatus.RESTING:
                self.orders[index] = order.model_copy(
                    update={"status": OrderStatus.CANCELED, "remaining_count": D(0)}
                )
                self.cancelled.append(order_id)
                return CancelAck(order_id=order_id, reduced_by=order.remaining_count)
        raise NotFoundError(f"no resting order {order_id}")

    def get_orderbook(self, market_ticker: str, *, depth: int = 0) -> OrderBook:
        self._enter("get_orderbook")
        return OrderBook(market_ticker=market_ticker)

    def get_market(self, market_ticker: str) -> Market:
        self._enter("get_market")
        try:
            return self.markets[market_ticker]
        except KeyError:
            raise NotFoundError(f"no market {market_ticker}") from None


@dataclass
class FakeVenues:
    """One account per user shared by both modes (like ``KalshiVenues``); unknown users have no
    credentials."""

    accounts: dict[str, Venue] = field(default_factory=dict)

    def venue_for(self, intent: IntentRecord) -> Venue:
        return self.account(intent.user_id, intent.venue, intent.mode)

    def account(self, user_id: str, venue: str, mode: TradingMode) -> Venue:
        if venue != "kalshi":
            raise VenueConfigError("venue_unsupported", f"venue {venue!r} is not supported yet")
        try:
            return self.accounts[user_id]
        except KeyError:
            raise VenueConfigError("credentials_missing", f"no credentials for {user_id}") from None

    def account_key(self, user_id: str, venue: str, mode: TradingMode) -> str:
        return f"{venue}:{user_id}"


# ---------------------------------------------------------------------------------------------
# Workflow starts, audit


@dataclass
class RecordingBatches:
    """Like Step Functions: one execution per name; a second start of a name changes nothing."""

    executions: dict[str, BatchRequest] = field(default_factory=dict)
    starts: int = 0
    fail: Exception | None = None

    def start_batch(self, request: BatchRequest) -> str:
        self.starts += 1
        if self.fail is not None:
            raise self.fail
        self.executions.setdefault(request.batch_id(), request)
        return f"arn:aws:states:us-east-1:123456789012:execution:Batch:{request.batch_id()}"

    @property
    def legs(self) -> list[Any]:
        return [leg for request in self.executions.values() for leg in request.legs]


@dataclass
class FakeAudit:
    """Idempotent by key like ``IdempotentOrderAudit``, appending to a real (in-memory) hash chain,
    so every payload must have a canonical JSON form."""

    records: dict[str, tuple[str, AuditKind, Any]] = field(default_factory=dict)
    log: InMemoryAuditLog = field(default_factory=InMemoryAuditLog)
    fail: Exception | None = None

    def append_once(self, *, key: str, user_id: str, kind: AuditKind, payload: Any) -> dict[str, Any]:
        if self.fail is not None:
            raise self.fail
        if key not in self.records:
            self.log.append(user_id, kind, payload, at=NOW)
            self.records[key] = (user_id, kind, payload)
        return {"seq": len(self.records), "hash": "h"}


# ---------------------------------------------------------------------------------------------
# Builders


def fill(
    *,
    market_ticker: str = "MKT-A",
    side: OutcomeSide = OutcomeSide.YES,
    action: Action = Action.BUY,
    price: str = "0.50",
    count: str = "10",
    fee: str = "0.10",
    at: datetime = NOW - timedelta(hours=1),
    intent_id: str | None = None,
    bot_id: str = BOT,
    user_id: str = USER,
    mode: TradingMode = TradingMode.PAPER,
    fill_id: str | None = None,
) -> FillRecord:
    direction, yes_price = to_yes_terms(side, action, D(price))
    fid = fill_id or f"kalshi#{market_ticker}-{side}-{action}-{price}-{count}-{at.isoformat()}"
    return FillRecord(
        user_id=user_id,
        fill_id=fid,
        venue="kalshi",
        venue_fill_id=fid.removeprefix("kalshi#"),
        intent_id=intent_id or "ip-" + "a" * 32,
        bot_id=bot_id,
        order_id="o-" + fid[-12:],
        market_ticker=market_ticker,
        side=side,
        action=action,
        price=D(price),
        count=D(count),
        fee=D(fee),
        is_taker=True,
        yes_direction=direction,
        yes_price=yes_price,
        filled_at=at,
        mode=mode,
    )


def intent(
    *,
    market_ticker: str = "MKT-A",
    side: OutcomeSide = OutcomeSide.YES,
    action: Action = Action.BUY,
    price: str = "0.50",
    count: str = "10",
    signal_id: str = "sig-1",
    leg: str = "entry",
    bot_id: str = BOT,
    user_id: str = USER,
    mode: TradingMode = TradingMode.PAPER,
    created_at: datetime = NOW - timedelta(hours=1),
    meta: Mapping[str, str] | None = None,
) -> IntentRecord:
    return new_intent(
        user_id=user_id,
        bot_id=bot_id,
        market_ticker=market_ticker,
        signal_id=signal_id,
        leg=leg,
        decision_bucket=created_at,
        venue="kalshi",
        side=side,
        action=action,
        price=D(price),
        count=D(count),
        mode=mode,
        now=created_at,
        signal_meta=meta,
    )


def settle(
    ledger: InMemoryIntentLedger, record: IntentRecord, state: IntentState, **changes: Any
) -> IntentRecord:
    """Move a stored intent straight to ``state`` (via SUBMITTED when it is PENDING)."""
    current = ledger.get(record.intent_id)
    assert current is not None
    if current.status is IntentState.PENDING and state is not IntentState.REJECTED:
        current = ledger.transition(
            record.intent_id, IntentState.PENDING, IntentState.SUBMITTED, version=current.version, now=NOW
        )
    return ledger.transition(
        record.intent_id, current.status, state, version=current.version, now=NOW, **changes
    )


def game(
    league: League, event_id: str, *, state: Phase = Phase.IN, start: datetime = NOW - timedelta(hours=1)
) -> GameState:
    status = {
        Phase.IN: GameStatus.IN_PROGRESS,
        Phase.PRE: GameStatus.SCHEDULED,
        Phase.POST: GameStatus.FINAL,
    }[state]
    return GameState(
        league=league,
        event_id=event_id,
        home=TeamState(team_id="1", abbreviation="HOM", name="Home", score=50),
        away=TeamState(team_id="2", abbreviation="AWY", name="Away", score=48),
        state=state,
        completed=state is Phase.POST,
        status=status,
        start_time=start,
    )


def heartbeat(league: League, polled_at: datetime, *, ok: bool = True) -> FeedHeartbeat:
    return FeedHeartbeat(
        league=league, polled_at=polled_at, live_games=1, ok=ok, error=None if ok else "HTTP 500"
    )


# ---------------------------------------------------------------------------------------------
# The world


@dataclass
class World:
    controls: FakeControls = field(default_factory=FakeControls)
    risk: InMemoryRiskStore = field(default_factory=InMemoryRiskStore)
    ledger: InMemoryIntentLedger = field(default_factory=InMemoryIntentLedger)
    trades: InMemoryTradeQueries = field(default_factory=InMemoryTradeQueries)
    games: InMemoryGames = field(default_factory=InMemoryGames)
    venue: FakeVenue = field(default_factory=FakeVenue)
    venues: FakeVenues = field(default_factory=FakeVenues)
    batches: RecordingBatches = field(default_factory=RecordingBatches)
    audit: FakeAudit = field(default_factory=FakeAudit)
    alerts: RecordingPublisher = field(default_factory=RecordingPublisher)

    def __post_init__(self) -> None:
        self.venues.accounts.setdefault(USER, self.venue)

    @property
    def deps(self) -> KillSwitchDeps:
        return KillSwitchDeps(
            controls=self.controls,
            risk=self.risk,
            ledger=self.ledger,
            trades=self.trades,
            games=self.games,
            venues=self.venues,
            batches=self.batches,
            audit=self.audit,
            alerts=self.alerts,
        )

    def hold(
        self,
        market_ticker: str,
        contracts: str,
        *,
        price: str = "0.50",
        bot_id: str = BOT,
        mode: TradingMode = TradingMode.PAPER,
        meta: Mapping[str, str] | None = None,
        at: datetime = NOW - timedelta(hours=1),
    ) -> PositionState:
        """Open a position through a real entry intent and fill (YES when ``contracts`` > 0)."""
        count = D(contracts)
        side = OutcomeSide.YES if count > 0 else OutcomeSide.NO
        record = intent(
            market_ticker=market_ticker,
            side=side,
            price=price,
            count=str(abs(count)),
            bot_id=bot_id,
            mode=mode,
            created_at=at - timedelta(seconds=5),
            meta=meta,
            signal_id=f"entry-{market_ticker}-{bot_id}",
        )
        self.ledger.create(record)
        settle(self.ledger, record, IntentState.FILLED, filled_count=abs(count), average_fill_price=D(price))
        return self.trades.record_fill(
            fill(
                market_ticker=market_ticker,
                side=side,
                price=price,
                count=str(abs(count)),
                fee="0",
                at=at,
                intent_id=record.intent_id,
                bot_id=bot_id,
                mode=mode,
            )
        )

    def position_id(
        self, market_ticker: str, bot_id: str = BOT, mode: TradingMode = TradingMode.PAPER
    ) -> str:
        return position_id_for(bot_id, "kalshi", market_ticker, mode)


def _conformance(
    world: World,
) -> tuple[
    SwitchControls, RiskStore, TradeQueries, GameFeeds, VenueProvider, Venue, BatchStarter, KillAuditor
]:
    return (
        world.controls,
        world.risk,
        world.trades,
        world.games,
        world.venues,
        world.venue,
        world.batches,
        world.audit,
    )
