"""The workflow steps on in-memory fakes: the edges the simulator runs do not reach easily."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from pynamodb.exceptions import PutError

from inplay.alerts.publisher import RecordingPublisher
from inplay.audit.chain import AuditKind
from inplay.orders.errors import (
    AmbiguousOutcome,
    CancelNotConfirmed,
    FillsNotVisible,
    IntentConflict,
    InvalidStepInput,
    RateLimited,
    StoreUnavailable,
    VenueUnavailable,
)
from inplay.orders.fills import FillRecord, PositionState, apply_fill
from inplay.orders.intents import ErrorInfo, InMemoryIntentLedger, IntentRecord, IntentState
from inplay.orders.steps import OrderDeps, run_step
from inplay.orders.workflow import BotConfig, OrderRequest
from inplay.risk.kill_switch import KillSwitch, KillSwitchState
from inplay.risk.limits import PreTradeLimits
from inplay.store.bots import InvalidBotSettings
from inplay.store.trades import RecordedFill
from inplay.venues.base import (
    AmbiguousOutcomeError,
    ExchangeUnavailableError,
    Fill,
    InsufficientBalanceError,
    NotFoundError,
    Order,
    OrderAck,
    OrderBook,
    OrderIntent,
    OrderStatus,
    PriceLevel,
    RateLimitedError,
)
from inplay.venues.factory import VenueConfigError

D = Decimal
S = IntentState
T = datetime(2026, 1, 15, 1, 30, tzinfo=UTC)
OWNER = "arn:aws:states:us-east-1:123456789012:execution:OrderStateMachine:"
BOOK = OrderBook(
    market_ticker="M",
    yes_bids=(PriceLevel(price=D("0.48"), count=D(25)),),
    no_bids=(PriceLevel(price=D("0.48"), count=D(25)),),
)


@dataclass
class FakeVenue:
    name: str = "kalshi"
    book: OrderBook | Exception = BOOK
    place: Callable[[OrderIntent], OrderAck] | None = None
    orders: list[Order] = field(default_factory=list)
    fills: list[Fill] = field(default_factory=list)
    cancels: list[str] = field(default_factory=list)

    def get_orderbook(self, market_ticker: str, *, depth: int = 0) -> OrderBook:
        if isinstance(self.book, Exception):
            raise self.book
        return self.book

    def place_order(self, intent: OrderIntent) -> OrderAck:
        assert self.place is not None
        return self.place(intent)

    def get_order(self, order_id: str) -> Order:
        return self.orders.pop(0) if len(self.orders) > 1 else self.orders[0]

    def get_fills(self, **_: Any) -> list[Fill]:
        return list(self.fills)

    def cancel_order(self, order_id: str, *, market_ticker: str | None = None) -> None:
        self.cancels.append(order_id)


@dataclass
class FakeControls:
    switch: KillSwitch = field(default_factory=KillSwitch)
    config: BotConfig | Exception = field(default_factory=BotConfig)
    blocks: dict[str, str] = field(default_factory=dict)

    def kill_switch(self, user_id: str) -> KillSwitch:
        return self.switch

    def bot_config(self, user_id: str, bot_id: str) -> BotConfig:
        if isinstance(self.config, Exception):
            raise self.config
        return self.config

    def market_block(self, user_id: str, market_ticker: str) -> str | None:
        return self.blocks.get(market_ticker)


@dataclass
class FakeTrades:
    rows: dict[str, FillRecord] = field(default_factory=dict)
    position_state: PositionState | None = None

    def record_fill(self, fill: FillRecord) -> RecordedFill:
        if fill.fill_id in self.rows:
            return RecordedFill(self.rows[fill.fill_id], new=False)
        self.position_state, realized = apply_fill(self.position_state, fill, now=T)
        self.rows[fill.fill_id] = fill.model_copy(update={"realized_pnl": realized})
        return RecordedFill(self.rows[fill.fill_id], new=True, position=self.position_state)

    def position(self, user_id: str, position_id: str) -> PositionState | None:
        return self.position_state

    def fill(self, user_id: str, fill_id: str) -> FillRecord | None:
        return self.rows.get(fill_id)


@dataclass
class FakeAudit:
    appended: dict[str, AuditKind] = field(default_factory=dict)

    def append_once(self, *, key: str, user_id: str, kind: AuditKind, payload: Any) -> dict[str, Any]:
        self.appended.setdefault(key, kind)
        return {"seq": len(self.appended), "hash": "h"}

    def register_context(self, context: Any) -> None:
        return None


@dataclass
class FakeVenues:
    venue: FakeVenue | VenueConfigError

    def venue_for(self, intent: IntentRecord) -> Any:
        if isinstance(self.venue, VenueConfigError):
            raise self.venue
        return self.venue


def make_deps(venue: FakeVenue | VenueConfigError | None = None, **controls: Any) -> OrderDeps:
    return OrderDeps(
        ledger=InMemoryIntentLedger(),
        controls=FakeControls(**controls),
        trades=FakeTrades(),
        audit=FakeAudit(),
        alerts=RecordingPublisher(),
        venues=FakeVenues(venue if venue is not None else FakeVenue()),
        now=lambda: T,
    )


def request(**intent: Any) -> dict[str, Any]:
    values = {
        "user_id": "u",
        "bot_id": "b",
        "market_ticker": "M",
        "signal_id": "s",
        "decision_bucket": T.isoformat(),
        "side": "yes",
        "action": "buy",
        "price": "0.52",
        "count": "10",
        "mode": "paper",
    }
    values.update(intent)
    return {"intent": values}


def event(
    step: str, body: dict[str, Any], *, order: dict[str, Any] | None = None, **extra: Any
) -> dict[str, Any]:
    name = OrderRequest.model_validate(body).intent_id
    state = {"request": body, "execution_name": name, "execution_id": OWNER + name, **extra}
    if order is not None:
        state["order"] = order
    return {"step": step, "state": state}


def reserved(deps: OrderDeps, body: dict[str, Any]) -> dict[str, Any]:
    out = run_step(event("reserve", body), deps)
    assert out["next"] == "place", out
    return out


def ack(status: OrderStatus, filled: str, remaining: str) -> Callable[[OrderIntent], OrderAck]:
    return lambda intent: OrderAck(
        order_id="o1",
        client_order_id=intent.client_order_id,
        status=status,
        filled_count=D(filled),
        remaining_count=D(remaining),
    )


def order(status: OrderStatus, filled: str) -> Order:
    return Order(
        order_id="o1",
        market_ticker="M",
        side="yes",  # type: ignore[arg-type]
        action="buy",  # type: ignore[arg-type]
        price=D("0.52"),
        status=status,
        initial_count=D(10),
        filled_count=D(filled),
        remaining_count=D(10) - D(filled) if status is OrderStatus.RESTING else D(0),
    )


def venue_fill(count: str, n: int = 1) -> Fill:
    return Fill.model_validate(
        {
            "fill_id": f"f{n}",
            "order_id": "o1",
            "market_ticker": "M",
            "side": "yes",
            "action": "buy",
            "price": "0.52",
            "count": count,
            "fee": "0.01",
            "is_taker": True,
        }
    )


# ---------------------------------------------------------------------------------------------


def test_an_invalid_event_is_a_typed_error() -> None:
    with pytest.raises(InvalidStepInput, match="step"):
        run_step({"step": "explode", "state": {}}, make_deps())


def test_reserve_refuses_on_every_pre_trade_check() -> None:
    cases: list[tuple[dict[str, Any], str]] = [
        ({"switch": KillSwitch(KillSwitchState.TRIPPED, reason="x")}, "kill_switch"),
        ({"config": InvalidBotSettings("bad poll_seconds")}, "bot_settings_invalid"),
        ({"config": BotConfig(limits=PreTradeLimits(max_contracts_per_order=D(5)))}, "limit_max_contracts"),
    ]
    for controls, code in cases:
        deps = make_deps(**controls)
        out = run_step(event("reserve", request()), deps)
        assert (out["next"], out["result"]["error"]["code"]) == ("finish", code)
        assert out["result"]["intent_state"] == "REJECTED"
    missing = make_deps(VenueConfigError("credentials_missing", "no secret"))
    assert run_step(event("reserve", request()), missing)["result"]["error"]["code"] == "credentials_missing"
    unknown_market = make_deps(FakeVenue(book=NotFoundError("no market")))
    assert (
        run_step(event("reserve", request()), unknown_market)["result"]["error"]["code"] == "market_not_found"
    )


def test_reserve_refuses_new_entries_on_a_blocked_market_but_lets_reduce_only_through() -> None:
    deps = make_deps(blocks={"M": "orphaned order o9 found by reconciliation"})
    out = run_step(event("reserve", request()), deps)
    assert out["result"]["error"]["code"] == "market_blocked"
    assert "orphaned order o9" in out["result"]["error"]["message"]
    closing = request(action="sell", price="0.48", reduce_only=True, time_in_force="ioc", signal_id="close")
    assert run_step(event("reserve", closing), deps)["next"] == "place"
    other_market = request(market_ticker="OTHER", signal_id="s2")
    assert run_step(event("reserve", other_market), deps)["next"] == "place"


def test_reduce_only_orders_are_not_held_to_the_per_order_entry_limits() -> None:
    tight = BotConfig(limits=PreTradeLimits(max_contracts_per_order=D(5), max_cost_per_order=D(1)))
    deps = make_deps(config=tight)
    closing = request(action="sell", price="0.48", reduce_only=True, time_in_force="ioc", count="10")
    assert run_step(event("reserve", closing), deps)["next"] == "place"
    opening = request(count="10", signal_id="s3")
    assert run_step(event("reserve", opening), deps)["result"]["error"]["code"] == "limit_max_contracts"


def test_reserve_maps_transient_venue_errors_to_retried_names() -> None:
    with pytest.raises(RateLimited):
        run_step(event("reserve", request()), make_deps(FakeVenue(book=RateLimitedError("slow down"))))
    with pytest.raises(VenueUnavailable):
        run_step(event("reserve", request()), make_deps(FakeVenue(book=ExchangeUnavailableError("503"))))


def test_reserve_adopts_what_exists_and_never_takes_over_another_executions_intent() -> None:
    deps = make_deps(FakeVenue(place=ack(OrderStatus.RESTING, "0", "10")))
    body = request()
    progress = reserved(deps, body)
    run_step(event("place", body, order=progress), deps)  # now RESTING, owned by this execution
    again = run_step(event("reserve", body), deps)
    assert again["next"] == "wait" and again["venue_order_id"] == "o1"
    other = event("reserve", body, leg_index=0)  # a batch leg: another owner
    duplicate = run_step(other, deps)
    assert duplicate["next"] == "finish" and duplicate["result"]["error"]["code"] == "duplicate_intent"
    changed = run_step(event("reserve", request(price="0.51")), deps)
    assert changed["result"]["error"]["code"] == "intent_mismatch"


def test_reserve_refuses_an_execution_not_named_by_the_intent() -> None:
    bad = event("reserve", request())
    bad["state"]["execution_name"] = "whatever"
    with pytest.raises(InvalidStepInput, match="execution name"):
        run_step(bad, make_deps())


def test_place_outcomes() -> None:
    body = request()
    ambiguous = FakeVenue(place=lambda intent: (_ for _ in ()).throw(AmbiguousOutcomeError("lost")))
    deps = make_deps(ambiguous)
    with pytest.raises(AmbiguousOutcome):
        run_step(event("place", body, order=reserved(deps, body)), deps)
    assert deps.ledger.get(OrderRequest.model_validate(body).intent_id).status is S.SUBMITTED  # type: ignore[union-attr]

    rejected = FakeVenue(place=lambda intent: (_ for _ in ()).throw(InsufficientBalanceError("poor")))
    deps = make_deps(rejected)
    out = run_step(event("place", body, order=reserved(deps, body)), deps)
    assert (
        out["result"]["error"]["code"] == "insufficient_balance"
        and out["result"]["intent_state"] == "REJECTED"
    )

    nearly = make_deps(FakeVenue(place=ack(OrderStatus.RESTING, "9", "1")))
    out = run_step(event("place", body, order=reserved(nearly, body)), nearly)
    assert (out["next"], out["cancel_reason"]) == ("cancel", "threshold")
    assert nearly.ledger.get(out["intent_id"]).filled_count == 9  # type: ignore[union-attr]


def test_a_place_that_sent_nothing_is_retried_with_the_same_id() -> None:
    sent: list[str] = []

    def flaky(intent: OrderIntent) -> OrderAck:
        sent.append(intent.client_order_id)
        if len(sent) == 1:
            raise ExchangeUnavailableError("could not connect")
        return ack(OrderStatus.EXECUTED, "10", "0")(intent)

    deps = make_deps(FakeVenue(place=flaky))
    body = request()
    progress = reserved(deps, body)
    with pytest.raises(VenueUnavailable):
        run_step(event("place", body, order=progress), deps)
    out = run_step(event("place", body, order=progress), deps)
    assert out["next"] == "record" and sent == [progress["intent_id"]] * 2


def test_mark_unknown_needs_evidence() -> None:
    error = {"Error": "States.Timeout", "Cause": "task timed out"}
    deps = make_deps(FakeVenue(place=ack(OrderStatus.RESTING, "0", "10")))
    body = request()
    progress = reserved(deps, body)
    pending = run_step(event("mark_unknown", body, order=progress, error=error), deps)
    assert pending["result"]["intent_state"] == "REJECTED"  # PENDING: nothing was ever sent
    assert pending["result"]["error"]["code"] == "not_sent:States.Timeout"

    deps = make_deps(FakeVenue(place=ack(OrderStatus.RESTING, "0", "10")))
    progress = reserved(deps, body)
    run_step(event("place", body, order=progress), deps)
    foreign = run_step(event("mark_unknown", body, order=progress, error=error, leg_index=3), deps)
    assert foreign["result"]["intent_state"] == "RESTING"  # not this execution's intent: untouched
    own = run_step(event("mark_unknown", body, order=progress, error=error), deps)
    assert own["result"]["intent_state"] == "UNKNOWN" and own["result"]["status"] == "ERROR"


def test_mark_unknown_without_an_intent_and_on_a_settled_one() -> None:
    deps = make_deps()
    state = {
        "request": {"junk": 1},
        "execution_name": "n",
        "execution_id": OWNER + "n",
        "error": {"Error": "X"},
    }
    out = run_step({"step": "mark_unknown", "state": state}, deps)
    assert out["result"]["intent_state"] is None and out["result"]["error"]["code"] == "X"

    filled = FakeVenue(
        place=ack(OrderStatus.EXECUTED, "10", "0"),
        orders=[order(OrderStatus.EXECUTED, "10")],
        fills=[venue_fill("10")],
    )
    deps = make_deps(filled)
    body = request()
    progress = run_step(event("place", body, order=reserved(deps, body)), deps)
    run_step(event("record", body, order=progress), deps)
    after = run_step(event("mark_unknown", body, order=progress, error={"Error": "Boom"}), deps)
    assert after["result"]["status"] == "FILLED" and after["result"]["error"] is None  # evidence wins


def test_record_waits_for_fills_and_records_each_once() -> None:
    venue = FakeVenue(place=ack(OrderStatus.EXECUTED, "10", "0"), orders=[order(OrderStatus.EXECUTED, "10")])
    deps = make_deps(venue)
    body = request()
    progress = run_step(event("place", body, order=reserved(deps, body)), deps)
    venue.fills = [venue_fill("6")]
    with pytest.raises(FillsNotVisible):
        run_step(event("record", body, order=progress), deps)
    venue.fills = [venue_fill("6"), venue_fill("4", 2)]
    out = run_step(event("record", body, order=progress), deps)
    assert out["result"]["status"] == "FILLED" and out["result"]["average_fill_price"] == "0.5200"
    again = run_step(event("record", body, order=progress), deps)  # a retried Record
    assert again["result"] == out["result"]
    trades = deps.trades
    assert isinstance(trades, FakeTrades) and len(trades.rows) == 2
    assert trades.position_state is not None and trades.position_state.contracts == 10


def test_verify_cancel_cancels_again_when_the_order_still_rests() -> None:
    venue = FakeVenue(place=ack(OrderStatus.RESTING, "0", "10"), orders=[order(OrderStatus.RESTING, "0")])
    deps = make_deps(venue)
    body = request()
    progress = run_step(event("place", body, order=reserved(deps, body)), deps)
    with pytest.raises(CancelNotConfirmed):
        run_step(event("verify_cancel", body, order=progress), deps)
    assert venue.cancels == ["o1"]


def test_store_failures_are_retried_and_conflicts_are_not() -> None:
    deps = make_deps()

    class BrokenLedger(InMemoryIntentLedger):
        def create(self, intent: IntentRecord) -> bool:
            raise PutError("throttled")

    broken = replace(deps, ledger=BrokenLedger())
    with pytest.raises(StoreUnavailable):
        run_step(event("reserve", request()), broken)

    deps = make_deps(FakeVenue(place=ack(OrderStatus.RESTING, "0", "10")))
    body = request()
    progress = reserved(deps, body)
    intent_id = progress["intent_id"]
    current = deps.ledger.get(intent_id)
    assert current is not None
    deps.ledger.transition(
        intent_id, S.PENDING, S.REJECTED, version=current.version, error=ErrorInfo(code="reconciled")
    )
    progress["next"] = "place"
    refused = run_step(event("place", body, order=progress), deps)
    assert refused["result"]["intent_state"] == "REJECTED"  # settled elsewhere: reported, not re-placed
    with pytest.raises(IntentConflict):
        run_step(
            event(
                "check_fill", body, order={**progress, "intent_id": "ip-" + "a" * 32, "venue_order_id": "o"}
            ),
            deps,
        )


def test_check_fill_ends_at_the_poll_count_or_the_clock_whichever_first() -> None:
    venue = FakeVenue(place=ack(OrderStatus.RESTING, "0", "10"), orders=[order(OrderStatus.RESTING, "2")])
    deps = make_deps(venue)
    body = request()
    progress = run_step(event("place", body, order=reserved(deps, body)), deps)
    assert progress["next"] == "wait" and progress["policy"]["max_wait_seconds"] == 60
    waiting = run_step(event("check_fill", body, order=progress), deps)
    assert (waiting["next"], waiting["polls"], waiting["venue_filled"]) == ("wait", 1, "2.00")
    assert deps.ledger.get(progress["intent_id"]).status is S.PARTIAL  # type: ignore[union-attr]
    late = {**waiting, "deadline": "2026-01-15T01:29:59Z"}
    assert run_step(event("check_fill", body, order=late), deps)["cancel_reason"] == "timeout"
    counted = {**waiting, "polls": 59}
    assert run_step(event("check_fill", body, order=counted), deps)["cancel_reason"] == "timeout"
