"""One venue contract, two venues: the Kalshi client and the paper venue against the same
simulator book (127.0.0.1). What the order workflow and the reconciler rely on must hold for both."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from inplay.venues.base import (
    Action,
    NotFoundError,
    OrderIntent,
    OrderStatus,
    OutcomeSide,
    TimeInForce,
    Venue,
)
from inplay.venues.kalshi import KalshiClient, KalshiCredentials
from inplay.venues.paper import InMemoryPaperLedger, KalshiMarketData, PaperVenue
from local.kalshi_sim import KalshiSimulator, MakerConfig, ManualClock, SimServer, Team


@pytest.fixture(scope="module")
def exchange(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    clock = ManualClock()
    sim = KalshiSimulator(seed=5, clock=clock, rate_limits=False)
    game = sim.add_game(
        Team("BOS", "Boston"), Team("LAL", "Los Angeles L"), home_fair="0.60", maker=MakerConfig()
    )
    key = tmp_path_factory.mktemp("keys") / "k.pem"
    creds = sim.create_user_with_key(balance_cents=1_000_000, tier="premier", private_key_path=key)
    with SimServer(sim) as server:
        yield {"sim": sim, "clock": clock, "server": server, "ticker": game.home_ticker, "creds": creds}


@pytest.fixture(params=["kalshi", "paper"])
def venue(request: pytest.FixtureRequest, exchange: dict[str, Any], tmp_path: Path) -> Iterator[Venue]:
    server, creds, clock = exchange["server"], exchange["creds"], exchange["clock"]
    if request.param == "kalshi":
        client = KalshiClient(
            server.base_url,
            credentials=KalshiCredentials.from_pem(creds.key_id, creds.private_key_pem.decode()),
        )
        client.cancel_all_orders()
        yield client
        client.cancel_all_orders()
        client.close()
        return
    data = KalshiMarketData(KalshiClient(server.base_url))
    yield PaperVenue(
        account=f"kalshi#{request.node.name}",
        ledger=InMemoryPaperLedger(),
        market_data=data,
        starting_balance=Decimal(10_000),
        now=lambda: datetime.fromtimestamp(clock.now_ms() / 1000, tz=UTC),
    )
    data.close()


_n = iter(range(10**9))


def _intent(ticker: str, price: Decimal, count: int, **extra: Any) -> OrderIntent:
    return OrderIntent(
        market_ticker=ticker,
        side=OutcomeSide.YES,
        action=Action.BUY,
        price=price,
        count=Decimal(count),
        client_order_id=f"contract-{next(_n)}-{datetime.now(UTC).timestamp():.0f}",
        **extra,
    )


def test_a_marketable_order_fills_at_book_prices_and_its_fills_add_up(
    venue: Venue, exchange: dict[str, Any]
) -> None:
    ticker = exchange["ticker"]
    ask = venue.get_orderbook(ticker).asks(OutcomeSide.YES)[0]
    ack = venue.place_order(_intent(ticker, ask.price, 2, time_in_force=TimeInForce.IOC))
    assert ack.status is OrderStatus.EXECUTED and ack.filled_count == 2
    order = venue.get_order(ack.order_id)
    fills = [
        f for f in venue.get_fills(order_id=ack.order_id, market_ticker=ticker) if f.order_id == ack.order_id
    ]
    assert sum(f.count for f in fills) == order.filled_count == 2
    assert all(f.yes_price <= ask.price and f.is_taker and f.fee > 0 for f in fills)
    assert any(p.market_ticker == ticker and p.position >= 2 for p in venue.get_positions())


def test_the_same_client_order_id_never_makes_a_second_order(venue: Venue, exchange: dict[str, Any]) -> None:
    ticker = exchange["ticker"]
    bid = venue.get_orderbook(ticker).yes_bids[-1].price - Decimal("0.05")
    intent = _intent(ticker, bid, 1)
    first = venue.place_order(intent)
    second = venue.place_order(intent)
    assert second.order_id == first.order_id and second.recovered
    found = venue.find_order_by_client_id(intent.client_order_id, market_ticker=ticker)
    assert found is not None and found.order_id == first.order_id


def test_a_resting_order_is_listed_cancelled_once_and_then_not_found(
    venue: Venue, exchange: dict[str, Any]
) -> None:
    ticker = exchange["ticker"]
    bid = venue.get_orderbook(ticker).yes_bids[-1].price - Decimal("0.05")
    ack = venue.place_order(_intent(ticker, bid, 3))
    assert ack.status is OrderStatus.RESTING
    assert ack.order_id in {o.order_id for o in venue.list_orders(status=OrderStatus.RESTING)}
    assert venue.cancel_order(ack.order_id, market_ticker=ticker).reduced_by == 3
    assert venue.get_order(ack.order_id).status is OrderStatus.CANCELED
    with pytest.raises(NotFoundError):
        venue.cancel_order(ack.order_id, market_ticker=ticker)
    with pytest.raises(NotFoundError):
        venue.get_order("no-such-order")
