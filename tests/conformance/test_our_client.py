"""Conformance: the session the official SDK runs (``test_kalshi_sdk.py``), through our own
``KalshiClient``. Each result must match what the simulator holds and, for the same objects,
what the official SDK (``kalshi-python-sync`` 3.34) reads back.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import kalshi_python_sync as ks
import pytest
from kalshi_python_sync.configuration import Configuration

from inplay.venues.base import (
    Action,
    AuthenticationError,
    CancelAck,
    DuplicateClientOrderIdError,
    MarketStatus,
    NotFoundError,
    OrderAck,
    OrderIntent,
    OrderRejectedError,
    OrderStatus,
    OutcomeSide,
)
from inplay.venues.kalshi import KalshiClient, KalshiCredentials
from local.kalshi_sim import KalshiSimulator, MakerConfig, SimServer, Team
from local.kalshi_sim.engine import Order as SimOrder
from local.kalshi_sim.simulator import SimCredentials

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

YES, BUY = OutcomeSide.YES, Action.BUY


def sdk_client(base_url: str, creds: SimCredentials) -> ks.KalshiClient:
    config = Configuration(host=base_url)
    config.api_key_id = creds.key_id
    config.private_key_pem = creds.private_key_pem.decode()
    return ks.KalshiClient(config)


@pytest.fixture(scope="module")
def exchange() -> Iterator[tuple[KalshiSimulator, SimServer, str, str]]:
    sim = KalshiSimulator(seed=34, maintenance=False)
    game = sim.add_game(Team("BOS", "Boston"), Team("LAL", "Los Angeles L"), maker=MakerConfig(levels=3))
    with SimServer(sim, tick_ms=0) as server:
        yield sim, server, game.away_ticker, game.home_ticker


def intent(ticker: str, cid: str, **fields: str) -> OrderIntent:
    values = {"market_ticker": ticker, "side": "yes", "action": "buy", "client_order_id": cid} | fields
    return OrderIntent.model_validate(values)


def sim_order(sim: KalshiSimulator, user_id: str, order_id: str) -> SimOrder:
    with sim.lock:
        return sim.exchange.accounts[user_id].orders[order_id]


def dollars(micro: int) -> Decimal:
    return Decimal(micro) / 1_000_000


def test_full_session_through_our_client(
    exchange: tuple[KalshiSimulator, SimServer, str, str], tmp_path: Path
) -> None:
    sim, server, away, home = exchange
    key_path = tmp_path / "key.pem"
    creds = sim.create_user_with_key(balance_cents=250_000, tier="premier", private_key_path=key_path)
    ours = KalshiClient(server.base_url, credentials=KalshiCredentials.from_file(creds.key_id, key_path))
    sdk = sdk_client(server.base_url, creds)
    user = creds.user_id

    # exchange, balance, markets (cursor pagination), orderbook
    assert ours.exchange_status().trading_active is sdk.get_exchange_status().trading_active is True
    assert ours.account_limits().usage_tier == sdk.get_account_api_limits().usage_tier == "premier"
    balance = ours.get_balance()
    assert balance.available == Decimal(2_500) == Decimal(sdk.get_balance().balance) / 100
    open_markets = list(ours.iter_markets(status="open", page_size=1))
    assert {m.ticker for m in open_markets} == {away, home}
    assert [m.ticker for m in open_markets] == [m.ticker for m in sdk.get_markets(status="open").markets]
    market = ours.get_market(home)
    sdk_market = sdk.get_market(home).market
    assert market.status is MarketStatus.OPEN and market.venue_status == sdk_market.status == "active"
    assert market.yes_bid == Decimal(sdk_market.yes_bid_dollars) == Decimal("0.48")
    assert market.yes_ask == Decimal(sdk_market.yes_ask_dollars) == Decimal("0.52")
    book = ours.get_orderbook(home, depth=2)
    sdk_book = sdk.get_market_orderbook(home, depth=2).orderbook_fp
    assert sorted((lvl.price, lvl.count) for lvl in book.yes_bids) == sorted(
        (Decimal(p), Decimal(c)) for p, c in sdk_book.yes_dollars
    )
    assert sorted((lvl.price, lvl.count) for lvl in book.no_bids) == sorted(
        (Decimal(p), Decimal(c)) for p, c in sdk_book.no_dollars
    )
    assert [lvl.price for lvl in book.yes_bids] == [Decimal("0.48"), Decimal("0.47")]

    # create GTC (rests) and IOC (takes)
    gtc = ours.place_order(intent(home, "conf-gtc-1", count="10", price="0.45"))
    assert (gtc.status, gtc.filled_count, gtc.remaining_count) == (
        OrderStatus.RESTING,
        Decimal(0),
        Decimal(10),
    )
    assert sim_order(sim, user, gtc.order_id).remaining == 1_000
    ioc = ours.place_order(intent(home, "conf-ioc-1", count="5", price="0.55", time_in_force="ioc"))
    assert (ioc.status, ioc.filled_count, ioc.remaining_count) == (
        OrderStatus.EXECUTED,
        Decimal(5),
        Decimal(0),
    )
    assert ioc.average_fill_price == Decimal("0.52")
    held_ioc = sim_order(sim, user, ioc.order_id)
    assert ioc.average_fee is not None and ioc.average_fee * 5 == dollars(held_ioc.taker_fees)

    # get; list with a status filter
    got = ours.get_order(gtc.order_id)
    sdk_got = sdk.get_order(gtc.order_id).order
    assert (got.status, got.client_order_id) == (OrderStatus.RESTING, sdk_got.client_order_id)
    assert got.price == Decimal(sdk_got.yes_price_dollars) == Decimal("0.45")
    assert got.remaining_count == Decimal(sdk_got.remaining_count_fp) == 10
    executed = ours.get_order(ioc.order_id)
    assert executed.status is OrderStatus.EXECUTED and executed.average_fill_price == Decimal("0.52")
    assert executed.fees == dollars(held_ioc.taker_fees)
    for status in (OrderStatus.RESTING, OrderStatus.EXECUTED):
        mine = [o.order_id for o in ours.list_orders(status=status)]
        theirs = [o.order_id for o in sdk.get_orders(status=status.value).orders]
        assert mine == theirs == [gtc.order_id if status is OrderStatus.RESTING else ioc.order_id]

    # amend (new price, new total count, new client id), decrease, cancel
    amended = ours.amend_order(
        gtc.order_id,
        market_ticker=home,
        side=YES,
        action=BUY,
        price=Decimal("0.46"),
        count=Decimal(12),
        updated_client_order_id="conf-gtc-2",
    )
    assert (amended.remaining_count, amended.client_order_id) == (Decimal(12), "conf-gtc-2")
    after_amend = sdk.get_order(gtc.order_id).order
    assert (after_amend.client_order_id, after_amend.yes_price_dollars) == ("conf-gtc-2", "0.4600")
    assert ours.decrease_order(gtc.order_id, reduce_by=Decimal(2)).remaining_count == 10
    assert sdk.get_order(gtc.order_id).order.remaining_count_fp == "10.00"
    canceled = ours.cancel_order(gtc.order_id, market_ticker=home)
    assert (canceled.reduced_by, canceled.client_order_id) == (Decimal(10), "conf-gtc-2")
    assert sim_order(sim, user, gtc.order_id).status == "canceled"
    assert sdk.get_order(gtc.order_id).order.status == "canceled"

    # batch create, then a batch that repeats an id (recovered, not duplicated), then batch cancel
    ask = {"side": "no", "price": "0.30", "count": "1"}  # sell YES at 0.70 ≡ buy NO at 0.30
    first = ours.batch_place_orders([intent(away, "b-1", **ask), intent(away, "b-2", **ask)])
    second = ours.batch_place_orders([intent(away, "b-1", **ask), intent(away, "b-3", **ask)])
    assert all(isinstance(r, OrderAck) for r in first + second)
    b1, b2 = (r for r in first if isinstance(r, OrderAck))
    b1_again, b3 = (r for r in second if isinstance(r, OrderAck))
    assert b1_again.recovered and b1_again.order_id == b1.order_id and not b3.recovered
    assert len({b1.order_id, b2.order_id, b3.order_id}) == 3
    assert sorted(
        o.client_order_id for o in sim.exchange.accounts[user].orders.values() if o.ticker == away
    ) == [
        "b-1",
        "b-2",
        "b-3",
    ]
    cancels = ours.batch_cancel_orders([(r.order_id, away) for r in (b1, b2, b3)])
    assert [c.reduced_by for c in cancels if isinstance(c, CancelAck)] == [1, 1, 1]

    # cancel all
    ours.place_order(intent(away, "conf-all", count="1", price="0.10"))
    ours.cancel_all_orders()
    assert ours.list_orders(status=OrderStatus.RESTING) == []
    assert sdk.get_orders(status="resting").orders == []

    # fills, positions
    (fill,) = ours.get_fills()
    (sdk_fill,) = sdk.get_fills().fills
    assert (
        (fill.fill_id, fill.order_id) == (sdk_fill.fill_id, sdk_fill.order_id) == (fill.fill_id, ioc.order_id)
    )
    assert fill.count == Decimal(sdk_fill.count_fp) == 5 and fill.is_taker is sdk_fill.is_taker is True
    assert fill.price == Decimal(sdk_fill.yes_price_dollars) == Decimal("0.52")
    assert fill.fee == Decimal(sdk_fill.fee_cost) == dollars(held_ioc.taker_fees)
    (position,) = ours.get_positions()
    (sdk_position,) = sdk.get_positions().market_positions
    assert (position.market_ticker, position.position) == (
        sdk_position.ticker,
        Decimal(sdk_position.position_fp),
    )
    assert (position.market_ticker, position.position) == (home, Decimal(5))
    assert position.exposure == Decimal(sdk_position.market_exposure_dollars) == Decimal("2.60")
    assert position.fees_paid == Decimal(sdk_position.fees_paid_dollars) == fill.fee

    # a duplicate client_order_id: the idempotency key returns the existing order, never a new one
    orders_before = len(sim.exchange.accounts[user].orders)
    again = ours.place_order(intent(home, "conf-ioc-1", count="1", price="0.30"))
    assert again.recovered and again.order_id == ioc.order_id and again.status is OrderStatus.EXECUTED
    with pytest.raises(DuplicateClientOrderIdError):  # the same id for the other direction
        ours.place_order(intent(home, "conf-ioc-1", count="1", price="0.30", action="sell"))
    assert len(sim.exchange.accounts[user].orders) == orders_before

    # unknown order, off-tick price
    with pytest.raises(NotFoundError):
        ours.get_order("00000000-0000-4000-8000-000000000000")
    with pytest.raises(OrderRejectedError) as bad_price:
        ours.place_order(intent(home, "conf-bad-price", count="1", price="0.455"))
    assert bad_price.value.code == "invalid_price" and not bad_price.value.order_may_exist

    # settlement
    sim.settle(home, "yes")
    settled = ours.get_market(home)
    assert (settled.status, settled.result, settled.venue_status) == (MarketStatus.SETTLED, YES, "finalized")
    final = ours.get_balance()
    assert final.available == Decimal(sdk.get_balance().balance) / 100
    assert final.available == Decimal(2_500) - Decimal("2.60") - fill.fee + 5
    ours.close()


def test_bad_signature_through_our_client(exchange: tuple[KalshiSimulator, SimServer, str, str]) -> None:
    sim, server, _, _ = exchange
    real = sim.create_user_with_key(balance_cents=1_000, key_type="ed25519")
    impostor = sim.create_user_with_key(balance_cents=1_000, key_type="ed25519")
    forged = KalshiCredentials.from_pem(real.key_id, impostor.private_key_pem)
    with (
        KalshiClient(server.base_url, credentials=forged) as client,
        pytest.raises(AuthenticationError) as err,
    ):
        client.get_balance()
    assert err.value.status == 401 and err.value.code == "authentication_error"
    assert err.value.details == "INCORRECT_API_KEY_SIGNATURE"
    with KalshiClient(
        server.base_url, credentials=KalshiCredentials.from_pem(real.key_id, real.private_key_pem)
    ) as ok:
        assert ok.get_balance().available == 10
