from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal

import pytest

from inplay.venues.base import MarketStatus, OutcomeSide
from local.backtest.books import BookConfig, SimBooks, consensus_path, market_path
from local.backtest.games import GameTimeline, simulated_games


@pytest.fixture(scope="module")
def game() -> GameTimeline:
    (timeline,) = simulated_games("nba", 1, seed=2, step_seconds=30)
    return timeline


def test_consensus_starts_at_the_line_and_ends_at_the_result(game: GameTimeline) -> None:
    path = consensus_path(game)
    assert len(path) == len(game.states)
    assert game.replay is not None
    assert path[0] == pytest.approx(game.replay.matchup.line.home_win_prob)
    assert path[-1] == (1.0 if game.home_won else 0.0)
    live = [i for i, s in enumerate(game.states) if s.home_win_prob is not None and 0 < s.home_win_prob < 1]
    assert live and all(path[i] == float(game.states[i].home_win_prob or 0) for i in live)


def test_consensus_uses_the_fallback_without_espn_or_replay(game: GameTimeline) -> None:
    bare = GameTimeline(
        game.league,
        game.event_id,
        tuple(s.model_copy(update={"home_win_prob": None}) for s in game.states),
        game.home_won,
        times=game.times,
    )
    path = consensus_path(bare, fallback=lambda state: 0.42)
    live = [i for i, s in enumerate(bare.states) if s.is_live]
    assert live and all(path[i] == 0.42 for i in live)


def test_consensus_can_follow_the_model(game: GameTimeline) -> None:
    path = consensus_path(game, fallback=lambda state: 0.37, prefer_fallback=True)
    live = [i for i, s in enumerate(game.states) if s.is_live]
    assert all(path[i] == 0.37 for i in live)
    books = SimBooks(BookConfig(noise_sd=0.0, consensus="model"), seed=1)
    listed = books.open_game(game, fallback=lambda state: 0.37)
    books.advance(next(m.at for m in game.moments() if m.state.is_live))
    assert books.fair_home(listed) == Decimal("0.37")
    with pytest.raises(ValueError, match="consensus"):
        BookConfig(consensus="oracle")


def test_market_path_noise_and_lag(game: GameTimeline) -> None:
    consensus = consensus_path(game)
    quiet = BookConfig(noise_sd=0.0)
    times, values = market_path(game, consensus, quiet, random.Random(1))
    assert values[len(values) // 2] == round(min(max(consensus[len(values) // 2], 0.01), 0.99) * 10_000) * 100
    lagged, _ = market_path(game, consensus, BookConfig(noise_sd=0.0, lag_seconds=20), random.Random(1))
    assert all(b - a == 20_000 for a, b in zip(times, lagged, strict=True))
    noisy = BookConfig(noise_sd=0.05)
    first = market_path(game, consensus, noisy, random.Random(7))
    assert first == market_path(game, consensus, noisy, random.Random(7))
    assert first[1] != values
    assert all(10_000 <= v <= 990_000 for v in first[1])


def test_books_follow_the_game_and_settle(game: GameTimeline) -> None:
    books = SimBooks(BookConfig(noise_sd=0.0), seed=1)
    listed = books.open_game(game)
    assert books.open_game(game) is listed
    assert listed.yes_team_id(listed.home_ticker) == game.states[0].home.team_id
    assert listed.yes_is_home(listed.home_ticker) and not listed.yes_is_home(listed.away_ticker)
    moments = list(game.moments())
    consensus = consensus_path(game)
    live = [i for i, s in enumerate(game.states) if s.is_live]
    middle = moments[min(live, key=lambda i: abs(consensus[i] - 0.5))]
    books.advance(middle.at)
    fair = books.fair_home(listed)
    home, away = books.orderbook(listed.home_ticker), books.orderbook(listed.away_ticker)
    assert home.best_yes_bid is not None and home.best_yes_ask is not None
    assert home.best_yes_bid < fair < home.best_yes_ask
    assert Decimal("0.04") <= home.best_yes_ask - home.best_yes_bid <= Decimal("0.05")  # fair off the tick
    assert away.best_yes_bid is not None
    assert away.best_yes_bid == Decimal(1) - home.best_yes_ask  # the complement market
    books.advance(middle.at + timedelta(minutes=5))
    assert books.trades(listed.home_ticker) or books.trades(listed.away_ticker)  # noise takers trade
    assert books.market(listed.home_ticker).status is MarketStatus.OPEN
    books.close_game(listed, game.home_won)
    market = books.market(listed.home_ticker)
    assert market.status is MarketStatus.SETTLED
    assert market.result is (OutcomeSide.YES if game.home_won else OutcomeSide.NO)
    assert books.market(listed.away_ticker).result is (OutcomeSide.NO if game.home_won else OutcomeSide.YES)


def test_unfinished_game_closes_unsettled(game: GameTimeline) -> None:
    books = SimBooks(seed=1)
    listed = books.open_game(game)
    books.close_game(listed, None)
    market = books.market(listed.home_ticker)
    assert market.status is MarketStatus.CLOSED and market.result is None
    assert books.orderbook(listed.home_ticker).yes_bids == ()


def test_book_config_validates() -> None:
    with pytest.raises(ValueError):
        BookConfig(noise_sd=-1)
    with pytest.raises(ValueError):
        BookConfig(spread=Decimal(1))
    assert BookConfig(size=Decimal(3)).maker().size == 300
