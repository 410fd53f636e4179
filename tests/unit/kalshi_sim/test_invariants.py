"""Engine invariants under random order flow (hypothesis).

Each example is a sequence of operations (mostly order placement, plus cancels, decreases,
amends, clock moves, pauses and an occasional settlement) on two markets and four users, one of
them nearly broke. After every operation: no balance below zero (cash ≥ locked ≥ 0), contracts
conserved (positions sum to zero, open interest = long contracts), money conserved (cash + fees
+ $1 × open interest is constant), fills never exceed an order's size, fees never negative, the
book is never crossed and its levels match the resting orders. At the end both markets settle,
and settlement pays exactly $1 per winning contract.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from local.kalshi_sim.clock import ManualClock
from local.kalshi_sim.engine import Exchange, MarketState, Order, OrderRequest
from local.kalshi_sim.errors import SimError
from tests.unit.kalshi_sim.helpers import OTHER, TICKER, make_exchange

USERS = ("u0", "u1", "u2", "u3")
BALANCES = (5_000, 20_000, 100_000)  # cents; u3 gets a small random balance per example
MARKETS = (TICKER, OTHER)
PAIR = 10_000  # micro-dollars paid per netted or winning centi-contract

# mostly near the middle so orders cross often; sometimes anywhere on the tick grid
prices = st.one_of(st.integers(min_value=45, max_value=55), st.integers(min_value=1, max_value=99)).map(
    lambda cents: cents * 10_000
)
counts = st.sampled_from([1, 5, 50, 100, 250, 1_000, 2_500])
picks = st.integers(min_value=0, max_value=10_000)

rarely = st.sampled_from([False, False, False, True])
place = st.builds(
    lambda *a: ("place", *a),
    st.sampled_from(USERS),
    st.sampled_from(MARKETS),
    st.sampled_from(["bid", "ask"]),
    counts,
    prices,
    st.sampled_from(["good_till_canceled", "good_till_canceled", "immediate_or_cancel", "fill_or_kill"]),
    st.sampled_from(["taker_at_cross", "maker"]),
    rarely,
    rarely,
)
_OPERATIONS: dict[str, st.SearchStrategy[tuple[Any, ...]]] = {
    "place": place,
    "cancel": st.tuples(st.just("cancel"), picks),
    "decrease": st.tuples(st.just("decrease"), picks, counts),
    "amend": st.tuples(st.just("amend"), picks, prices, counts),
    "advance": st.tuples(st.just("advance"), st.integers(min_value=0, max_value=120_000)),
    "pause": st.tuples(st.just("pause"), st.sampled_from(MARKETS), st.integers(min_value=0, max_value=3)),
    "settle": st.tuples(st.just("settle"), st.sampled_from(MARKETS), st.sampled_from(["yes", "no"]), picks),
}
# weighted: placing orders is most of the flow
operations = st.sampled_from(["place"] * 8 + [k for k in _OPERATIONS if k != "place"]).flatmap(
    _OPERATIONS.__getitem__
)


class Run:
    def __init__(self, broke_cents: int) -> None:
        self.ex: Exchange = make_exchange(fee_type="quadratic_with_maker_fees", seed=5)
        for user, cents in zip(USERS, (*BALANCES, broke_cents), strict=True):
            self.ex.create_user(user, balance_cents=cents)
        self.initial_total = sum(a.cash for a in self.ex.accounts.values())
        self.max_size: dict[str, int] = {}
        self.settled: set[str] = set()
        self.fills = 0

    def orders(self) -> list[Order]:
        return [o for a in self.ex.accounts.values() for o in a.orders.values()]

    def resting(self) -> list[Order]:
        return [o for o in self.orders() if o.status == "resting"]

    # ------------------------------------------------------------------ operations

    def apply(self, op: tuple[Any, ...]) -> None:
        getattr(self, f"op_{op[0]}")(*op[1:])

    def op_place(
        self,
        user: str,
        ticker: str,
        side: str,
        count: int,
        price: int,
        tif: str,
        stp: str,
        po: bool,
        ro: bool,
    ):
        request = OrderRequest(
            ticker,
            side,  # type: ignore[arg-type]
            count,
            price,
            time_in_force=tif,  # type: ignore[arg-type]
            self_trade_prevention=stp,  # type: ignore[arg-type]
            post_only=po and tif == "good_till_canceled",
            reduce_only=ro and tif == "immediate_or_cancel",
        )
        try:
            result = self.ex.place_order(user, request)
        except SimError as exc:
            assert exc.code in {"insufficient_balance", "market_closed", "trading_is_paused"}, exc
            return
        self.max_size[result.order.order_id] = count
        self.fills += len(result.fills)

    def op_cancel(self, pick: int) -> None:
        if resting := self.resting():
            target = resting[pick % len(resting)]
            _, removed = self.ex.cancel_order(target.user_id, target.order_id)
            assert removed > 0
            assert target.status == "canceled"

    def op_decrease(self, pick: int, by: int) -> None:
        if resting := self.resting():
            target = resting[pick % len(resting)]
            before = target.remaining
            self.ex.decrease_order(target.user_id, target.order_id, reduce_by=by)
            assert target.remaining == max(0, before - by)

    def op_amend(self, pick: int, price: int, extra: int) -> None:
        if not (resting := self.resting()):
            return
        target = resting[pick % len(resting)]
        total = target.filled + extra
        try:
            result = self.ex.amend_order(
                target.user_id,
                target.order_id,
                ticker=target.ticker,
                side=target.side,
                price=price,
                count=total,
            )
        except SimError as exc:
            assert exc.code in {"insufficient_balance", "invalid_order", "trading_is_paused"}, exc
            return
        self.max_size[target.order_id] = max(self.max_size[target.order_id], total)
        self.fills += len(result.fills)

    def op_advance(self, ms: int) -> None:
        clock = self.ex.clock
        assert isinstance(clock, ManualClock)
        clock.advance(ms)
        self.ex.sync()

    def op_pause(self, ticker: str, choice: int) -> None:
        if ticker not in self.settled:
            self.ex.set_market_state(ticker, MarketState.PAUSED if choice == 0 else MarketState.OPEN)

    def op_settle(self, ticker: str, result: str, pick: int) -> None:
        if ticker in self.settled or pick % 4:  # settle mid-run only now and then
            return
        self.settle(ticker, result)

    def settle(self, ticker: str, result: str) -> None:
        before = {u: a.cash for u, a in self.ex.accounts.items()}
        positions = {
            u: (a.holdings[ticker].pos if ticker in a.holdings else 0) for u, a in self.ex.accounts.items()
        }
        self.ex.settle(ticker, result)  # type: ignore[arg-type]
        self.settled.add(ticker)
        for user, account in self.ex.accounts.items():
            pos = positions[user]
            winners = pos if (result == "yes" and pos > 0) else (-pos if (result == "no" and pos < 0) else 0)
            assert account.cash - before[user] == winners * PAIR
            assert ticker not in account.holdings or account.holdings[ticker].pos == 0
        event("settled with open positions" if any(positions.values()) else "settled flat")

    # ------------------------------------------------------------------ invariants

    def check(self) -> None:
        ex = self.ex
        for account in ex.accounts.values():
            assert account.locked >= 0
            assert account.cash >= account.locked, (account.user_id, account.cash, account.locked)
        long_total = 0
        for ticker, market in ex.markets.items():
            positions = [a.holdings[ticker].pos for a in ex.accounts.values() if ticker in a.holdings]
            assert sum(positions) == 0
            longs = sum(p for p in positions if p > 0)
            assert market.open_interest == longs
            long_total += longs
        cash = sum(a.cash for a in ex.accounts.values())
        assert cash + ex.fees_collected + long_total * PAIR == self.initial_total

        filled: dict[str, int] = defaultdict(int)
        for account in ex.accounts.values():
            for fill in account.fills:
                assert fill.count > 0
                assert fill.fee >= 0
                filled[fill.order_id] += fill.count
        for order in self.orders():
            assert filled[order.order_id] == order.filled
            assert order.filled + order.remaining <= self.max_size[order.order_id]
            assert order.taker_fees >= 0 and order.maker_fees >= 0
            assert (order.status == "resting") == (order.remaining > 0)

        for ticker, market in ex.markets.items():
            bid, ask = market.book.best_bid(), market.book.best_ask()
            assert bid is None or ask is None or bid < ask
            expected: dict[tuple[str, int], int] = defaultdict(int)
            for order in self.resting():
                if order.ticker == ticker:
                    expected[(order.side, order.price)] += order.remaining
            actual = {("bid", p): q for p, q in market.book.levels("bid")}
            actual |= {("ask", p): q for p, q in market.book.levels("ask")}
            assert actual == dict(expected)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    ops=st.lists(operations, min_size=20, max_size=120),
    results=st.tuples(*[st.sampled_from(["yes", "no"])] * 2),
    broke_cents=st.integers(min_value=0, max_value=1_500),
)
def test_engine_invariants(ops: list[tuple[Any, ...]], results: tuple[str, str], broke_cents: int) -> None:
    run = Run(broke_cents)
    for op in ops:
        run.apply(op)
        run.check()
    for ticker, result in zip(MARKETS, results, strict=True):
        if ticker not in run.settled:
            run.settle(ticker, result)
            run.check()
    assert all(a.locked == 0 for a in run.ex.accounts.values())
    event("traded" if run.fills else "no trades")
