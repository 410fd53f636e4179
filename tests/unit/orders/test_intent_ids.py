"""Intent ids: deterministic, venue- and Step-Functions-safe, distinct for distinct decisions."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from inplay.orders import (
    EXECUTION_NAME_PATTERN,
    INTENT_ID_PATTERN,
    IntentInputError,
    decision_bucket,
    intent_id_for,
    is_intent_id,
)
from inplay.venues.base import CLIENT_ORDER_ID_PATTERN
from tests.unit.orders.contract import T0, make_intent

PARTS = {
    "user_id": "user-1",
    "bot_id": "bot-1",
    "market_ticker": "KXNBAGAME-25NOV02BOSNYK-BOS",
    "signal_id": "fv-edge",
    "leg": "entry",
}


def test_same_decision_same_id() -> None:
    first = intent_id_for(**PARTS, decision_bucket=T0)
    assert first == intent_id_for(**PARTS, decision_bucket=T0)
    # The same instant written in another zone is the same bucket.
    eastern = T0.astimezone(timezone(timedelta(hours=-5)))
    assert intent_id_for(**PARTS, decision_bucket=eastern) == first
    assert first == "ip-" + first[3:] and len(first) == 35


def test_id_is_a_client_order_id_and_an_execution_name() -> None:
    value = intent_id_for(**PARTS, decision_bucket=T0)
    for pattern in (CLIENT_ORDER_ID_PATTERN, EXECUTION_NAME_PATTERN, INTENT_ID_PATTERN):
        assert re.fullmatch(pattern, value), pattern
    assert len(value) <= 64 and is_intent_id(value)
    assert not is_intent_id("ip-" + "A" * 32) and not is_intent_id(value + "x")
    # The venue model accepts it as the idempotency key.
    assert make_intent().to_order_intent().client_order_id == make_intent().intent_id


@pytest.mark.parametrize("field", sorted(PARTS))
def test_each_part_changes_the_id(field: str) -> None:
    base = intent_id_for(**PARTS, decision_bucket=T0)
    changed = intent_id_for(**{**PARTS, field: PARTS[field] + "x"}, decision_bucket=T0)
    assert changed != base
    assert intent_id_for(**PARTS, decision_bucket=T0 + timedelta(microseconds=1)) != base


def test_parts_cannot_run_into_each_other() -> None:
    a = intent_id_for(**{**PARTS, "bot_id": "a|b", "signal_id": "c"}, decision_bucket=T0)
    b = intent_id_for(**{**PARTS, "bot_id": "a", "signal_id": "b|c"}, decision_bucket=T0)
    c = intent_id_for(**{**PARTS, "bot_id": "a", "signal_id": '|"c'}, decision_bucket=T0)
    assert len({a, b, c}) == 3


text = st.text(min_size=1, max_size=12)
decisions = st.tuples(
    text, text, text, text, text, st.datetimes(timezones=st.just(UTC), min_value=datetime(2000, 1, 1))
)


@given(decisions, decisions)
def test_distinct_decisions_get_distinct_ids(one, two) -> None:
    names = ("user_id", "bot_id", "market_ticker", "signal_id", "leg")

    def make(parts):
        return intent_id_for(**dict(zip(names, parts[:5], strict=True)), decision_bucket=parts[5])

    assert (make(one) == make(two)) == (one == two)
    assert re.fullmatch(CLIENT_ORDER_ID_PATTERN, make(one)) and re.fullmatch(
        EXECUTION_NAME_PATTERN, make(one)
    )


@pytest.mark.parametrize("field", sorted(PARTS))
def test_empty_parts_are_refused(field: str) -> None:
    with pytest.raises(IntentInputError, match=field):
        intent_id_for(**{**PARTS, field: ""}, decision_bucket=T0)


def test_naive_bucket_is_refused() -> None:
    with pytest.raises(IntentInputError, match="timezone-aware"):
        intent_id_for(**PARTS, decision_bucket=datetime(2025, 1, 1))


def test_decision_bucket_floors_to_the_cycle() -> None:
    minute = timedelta(minutes=1)
    at = datetime(2025, 11, 2, 18, 30, 59, 999_999, tzinfo=UTC)
    assert decision_bucket(at, minute) == datetime(2025, 11, 2, 18, 30, tzinfo=UTC)
    assert decision_bucket(at + timedelta(microseconds=1), minute) == datetime(
        2025, 11, 2, 18, 31, tzinfo=UTC
    )
    assert decision_bucket(at, timedelta(seconds=15)) == datetime(2025, 11, 2, 18, 30, 45, tzinfo=UTC)
    # Another zone, same instant, same bucket (the result is UTC).
    eastern = at.astimezone(timezone(timedelta(hours=-5)))
    assert decision_bucket(eastern, minute) == decision_bucket(at, minute)
    assert decision_bucket(eastern, minute).tzinfo is UTC


def test_same_signal_same_bucket_same_intent_next_bucket_new_intent() -> None:
    width = timedelta(minutes=1)
    early = decision_bucket(T0 + timedelta(seconds=2), width)
    late = decision_bucket(T0 + timedelta(seconds=58), width)
    next_cycle = decision_bucket(T0 + timedelta(seconds=61), width)
    assert make_intent(decision_bucket=early).intent_id == make_intent(decision_bucket=late).intent_id
    assert make_intent(decision_bucket=next_cycle).intent_id != make_intent(decision_bucket=early).intent_id


@pytest.mark.parametrize("width", [timedelta(0), timedelta(seconds=-60), timedelta(milliseconds=1500)])
def test_bad_bucket_widths_are_refused(width: timedelta) -> None:
    with pytest.raises(IntentInputError, match="bucket width"):
        decision_bucket(T0, width)


def test_new_intent_is_pending_version_one_with_exact_money() -> None:
    intent = make_intent(price=Decimal("0.5600"), count=Decimal("10.50"))
    assert (intent.status.value, intent.version, intent.filled_count, intent.fees) == (
        "PENDING",
        1,
        Decimal(0),
        Decimal(0),
    )
    assert intent.execution_arn is None
    assert make_intent(execution_arn="arn:aws:states:x").execution_arn == "arn:aws:states:x"
    dumped = intent.model_dump(mode="json")
    assert dumped["price"] == "0.5600" and dumped["count"] == "10.50"
    with pytest.raises(ValueError, match="float"):
        make_intent(price=0.56)
    with pytest.raises(ValueError, match="between 0 and 1"):
        make_intent(price=Decimal("1.00"))
