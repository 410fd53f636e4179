"""The paper venue's fills: walking the book, queue position on the tape, order types, money."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest

from inplay.money import kalshi_taker_fee
from inplay.venues.base import (
    Action,
    InsufficientBalanceError,
    MarketClosedError,
    MarketStatus,
    NotFoundError,
    OrderIntent,
    OrderRejectedError,
    OrderStatus,
    OutcomeSide,
    TimeInForce,
    TradingPausedError,
)
from inplay.venues.paper import InMemoryPaperLedger
from tests.unit.venues.paper.support import TICKER, Clock, ScriptedMarket, d, levels, paper_venue

_ids = iter(range(1_000_000))


def intent(
    price: str,
    count: str,
    *,
    side: OutcomeSide = OutcomeSide.YES,
    action: Action = Action.BUY,
    tif: TimeInForce = TimeInForce.GTC,
    cid: str | None = None,
    **extra: object,
) -> OrderIntent:
    return OrderIntent(
        market_ticker=TICKER,
        side=side,
        action=action,
        price=d(price),
        count=d(count),
        client_order_id=cid or f"cid-{next(_ids)}",
        time_in_force=tif,
        **extra,  # type: ignore[arg-type]
    )


@pytest.fixture
def market() -> ScriptedMarket:
    m = ScriptedMarket(Clock())
    # YES bids 0.40 x50, 0.39 x100; NO bids 0.45 x10, 0.44 x20 (YES asks 0.55 x10, 0.56 x20).
    m.set_book(TICKER, yes=levels(("0.40", "50"), ("0.39", "100")), no=levels(("0.45", "10"), ("0.44", "20")))
    return m


def test_a_buy_walks_the_book_level_by_level_with_taker_fees(market: ScriptedMarket) -> None:
    venue = paper_venue(market)
    ack = venue.place_order(intent("0.56", "25"))
    assert ack.status is OrderStatus.EXECUTED and ack.filled_count == 25
    fills = venue.get_fills(order_id=ack.order_id)
    assert [(f.price, f.count, f.is_taker) for f in fills] == [
        (d("0.55"), d(10), True),
        (d("0.56"), d(15), True),
    ]
    fees = kalshi_taker_fee(d(10), d("0.55")) + kalshi_taker_fee(d(15), d("0.56"))
    assert [f.fee for f in fills] == [kalshi_taker_fee(d(10), d("0.55")), kalshi_taker_fee(d(15), d("0.56"))]
    assert venue.get_balance().available == d(1000) - d("5.50") - d("8.40") - fees
    (position,) = venue.get_positions()
    assert position.position == 25 and position.exposure == d("13.90")
    order = venue.get_order(ack.order_id)
    assert order.average_fill_price == (d("13.90") / 25).quantize(d("0.000001")) and order.fees == fees


def test_a_limit_between_bid_and_ask_never_fills_at_the_mid(market: ScriptedMarket) -> None:
    venue = paper_venue(market)
    ack = venue.place_order(intent("0.47", "5"))  # mid of 0.40 / 0.55
    assert ack.status is OrderStatus.RESTING and ack.filled_count == 0
    market.clock.advance(3600)
    assert venue.get_order(ack.order_id).filled_count == 0
    assert venue.get_fills() == []


def test_a_resting_bid_waits_for_the_queue_ahead_then_fills_from_the_tape(market: ScriptedMarket) -> None:
    venue = paper_venue(market)
    ack = venue.place_order(intent("0.40", "30"))  # joins 50 contracts already bid at 0.40
    assert ack.status is OrderStatus.RESTING
    market.trade(TICKER, "0.40", "30", taker_yes_direction=-1)  # sellers hit 0.40: queue 50 → 20
    assert venue.get_order(ack.order_id).filled_count == 0
    market.trade(TICKER, "0.40", "25", taker_yes_direction=-1)  # 20 more queue, then 5 for us
    order = venue.get_order(ack.order_id)
    assert order.filled_count == 5 and order.status is OrderStatus.RESTING
    market.trade(TICKER, "0.41", "100", taker_yes_direction=1)  # buyers above us: says nothing
    market.trade(TICKER, "0.40", "10", taker_yes_direction=1)  # an ask lifted at our price: ignored
    assert venue.get_order(ack.order_id).filled_count == 5
    market.trade(TICKER, "0.38", "40", taker_yes_direction=-1)  # traded through us: fills the rest
    order = venue.get_order(ack.order_id)
    assert order.status is OrderStatus.EXECUTED and order.filled_count == 30
    fills = venue.get_fills(order_id=ack.order_id)
    assert {f.price for f in fills} == {d("0.40")} and not any(f.is_taker for f in fills)
    assert sum(f.fee for f in fills) == 0  # no maker fee on game series


def test_trades_before_the_order_was_placed_do_not_fill_it(market: ScriptedMarket) -> None:
    market.trade(TICKER, "0.30", "500", taker_yes_direction=-1)
    venue = paper_venue(market)
    ack = venue.place_order(intent("0.40", "10"))
    assert venue.get_order(ack.order_id).filled_count == 0


def test_one_trade_is_shared_between_resting_orders_never_counted_twice(market: ScriptedMarket) -> None:
    market.set_book(TICKER, yes=(), no=levels(("0.45", "10")))  # empty bid side: no queue
    venue = paper_venue(market)
    first = venue.place_order(intent("0.42", "6"))
    second = venue.place_order(intent("0.41", "6"))
    market.trade(TICKER, "0.40", "8", taker_yes_direction=-1)
    assert venue.get_order(first.order_id).filled_count == 6  # better price first
    assert venue.get_order(second.order_id).filled_count == 2


def test_ioc_fills_what_the_book_shows_and_cancels_the_rest(market: ScriptedMarket) -> None:
    venue = paper_venue(market)
    ack = venue.place_order(intent("0.55", "25", tif=TimeInForce.IOC))
    assert ack.status is OrderStatus.CANCELED and ack.filled_count == 10 and ack.remaining_count == 0
    assert venue.list_orders(status=OrderStatus.RESTING) == []


def test_fok_is_all_or_nothing(market: ScriptedMarket) -> None:
    venue = paper_venue(market)
    killed = venue.place_order(intent("0.56", "31", tif=TimeInForce.FOK))
    assert killed.status is OrderStatus.CANCELED and killed.filled_count == 0
    filled = venue.place_order(intent("0.56", "30", tif=TimeInForce.FOK))
    assert filled.status is OrderStatus.EXECUTED and filled.filled_count == 30


def test_post_only_is_refused_when_it_would_cross(market: ScriptedMarket) -> None:
    venue = paper_venue(market)
    with pytest.raises(OrderRejectedError) as caught:
        venue.place_order(intent("0.55", "1", post_only=True))
    assert caught.value.code == "post_only_cross"
    assert venue.place_order(intent("0.50", "1", post_only=True)).status is OrderStatus.RESTING


def test_reduce_only_never_flips_the_position(market: ScriptedMarket) -> None:
    venue = paper_venue(market)
    venue.place_order(intent("0.55", "10"))
    ack = venue.place_order(intent("0.39", "25", action=Action.SELL, reduce_only=True))
    assert ack.filled_count == 10 and ack.status is not OrderStatus.RESTING
    assert venue.get_positions() == []
    nothing = venue.place_order(intent("0.39", "5", action=Action.SELL, reduce_only=True))
    assert nothing.status is OrderStatus.CANCELED and nothing.filled_count == 0


def test_buying_no_takes_the_yes_bids_at_the_no_price(market: ScriptedMarket) -> None:
    venue = paper_venue(market)
    ack = venue.place_order(intent("0.61", "60", side=OutcomeSide.NO))  # NO asks 0.60 x50, 0.61 x100
    fills = venue.get_fills(order_id=ack.order_id)
    assert [(f.side, f.price, f.count) for f in fills] == [
        (OutcomeSide.NO, d("0.60"), d(50)),
        (OutcomeSide.NO, d("0.61"), d(10)),
    ]
    (position,) = venue.get_positions()
    assert position.position == -60 and position.exposure == d("36.10")


def test_closing_realizes_pnl_and_returns_cash(market: ScriptedMarket) -> None:
    venue = paper_venue(market)
    venue.place_order(intent("0.55", "10"))
    venue.place_order(intent("0.40", "10", action=Action.SELL))  # hits the 0.40 bid
    fees = kalshi_taker_fee(d(10), d("0.55")) + kalshi_taker_fee(d(10), d("0.40"))
    assert venue.get_balance().available == d(1000) - d("1.50") - fees
    assert venue.get_positions() == []


def test_insufficient_balance_is_a_typed_error_and_changes_nothing(market: ScriptedMarket) -> None:
    venue = paper_venue(market, balance="5")
    with pytest.raises(InsufficientBalanceError):
        venue.place_order(intent("0.56", "25"))
    with pytest.raises(InsufficientBalanceError):  # a resting bid locks its cost too
        venue.place_order(intent("0.30", "20"))
    assert venue.get_balance().available == 5 and venue.list_orders() == []


def test_a_resting_order_locks_its_cost_until_cancelled(market: ScriptedMarket) -> None:
    venue = paper_venue(market)
    ack = venue.place_order(intent("0.30", "100"))
    assert venue.get_balance().available == d(970)
    cancelled = venue.cancel_order(ack.order_id)
    assert cancelled.reduced_by == 100
    assert venue.get_balance().available == d(1000)
    with pytest.raises(NotFoundError):
        venue.cancel_order(ack.order_id)


def test_placing_the_same_client_order_id_again_returns_the_existing_order(market: ScriptedMarket) -> None:
    venue = paper_venue(market)
    first = venue.place_order(intent("0.55", "4", cid="intent-1"))
    again = venue.place_order(intent("0.55", "4", cid="intent-1"))
    assert again.recovered and again.order_id == first.order_id and again.filled_count == 4
    assert len(venue.list_orders()) == 1 and len(venue.get_fills()) == 1
    found = venue.find_order_by_client_id("intent-1")
    assert found is not None and found.order_id == first.order_id
    assert venue.find_order_by_client_id("intent-2") is None


def test_settlement_pays_a_dollar_per_winning_contract_and_closes_resting_orders(
    market: ScriptedMarket,
) -> None:
    venue = paper_venue(market)
    venue.place_order(intent("0.55", "10"))
    resting = venue.place_order(intent("0.30", "10"))
    cash_before = venue.get_balance().available + d(3)  # + what the resting bid locks
    market.status[TICKER] = MarketStatus.SETTLED
    market.results[TICKER] = OutcomeSide.YES
    assert venue.get_positions() == []
    assert venue.get_order(resting.order_id).status is OrderStatus.CANCELED
    assert venue.get_balance().available == cash_before + 10
    venue.get_balance()  # a second read pays nothing more
    assert venue.get_balance().available == cash_before + 10


def test_closed_or_paused_markets_refuse_orders(market: ScriptedMarket) -> None:
    venue = paper_venue(market)
    market.status[TICKER] = MarketStatus.PAUSED
    with pytest.raises(TradingPausedError):
        venue.place_order(intent("0.55", "1"))
    market.status[TICKER] = MarketStatus.CLOSED
    with pytest.raises(MarketClosedError):
        venue.place_order(intent("0.55", "1"))


def test_concurrent_writers_never_lose_an_update(market: ScriptedMarket) -> None:
    ledger = InMemoryPaperLedger()
    market.set_book(TICKER, yes=levels(("0.40", "50")), no=levels(("0.45", "1000")))
    errors: list[BaseException] = []

    def buy(n: int) -> None:
        try:
            paper_venue(market, ledger=ledger).place_order(intent("0.55", "1", cid=f"race-{n}"))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=buy, args=(n,)) for n in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert not errors
    venue = paper_venue(market, ledger=ledger)
    per_contract = d("0.55") + kalshi_taker_fee(d(1), d("0.55"))
    assert venue.get_balance().available == d(1000) - 12 * per_contract
    assert venue.get_positions()[0].position == 12


def test_expired_orders_are_cancelled_and_ignore_later_trades(market: ScriptedMarket) -> None:
    venue = paper_venue(market)
    expiry = market.clock.now.replace(second=30)
    ack = venue.place_order(intent("0.42", "5", expiration=expiry))
    market.clock.advance(60)
    market.trade(TICKER, "0.40", "10", taker_yes_direction=-1)
    order = venue.get_order(ack.order_id)
    assert order.status is OrderStatus.CANCELED and order.filled_count == Decimal(0)
