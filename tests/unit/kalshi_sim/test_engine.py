"""Matching engine behaviour: priority, time in force, flags, collateral, settlement, pauses."""

from __future__ import annotations

import pytest

from local.kalshi_sim.clock import ManualClock
from local.kalshi_sim.engine import Exchange, MarketState
from local.kalshi_sim.errors import SimError
from tests.unit.kalshi_sim.helpers import TICKER, cc, make_exchange, order, usd


def test_resting_bid_locks_cost_plus_fee_reserve(ex: Exchange) -> None:
    result = ex.place_order("alice", order("bid", 10, "0.55"))
    alice = ex.accounts["alice"]
    assert result.order.status == "resting"
    assert result.fills == ()
    # 10 x $0.55 + worst-case taker fee ceil(0.07 * 10 * 0.25) = $0.18
    assert alice.locked == usd("5.68")
    assert alice.cash == usd("1000")


def test_cross_trades_at_maker_price_with_taker_fee(ex: Exchange) -> None:
    ex.place_order("alice", order("bid", 10, "0.55"))
    result = ex.place_order("bob", order("ask", 4, "0.50", tif="immediate_or_cancel"))
    assert result.order.status == "executed"
    assert result.fill_count == cc(4)
    fill = result.fills[0]
    assert fill.price == usd("0.55")
    assert fill.is_taker
    # fee = ceil_to_cent(0.07 * 4 * 0.55 * 0.45) = ceil(0.0693) = 0.07
    assert fill.fee == usd("0.07")
    bob, alice = ex.accounts["bob"], ex.accounts["alice"]
    assert bob.cash == usd("1000") - usd("1.80") - usd("0.07")  # buys NO at 0.45
    assert alice.cash == usd("1000") - usd("2.20")  # maker: no fee on a quadratic series
    assert alice.holdings[TICKER].pos == cc(4)
    assert bob.holdings[TICKER].pos == -cc(4)
    assert ex.markets[TICKER].open_interest == cc(4)
    assert ex.markets[TICKER].last_price == usd("0.55")


def test_price_then_time_priority(ex: Exchange) -> None:
    first = ex.place_order("alice", order("ask", 1, "0.60")).order
    second = ex.place_order("bob", order("ask", 1, "0.60")).order
    better = ex.place_order("bob", order("ask", 1, "0.59")).order
    result = ex.place_order("carol", order("bid", 2, "0.60"))
    assert [f.price for f in result.fills] == [usd("0.59"), usd("0.60")]
    assert better.status == "executed"
    assert first.status == "executed"
    assert second.status == "resting"


def test_partial_fill_leaves_remainder_resting(ex: Exchange) -> None:
    maker = ex.place_order("alice", order("ask", 3, "0.40")).order
    result = ex.place_order("bob", order("bid", 5, "0.45"))
    assert result.fill_count == cc(3)
    assert result.order.status == "resting"
    assert result.order.remaining == cc(2)
    assert maker.status == "executed"
    assert ex.markets[TICKER].book.best_bid() == usd("0.45")
    assert ex.markets[TICKER].book.best_ask() is None


def test_ioc_cancels_unfilled_rest(ex: Exchange) -> None:
    ex.place_order("alice", order("ask", 2, "0.40"))
    result = ex.place_order("bob", order("bid", 5, "0.45", tif="immediate_or_cancel"))
    assert result.fill_count == cc(2)
    assert result.order.status == "canceled"
    assert result.order.remaining == 0
    assert ex.accounts["bob"].locked == 0


def test_fok_all_or_nothing(ex: Exchange) -> None:
    ex.place_order("alice", order("ask", 2, "0.40"))
    killed = ex.place_order("bob", order("bid", 3, "0.45", tif="fill_or_kill"))
    assert killed.order.status == "canceled"
    assert killed.fills == ()
    assert ex.markets[TICKER].book.level_qty("ask", usd("0.40")) == cc(2)
    filled = ex.place_order("bob", order("bid", 2, "0.45", tif="fill_or_kill"))
    assert filled.order.status == "executed"
    assert filled.fill_count == cc(2)


def test_post_only_that_would_cross_is_canceled_without_trading(ex: Exchange) -> None:
    ex.place_order("alice", order("ask", 2, "0.40"))
    result = ex.place_order("bob", order("bid", 1, "0.41", post_only=True))
    assert result.order.status == "canceled"
    assert result.fills == ()
    assert ex.place_order("bob", order("bid", 1, "0.39", post_only=True)).order.status == "resting"


def test_reduce_only_requires_ioc_and_caps_at_position(ex: Exchange) -> None:
    with pytest.raises(SimError) as err:
        ex.place_order("alice", order("ask", 1, "0.40", reduce_only=True))
    assert err.value.code == "invalid_order"
    ex.place_order("bob", order("ask", 3, "0.50"))
    ex.place_order("alice", order("bid", 3, "0.50"))  # alice long 3 YES
    ex.place_order("carol", order("bid", 10, "0.45"))
    result = ex.place_order("alice", order("ask", 10, "0.45", tif="immediate_or_cancel", reduce_only=True))
    assert result.fill_count == cc(3)
    assert ex.accounts["alice"].holdings[TICKER].pos == 0
    nothing = ex.place_order("alice", order("ask", 1, "0.45", tif="immediate_or_cancel", reduce_only=True))
    assert nothing.fills == ()
    assert nothing.order.status == "canceled"


def test_self_trade_taker_at_cross_stops_the_taker(ex: Exchange) -> None:
    own = ex.place_order("alice", order("ask", 1, "0.40")).order
    ex.place_order("bob", order("ask", 1, "0.41"))
    result = ex.place_order("alice", order("bid", 2, "0.45", self_trade_prevention="taker_at_cross"))
    assert result.fills == ()
    assert result.order.status == "canceled"
    assert own.status == "resting"


def test_self_trade_maker_cancels_own_resting_and_continues(ex: Exchange) -> None:
    own = ex.place_order("alice", order("ask", 1, "0.40")).order
    ex.place_order("bob", order("ask", 1, "0.41"))
    result = ex.place_order("alice", order("bid", 2, "0.45", self_trade_prevention="maker"))
    assert own.status == "canceled"
    assert own.last_update_reason == "SelfTradeCancel"
    assert [f.price for f in result.fills] == [usd("0.41")]
    assert result.order.status == "resting"


def test_duplicate_client_order_id_is_409_even_after_cancel(ex: Exchange) -> None:
    first = ex.place_order("alice", order("bid", 1, "0.30", client_order_id="intent-1")).order
    ex.cancel_order("alice", first.order_id)
    with pytest.raises(SimError) as err:
        ex.place_order("alice", order("bid", 1, "0.30", client_order_id="intent-1"))
    assert (err.value.status, err.value.code) == (409, "order_already_exists")
    # uniqueness is per user
    assert (
        ex.place_order("bob", order("bid", 1, "0.30", client_order_id="intent-1")).order.status == "resting"
    )


def test_rejected_order_does_not_consume_client_order_id(ex: Exchange) -> None:
    with pytest.raises(SimError):
        ex.place_order("alice", order("bid", 1, "0.305", client_order_id="x"))
    assert ex.place_order("alice", order("bid", 1, "0.30", client_order_id="x")).order.client_order_id == "x"


@pytest.mark.parametrize("price", ["0.00", "1.00", "0.305", "1.50"])
def test_invalid_prices(ex: Exchange, price: str) -> None:
    with pytest.raises(SimError) as err:
        ex.place_order("alice", order("bid", 1, price))
    assert (err.value.status, err.value.code) == (400, "invalid_price")


def test_insufficient_balance_rejects_without_side_effects() -> None:
    ex = make_exchange()
    ex.create_user("poor", balance_cents=500)
    with pytest.raises(SimError) as err:
        ex.place_order("poor", order("bid", 10, "0.50"))
    assert (err.value.status, err.value.code) == (400, "insufficient_balance")
    poor = ex.accounts["poor"]
    assert poor.locked == 0
    assert poor.orders == {}
    assert ex.markets[TICKER].book.best_bid() is None


def test_selling_a_held_position_needs_no_new_cash() -> None:
    ex = make_exchange()
    ex.create_user("seller", balance_cents=60)
    ex.create_user("mm", balance_cents=100_000)
    ex.place_order("mm", order("ask", 1, "0.50"))
    ex.place_order("seller", order("bid", 1, "0.50", tif="immediate_or_cancel"))
    seller = ex.accounts["seller"]
    assert seller.holdings[TICKER].pos == cc(1)
    assert seller.available < usd("0.10")
    # closing the YES (an ask) locks nothing but the fee reserve
    result = ex.place_order("seller", order("ask", 1, "0.60"))
    assert result.order.status == "resting"


def test_netting_pays_back_a_dollar_per_pair(ex: Exchange) -> None:
    ex.place_order("bob", order("ask", 2, "0.40"))
    ex.place_order("alice", order("bid", 2, "0.40"))  # alice long 2 @ 0.40
    ex.place_order("carol", order("bid", 2, "0.70"))
    ex.place_order("alice", order("ask", 2, "0.70", tif="immediate_or_cancel"))  # sells at 0.70
    alice = ex.accounts["alice"]
    holding = alice.holdings[TICKER]
    assert holding.pos == 0
    assert holding.exposure == 0
    assert holding.realized == usd("0.60")
    fees = sum(f.fee for f in alice.fills)
    assert alice.cash == usd("1000") + usd("0.60") - fees


def test_settlement_pays_one_dollar_per_winning_contract(ex: Exchange) -> None:
    ex.place_order("alice", order("ask", 5, "0.30"))
    ex.place_order("bob", order("bid", 5, "0.30"))
    resting = ex.place_order("carol", order("bid", 1, "0.10")).order
    before = {u: a.cash for u, a in ex.accounts.items()}
    ex.settle(TICKER, "yes")
    assert ex.accounts["bob"].cash - before["bob"] == usd("5")
    assert ex.accounts["alice"].cash == before["alice"]
    assert resting.status == "canceled"
    assert ex.accounts["carol"].locked == 0
    market = ex.markets[TICKER]
    assert market.state is MarketState.SETTLED
    assert market.result == "yes"
    record = ex.accounts["bob"].settlements[0]
    assert (record.yes_count, record.revenue_cents) == (cc(5), 500)
    with pytest.raises(SimError) as err:
        ex.place_order("bob", order("bid", 1, "0.30"))
    assert err.value.code == "market_closed"


def test_paused_market_rejects_new_orders_but_allows_cancel(ex: Exchange) -> None:
    keep = ex.place_order("alice", order("bid", 1, "0.30")).order
    drop = ex.place_order("alice", order("bid", 1, "0.31", cancel_on_pause=True)).order
    ex.set_market_state(TICKER, MarketState.PAUSED)
    assert drop.status == "canceled"
    assert keep.status == "resting"
    with pytest.raises(SimError) as err:
        ex.place_order("bob", order("bid", 1, "0.30"))
    assert (err.value.status, err.value.code) == (409, "trading_is_paused")
    canceled, _ = ex.cancel_order("alice", keep.order_id)
    assert canceled.status == "canceled"


def test_exchange_inactive_blocks_cancels_too(ex: Exchange) -> None:
    resting = ex.place_order("alice", order("bid", 1, "0.30")).order
    ex.set_exchange(exchange_active=False)
    with pytest.raises(SimError) as err:
        ex.cancel_order("alice", resting.order_id)
    assert err.value.status == 503
    ex.set_exchange(exchange_active=True)
    ex.cancel_order("alice", resting.order_id)


def test_weekly_maintenance_pauses_trading_and_cancels_flagged_orders() -> None:
    from datetime import UTC, datetime

    clock = ManualClock(datetime(2026, 11, 26, 7, 59, tzinfo=UTC))  # Thu 02:59 EST
    ex = Exchange(clock, seed=1, maintenance=True)
    ex.add_series("S", "S")
    ex.add_event("E", "S", "E")
    ex.add_market("M", "E", yes_sub_title="M")
    ex.create_user("u", balance_cents=10_000)
    flagged = ex.place_order("u", order("bid", 1, "0.30", ticker="M", cancel_on_pause=True)).order
    plain = ex.place_order("u", order("bid", 1, "0.31", ticker="M")).order
    clock.advance(60_000)  # 03:00 EST
    with pytest.raises(SimError) as err:
        ex.place_order("u", order("bid", 1, "0.30", ticker="M"))
    assert err.value.code == "trading_is_paused"
    assert flagged.status == "canceled"
    assert plain.status == "resting"
    clock.advance(2 * 3_600_000)  # 05:00 EST
    assert ex.place_order("u", order("bid", 1, "0.30", ticker="M")).order.status == "resting"


def test_expiration_cancels_at_time(ex: Exchange) -> None:
    now_s = ex.now_ms() // 1000
    result = ex.place_order("alice", order("bid", 1, "0.30", expiration_s=now_s + 60))
    assert isinstance(ex.clock, ManualClock)
    ex.clock.advance(59_000)
    ex.sync()
    assert ex.accounts["alice"].orders[result.order.order_id].status == "resting"
    ex.clock.advance(1_000)
    ex.sync()
    expired = ex.accounts["alice"].orders[result.order.order_id]
    assert (expired.status, expired.last_update_reason) == ("canceled", "ExpiryCancel")
    assert ex.accounts["alice"].locked == 0
    with pytest.raises(SimError):
        ex.place_order("alice", order("bid", 1, "0.30", expiration_s=now_s))
    with pytest.raises(SimError):
        ex.place_order("alice", order("bid", 1, "0.30", tif="immediate_or_cancel", expiration_s=now_s + 60))


def test_market_close_time_closes_and_cancels(ex: Exchange) -> None:
    market = ex.markets[TICKER]
    resting = ex.place_order("alice", order("bid", 1, "0.30")).order
    assert isinstance(ex.clock, ManualClock)
    ex.clock.set(market.close_ms)
    ex.sync()
    assert market.state is MarketState.CLOSED
    assert resting.status == "canceled"


def test_decrease_keeps_priority_and_cancel_reports_reduced_by(ex: Exchange) -> None:
    first = ex.place_order("alice", order("ask", 5, "0.60")).order
    ex.place_order("bob", order("ask", 5, "0.60"))
    ex.decrease_order("alice", first.order_id, reduce_by=cc(2))
    assert first.remaining == cc(3)
    ex.place_order("carol", order("bid", 1, "0.60"))
    assert ex.accounts["alice"].fills[-1].order_id == first.order_id  # still first in the queue
    assert first.remaining == cc(2)
    ex.decrease_order("alice", first.order_id, reduce_to=cc(1))
    assert first.remaining == cc(1)
    order_, removed = ex.cancel_order("alice", first.order_id)
    assert (order_.status, removed) == ("canceled", cc(1))
    with pytest.raises(SimError) as err:
        ex.cancel_order("alice", first.order_id)
    assert err.value.status == 404
    with pytest.raises(SimError):
        ex.decrease_order("bob", "nope", reduce_by=cc(1))


def test_amend_price_moves_to_back_and_can_trade(ex: Exchange) -> None:
    a = ex.place_order("alice", order("bid", 2, "0.40")).order
    ex.place_order("bob", order("bid", 2, "0.41"))
    ex.place_order("carol", order("ask", 1, "0.45"))
    # a size increase at the same price loses priority
    ex.amend_order("alice", a.order_id, ticker=TICKER, side="bid", price=usd("0.40"), count=cc(3))
    assert a.remaining == cc(3)
    # a price change that crosses trades immediately
    result = ex.amend_order("alice", a.order_id, ticker=TICKER, side="bid", price=usd("0.45"), count=cc(3))
    assert result.fill_count == cc(1)
    assert a.filled == cc(1)
    assert a.remaining == cc(2)
    assert a.price == usd("0.45")
    with pytest.raises(SimError) as err:
        ex.amend_order("alice", a.order_id, ticker=TICKER, side="ask", price=usd("0.45"), count=cc(3))
    assert err.value.code == "invalid_order"


def test_amend_updates_client_order_id_and_checks_uniqueness(ex: Exchange) -> None:
    a = ex.place_order("alice", order("bid", 2, "0.40", client_order_id="a")).order
    ex.place_order("alice", order("bid", 2, "0.30", client_order_id="b"))
    with pytest.raises(SimError) as err:
        ex.amend_order(
            "alice",
            a.order_id,
            ticker=TICKER,
            side="bid",
            price=usd("0.40"),
            count=cc(2),
            updated_client_order_id="b",
        )
    assert err.value.status == 409
    ex.amend_order(
        "alice",
        a.order_id,
        ticker=TICKER,
        side="bid",
        price=usd("0.40"),
        count=cc(1),
        updated_client_order_id="c",
    )
    assert a.client_order_id == "c"
    assert a.remaining == cc(1)


def test_ids_are_deterministic_for_a_seed() -> None:
    def run(seed: int) -> list[str]:
        ex = make_exchange(seed=seed)
        ex.create_user("a", balance_cents=10_000)
        ex.create_user("b", balance_cents=10_000)
        ids = [ex.place_order("a", order("bid", 1, "0.40")).order.order_id]
        result = ex.place_order("b", order("ask", 1, "0.40"))
        ids += [result.order.order_id, result.fills[0].fill_id]
        return ids

    assert run(42) == run(42)
    assert run(42) != run(43)


@pytest.mark.parametrize(("cents", "accepted"), [(568, True), (567, False)])
def test_collateral_includes_the_worst_case_fee(cents: int, accepted: bool) -> None:
    ex = make_exchange()
    ex.create_user("u", balance_cents=cents)
    if accepted:
        assert ex.place_order("u", order("bid", 10, "0.55")).order.status == "resting"
        assert ex.accounts["u"].available == 0
    else:
        with pytest.raises(SimError, match="insufficient"):
            ex.place_order("u", order("bid", 10, "0.55"))


def test_volume_24h_is_a_rolling_window(ex: Exchange) -> None:
    ex.place_order("alice", order("ask", 3, "0.40"))
    ex.place_order("bob", order("bid", 3, "0.40"))
    market = ex.markets[TICKER]
    assert isinstance(ex.clock, ManualClock)
    assert market.volume_24h(ex.now_ms()) == cc(3)
    ex.clock.advance(86_400_001)
    assert market.volume_24h(ex.now_ms()) == 0
    assert market.volume == cc(3)
