"""The intent state machine: every allowed and every forbidden move, and the in-memory ledger."""

from __future__ import annotations

import itertools
from datetime import timedelta
from decimal import Decimal

import pytest

from inplay.orders import (
    ALLOWED_TRANSITIONS,
    TERMINAL_STATES,
    ErrorInfo,
    ForbiddenTransition,
    InMemoryIntentLedger,
    IntentInputError,
    IntentState,
    TransitionRefused,
    apply_transition,
    can_transition,
    check_transition,
)
from tests.unit.orders.contract import CONTRACT, T0, make_intent

S = IntentState

# The state machine, written out independently of the implementation's table.
EXPECTED = {
    S.PENDING: {S.SUBMITTED, S.RESTING, S.PARTIAL, S.FILLED, S.CANCELLED, S.REJECTED, S.UNKNOWN},
    S.SUBMITTED: {S.RESTING, S.PARTIAL, S.FILLED, S.CANCELLED, S.TIMED_OUT, S.REJECTED, S.UNKNOWN},
    S.RESTING: {S.PARTIAL, S.FILLED, S.CANCELLED, S.TIMED_OUT, S.UNKNOWN},
    S.PARTIAL: {S.PARTIAL, S.FILLED, S.CANCELLED, S.TIMED_OUT, S.UNKNOWN},
    S.UNKNOWN: {S.RESTING, S.PARTIAL, S.FILLED, S.CANCELLED, S.TIMED_OUT, S.REJECTED},
    S.FILLED: set(),
    S.CANCELLED: set(),
    S.TIMED_OUT: set(),
    S.REJECTED: set(),
}
PAIRS = list(itertools.product(IntentState, IntentState))


def test_the_table_covers_every_state() -> None:
    assert set(ALLOWED_TRANSITIONS) == set(IntentState)
    assert {state: set(targets) for state, targets in ALLOWED_TRANSITIONS.items()} == EXPECTED


def test_safety_properties_of_the_table() -> None:
    assert all(S.PENDING not in targets for targets in ALLOWED_TRANSITIONS.values())  # never back to PENDING
    assert all(not ALLOWED_TRANSITIONS[state] for state in TERMINAL_STATES)
    assert ALLOWED_TRANSITIONS[S.UNKNOWN] >= TERMINAL_STATES  # reconciliation may settle to any end
    assert all(
        S.UNKNOWN in ALLOWED_TRANSITIONS[s] for s in IntentState if s not in TERMINAL_STATES | {S.UNKNOWN}
    )
    assert S.SUBMITTED not in set().union(
        *(ALLOWED_TRANSITIONS[s] for s in (S.RESTING, S.PARTIAL, S.UNKNOWN))
    )


def _at(state: IntentState):
    """A record in ``state`` at version 1 (filled as the state implies)."""
    intent = make_intent(signal_id=f"at-{state}")
    filled = {S.PARTIAL: Decimal(3), S.FILLED: Decimal(10)}.get(state, Decimal(0))
    return intent.model_copy(update={"status": state, "filled_count": filled})


@pytest.mark.parametrize(("source", "target"), PAIRS, ids=[f"{a}->{b}" for a, b in PAIRS])
def test_every_move(source: IntentState, target: IntentState) -> None:
    allowed = target in EXPECTED[source]
    assert can_transition(source, target) is allowed
    current = _at(source)
    if allowed:
        check_transition(source, target)
        moved = apply_transition(current, source, target, version=1, now=T0 + timedelta(minutes=1))
        assert (moved.status, moved.version, moved.updated_at) == (target, 2, T0 + timedelta(minutes=1))
    else:
        with pytest.raises(ForbiddenTransition) as refused:
            check_transition(source, target)
        assert str(source) in str(refused.value) and str(target) in str(refused.value)
        with pytest.raises(ForbiddenTransition):
            apply_transition(current, source, target, version=1)


def test_a_forbidden_pair_anywhere_in_from_states_is_refused_before_looking() -> None:
    current = _at(S.RESTING)
    with pytest.raises(ForbiddenTransition):  # RESTING→SUBMITTED is backwards even though SUBMITTED→… isn't
        apply_transition(current, [S.PENDING, S.RESTING], S.SUBMITTED, version=1)


def test_refusals_name_the_current_state() -> None:
    current = _at(S.RESTING)
    with pytest.raises(TransitionRefused) as wrong_state:
        apply_transition(current, S.SUBMITTED, S.FILLED, version=1)
    assert (wrong_state.value.current_state, wrong_state.value.current_version) == (S.RESTING, 1)
    with pytest.raises(TransitionRefused, match="version is 1"):
        apply_transition(current, S.RESTING, S.FILLED, version=7)


def test_fields_are_set_and_none_leaves_them() -> None:
    current = _at(S.SUBMITTED).model_copy(update={"venue_order_id": "ord-9"})
    moved = apply_transition(
        current,
        S.SUBMITTED,
        S.REJECTED,
        version=1,
        error=ErrorInfo(code="insufficient_balance", message="not enough cash"),
    )
    assert moved.venue_order_id == "ord-9" and moved.error.code == "insufficient_balance"
    assert moved.intent_id == current.intent_id and moved.created_at == current.created_at


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"version": 0}, "version"),
        ({"version": True}, "version"),
        ({"filled_count": Decimal(-1)}, "filled_count"),
        ({"filled_count": Decimal("0.001")}, "decimal"),
        ({"fees": Decimal("-0.01")}, "fees"),
        ({"average_fill_price": Decimal("1.2")}, "average_fill_price"),
        ({"filled_count": 1.5}, "float"),
    ],
)
def test_bad_transition_arguments(kwargs, match) -> None:
    args = {"version": 1, **kwargs}
    with pytest.raises(IntentInputError, match=match):
        apply_transition(_at(S.RESTING), S.RESTING, S.PARTIAL, **args)


def test_empty_from_states() -> None:
    with pytest.raises(IntentInputError, match="at least one"):
        apply_transition(_at(S.RESTING), [], S.PARTIAL, version=1)


def test_create_only_accepts_fresh_pending_intents() -> None:
    ledger = InMemoryIntentLedger()
    with pytest.raises(IntentInputError, match="PENDING"):
        ledger.create(_at(S.RESTING))


@pytest.mark.parametrize("check", CONTRACT, ids=lambda check: check.__name__)
def test_in_memory_ledger_contract(check) -> None:
    check(InMemoryIntentLedger())
