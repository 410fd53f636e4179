from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import pytest

from inplay.sports.models import GameState, League
from inplay.strategy.model import GamePhase, WinProbability, params_from_settings
from inplay.venues.base import Venue
from local.backtest.books import BookConfig, SimBooks
from local.backtest.games import GameTimeline, simulated_games
from local.backtest.report import format_report, summarize
from local.backtest.runner import BacktestConfig, run_backtest
from local.backtest.venue import paper_venue

ACTIVE = params_from_settings({"edge_threshold": "0.02"})
NOISY = BookConfig(noise_sd=0.05)


@pytest.fixture(scope="module")
def games() -> list[GameTimeline]:
    return list(simulated_games("nba", 3, seed=4, step_seconds=30))


def _config(seed: int = 1, **settings: str) -> BacktestConfig:
    params = params_from_settings({"edge_threshold": "0.02", **settings})
    return BacktestConfig(params=params, books=NOISY, seed=seed, settings=settings)


def test_same_seed_same_report_other_seed_other_report(games: list[GameTimeline]) -> None:
    first = run_backtest(iter(games), _config(1), leagues=[League.NBA])
    again = run_backtest(iter(games), _config(1), leagues=[League.NBA])
    other = run_backtest(iter(games), _config(2), leagues=[League.NBA])
    assert summarize(first).trades > 0
    assert format_report(first) == format_report(again)
    assert first.equity == again.equity
    assert format_report(first) != format_report(other)


def test_cash_matches_the_paper_venue_and_the_trades(games: list[GameTimeline]) -> None:
    venues: list[Venue] = []

    def factory(books: SimBooks, balance: Decimal) -> Venue:
        venues.append(paper_venue(books, balance))
        return venues[0]

    result = run_backtest(iter(games), _config(), venue_factory=factory)
    summary = summarize(result)
    assert result.games == 3 and result.open_positions == 0
    assert summary.trades > 0 and summary.fills >= summary.trades
    assert result.final_balance == venues[0].get_balance().available
    net = sum((t.net_pnl for t in result.trades), Decimal(0))
    assert result.final_balance - result.starting_balance == net
    assert summary.final_equity == result.final_balance.quantize(Decimal("0.01"))
    assert summary.fees == sum((t.fees for t in result.trades), Decimal(0)).quantize(Decimal("0.01"))
    times = [p.at for p in result.equity]
    assert times == sorted(times)
    assert result.forecasts and all(
        f.home_won == (f.event_id in _home_winners(games)) for f in result.forecasts
    )


def _home_winners(games: list[GameTimeline]) -> set[str]:
    return {g.event_id for g in games if g.home_won}


def _oracle(games: list[GameTimeline]) -> object:
    winners = {g.event_id: g.home_won for g in games}

    def model(state: GameState, espn_weight: Decimal) -> WinProbability | None:
        if not state.is_live:
            return None
        home = Decimal("0.97") if winners[state.event_id] else Decimal("0.03")
        return WinProbability(home, home, None, "oracle", Decimal("0.5"), Decimal(1000), GamePhase.MIDDLE)

    return model


def test_a_model_that_knows_the_result_makes_money(games: list[GameTimeline]) -> None:
    config = _config(min_confidence="0", hold_to_settlement="true", take_profit="0.9", stop_loss="0.9")
    result = run_backtest(iter(games), config, win_model=_oracle(games))  # type: ignore[arg-type]
    summary = summarize(result)
    assert summary.trades >= 3
    assert summary.net_pnl > 0 and summary.losses == 0


def test_no_fair_value_no_trades(games: list[GameTimeline]) -> None:
    result = run_backtest(iter(games), _config(), win_model=lambda state, weight: None)
    assert result.orders == 0 and result.trades == []
    assert result.decisions["skip:no_fair_value"] > 0
    assert summarize(result).net_pnl == 0


def test_overlapping_games_share_the_clock_and_the_balance(games: list[GameTimeline]) -> None:
    first, second = games[0], games[1]
    shift = first.start_time - second.start_time + timedelta(minutes=20)
    moved = replace(
        second,
        states=tuple(s.model_copy(update={"start_time": s.start_time + shift}) for s in second.states),
        times=tuple(t + shift for t in second.times),
    )
    result = run_backtest(iter([first, moved]), _config())
    assert result.games == 2 and result.open_positions == 0
    times = [p.at for p in result.equity]
    assert times == sorted(times)
