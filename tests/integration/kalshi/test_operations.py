"""Every other call of our client against the simulator, with real signatures: reads, order
changes, batches, and the write paths' behaviour when a response is lost or a 5xx comes back."""

from __future__ import annotations

from decimal import Decimal

import pytest

from inplay.venues.base import (
    Action,
    AmbiguousOutcomeError,
    AuthenticationError,
    CancelAck,
    ExchangeUnavailableError,
    MarketStatus,
    NotFoundError,
    OrderAck,
    OrderRejectedError,
    OrderStatus,
    OutcomeSide,
)
from inplay.venues.kalshi import KalshiCredentials
from local.kalshi_sim import Team
from local.kalshi_sim.auth import generate_private_key_pem
from local.kalshi_sim.units import CENT_MICRO
from tests.integration.kalshi.support import Venue

YES, NO, BUY, SELL = OutcomeSide.YES, OutcomeSide.NO, Action.BUY, Action.SELL


def cc(value: int) -> Decimal:
    """Simulator centi-contracts → contracts."""
    return Decimal(value) / 100


def test_reads_match_the_simulator(venue: Venue) -> None:
    other = venue.sim.add_game(Team("NYK", "New York"), Team("MIA", "Miami"))
    client = venue.client()

    status = client.exchange_status()
    assert status.exchange_active and status.trading_active
    skew = client.measure_clock_skew()
    assert skew is not None and abs(skew) <= 1.0
    assert client.account_limits().usage_tier == "premier"
    assert client.rate_limits.from_venue and client.rate_limits.write.capacity == 2_000
    assert client.user_data_timestamp().timestamp() == pytest.approx(venue.clock.time(), abs=1.0)
    assert client.exchange_schedule().schedule.standard_hours

    balance = client.get_balance()
    assert (
        balance.available
        == Decimal(str(venue.sim.describe_user(venue.creds.user_id)["available_cents"])) / 100
    )
    assert balance.available == Decimal("10000")

    before = venue.sim.traffic.count("get_markets")
    tickers = [m.ticker for m in client.iter_markets(page_size=1)]
    assert tickers == sorted(venue.sim.exchange.markets, key=lambda t: venue.sim.exchange.markets[t].seq)
    assert len(tickers) == 4 and venue.sim.traffic.count("get_markets") - before == 4  # one page each
    assert [m.ticker for m in client.iter_markets(status="open", tickers=[venue.home])] == [venue.home]

    market = client.get_market(venue.home)
    assert market.status is MarketStatus.OPEN and market.venue_status == "active"
    assert (market.yes_bid, market.yes_ask, market.tick_size) == (
        Decimal("0.48"),
        Decimal("0.52"),
        Decimal("0.01"),
    )
    assert market.event_ticker == venue.game.event_ticker and market.title

    book = client.get_orderbook(venue.home)
    assert [lvl.price for lvl in book.yes_bids] == [Decimal("0.48"), Decimal("0.47"), Decimal("0.46")]
    assert [lvl.price for lvl in book.asks(YES)] == [Decimal("0.52"), Decimal("0.53"), Decimal("0.54")]
    assert all(lvl.count == 25 for lvl in book.yes_bids + book.no_bids)
    assert len(client.get_orderbook(venue.home, depth=2).no_bids) == 2

    events = list(client.iter_events(with_nested_markets=True))
    assert [e.event_ticker for e in events] == [venue.game.event_ticker, other.event_ticker]
    assert {m.ticker for m in events[0].markets or []} == {venue.home, venue.away}
    assert {m.ticker for m in client.get_event(venue.game.event_ticker).markets} == {venue.home, venue.away}
    assert [s.ticker for s in client.list_series()] == ["KXNBAGAME"]
    assert client.get_series("KXNBAGAME").ticker == "KXNBAGAME"

    with pytest.raises(NotFoundError):
        client.get_market("KXNBAGAME-NOPE")
    # path parameters are signed as sent (percent-encoded): a 404, never a signature failure
    with pytest.raises(NotFoundError):
        client.get_order("not/an order?id")


def test_order_lifecycle_amend_decrease_cancel(venue: Venue) -> None:
    client = venue.client()
    ack = client.place_order(venue.intent("life-1", count="10", price="0.44"))
    assert ack.status is OrderStatus.RESTING and ack.remaining_count == 10
    order = client.get_order(ack.order_id)
    assert (order.client_order_id, order.price, order.side, order.action) == (
        "life-1",
        Decimal("0.44"),
        YES,
        BUY,
    )

    amended = client.amend_order(
        ack.order_id,
        market_ticker=venue.home,
        side=YES,
        action=BUY,
        price=Decimal("0.45"),
        count=Decimal(12),
        client_order_id="life-1",
        updated_client_order_id="life-1b",
    )
    assert (amended.remaining_count, amended.client_order_id) == (Decimal(12), "life-1b")
    (held,) = venue.orders("life-1b")
    assert (held.price, held.remaining) == (450_000, 1_200)

    assert client.decrease_order(ack.order_id, reduce_by=Decimal(2)).remaining_count == 10
    assert (
        client.decrease_order(ack.order_id, reduce_to=Decimal(7), market_ticker=venue.home).remaining_count
        == 7
    )
    assert held.remaining == 700
    found = client.find_order_by_client_id("life-1b", market_ticker=venue.home)
    assert found is not None and found.order_id == ack.order_id and found.remaining_count == 7
    assert client.find_order_by_client_id("life-1", market_ticker=venue.home) is None

    canceled = client.cancel_order(ack.order_id, market_ticker=venue.home)
    assert (canceled.reduced_by, canceled.client_order_id) == (Decimal(7), "life-1b")
    assert held.status == "canceled" and client.get_order(ack.order_id).status is OrderStatus.CANCELED
    with pytest.raises(NotFoundError):
        client.cancel_order(ack.order_id, market_ticker=venue.home)

    # a NO order rests as an ask on the YES book: sell YES at 1 − price
    no_ack = client.place_order(venue.intent("life-no", side="no", price="0.40"))
    (no_held,) = venue.orders("life-no")
    assert (no_held.side, no_held.price) == ("ask", 600_000)
    assert client.get_order(no_ack.order_id).yes_price == Decimal("0.60")

    resting = client.list_orders(status=OrderStatus.RESTING)
    assert [o.order_id for o in resting] == [no_ack.order_id]
    assert [o.order_id for o in client.list_orders(status=OrderStatus.CANCELED)] == [ack.order_id]
    assert client.list_orders(status=OrderStatus.EXECUTED) == []
    assert {o.order_id for o in client.list_orders(market_ticker=venue.home)} == {
        ack.order_id,
        no_ack.order_id,
    }
    assert client.list_orders(market_ticker=venue.away) == []


def test_fills_positions_and_balance(venue: Venue) -> None:
    client = venue.client()
    yes = client.place_order(venue.intent("fill-yes", price="0.55", count="5", time_in_force="ioc"))
    no = client.place_order(venue.intent("fill-no", side="no", price="0.55", count="2", time_in_force="ioc"))
    assert (yes.status, yes.filled_count, yes.average_fill_price) == (
        OrderStatus.EXECUTED,
        Decimal(5),
        Decimal("0.52"),
    )
    assert (no.status, no.filled_count, no.average_fill_price) == (
        OrderStatus.EXECUTED,
        Decimal(2),
        Decimal("0.52"),
    )

    fills = client.get_fills()
    assert [(f.order_id, f.side, f.action, f.price, f.count, f.is_taker) for f in fills] == [
        (no.order_id, NO, BUY, Decimal("0.52"), Decimal(2), True),
        (yes.order_id, YES, BUY, Decimal("0.52"), Decimal(5), True),
    ]
    account = venue.sim.exchange.accounts[venue.creds.user_id]
    assert sorted(f.fee for f in fills) == sorted(Decimal(f.fee) / 1_000_000 for f in account.fills)
    assert yes.average_fee is not None and yes.average_fee * 5 == next(f.fee for f in fills if f.count == 5)
    assert client.get_fills(order_id=yes.order_id)[0].order_id == yes.order_id
    assert client.get_fills(market_ticker=venue.away) == []

    (position,) = client.get_positions()
    holding = account.holdings[venue.home]
    assert (
        (position.market_ticker, position.position)
        == (venue.home, cc(holding.pos))
        == (venue.home, Decimal(3))
    )
    assert position.fees_paid == sum(f.fee for f in fills)
    assert position.exposure == Decimal("1.56")  # 3 YES left at 0.52
    assert client.get_positions(market_ticker=venue.away) == []

    balance = client.get_balance()
    expected = Decimal(10_000) - Decimal("2.60") - Decimal("1.04") + 2 - sum(f.fee for f in fills)
    assert balance.available == expected == Decimal(account.available) / 1_000_000
    assert venue.sim.describe_user(venue.creds.user_id)["available_cents"] == int(expected * 100)
    assert Decimal(account.available) / CENT_MICRO / 100 == expected


def test_batch_create_batch_cancel_and_cancel_all(venue: Venue) -> None:
    client = venue.client()
    intents = [
        venue.intent("b-1", price="0.41"),
        venue.intent("b-2", price="0.455"),  # off the cent tick: refused by the exchange
        venue.intent("b-3", side="no", price="0.30", market_ticker=venue.away),
        venue.intent("b-4", reduce_only=True),  # refused before sending (Kalshi: IOC only)
    ]
    results = client.batch_place_orders(intents)
    ok1, bad_tick, ok3, refused = results
    assert isinstance(ok1, OrderAck) and isinstance(ok3, OrderAck)
    assert isinstance(bad_tick, OrderRejectedError) and bad_tick.code == "invalid_price"
    assert not bad_tick.order_may_exist and venue.orders("b-2") == []
    assert isinstance(refused, OrderRejectedError) and refused.code == "invalid_intent"
    (batch,) = venue.sim.traffic.records("batch_create_orders_v2")
    assert batch.client_order_ids == ("b-1", "b-2", "b-3")
    assert [o.order_id for o in venue.orders("b-1")] == [ok1.order_id]

    cancels = client.batch_cancel_orders([(ok1.order_id, venue.home), ("no-such-order", venue.home)])
    assert isinstance(cancels[0], CancelAck) and cancels[0].reduced_by == 3
    assert isinstance(cancels[1], NotFoundError)
    assert venue.orders("b-1")[0].status == "canceled"

    more = [client.place_order(venue.intent(f"all-{i}", price=f"0.3{i}")) for i in range(3)]
    client.cancel_all_orders()
    assert all(o.status == "canceled" for o in venue.orders())
    assert client.list_orders(status=OrderStatus.RESTING) == []
    assert {o.order_id for o in client.list_orders(status=OrderStatus.CANCELED)} >= {a.order_id for a in more}


def test_write_paths_when_a_response_is_lost(venue: Venue) -> None:
    client = venue.client()

    def rest(cid: str) -> str:
        return client.place_order(venue.intent(cid, count="5")).order_id

    # cancel is idempotent: the retry's 404 after a lost response means "done"
    order_id = rest("w-cancel")
    venue.sim.drop_next_response("cancel_order_v2")
    ack = client.cancel_order(order_id, market_ticker=venue.home)
    assert ack.reduced_by is None and ack.client_order_id == "w-cancel"
    assert venue.orders("w-cancel")[0].status == "canceled"
    assert venue.sim.traffic.count("cancel_order_v2") == 2

    # decrease-to is retried (same target); decrease-to 0 whose response was lost is done
    order_id = rest("w-to")
    venue.sim.drop_next_response("decrease_order_v2")
    assert client.decrease_order(order_id, reduce_to=Decimal(2)).remaining_count == 2
    venue.sim.drop_next_response("decrease_order_v2")
    assert client.decrease_order(order_id, reduce_to=Decimal(0)).remaining_count == 0
    assert venue.orders("w-to")[0].status == "canceled"

    # decrease-by is not repeatable: ambiguous, and applied exactly once
    order_id = rest("w-by")
    venue.sim.drop_next_response("decrease_order_v2")
    with pytest.raises(AmbiguousOutcomeError):
        client.decrease_order(order_id, reduce_by=Decimal(1))
    assert venue.orders("w-by")[0].remaining == 400

    # amend: processed-then-500 and refused-with-503 are both ambiguous to the client
    order_id = rest("w-amend")
    venue.sim.fail_next(500, operation="amend_order_v2", when="after")
    with pytest.raises(AmbiguousOutcomeError):
        client.amend_order(
            order_id, market_ticker=venue.home, side=YES, action=BUY, price=Decimal("0.43"), count=Decimal(5)
        )
    assert venue.orders("w-amend")[0].price == 430_000
    venue.sim.fail_next(503, operation="amend_order_v2")
    with pytest.raises(AmbiguousOutcomeError):
        client.amend_order(
            order_id, market_ticker=venue.home, side=YES, action=BUY, price=Decimal("0.42"), count=Decimal(5)
        )
    assert venue.orders("w-amend")[0].price == 430_000
    assert venue.sim.traffic.count("amend_order_v2") == 2

    # batch cancel is retried; items the lost attempt already cancelled are reported done
    first, second = rest("w-b1"), rest("w-b2")
    venue.sim.drop_next_response("batch_cancel_orders_v2")
    results = client.batch_cancel_orders([(first, venue.home), (second, venue.home)])
    assert all(isinstance(r, CancelAck) and r.reduced_by is None for r in results)
    assert {o.status for o in venue.orders("w-b1") + venue.orders("w-b2")} == {"canceled"}

    # cancel-all is retried through a 5xx
    rest("w-all")
    venue.sim.fail_next(503, operation="cancel_all_orders")
    client.cancel_all_orders()
    assert venue.orders("w-all")[0].status == "canceled"
    assert venue.sim.traffic.count("cancel_all_orders", 503) == 1
    assert venue.sim.traffic.count("cancel_all_orders", 204) == 1


def test_reads_retry_5xx_then_give_up(venue: Venue) -> None:
    client = venue.client()
    venue.sim.fail_next(503, count=2, operation="get_positions")
    assert client.get_positions() == []
    venue.sim.fail_next(503, count=4, operation="get_positions")
    with pytest.raises(ExchangeUnavailableError):
        client.get_positions()
    assert venue.sim.traffic.count("get_positions", 503) == 6
    venue.sim.drop_next_response("get_fills")
    assert client.get_fills() == []
    assert venue.sim.traffic.count("get_fills") == 2


def test_wrong_keys_are_authentication_errors(venue: Venue) -> None:
    stranger = KalshiCredentials.from_pem(venue.creds.key_id, generate_private_key_pem("ed25519"))
    client = venue.client(credentials=stranger)
    with pytest.raises(AuthenticationError) as wrong_key:
        client.get_balance()
    assert wrong_key.value.status == 401 and "INCORRECT_API_KEY_SIGNATURE" in str(wrong_key.value)
    unknown = KalshiCredentials.from_pem("no-such-key", generate_private_key_pem("rsa"))
    with pytest.raises(AuthenticationError):
        venue.client(credentials=unknown).place_order(venue.intent("never"))
    assert venue.orders() == []
    # market data needs no key; a signed request with a bad key is still refused
    assert venue.client(credentials=None).get_market(venue.home).ticker == venue.home
    with pytest.raises(AuthenticationError):
        client.get_market(venue.home)
