"""The IntentLedger contract: the same checks for every implementation (memory, DynamoDB)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from inplay.orders import (
    ErrorInfo,
    ForbiddenTransition,
    IntentLedger,
    IntentNotFound,
    IntentRecord,
    IntentState,
    TradingMode,
    TransitionRefused,
    new_intent,
)
from inplay.venues.base import Action, OutcomeSide

S = IntentState
T0 = datetime(2025, 11, 2, 18, 30, tzinfo=UTC)


def make_intent(**overrides: Any) -> IntentRecord:
    values: dict[str, Any] = {
        "user_id": "user-1",
        "bot_id": "bot-1",
        "market_ticker": "KXNBAGAME-25NOV02BOSNYK-BOS",
        "signal_id": "fv-edge",
        "leg": "entry",
        "decision_bucket": T0,
        "venue": "kalshi",
        "side": OutcomeSide.YES,
        "action": Action.BUY,
        "price": Decimal("0.5600"),
        "count": Decimal("10"),
        "mode": TradingMode.PAPER,
        "now": T0 + timedelta(seconds=3),
        "signal_meta": {"edge": "0.041", "confidence": "0.72"},
    }
    values.update(overrides)
    return new_intent(**values)


def check_create_is_idempotent(ledger: IntentLedger) -> None:
    intent = make_intent()
    assert ledger.create(intent) is True
    assert ledger.get(intent.intent_id) == intent
    # A retried decision recomputes the same id; even with other terms it never overwrites.
    again = make_intent(price=Decimal("0.6100"), now=T0 + timedelta(seconds=9))
    assert again.intent_id == intent.intent_id
    assert ledger.create(again) is False
    stored = ledger.get(intent.intent_id)
    assert stored == intent and stored.price == Decimal("0.5600")


def check_happy_path(ledger: IntentLedger) -> None:
    intent = make_intent(signal_id="happy")
    ledger.create(intent)
    later = T0 + timedelta(seconds=10)
    submitted = ledger.transition(
        intent.intent_id, S.PENDING, S.SUBMITTED, version=1, now=later, execution_arn="arn:exec:1"
    )
    assert (submitted.status, submitted.version, submitted.execution_arn) == (S.SUBMITTED, 2, "arn:exec:1")
    assert submitted.updated_at == later and submitted.created_at == intent.created_at
    resting = ledger.transition(intent.intent_id, S.SUBMITTED, S.RESTING, version=2, venue_order_id="ord-1")
    assert resting.venue_order_id == "ord-1" and resting.version == 3
    partial = ledger.transition(
        intent.intent_id,
        [S.RESTING, S.PARTIAL],
        S.PARTIAL,
        version=3,
        filled_count=Decimal("4"),
        average_fill_price=Decimal("0.56"),
        fees=Decimal("0.07"),
    )
    assert (partial.filled_count, partial.average_fill_price, partial.fees) == (
        Decimal(4),
        Decimal("0.56"),
        Decimal("0.07"),
    )
    more = ledger.transition(intent.intent_id, S.PARTIAL, S.PARTIAL, version=4, filled_count=Decimal("7.5"))
    assert more.filled_count == Decimal("7.5") and more.venue_order_id == "ord-1"  # unchanged fields kept
    filled = ledger.transition(intent.intent_id, S.PARTIAL, S.FILLED, version=5, filled_count=Decimal(10))
    assert (filled.status, filled.version, filled.filled_count) == (S.FILLED, 6, Decimal(10))
    assert ledger.get(intent.intent_id) == filled


def check_refusals(ledger: IntentLedger) -> None:
    intent = make_intent(signal_id="refusals")
    ledger.create(intent)
    with pytest.raises(TransitionRefused) as wrong_version:
        ledger.transition(intent.intent_id, S.PENDING, S.SUBMITTED, version=2)
    assert wrong_version.value.current_state is S.PENDING and wrong_version.value.current_version == 1
    assert "version" in wrong_version.value.reason
    with pytest.raises(TransitionRefused) as wrong_state:
        ledger.transition(intent.intent_id, S.RESTING, S.FILLED, version=1)
    assert wrong_state.value.current_state is S.PENDING
    with pytest.raises(IntentNotFound):
        ledger.transition("ip-doesnotexist", S.PENDING, S.SUBMITTED, version=1)
    assert ledger.get("ip-doesnotexist") is None
    # Fills never go backwards nor beyond the order.
    ledger.transition(intent.intent_id, S.PENDING, S.PARTIAL, version=1, filled_count=Decimal(5))
    for bad in (Decimal(4), Decimal(11)):
        with pytest.raises(TransitionRefused) as fills:
            ledger.transition(intent.intent_id, S.PARTIAL, S.PARTIAL, version=2, filled_count=bad)
        assert "filled_count" in fills.value.reason
    assert ledger.get(intent.intent_id).version == 2  # refused writes changed nothing


def check_terminal_refuses_every_move(ledger: IntentLedger) -> None:
    intent = make_intent(signal_id="terminal")
    ledger.create(intent)
    cancelled = ledger.transition(
        intent.intent_id,
        S.PENDING,
        S.CANCELLED,
        version=1,
        error=ErrorInfo(code="kill_switch", message="tripped before placing"),
    )
    assert cancelled.error == ErrorInfo(code="kill_switch", message="tripped before placing")
    for target in IntentState:
        with pytest.raises(ForbiddenTransition):
            ledger.transition(intent.intent_id, S.CANCELLED, target, version=2)
    # Claiming it is elsewhere does not help either: the ledger says where it really is.
    with pytest.raises(TransitionRefused) as refused:
        ledger.transition(intent.intent_id, S.RESTING, S.FILLED, version=2)
    assert refused.value.current_state is S.CANCELLED
    assert ledger.get(intent.intent_id) == cancelled


def check_unknown_is_settled_by_reconciliation(ledger: IntentLedger) -> None:
    intents = [make_intent(signal_id=f"recon-{n}", now=T0 + timedelta(seconds=n)) for n in range(4)]
    for intent in intents:
        ledger.create(intent)
    for n in (2, 0):  # 0 is updated last
        ledger.transition(
            intents[n].intent_id,
            S.PENDING,
            S.UNKNOWN,
            version=1,
            now=T0 + timedelta(minutes=5 - n),
            error=ErrorInfo(code="timeout", message="no response from the venue"),
        )
    unknown = ledger.list_by_status(S.UNKNOWN)
    assert [i.intent_id for i in unknown] == [intents[2].intent_id, intents[0].intent_id]
    assert {i.intent_id for i in ledger.list_by_status(S.PENDING)} >= {intents[1].intent_id}
    settled = ledger.transition(
        intents[0].intent_id, S.UNKNOWN, S.FILLED, version=2, filled_count=Decimal(10)
    )
    assert settled.status is S.FILLED
    assert [i.intent_id for i in ledger.list_by_status(S.UNKNOWN)] == [intents[2].intent_id]
    with pytest.raises(ForbiddenTransition):
        ledger.transition(intents[2].intent_id, S.UNKNOWN, S.PENDING, version=2)
    mine = ledger.list_by_user("user-1", since=T0 + timedelta(seconds=1))
    assert [i.intent_id for i in mine][:3] == [
        intents[3].intent_id,
        intents[2].intent_id,
        intents[1].intent_id,
    ]
    assert all(i.created_at >= T0 + timedelta(seconds=1) for i in mine)
    assert ledger.list_by_user("someone-else") == []


def check_concurrent_transitions_one_winner(ledger: IntentLedger, threads: int = 6) -> None:
    intent = make_intent(signal_id="race-one")
    ledger.create(intent)
    targets = [S.SUBMITTED, S.RESTING, S.REJECTED, S.UNKNOWN, S.CANCELLED, S.FILLED][:threads]
    barrier = threading.Barrier(len(targets))
    outcomes: dict[IntentState, object] = {}

    def attempt(target: IntentState) -> None:
        barrier.wait(timeout=10)
        try:
            kwargs = {"filled_count": Decimal(10)} if target is S.FILLED else {}
            outcomes[target] = ledger.transition(intent.intent_id, S.PENDING, target, version=1, **kwargs)
        except TransitionRefused as exc:
            outcomes[target] = exc

    run_threads([lambda t=t: attempt(t) for t in targets])
    winners = [t for t, o in outcomes.items() if isinstance(o, IntentRecord)]
    assert len(winners) == 1, outcomes
    (winner,) = winners
    final = ledger.get(intent.intent_id)
    assert (final.status, final.version) == (winner, 2)
    for target, outcome in outcomes.items():
        if target is not winner:
            assert isinstance(outcome, TransitionRefused)
            assert outcome.current_state is winner and outcome.current_version == 2


def check_concurrent_fills_lose_no_update(ledger: IntentLedger, threads: int = 4, count: int = 24) -> None:
    """Racing writers each add one contract at a time: every success lands, versions only grow."""
    intent = make_intent(signal_id="race-fills", count=Decimal(count))
    ledger.create(intent)
    wins: list[int] = []
    lock = threading.Lock()

    def writer() -> None:
        seen = 0
        while True:
            current = ledger.get(intent.intent_id)
            assert current.version >= seen, "a version went backwards"
            seen = current.version
            if current.filled_count == count:
                return
            fill = current.filled_count + 1
            try:
                ledger.transition(
                    intent.intent_id,
                    current.status,
                    S.FILLED if fill == count else S.PARTIAL,
                    version=current.version,
                    filled_count=fill,
                )
            except TransitionRefused:
                continue
            with lock:
                wins.append(current.version + 1)

    run_threads([writer] * threads)
    final = ledger.get(intent.intent_id)
    assert (final.status, final.filled_count, final.version) == (S.FILLED, Decimal(count), count + 1)
    assert sorted(wins) == list(range(2, count + 2))  # each version won exactly once


def run_threads(targets: list[Callable[[], None]]) -> None:
    errors: list[BaseException] = []

    def guarded(target: Callable[[], None]) -> None:
        try:
            target()
        except BaseException as exc:
            errors.append(exc)

    workers = [threading.Thread(target=guarded, args=(t,)) for t in targets]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    assert not any(worker.is_alive() for worker in workers), "a worker hung"
    if errors:
        raise errors[0]


CONTRACT: tuple[Callable[[IntentLedger], None], ...] = (
    check_create_is_idempotent,
    check_happy_path,
    check_refusals,
    check_terminal_refuses_every_move,
    check_unknown_is_settled_by_reconciliation,
    check_concurrent_transitions_one_winner,
    check_concurrent_fills_lose_no_update,
)
