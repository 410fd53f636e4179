"""Small builders for the strategy-core tests (books, quotes, games, fair values, positions)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from inplay.orders.fills import PositionState
from inplay.orders.intents import TradingMode
from inplay.sports.models import GameState, GameStatus, League, Phase, TeamState
from inplay.strategy.model import GamePhase, MarketQuote, WinProbability
from inplay.venues.base import MarketStatus, OrderBook, PriceLevel

D = Decimal
NOW = datetime(2025, 1, 15, 1, 30, tzinfo=UTC)
HOME_TICKER = "KXNBAGAME-25JAN14LALBOS-BOS"
AWAY_TICKER = "KXNBAGAME-25JAN14LALBOS-LAL"


def levels(*pairs: tuple[str, str | int]) -> tuple[PriceLevel, ...]:
    return tuple(PriceLevel(price=D(price), count=D(count)) for price, count in pairs)


def book(
    ticker: str, yes: list[tuple[str, str | int]] | None = None, no: list[tuple[str, str | int]] | None = None
):
    """A book from YES bids and NO bids, best first (a NO bid at q is a YES ask at 1 − q)."""
    return OrderBook(market_ticker=ticker, yes_bids=levels(*(yes or [])), no_bids=levels(*(no or [])))


def quote(
    ticker: str = HOME_TICKER,
    *,
    yes_is_home: bool = True,
    yes: list[tuple[str, str | int]] | None = None,
    no: list[tuple[str, str | int]] | None = None,
    status: MarketStatus = MarketStatus.OPEN,
    min_count: str = "1",
) -> MarketQuote:
    return MarketQuote(
        ticker=ticker,
        event_ticker="KXNBAGAME-25JAN14LALBOS",
        yes_team_id="2" if yes_is_home else "13",
        yes_is_home=yes_is_home,
        book=book(ticker, yes, no),
        status=status,
        min_count=D(min_count),
    )


def win(
    home: str = "0.60",
    *,
    model: str | None = None,
    espn: str | None = None,
    time_left: str = "0.5",
    seconds_left: str = "1440",
    phase: GamePhase = GamePhase.MIDDLE,
) -> WinProbability:
    return WinProbability(
        home=D(home),
        model=D(model if model is not None else home),
        espn=None if espn is None else D(espn),
        model_name="test",
        time_left=D(time_left),
        seconds_left=D(seconds_left),
        phase=phase,
    )


def game(
    *,
    state: Phase = Phase.IN,
    status: GameStatus = GameStatus.IN_PROGRESS,
    completed: bool = False,
    home_score: int = 50,
    away_score: int = 45,
) -> GameState:
    return GameState(
        league=League.NBA,
        event_id="401700001",
        name="Los Angeles Lakers at Boston Celtics",
        home=TeamState(team_id="2", abbreviation="BOS", name="Boston Celtics", score=home_score),
        away=TeamState(team_id="13", abbreviation="LAL", name="Los Angeles Lakers", score=away_score),
        period=2,
        clock_seconds=D(300),
        state=state,
        completed=completed,
        status=status,
        start_time=NOW - timedelta(hours=1),
    )


def final_game(home_score: int = 101, away_score: int = 99) -> GameState:
    return game(
        state=Phase.POST,
        status=GameStatus.FINAL,
        completed=True,
        home_score=home_score,
        away_score=away_score,
    )


def position(
    ticker: str = HOME_TICKER,
    contracts: str = "20",
    cost: str = "10.40",
    *,
    realized: str = "0",
    fees: str = "0",
    closed_minutes_ago: int | None = None,
) -> PositionState:
    """Signed YES contracts and YES-terms cost (NO holdings: both negative)."""
    closed_at = None if closed_minutes_ago is None else NOW - timedelta(minutes=closed_minutes_ago)
    return PositionState(
        user_id="u1",
        position_id=f"default#kalshi#{ticker}#paper",
        bot_id="default",
        venue="kalshi",
        market_ticker=ticker,
        mode=TradingMode.PAPER,
        contracts=D(contracts),
        cost=D(cost),
        realized_pnl=D(realized),
        fees=D(fees),
        fills=1,
        opened_at=NOW - timedelta(hours=1),
        updated_at=closed_at or NOW,
        closed_at=closed_at,
    )
