"""One strategy tick: every active bot, every game it trades, one decision per market, and an order
workflow started for every decision that trades.

What a tick reads is shared: live games once, each league's game-winner markets once, each
matched market's order book once, each user's mode/kill switch/balance/positions/intents once;
only :func:`~inplay.strategy.decide.decide_game` runs per bot and game.

Idempotency by construction: an order's intent id comes from (user, bot, market, signal, leg,
bucket) where the signal is ``<league>-<event>-<leg>-<attempt>``, the attempt is one more than the
bot's earlier intents of that leg on that market, and the bucket is the game's start date. Two
evaluations racing on the same state (the minute schedule and a game-change stream event) compute
the same id, and Step Functions refuses the second execution of that name. A market with an intent
still working is not traded again until it settles.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from decimal import ROUND_FLOOR, Decimal
from typing import Final, Protocol

from inplay.orders.fills import PositionState
from inplay.orders.intents import TERMINAL_STATES, IntentRecord, TradingMode
from inplay.orders.workflow import IntentSpec, OrderRequest, Purpose
from inplay.risk.kill_switch import KillSwitch
from inplay.sports.models import GameState, League, Phase
from inplay.store.bots import InvalidBotSettings, config_from_settings
from inplay.strategy.decide import BotContext, decide_game
from inplay.strategy.mapping import MarketMatch, VenueMarket, match_game
from inplay.strategy.model import (
    Decision,
    DecisionKind,
    InvalidStrategyParams,
    MarketQuote,
    StrategyParams,
    params_from_settings,
)
from inplay.strategy.sizing import loss_streak
from inplay.strategy.winprob import win_probability
from inplay.venues.base import MarketStatus, OrderBook, TimeInForce, VenueError
from inplay.venues.factory import VenueProvider

__all__ = [
    "ENTRY_LEG",
    "EXIT_LEG",
    "VENUE",
    "BotFailure",
    "MarketSource",
    "OrderStarter",
    "RunningBot",
    "StartedOrder",
    "StrategyBots",
    "StrategyDeps",
    "StrategyGames",
    "StrategyIntents",
    "StrategyTrades",
    "TickReport",
    "UnmatchedGame",
    "order_request",
    "run_tick",
    "within_order_limits",
]

VENUE: Final = "kalshi"
ENTRY_LEG: Final = "entry"
EXIT_LEG: Final = "exit"
INTENT_LOOKBACK: Final = timedelta(days=2)
CLOSED_LOOKBACK: Final = 50
"""Closed positions read per user for the loss streak and the cooldowns."""


# ---------------------------------------------------------------------------------------------
# What a tick reads and writes (protocols: DynamoDB and Kalshi in the Lambda, fakes in tests)


class RunningBot(Protocol):
    @property
    def user_id(self) -> str: ...
    @property
    def bot_id(self) -> str: ...
    @property
    def paused(self) -> bool:
        """PAUSED: exits only, no new entries."""
        ...

    @property
    def settings(self) -> Mapping[str, str]: ...


class StrategyBots(Protocol):
    def active_bots(self) -> Sequence[RunningBot]:
        """RUNNING and PAUSED bots of every user."""
        ...

    def trading_mode(self, user_id: str) -> TradingMode: ...

    def kill_switch(self, user_id: str) -> KillSwitch: ...

    def mark_error(self, user_id: str, bot_id: str, reason: str, at: datetime) -> bool:
        """Move a RUNNING/PAUSED bot to ERROR (conditional); True when this call moved it."""
        ...


class StrategyGames(Protocol):
    def games(self, leagues: Iterable[League], now: datetime) -> Sequence[GameState]:
        """Live games and recently finished ones (their game-end exits) of the leagues."""
        ...

    def feed_fresh_at(self, leagues: Iterable[League]) -> Mapping[League, datetime | None]:
        """When each league's feed last polled successfully."""
        ...


class MarketSource(Protocol):
    def game_markets(self, league: League) -> Sequence[VenueMarket]: ...

    def orderbook(self, ticker: str) -> OrderBook: ...


class StrategyTrades(Protocol):
    def open_positions(self, user_id: str) -> Iterable[PositionState]: ...

    def closed_positions(self, user_id: str, *, limit: int) -> list[PositionState]: ...


class StrategyIntents(Protocol):
    def list_by_user(
        self, user_id: str, *, since: datetime | None = None, limit: int | None = None
    ) -> list[IntentRecord]: ...


class OrderStarter(Protocol):
    def start(self, name: str, request: OrderRequest) -> str:
        """Start an order workflow execution named ``name`` (an existing one is joined)."""
        ...


@dataclass(frozen=True, slots=True)
class StrategyDeps:
    bots: StrategyBots
    games: StrategyGames
    markets: MarketSource
    trades: StrategyTrades
    intents: StrategyIntents
    venues: VenueProvider
    orders: OrderStarter
    feed_max_age: timedelta = timedelta(seconds=90)
    on_error: Callable[[RunningBot, str], None] | None = None
    """Called once when a bot is moved to ERROR (the Lambda alerts)."""


# ---------------------------------------------------------------------------------------------
# The report


@dataclass(frozen=True, slots=True)
class UnmatchedGame:
    league: League
    event_id: str
    name: str | None
    reason: str


@dataclass(frozen=True, slots=True)
class StartedOrder:
    user_id: str
    bot_id: str
    intent_id: str
    market_ticker: str
    decision: Decision
    mode: TradingMode


@dataclass(frozen=True, slots=True)
class BotFailure:
    user_id: str
    bot_id: str | None
    error: str


@dataclass(slots=True)
class TickReport:
    at: datetime
    bots: int = 0
    games: int = 0
    decisions: int = 0
    started: list[StartedOrder] = field(default_factory=list)
    unmatched: list[UnmatchedGame] = field(default_factory=list)
    errored: list[BotFailure] = field(default_factory=list)
    """Bots moved to ERROR this tick (invalid settings)."""
    failures: list[BotFailure] = field(default_factory=list)
    """Users or bots whose evaluation failed this tick (venue or store outage); retried next tick."""
    skipped_users: dict[str, str] = field(default_factory=dict)
    """Users not evaluated and why (kill switch tripped)."""

    @property
    def ok(self) -> bool:
        return not self.failures


# ---------------------------------------------------------------------------------------------
# Shared market view of the tick


@dataclass(slots=True)
class _GameView:
    game: GameState
    match: MarketMatch
    quotes: tuple[MarketQuote, ...]


class _Markets:
    """Each league's markets and each market's book, read at most once per tick."""

    def __init__(self, source: MarketSource) -> None:
        self._source = source
        self._listings: dict[League, Sequence[VenueMarket]] = {}
        self._books: dict[str, OrderBook] = {}

    def listings(self, league: League) -> Sequence[VenueMarket]:
        if league not in self._listings:
            self._listings[league] = self._source.game_markets(league)
        return self._listings[league]

    def book(self, ticker: str) -> OrderBook:
        if ticker not in self._books:
            self._books[ticker] = self._source.orderbook(ticker)
        return self._books[ticker]


def _quotes(
    markets: _Markets, match: MarketMatch, listings: Sequence[VenueMarket]
) -> tuple[MarketQuote, ...]:
    status = {listing.ticker: listing.status for listing in listings}
    quotes = []
    for ticker, team_id, is_home in (
        (match.home_ticker, match.home_team_id, True),
        (match.away_ticker, match.away_team_id, False),
    ):
        quotes.append(
            MarketQuote(
                ticker=ticker,
                event_ticker=match.event_ticker,
                yes_team_id=team_id,
                yes_is_home=is_home,
                book=markets.book(ticker),
                status=_market_status(status.get(ticker)),
            )
        )
    return tuple(quotes)


def _market_status(value: object) -> MarketStatus:
    if isinstance(value, MarketStatus):
        return value
    try:
        return MarketStatus(str(value))
    except ValueError:
        return MarketStatus.OPEN if str(value) in ("active", "initialized") else MarketStatus.CLOSED


# ---------------------------------------------------------------------------------------------
# Per user


@dataclass(slots=True)
class _User:
    mode: TradingMode
    balance: Decimal
    positions: dict[tuple[str, str], PositionState]
    """Open positions by (bot id, market ticker)."""
    closed: dict[str, list[PositionState]]
    """Closed positions by bot, newest first."""
    intents: dict[tuple[str, str], list[IntentRecord]]
    """Intents by (bot id, market ticker), newest first."""


def _load_user(deps: StrategyDeps, user_id: str, now: datetime) -> _User:
    mode = deps.bots.trading_mode(user_id)
    balance = deps.venues.account(user_id, VENUE, mode).get_balance().available
    positions = {
        (p.bot_id, p.market_ticker): p for p in deps.trades.open_positions(user_id) if p.contracts != 0
    }
    closed: dict[str, list[PositionState]] = defaultdict(list)
    for position in deps.trades.closed_positions(user_id, limit=CLOSED_LOOKBACK):
        closed[position.bot_id].append(position)
    for items in closed.values():
        items.sort(key=lambda p: p.closed_at or p.updated_at, reverse=True)
    intents: dict[tuple[str, str], list[IntentRecord]] = defaultdict(list)
    for intent in deps.intents.list_by_user(user_id, since=now - INTENT_LOOKBACK):
        intents[(intent.bot_id, intent.market_ticker)].append(intent)
    return _User(mode, balance, positions, dict(closed), dict(intents))


def _context(user: _User, bot_id: str, tickers: Sequence[str]) -> BotContext:
    in_flight: set[str] = set()
    last_entry: dict[str, datetime] = {}
    for ticker in tickers:
        for intent in user.intents.get((bot_id, ticker), ()):
            if intent.status not in TERMINAL_STATES:
                in_flight.add(ticker)
            if intent.leg == ENTRY_LEG:
                seen = last_entry.get(ticker)
                if seen is None or intent.updated_at > seen:
                    last_entry[ticker] = intent.updated_at
    last_exit: dict[str, datetime] = {}
    for position in user.closed.get(bot_id, ()):
        if position.market_ticker in tickers and position.market_ticker not in last_exit:
            last_exit[position.market_ticker] = position.closed_at or position.updated_at
    return BotContext(
        balance=user.balance,
        loss_streak=loss_streak(user.closed.get(bot_id, [])),
        in_flight=frozenset(in_flight),
        last_exit_at=last_exit,
        last_entry_at=last_entry,
    )


# ---------------------------------------------------------------------------------------------
# Decisions → order requests


def _game_day(game: GameState) -> datetime:
    return game.start_time.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def order_request(
    decision: Decision,
    *,
    user_id: str,
    bot_id: str,
    game: GameState,
    mode: TradingMode,
    attempt: int,
) -> OrderRequest:
    """The order workflow's input for a trading decision (see the module docstring for the id)."""
    if decision.side is None or decision.action is None or decision.price is None or decision.count is None:
        raise ValueError(f"decision {decision.kind} on {decision.market_ticker} carries no order")
    entry = decision.kind is DecisionKind.ENTER
    leg = ENTRY_LEG if entry else EXIT_LEG
    meta = decision.signal_meta()
    meta.update(
        {
            "league": game.league.value,
            "event_id": game.event_id,
            "attempt": str(attempt),
        }
    )
    meta.setdefault("reference_price", str(decision.price))
    return OrderRequest(
        intent=IntentSpec(
            user_id=user_id,
            bot_id=bot_id,
            market_ticker=decision.market_ticker,
            signal_id=f"{game.league.value}-{game.event_id}-{leg}-{attempt}",
            leg=leg,
            decision_bucket=_game_day(game),
            venue=VENUE,
            side=decision.side,
            action=decision.action,
            price=decision.price,
            count=decision.count,
            mode=mode,
            time_in_force=TimeInForce.GTC,
            reduce_only=not entry,
            signal_meta=meta,
        ),
        purpose=Purpose.ENTRY if entry else Purpose.EXIT,
        reason=decision.reason,
    )


def _attempt(user: _User, bot_id: str, ticker: str, leg: str, mode: TradingMode) -> int:
    earlier = [i for i in user.intents.get((bot_id, ticker), ()) if i.leg == leg and i.mode is mode]
    return len(earlier) + 1


# ---------------------------------------------------------------------------------------------
# The tick


def _views(
    deps: StrategyDeps, games: Sequence[GameState], markets: _Markets, report: TickReport
) -> list[_GameView]:
    views = []
    for game in games:
        try:
            listings = markets.listings(game.league)
        except VenueError as exc:
            report.failures.append(BotFailure("*", None, f"markets of {game.league}: {exc}"))
            continue
        matched = match_game(game, listings)
        if not isinstance(matched, MarketMatch):
            # Only open markets are listed: a finished game's markets have usually closed (settlement
            # then closes its positions). Only a live game without a market is news.
            if game.state is Phase.IN:
                report.unmatched.append(UnmatchedGame(game.league, game.event_id, game.name, matched.reason))
            continue
        try:
            quotes = _quotes(markets, matched, listings)
        except VenueError as exc:
            report.failures.append(BotFailure("*", None, f"order book of {matched.event_ticker}: {exc}"))
            continue
        views.append(_GameView(game, matched, quotes))
    return views


def run_tick(
    deps: StrategyDeps,
    now: datetime,
    *,
    only_games: set[tuple[League, str]] | None = None,
) -> TickReport:
    """Evaluate every active bot (for ``only_games`` when a game-change event triggered the tick)."""
    report = TickReport(at=now)
    bots = list(deps.bots.active_bots())
    report.bots = len(bots)
    if not bots:
        return report
    params: dict[tuple[str, str], StrategyParams] = {}
    for bot in bots:
        try:
            params[(bot.user_id, bot.bot_id)] = params_from_settings(bot.settings)
        except InvalidStrategyParams as exc:
            if deps.bots.mark_error(bot.user_id, bot.bot_id, str(exc), now):
                report.errored.append(BotFailure(bot.user_id, bot.bot_id, str(exc)))
                if deps.on_error is not None:
                    deps.on_error(bot, str(exc))
    leagues = {league for p in params.values() for league in p.leagues}
    games = [
        g
        for g in deps.games.games(leagues, now)
        if only_games is None or (g.league, g.event_id) in only_games
    ]
    fresh_at = deps.games.feed_fresh_at(leagues)
    markets = _Markets(deps.markets)
    views = _views(deps, games, markets, report)
    report.games = len(views)
    by_user: dict[str, list[RunningBot]] = defaultdict(list)
    for bot in bots:
        if (bot.user_id, bot.bot_id) in params:
            by_user[bot.user_id].append(bot)
    for user_id, user_bots in by_user.items():
        _run_user(deps, user_id, user_bots, params, views, fresh_at, now, report)
    return report


def _run_user(
    deps: StrategyDeps,
    user_id: str,
    bots: list[RunningBot],
    params: Mapping[tuple[str, str], StrategyParams],
    views: Sequence[_GameView],
    fresh_at: Mapping[League, datetime | None],
    now: datetime,
    report: TickReport,
) -> None:
    try:
        switch = deps.bots.kill_switch(user_id)
        if switch.tripped:  # the kill switch closes positions itself; the strategy stands aside
            report.skipped_users[user_id] = "kill switch tripped"
            return
        user = _load_user(deps, user_id, now)
    except Exception as exc:  # one user's outage must not stop the others' bots
        report.failures.append(BotFailure(user_id, None, f"{type(exc).__name__}: {exc}"))
        return
    for bot in bots:
        bot_params = params[(user_id, bot.bot_id)]
        for view in views:
            if view.game.league not in bot_params.leagues:
                continue
            try:
                _run_bot_game(deps, user_id, bot, bot_params, user, view, fresh_at, now, report)
            except Exception as exc:
                report.failures.append(BotFailure(user_id, bot.bot_id, f"{type(exc).__name__}: {exc}"))


def within_order_limits(decision: Decision, settings: Mapping[str, str]) -> Decision | None:
    """An entry cut to the bot's per-order limits (contracts, worst-case cost), which the order
    workflow would otherwise refuse; None when nothing whole is left. Exits are reduce-only and
    pass the workflow whatever their size."""
    if decision.count is None or decision.price is None:
        return decision
    try:
        limits = config_from_settings(settings).limits
    except InvalidBotSettings:
        return decision  # the workflow refuses it with the reason; the strategy does not guess
    count = min(decision.count, limits.max_contracts_per_order)
    affordable = (limits.max_cost_per_order / decision.price).to_integral_value(rounding=ROUND_FLOOR)
    count = min(count, affordable)
    if count == decision.count:
        return decision
    if count < 1:
        return None
    detail = {**decision.detail, "size_order_limit": str(count)}
    return replace(decision, count=count, detail=detail)


def _feed_fresh(
    view: _GameView, fresh_at: Mapping[League, datetime | None], deps: StrategyDeps, now: datetime
) -> bool:
    last = fresh_at.get(view.game.league)
    return last is not None and now - last <= deps.feed_max_age


def _run_bot_game(
    deps: StrategyDeps,
    user_id: str,
    bot: RunningBot,
    params: StrategyParams,
    user: _User,
    view: _GameView,
    fresh_at: Mapping[League, datetime | None],
    now: datetime,
    report: TickReport,
) -> None:
    tickers = [quote.ticker for quote in view.quotes]
    positions = {t: user.positions[(bot.bot_id, t)] for t in tickers if (bot.bot_id, t) in user.positions}
    if view.game.state is not Phase.IN and not positions:
        return
    win = win_probability(view.game, espn_weight=params.espn_weight)
    decisions = decide_game(
        params=params,
        game=view.game,
        win=win,
        quotes=view.quotes,
        positions=positions,
        context=_context(user, bot.bot_id, tickers),
        now=now,
    )
    report.decisions += len(decisions)
    entries_allowed = not bot.paused and _feed_fresh(view, fresh_at, deps, now)
    for decision in decisions:
        if not decision.trades:
            continue
        if decision.kind is DecisionKind.ENTER and not entries_allowed:
            continue
        if decision.kind is DecisionKind.ENTER:
            limited = within_order_limits(decision, bot.settings)
            if limited is None:
                continue
            decision = limited
        position = positions.get(decision.market_ticker)
        mode = position.mode if decision.kind is DecisionKind.EXIT and position is not None else user.mode
        leg = ENTRY_LEG if decision.kind is DecisionKind.ENTER else EXIT_LEG
        attempt = _attempt(user, bot.bot_id, decision.market_ticker, leg, mode)
        request = order_request(
            decision, user_id=user_id, bot_id=bot.bot_id, game=view.game, mode=mode, attempt=attempt
        )
        deps.orders.start(request.intent_id, request)
        report.started.append(
            StartedOrder(user_id, bot.bot_id, request.intent_id, decision.market_ticker, decision, mode)
        )
