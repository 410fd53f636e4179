"""In-memory stand-ins for everything a strategy tick reads and writes (tests and the benchmark)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from inplay.orders.fills import PositionState
from inplay.orders.intents import InMemoryIntentLedger, TradingMode
from inplay.orders.workflow import OrderRequest
from inplay.risk.kill_switch import KillSwitch, KillSwitchState
from inplay.sports.models import GameState, League
from inplay.strategy.mapping import VenueMarket
from inplay.strategy.runner import StrategyDeps
from inplay.venues.base import Balance, MarketStatus, OrderBook, VenueError
from tests.unit.strategy.strategy_builders import AWAY_TICKER, HOME_TICKER, NOW, book, game

EVENT_TICKER = "KXNBAGAME-25JAN14LALBOS"


@dataclass(slots=True)
class Bot:
    user_id: str
    bot_id: str = "default"
    settings: Mapping[str, str] = field(default_factory=dict)
    paused: bool = False


@dataclass(slots=True)
class FakeBots:
    bots: list[Bot] = field(default_factory=list)
    modes: dict[str, TradingMode] = field(default_factory=dict)
    tripped: set[str] = field(default_factory=set)
    errors: list[tuple[str, str, str]] = field(default_factory=list)

    def active_bots(self) -> Sequence[Bot]:
        return [b for b in self.bots if (b.user_id, b.bot_id) not in {(u, i) for u, i, _ in self.errors}]

    def trading_mode(self, user_id: str) -> TradingMode:
        return self.modes.get(user_id, TradingMode.PAPER)

    def kill_switch(self, user_id: str) -> KillSwitch:
        if user_id in self.tripped:
            return KillSwitch(KillSwitchState.TRIPPED, reason="test")
        return KillSwitch()

    def mark_error(self, user_id: str, bot_id: str, reason: str, at: datetime) -> bool:
        if any(u == user_id and b == bot_id for u, b, _ in self.errors):
            return False
        self.errors.append((user_id, bot_id, reason))
        return True


@dataclass(slots=True)
class FakeGames:
    games_: list[GameState] = field(default_factory=list)
    fresh: dict[League, datetime | None] = field(default_factory=dict)

    def games(self, leagues: Iterable[League], now: datetime) -> Sequence[GameState]:
        wanted = set(leagues)
        return [g for g in self.games_ if g.league in wanted]

    def feed_fresh_at(self, leagues: Iterable[League]) -> Mapping[League, datetime | None]:
        return {league: self.fresh.get(league, NOW) for league in leagues}


@dataclass(slots=True)
class FakeMarkets:
    listings: dict[League, list[VenueMarket]] = field(default_factory=dict)
    books: dict[str, OrderBook] = field(default_factory=dict)
    calls: int = 0

    def game_markets(self, league: League) -> Sequence[VenueMarket]:
        self.calls += 1
        return self.listings.get(league, [])

    def orderbook(self, ticker: str) -> OrderBook:
        self.calls += 1
        return self.books[ticker]


@dataclass(slots=True)
class FakeTrades:
    open_: dict[str, list[PositionState]] = field(default_factory=dict)
    closed: dict[str, list[PositionState]] = field(default_factory=dict)

    def open_positions(self, user_id: str) -> Iterable[PositionState]:
        return list(self.open_.get(user_id, []))

    def closed_positions(self, user_id: str, *, limit: int) -> list[PositionState]:
        return list(self.closed.get(user_id, []))[:limit]


@dataclass(slots=True)
class FakeAccount:
    balance: Decimal
    fail: bool = False

    def get_balance(self) -> Balance:
        if self.fail:
            raise VenueError("venue down")
        return Balance(available=self.balance)


@dataclass(slots=True)
class FakeVenues:
    balance: Decimal = Decimal(1000)
    failing: set[str] = field(default_factory=set)
    asked: list[tuple[str, TradingMode]] = field(default_factory=list)

    def account(self, user_id: str, venue: str, mode: TradingMode) -> FakeAccount:
        self.asked.append((user_id, mode))
        return FakeAccount(self.balance, fail=user_id in self.failing)

    def venue_for(self, intent: object) -> FakeAccount:  # pragma: no cover - not used by the tick
        raise NotImplementedError

    def account_key(self, user_id: str, venue: str, mode: TradingMode) -> str:
        return f"{venue}:{mode.value}:{user_id}"


@dataclass(slots=True)
class RecordingStarter:
    """Starts nothing; writes the intent as the workflow's Reserve step would (PENDING)."""

    ledger: InMemoryIntentLedger
    requests: list[OrderRequest] = field(default_factory=list)
    names: list[str] = field(default_factory=list)

    def start(self, name: str, request: OrderRequest) -> str:
        self.names.append(name)
        self.requests.append(request)
        self.ledger.create(request.intent.to_record(now=NOW, execution_arn=f"arn:{name}"))
        return f"arn:{name}"


def listing(ticker: str, *, start: datetime | None = None) -> VenueMarket:
    return VenueMarket(
        ticker=ticker,
        event_ticker=EVENT_TICKER,
        yes_sub_title=ticker.rsplit("-", 1)[1],
        status=MarketStatus.OPEN,
        expected_start=start or NOW - timedelta(hours=1),
    )


def cheap_home_books() -> dict[str, OrderBook]:
    """BOS (home, leading) offered far below any fair value; LAL priced as its mirror."""
    return {
        HOME_TICKER: book(HOME_TICKER, yes=[("0.28", 200)], no=[("0.70", 200)]),
        AWAY_TICKER: book(AWAY_TICKER, yes=[("0.28", 200)], no=[("0.70", 200)]),
    }


@dataclass(slots=True)
class World:
    bots: FakeBots = field(default_factory=FakeBots)
    games: FakeGames = field(default_factory=FakeGames)
    markets: FakeMarkets = field(default_factory=FakeMarkets)
    trades: FakeTrades = field(default_factory=FakeTrades)
    ledger: InMemoryIntentLedger = field(default_factory=InMemoryIntentLedger)
    venues: FakeVenues = field(default_factory=FakeVenues)
    starter: RecordingStarter | None = None
    error_calls: list[tuple[str, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.starter = RecordingStarter(self.ledger)

    @classmethod
    def one_game(cls, *users: str, settings: Mapping[str, str] | None = None) -> World:
        world = cls()
        world.games.games_.append(game())
        world.markets.listings[League.NBA] = [listing(AWAY_TICKER), listing(HOME_TICKER)]
        world.markets.books.update(cheap_home_books())
        for user in users or ("u1",):
            world.bots.bots.append(Bot(user, settings=dict(settings or {})))
        return world

    def deps(self) -> StrategyDeps:
        assert self.starter is not None
        return StrategyDeps(
            bots=self.bots,
            games=self.games,
            markets=self.markets,
            trades=self.trades,
            intents=self.ledger,
            venues=self.venues,  # type: ignore[arg-type]
            orders=self.starter,
            feed_max_age=timedelta(seconds=90),
            on_error=lambda bot, reason: self.error_calls.append((bot.bot_id, reason)),
        )
