"""Fills → positions, at average cost, in YES terms."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from inplay.orders.fills import FillRecord, PositionStatus, apply_fill, fill_record, price_on_side
from inplay.orders.intents import TradingMode, new_intent
from inplay.venues.base import Action, Fill, OutcomeSide

D = Decimal
T = datetime(2026, 1, 15, 1, 30, tzinfo=UTC)


def fill(direction: int, count: str, yes_price: str, fee: str = "0.01", n: int = 1) -> FillRecord:
    return FillRecord(
        user_id="u",
        fill_id=f"kalshi#f{n}",
        venue="kalshi",
        venue_fill_id=f"f{n}",
        intent_id="ip-x",
        bot_id="b",
        order_id="o",
        market_ticker="M",
        side=OutcomeSide.YES,
        action=Action.BUY if direction > 0 else Action.SELL,
        price=D(yes_price),
        count=D(count),
        fee=D(fee),
        is_taker=True,
        yes_direction=direction,
        yes_price=D(yes_price),
        filled_at=T,
        mode=TradingMode.PAPER,
    )


def test_building_and_reducing_a_yes_position_realizes_pnl_at_average_cost() -> None:
    position, realized = apply_fill(None, fill(1, "10", "0.50"), now=T)
    assert (position.contracts, position.cost, realized) == (D(10), D("5.00"), D(0))
    position, _ = apply_fill(position, fill(1, "10", "0.60", n=2), now=T)
    assert position.average_entry_yes_price == D("0.55")
    position, realized = apply_fill(position, fill(-1, "5", "0.70", n=3), now=T)
    assert realized == D("0.75")  # 5 × (0.70 − 0.55)
    assert position.contracts == 15 and position.cost == D("8.25")
    position, realized = apply_fill(position, fill(-1, "15", "0.50", n=4), now=T)
    assert realized == D("-0.75") and position.contracts == 0 and position.cost == 0
    assert position.status is PositionStatus.CLOSED and position.closed_at == T
    assert position.realized_pnl == 0 and position.fees == D("0.04") and position.fills == 4


def test_a_no_holding_is_negative_and_gains_when_yes_falls() -> None:
    position, _ = apply_fill(None, fill(-1, "4", "0.60"), now=T)  # sell YES at 0.60 ≡ buy NO at 0.40
    assert position.contracts == -4 and position.cost == D("-2.40")
    assert position.average_entry_yes_price == D("0.60")
    position, realized = apply_fill(position, fill(1, "4", "0.45", n=2), now=T)
    assert realized == D("0.60") and position.contracts == 0  # 4 × (0.60 − 0.45)


def test_a_fill_larger_than_the_holding_flips_it() -> None:
    position, _ = apply_fill(None, fill(1, "3", "0.40"), now=T)
    position, realized = apply_fill(position, fill(-1, "5", "0.50", n=2), now=T)
    assert realized == D("0.30")
    assert position.contracts == -2 and position.cost == D("-1.00")
    assert position.status is PositionStatus.OPEN


def test_venue_fills_are_expressed_on_the_intent_side() -> None:
    intent = new_intent(
        user_id="u",
        bot_id="b",
        market_ticker="M",
        signal_id="s",
        leg="exit",
        decision_bucket=T,
        venue="kalshi",
        side=OutcomeSide.YES,
        action=Action.SELL,
        price=D("0.60"),
        count=D(2),
        mode=TradingMode.LIVE,
        now=T,
    )
    # Kalshi reports "sell YES @0.60" in its buy form: "buy NO @0.40".
    venue_fill: dict[str, Any] = {
        "fill_id": "f9",
        "order_id": "o9",
        "market_ticker": "M",
        "side": "no",
        "action": "buy",
        "price": "0.40",
        "count": "2",
        "fee": "0.02",
        "is_taker": False,
        "created_time": T,
    }
    record = fill_record(Fill.model_validate(venue_fill), intent, recorded_at=T)
    assert record.price == D("0.60") and record.side is OutcomeSide.YES and record.action is Action.SELL
    assert (record.yes_direction, record.yes_price) == (-1, D("0.60"))
    assert record.fill_id == "kalshi#f9" and record.mode is TradingMode.LIVE
    assert price_on_side(Fill.model_validate(venue_fill), OutcomeSide.NO) == D("0.40")
