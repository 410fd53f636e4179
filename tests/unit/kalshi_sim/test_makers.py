"""Liquidity agents: quotes around the fair value, requotes, complement markets, determinism."""

from __future__ import annotations

import random

import pytest

from local.kalshi_sim.clock import ManualClock
from local.kalshi_sim.engine import OrderRequest
from local.kalshi_sim.makers import Complement, Constant, FairValuePath, MakerConfig, RandomWalk
from local.kalshi_sim.simulator import KalshiSimulator, Team
from tests.unit.kalshi_sim.helpers import START, usd


def sim_with_game(seed: int = 1, **game: object) -> tuple[KalshiSimulator, ManualClock, str, str]:
    clock = ManualClock(START)
    sim = KalshiSimulator(seed=seed, clock=clock, maintenance=False)
    g = sim.add_game(Team("BOS", "Boston"), Team("LAL", "Los Angeles L"), **game)  # type: ignore[arg-type]
    return sim, clock, g.away_ticker, g.home_ticker


def test_game_tickers_and_titles() -> None:
    sim, _, away, home = sim_with_game()
    assert (away, home) == ("KXNBAGAME-26NOV24BOSLAL-BOS", "KXNBAGAME-26NOV24BOSLAL-LAL")
    market = sim.exchange.markets[home]
    assert market.yes_sub_title == "Los Angeles L"
    assert sim.exchange.events[market.event_ticker].title == "Boston at Los Angeles L"


def test_maker_ladder_around_fair_value() -> None:
    sim, _, away, home = sim_with_game(
        home_fair="0.60", maker=MakerConfig(spread=40_000, levels=2, size=1_000)
    )
    book = sim.exchange.markets[home].book
    assert list(book.levels("bid")) == [(usd("0.57"), 1_000), (usd("0.58"), 1_000)]
    assert list(book.levels("ask")) == [(usd("0.62"), 1_000), (usd("0.63"), 1_000)]
    # the other team's market quotes around 1 - 0.60
    other = sim.exchange.markets[away].book
    assert (other.best_bid(), other.best_ask()) == (usd("0.38"), usd("0.42"))


def test_fair_value_move_requotes_and_picks_off_stale_orders() -> None:
    sim, _, _, home = sim_with_game(home_fair="0.50", maker=MakerConfig(levels=1, size=1_000))
    user = sim.create_user(balance_cents=10_000)
    with sim.transaction() as ex:
        stale_ask = ex.place_order(user, OrderRequest(home, "ask", 500, usd("0.55"))).order
    sim.set_fair_value(home, "0.70")
    assert stale_ask.status == "executed"  # the maker's new bid took it
    book = sim.exchange.markets[home].book
    assert (book.best_bid(), book.best_ask()) == (usd("0.68"), usd("0.72"))


def test_maker_replenishes_after_being_hit_on_tick() -> None:
    sim, clock, _, home = sim_with_game(maker=MakerConfig(levels=1, size=1_000, refresh_ms=1_000))
    user = sim.create_user(balance_cents=10_000)
    with sim.transaction() as ex:
        ex.place_order(
            user, OrderRequest(home, "bid", 1_000, usd("0.52"), time_in_force="immediate_or_cancel")
        )
    book = sim.exchange.markets[home].book
    assert book.best_ask() is None
    clock.advance(1_000)
    sim.tick()
    assert book.best_ask() == usd("0.52")


def test_makers_skip_paused_markets_and_resume() -> None:
    sim, clock, _, home = sim_with_game(maker=MakerConfig(levels=1, refresh_ms=1_000))
    sim.set_market_status(home, "paused")
    sim.set_fair_value(home, "0.80")
    book = sim.exchange.markets[home].book
    assert book.best_bid() == usd("0.48")  # untouched while paused
    sim.set_market_status(home, "open")
    clock.advance(1_000)
    sim.tick()
    assert book.best_bid() == usd("0.78")


def test_fair_value_sources() -> None:
    path = FairValuePath(((1_000, 400_000), (3_000, 600_000)), "linear")
    assert [path.value_at(t) for t in (0, 1_000, 2_000, 3_000, 9_000)] == [
        400_000,
        400_000,
        500_000,
        600_000,
        600_000,
    ]
    step = FairValuePath(((1_000, 400_000), (3_000, 600_000)))
    assert step.value_at(2_999) == 400_000
    assert Complement(Constant(300_000)).value_at(0) == 700_000
    with pytest.raises(ValueError):
        FairValuePath(((2, 1), (1, 1)))


def test_random_walk_is_seeded_and_bounded() -> None:
    def walk(seed: int) -> list[int]:
        w = RandomWalk(500_000, 50_000, 1_000, random.Random(seed), 0)
        return [w.value_at(t * 1_000) for t in range(200)]

    assert walk(3) == walk(3)
    assert walk(3) != walk(4)
    assert all(10_000 <= v <= 990_000 for v in walk(3))


def test_whole_simulation_is_deterministic_for_seed_and_clock() -> None:
    def run(seed: int) -> tuple[int | None, int, list[tuple[int, int]], list[str]]:
        sim, clock, _, home = sim_with_game(seed=seed, maker=MakerConfig(), noise=True)
        sim.set_random_walk(home, sigma="0.01", step_ms=1_000)
        for _ in range(120):
            clock.advance(1_000)
            sim.tick()
        market = sim.exchange.markets[home]
        return (
            market.last_price,
            market.volume,
            list(market.book.levels("bid")),
            sorted(sim.exchange.accounts),
        )

    first = run(9)
    assert first == run(9)
    assert first[1] > 0  # the noise taker traded
    assert first != run(10)
