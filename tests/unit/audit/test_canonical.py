"""Canonical JSON: one byte form per value, Decimals exact, floats refused."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from pydantic import BaseModel

from inplay.audit import (
    AuditKind,
    AuditPayloadError,
    MarketSnapshot,
    OrderAuditPayload,
    RiskSnapshot,
    canonical_json,
)
from inplay.orders import IntentState
from inplay.sports.models import GameState, GameStatus, League, Phase, TeamState
from inplay.venues.base import OrderBook, PriceLevel
from tests.unit.orders.contract import T0, make_intent


def test_sorted_keys_no_whitespace_ascii() -> None:
    assert canonical_json({"b": 1, "a": [True, None, "é"], "c": {"z": 1, "y": 2}}) == (
        '{"a":[true,null,"\\u00e9"],"b":1,"c":{"y":2,"z":1}}'
    )


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (Decimal("0.5600"), '"0.5600"'),
        (Decimal("0.56"), '"0.56"'),
        (Decimal("-12.000001"), '"-12.000001"'),
        (
            Decimal("123456789012345678901234567890.123456789012"),
            '"123456789012345678901234567890.123456789012"',
        ),
        (Decimal("1E+2"), '"1E+2"'),
    ],
)
def test_decimals_keep_their_exact_digits(value: Decimal, text: str) -> None:
    assert canonical_json(value) == text
    assert Decimal(json.loads(canonical_json({"p": value}))["p"]) == value


@pytest.mark.parametrize(
    "value",
    [0.1, {"price": 0.56}, [Decimal(1), 1e-9], {"nested": {"deep": [float("nan")]}}],
)
def test_floats_are_refused(value) -> None:
    with pytest.raises(AuditPayloadError, match="float"):
        canonical_json(value)


def test_float_inside_a_model_is_refused() -> None:
    class Loose(BaseModel):
        score: float

    with pytest.raises(AuditPayloadError, match=r"\$\.score"):
        canonical_json(Loose(score=0.5))


@pytest.mark.parametrize(
    ("value", "match"),
    [
        (Decimal("NaN"), "non-finite"),
        (Decimal("Infinity"), "non-finite"),
        (datetime(2025, 1, 1), "naive"),
        ({1: "x"}, "keys must be strings"),
        ({"s": {1, 2}}, "set"),
        (b"bytes", "bytes"),
    ],
)
def test_values_without_a_canonical_form(value, match) -> None:
    with pytest.raises(AuditPayloadError, match=match):
        canonical_json(value)


def test_datetimes_and_enums() -> None:
    eastern = timezone(timedelta(hours=-5))
    moment = datetime(2025, 11, 2, 13, 30, tzinfo=eastern)
    assert canonical_json({"at": moment, "kind": AuditKind.ENTRY, "state": IntentState.UNKNOWN}) == (
        '{"at":"2025-11-02T18:30:00.000000Z","kind":"ENTRY","state":"UNKNOWN"}'
    )


def test_an_order_payload_is_canonical_and_exact() -> None:
    game = GameState(
        league=League.NBA,
        event_id="401990001",
        home=TeamState(team_id="2", abbreviation="BOS", name="Celtics", score=54),
        away=TeamState(team_id="18", abbreviation="NY", name="Knicks", score=50),
        period=3,
        clock_seconds=Decimal("349.0"),
        state=Phase.IN,
        completed=False,
        status=GameStatus.IN_PROGRESS,
        home_win_prob=Decimal("0.634"),
        start_time=T0,
    )
    payload = OrderAuditPayload(
        intent=make_intent(),
        reason="fair value edge",
        market=MarketSnapshot(
            market_ticker="KXNBAGAME-25NOV02BOSNYK-BOS",
            observed_at=T0,
            book=OrderBook(
                market_ticker="KXNBAGAME-25NOV02BOSNYK-BOS",
                yes_bids=(PriceLevel(price=Decimal("0.55"), count=Decimal(120)),),
                no_bids=(PriceLevel(price=Decimal("0.44"), count=Decimal("35.50")),),
            ),
            reference_price=Decimal("0.56"),
            fair_value=Decimal("0.601"),
        ),
        game=game,
        confidence={"model": Decimal("0.80"), "feed_freshness": Decimal("0.9"), "total": Decimal("0.72")},
        risk=RiskSnapshot(
            daily_pnl_before=Decimal("-12.34"), open_positions=2, extra={"drawdown": Decimal("0.05")}
        ),
    )
    text = canonical_json(payload)
    assert text == canonical_json(payload.model_copy())  # deterministic
    data = json.loads(text)
    assert data["intent"]["price"] == "0.5600"
    assert data["market"]["book"]["no_bids"][0] == {"count": "35.50", "price": "0.4400"}
    assert data["game"]["clock_seconds"] == "349.0" and data["game"]["home_win_prob"] == "0.634"
    assert data["confidence"]["total"] == "0.72" and data["risk"]["daily_pnl_before"] == "-12.3400"
    assert not any(isinstance(v, float) for v in _leaves(data))


def _leaves(value):
    if isinstance(value, dict):
        for item in value.values():
            yield from _leaves(item)
    elif isinstance(value, list):
        for item in value:
            yield from _leaves(item)
    else:
        yield value
