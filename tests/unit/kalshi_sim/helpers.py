"""Shared helpers for the Kalshi simulator unit tests (engine units: micro-dollars, centi-contracts)."""

from __future__ import annotations

from datetime import UTC, datetime

from local.kalshi_sim.clock import ManualClock
from local.kalshi_sim.engine import Exchange, OrderRequest
from local.kalshi_sim.fees import FeeSchedule

# A Tuesday, far from the Thursday maintenance window.
START = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)
TICKER = "KXNBAGAME-26NOV24BOSLAL-LAL"
OTHER = "KXNBAGAME-26NOV24BOSLAL-BOS"
EVENT = "KXNBAGAME-26NOV24BOSLAL"


def usd(dollars: str) -> int:
    """Dollars to engine micro-dollars."""
    from decimal import Decimal

    return int(Decimal(dollars) * 1_000_000)


def cc(contracts: str | int) -> int:
    from decimal import Decimal

    return int(Decimal(str(contracts)) * 100)


def make_exchange(*, fee_type: str = "quadratic", maintenance: bool = False, seed: int = 1) -> Exchange:
    exchange = Exchange(ManualClock(START), seed=seed, maintenance=maintenance)
    exchange.add_series("KXNBAGAME", "Pro Basketball Game", fees=FeeSchedule(fee_type))
    exchange.add_event(EVENT, "KXNBAGAME", "Boston at Los Angeles L")
    exchange.add_market(OTHER, EVENT, yes_sub_title="Boston")
    exchange.add_market(TICKER, EVENT, yes_sub_title="Los Angeles L")
    return exchange


def order(
    side: str,
    count: str | int,
    price: str,
    *,
    tif: str = "good_till_canceled",
    ticker: str = TICKER,
    **kwargs: object,
) -> OrderRequest:
    return OrderRequest(ticker, side, cc(count), usd(price), time_in_force=tif, **kwargs)  # type: ignore[arg-type]
