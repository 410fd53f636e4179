"""A crash between each pair of steps leaves a state reconciliation can settle.

A *hard* crash: right after step N committed, the worker dies and nothing after it runs (every
later invocation fails too, so the stored state is exactly what step N left). We check what is
stored and what the venue holds, then settle the intent the way reconciliation does
(:func:`inplay.orders.settle.settle_intent`) and check the result against the venue: the intent
takes the venue's outcome, each fill is recorded once, the position equals what was filled, and
there is never more than one order per intent. A *soft* crash (the Lambda raises once, the
workflow goes on) is caught and leaves the intent UNKNOWN, which settles the same way.
The cases are listed in docs/architecture.md ("Crash cases").
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from inplay.orders import steps as order_steps
from inplay.orders.intents import IntentState
from inplay.orders.settle import SettleOutcome, settle_intent
from inplay.orders.workflow import StepName
from inplay.store.intents import DynamoIntentLedger
from tests.integration.order_workflow.support import Harness, SimulatedCrash

pytestmark = [pytest.mark.timeout(120)]

S = IntentState
D = Decimal
TERMINAL_TARGETS = frozenset({S.FILLED, S.CANCELLED, S.TIMED_OUT})


@contextmanager
def hard_crash(after: StepName | None) -> Iterator[Callable[[], None]]:
    """After ``after`` commits (or when the returned ``trigger`` is called), every step crashes."""
    originals = dict(order_steps.STEPS)
    crashed = [False]

    def trigger() -> None:
        crashed[0] = True
        raise SimulatedCrash("the worker died here")

    def wrap(name: StepName, step: Any) -> Any:
        def wrapped(state: Any, deps: Any) -> Any:
            if crashed[0]:
                raise SimulatedCrash(f"{name} never ran: the process is gone")
            output = step(state, deps)
            if name is after:
                trigger()
            return output

        return wrapped

    for name, step in originals.items():
        order_steps.STEPS[name] = wrap(name, step)
    try:
        yield trigger
    finally:
        order_steps.STEPS.update(originals)


@dataclass(frozen=True)
class Case:
    id: str
    price: str
    stored: IntentState
    orders: int
    settled: SettleOutcome
    final: IntentState
    filled: str
    after: StepName | None = None
    partial_fill: str | None = None
    """Sell this many to our resting bid before the first fill check."""


CASES = [
    Case(
        "reserve|place", "0.52", S.PENDING, 0, SettleOutcome.REJECTED, S.REJECTED, "0", after=StepName.RESERVE
    ),
    Case("place:submitted|venue", "0.52", S.SUBMITTED, 0, SettleOutcome.REJECTED, S.REJECTED, "0"),
    Case(
        "place|record (executed)",
        "0.52",
        S.SUBMITTED,
        1,
        SettleOutcome.RECORDED,
        S.FILLED,
        "10",
        StepName.PLACE,
    ),
    Case(
        "place|wait (resting)", "0.50", S.RESTING, 1, SettleOutcome.RECORDED, S.CANCELLED, "0", StepName.PLACE
    ),
    Case(
        "check_fill|cancel (partial)",
        "0.50",
        S.PARTIAL,
        1,
        SettleOutcome.RECORDED,
        S.CANCELLED,
        "3",
        StepName.CHECK_FILL,
        partial_fill="3",
    ),
    Case(
        "cancel|verify_cancel",
        "0.50",
        S.RESTING,
        1,
        SettleOutcome.RECORDED,
        S.CANCELLED,
        "0",
        StepName.CANCEL,
    ),
    Case(
        "verify_cancel|record",
        "0.50",
        S.RESTING,
        1,
        SettleOutcome.RECORDED,
        S.CANCELLED,
        "0",
        StepName.VERIFY_CANCEL,
    ),
    Case("record:fills|final state", "0.52", S.SUBMITTED, 1, SettleOutcome.RECORDED, S.FILLED, "10"),
    Case("record|audit", "0.52", S.FILLED, 1, SettleOutcome.ALREADY_SETTLED, S.FILLED, "10", StepName.RECORD),
    Case("audit|alert", "0.52", S.FILLED, 1, SettleOutcome.ALREADY_SETTLED, S.FILLED, "10", StepName.AUDIT),
]


def _fills_total(harness: Harness, intent_id: str) -> Decimal:
    return sum((D(item["count"]["N"]) for item in harness.fills(intent_id)), D(0))


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_a_hard_crash_leaves_a_settleable_state(
    harness: Harness, case: Case, monkeypatch: pytest.MonkeyPatch
) -> None:
    request = harness.request(price=case.price, reference="0.52")
    intent_id = harness.intent_id(request)
    with hard_crash(case.after) as trigger:
        if case.id.startswith("place:submitted"):  # PENDING → SUBMITTED committed, the send never happens
            monkeypatch.setattr(order_steps, "_send", lambda *args: trigger())
        if case.id.startswith("record:fills"):  # fills and position written, the final transition not
            original = DynamoIntentLedger.transition

            def transition(self: DynamoIntentLedger, *args: Any, **kwargs: Any) -> Any:
                if args[2] in TERMINAL_TARGETS:
                    trigger()
                return original(self, *args, **kwargs)

            monkeypatch.setattr(DynamoIntentLedger, "transition", transition)
        if case.partial_fill is not None:
            fill = case.partial_fill
            with harness.around(
                StepName.CHECK_FILL, before=lambda n: harness.venue.cross(fill) if n == 1 else None
            ):
                out = harness.run(request)
        else:
            out = harness.run(request)
        monkeypatch.undo()

    # Audit's catch goes on to Alert with the recorded result; any earlier crash kills the catch-all
    # too, and the output says ERROR without guessing an intent state.
    assert out["status"] == ("FILLED" if case.after is StepName.AUDIT else "ERROR")
    stored = harness.intent(intent_id)
    assert stored.status is case.stored
    assert len(harness.venue.orders(intent_id)) == case.orders
    if case.id.startswith("record:fills"):
        assert _fills_total(harness, intent_id) == 10 and harness.position_contracts() == 10

    import order_worker.handler

    settled = settle_intent(order_worker.handler.dependencies(), intent_id, not_found_grace=timedelta(0))
    assert settled.outcome is case.settled
    final = harness.intent(intent_id)
    assert final.status is case.final
    assert final.filled_count == D(case.filled)
    assert _fills_total(harness, intent_id) == D(case.filled)  # each fill recorded once
    assert harness.position_contracts() == D(case.filled)  # … and applied to the position once
    orders = harness.venue.orders(intent_id)
    assert len(orders) == case.orders
    if orders:
        assert orders[0].status != "resting"  # nothing is left resting without a workflow watching it
        assert final.venue_order_id == orders[0].order_id
    assert (
        settle_intent(order_worker.handler.dependencies(), intent_id).outcome is SettleOutcome.ALREADY_SETTLED
    )


@pytest.mark.parametrize(
    ("price", "after", "venue_status", "final"),
    [("0.52", StepName.PLACE, "executed", S.FILLED), ("0.50", StepName.CHECK_FILL, "resting", S.CANCELLED)],
    ids=["after-place-executed", "after-check-resting"],
)
def test_a_soft_crash_is_caught_as_unknown_and_settles(
    harness: Harness, price: str, after: StepName, venue_status: str, final: IntentState
) -> None:
    def crash_once(n: int, out: dict[str, Any]) -> None:
        if n == 1:
            raise SimulatedCrash("the Lambda died after committing")

    request = harness.request(price=price, reference="0.52")
    intent_id = harness.intent_id(request)
    with harness.around(after, after=crash_once):
        out = harness.run(request)

    assert out["status"] == "ERROR" and out["intent_state"] == "UNKNOWN"
    assert out["error"]["code"] == "SimulatedCrash"
    assert harness.intent(intent_id).status is S.UNKNOWN
    [order] = harness.venue.orders(intent_id)
    assert order.status == venue_status
    assert harness.audit_kinds() == ["ERROR"]

    import order_worker.handler

    settled = settle_intent(order_worker.handler.dependencies(), intent_id)
    assert settled.outcome is SettleOutcome.RECORDED
    assert harness.intent(intent_id).status is final
    [order] = harness.venue.orders(intent_id)
    assert order.status != "resting"
    filled = D(10) if final is S.FILLED else D(0)
    assert _fills_total(harness, intent_id) == filled and harness.position_contracts() == filled
