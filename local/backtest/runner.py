"""Run the production strategy over game timelines against simulated books, in one process.

Per game moment (``step_seconds`` of game time apart): the simulated exchange's clock moves to the
moment and its makers requote; the bot's working orders are read back from the paper venue (fills
recorded, orders older than ``order_timeout_seconds`` cancelled, as the order workflow times them
out); then, while the game is live or a position is held, the same code the Lambda runs decides:
:func:`inplay.strategy.winprob.win_probability` → :func:`inplay.strategy.decide.decide_game` with
the bot's positions and context, and every trading decision becomes a GTC limit order on the paper
venue (exits reduce-only). After the final state the books keep running for one order timeout so
exits can fill, then the markets settle and held contracts pay $1 or nothing.

Games are merged by time (recorded games may overlap); the balance is shared across them. Cash and
P&L are kept from our own fills (in side terms, fees included), so the report does not depend on
how a venue reserves collateral.
"""

from __future__ import annotations

import heapq
import itertools
import math
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Final

from inplay.orders.fills import FillRecord, PositionState, apply_fill, fill_record, price_on_side
from inplay.orders.intents import IntentRecord, TradingMode
from inplay.orders.workflow import DEFAULT_MAX_WAIT_SECONDS
from inplay.sports.models import GameState, League, Phase
from inplay.strategy.decide import BotContext, decide_game
from inplay.strategy.model import Decision, DecisionKind, MarketQuote, StrategyParams, WinProbability
from inplay.strategy.runner import VENUE, order_request, within_order_limits
from inplay.strategy.sizing import loss_streak
from inplay.venues.base import (
    Action,
    Fill,
    Order,
    OrderBook,
    OrderIntent,
    OrderStatus,
    OutcomeSide,
    Venue,
    VenueError,
)
from local.backtest.books import BookConfig, GameBooks, SimBooks
from local.backtest.games import GameTimeline, Moment
from local.backtest.report import BacktestResult, ClosedTrade, EquityPoint, ForecastPoint, TradeFill

__all__ = [
    "BOT_ID",
    "USER_ID",
    "BacktestConfig",
    "VenueFactory",
    "WinModel",
    "run_backtest",
]

BOT_ID: Final = "backtest"
USER_ID: Final = "backtest-user"
ZERO: Final = Decimal(0)
ONE: Final = Decimal(1)
WinModel = Callable[[GameState, Decimal], WinProbability | None]
"""``(state, espn_weight) → fair value``: :func:`inplay.strategy.winprob.win_probability` by default."""


VenueFactory = Callable[[SimBooks, Decimal], Venue]
"""``(books, starting balance) → venue``: a paper venue trading on the simulated books."""


def default_venue(books: SimBooks, starting_balance: Decimal) -> Venue:
    from local.backtest.venue import paper_venue

    return paper_venue(books, starting_balance)


def default_win_model(state: GameState, espn_weight: Decimal) -> WinProbability | None:
    from inplay.strategy.winprob import win_probability

    return win_probability(state, espn_weight=espn_weight)


@dataclass(frozen=True, slots=True)
class BacktestConfig:
    params: StrategyParams = field(default_factory=StrategyParams)
    starting_balance: Decimal = Decimal(1000)
    books: BookConfig = field(default_factory=BookConfig)
    order_timeout_seconds: float = float(DEFAULT_MAX_WAIT_SECONDS)
    seed: int | None = None
    settings: Mapping[str, str] = field(default_factory=dict)
    """The ``--bot-settings`` given, echoed in the report."""


@dataclass(slots=True)
class _Working:
    """An order of ours still on the venue."""

    order_id: str
    intent: OrderIntent
    record: IntentRecord
    decision: Decision
    placed_at: datetime
    game: _GameRun
    seen_fills: set[str] = field(default_factory=set)
    filled: Decimal = ZERO


@dataclass(slots=True)
class _Open:
    """Bookkeeping for one position while it is open (for the closed-trade record)."""

    side: OutcomeSide
    opened_at: datetime
    max_contracts: Decimal = ZERO
    entry_value: Decimal = ZERO
    entry_count: Decimal = ZERO
    exit_value: Decimal = ZERO
    exit_count: Decimal = ZERO
    fees: Decimal = ZERO
    gross: Decimal = ZERO
    exit_reason: str = ""


@dataclass(slots=True, eq=False)
class _GameRun:
    timeline: GameTimeline
    books: GameBooks
    moments: Iterator[Moment]
    last_state: GameState
    traded: bool = False
    extra_ticks: int = 0


class _Backtest:
    def __init__(
        self,
        config: BacktestConfig,
        books: SimBooks,
        venue: Venue,
        win_model: WinModel,
        result: BacktestResult,
    ) -> None:
        self.config = config
        self.params = config.params
        self.books = books
        self.venue = venue
        self.win_model = win_model
        self.result = result
        self.cash = config.starting_balance
        self.positions: dict[str, PositionState] = {}
        self.open: dict[str, _Open] = {}
        self.closed: list[PositionState] = []
        """Newest first (what :func:`loss_streak` reads)."""
        self.working: dict[str, _Working] = {}
        self.last_entry_at: dict[str, datetime] = {}
        self.last_exit_at: dict[str, datetime] = {}
        self.order_seq = itertools.count(1)
        self.fill_seq = itertools.count(1)
        self.last_equity: Decimal | None = None

    # --- orders and fills ---------------------------------------------------------------------
    def place(self, run: _GameRun, decision: Decision, state: GameState, now: datetime) -> None:
        """The production path from decision to venue order: cut to the bot's per-order limits,
        the runner's order request (intent id, signal meta), the intent's venue order."""
        if not decision.trades:
            return
        if decision.kind is DecisionKind.ENTER:
            limited = within_order_limits(decision, self.config.settings)
            if limited is None:
                return
            decision = limited
        request = order_request(
            decision,
            user_id=USER_ID,
            bot_id=BOT_ID,
            game=state,
            mode=TradingMode.PAPER,
            attempt=next(self.order_seq),
        )
        record = request.intent.to_record(now=now, execution_arn=None)
        intent = record.to_order_intent()
        self.result.orders += 1
        try:
            ack = self.venue.place_order(intent)
        except VenueError as exc:
            self.result.decisions[f"rejected:{type(exc).__name__}"] += 1
            return
        run.traded = True
        if decision.kind is DecisionKind.ENTER:
            self.last_entry_at[decision.market_ticker] = now
        work = _Working(ack.order_id, intent, record, decision, now, run)
        self.working[ack.order_id] = work
        self.sync_order(work, now)

    def sync_order(self, work: _Working, now: datetime) -> None:
        fills = self.venue.get_fills(order_id=work.order_id)
        for fill in sorted(fills, key=lambda f: (f.created_time or now, f.fill_id)):
            if fill.fill_id not in work.seen_fills:
                work.seen_fills.add(fill.fill_id)
                self.record_fill(work, fill, now)
        order = self.venue.get_order(work.order_id)
        if order.status is OrderStatus.RESTING and now - work.placed_at >= timedelta(
            seconds=self.config.order_timeout_seconds
        ):
            self.venue.cancel_order(work.order_id, market_ticker=work.intent.market_ticker)
            order = self.venue.get_order(work.order_id)
        if order.status is not OrderStatus.RESTING:
            self.finish(work, order, now)

    def finish(self, work: _Working, order: Order, now: datetime) -> None:
        self.working.pop(work.order_id, None)
        if work.filled == 0:
            self.result.orders_unfilled += 1
        if work.decision.kind is DecisionKind.ENTER:
            self.last_entry_at[work.intent.market_ticker] = now

    def record_fill(self, work: _Working, fill: Fill, now: datetime) -> None:
        intent, run = work.intent, work.game
        price = price_on_side(fill, intent.side)
        at = fill.created_time or now
        record = fill_record(fill, work.record, recorded_at=now)
        work.filled += fill.count
        kind = "enter" if work.decision.kind is DecisionKind.ENTER else "exit"
        self.result.fills.append(
            TradeFill(
                at=at,
                league=run.timeline.league,
                event_id=run.timeline.event_id,
                market_ticker=fill.market_ticker,
                kind=kind,
                side=intent.side,
                action=intent.action,
                price=price,
                count=fill.count,
                fee=fill.fee,
                reason=work.decision.reason,
            )
        )
        value = price * fill.count
        self.cash += (-value if intent.action is Action.BUY else value) - fill.fee
        self.apply(run, record, price, work.decision.reason, now)

    def apply(
        self, run: _GameRun, record: FillRecord, side_price: Decimal, reason: str, now: datetime
    ) -> None:
        ticker = record.market_ticker
        before = self.positions.get(ticker)
        held_before = before.contracts if before is not None else ZERO
        position, realized = apply_fill(before, record, now=now)
        book = self.open.get(ticker)
        if book is None or held_before == 0:
            side = OutcomeSide.YES if position.contracts > 0 else OutcomeSide.NO
            book = self.open[ticker] = _Open(side=side, opened_at=record.filled_at)
        opening = held_before == 0 or (held_before > 0) == (record.yes_direction > 0)
        if opening:
            book.entry_value += side_price * record.count
            book.entry_count += record.count
        else:
            book.exit_value += side_price * record.count
            book.exit_count += record.count
            book.exit_reason = reason
        book.fees += record.fee
        book.gross += realized
        book.max_contracts = max(book.max_contracts, abs(position.contracts))
        self.positions[ticker] = position
        if position.contracts == 0:
            self.close_position(run, ticker, position, book, now)

    def close_position(
        self, run: _GameRun, ticker: str, position: PositionState, book: _Open, now: datetime
    ) -> None:
        del self.positions[ticker]
        del self.open[ticker]
        self.closed.insert(0, position)
        del self.closed[50:]
        self.last_exit_at[ticker] = now
        entry = book.entry_value / book.entry_count if book.entry_count else ZERO
        exit_price = book.exit_value / book.exit_count if book.exit_count else ZERO
        self.result.trades.append(
            ClosedTrade(
                league=run.timeline.league,
                event_id=run.timeline.event_id,
                market_ticker=ticker,
                side=book.side,
                contracts=book.max_contracts,
                entry_price=entry.quantize(Decimal("0.0001")),
                exit_price=exit_price.quantize(Decimal("0.0001")),
                opened_at=book.opened_at,
                closed_at=now,
                gross_pnl=book.gross,
                fees=book.fees,
                exit_reason=book.exit_reason or "settlement",
            )
        )

    def settle(self, run: _GameRun, now: datetime) -> None:
        """Settle the game's markets: held contracts pay $1 (winning side) or nothing."""
        for work in [w for w in self.working.values() if w.game is run]:
            self.sync_order(work, now)
            if work.order_id in self.working:
                self.venue.cancel_order(work.order_id, market_ticker=work.intent.market_ticker)
                self.finish(work, self.venue.get_order(work.order_id), now)
        home_won = run.timeline.home_won
        self.books.close_game(run.books, home_won)
        for ticker in run.books.tickers:
            position = self.positions.get(ticker)
            if position is None or home_won is None:
                continue
            yes_wins = home_won == run.books.yes_is_home(ticker)
            held_yes = position.contracts > 0
            side = OutcomeSide.YES if held_yes else OutcomeSide.NO
            count = abs(position.contracts)
            won = yes_wins == held_yes
            side_price = ONE if won else ZERO
            yes_price = ONE if yes_wins else ZERO
            record = FillRecord(
                user_id=USER_ID,
                fill_id=f"{VENUE}#settle-{next(self.fill_seq)}",
                venue=VENUE,
                venue_fill_id=f"settle-{ticker}",
                intent_id="settlement",
                bot_id=BOT_ID,
                order_id="settlement",
                market_ticker=ticker,
                side=side,
                action=Action.SELL,
                price=side_price,
                count=count,
                fee=ZERO,
                is_taker=False,
                yes_direction=-1 if held_yes else 1,
                yes_price=yes_price,
                filled_at=now,
                mode=TradingMode.PAPER,
            )
            self.cash += side_price * count
            self.result.fills.append(
                TradeFill(
                    at=now,
                    league=run.timeline.league,
                    event_id=run.timeline.event_id,
                    market_ticker=ticker,
                    kind="settle",
                    side=side,
                    action=Action.SELL,
                    price=side_price,
                    count=count,
                    fee=ZERO,
                    reason="settlement",
                )
            )
            self.apply(run, record, side_price, "", now)
        if run.traded:
            self.result.games_traded += 1

    # --- a tick -------------------------------------------------------------------------------
    def quotes(self, run: _GameRun) -> tuple[MarketQuote, ...]:
        books = run.books
        out = []
        for ticker in books.tickers:
            market = self.books.market(ticker)
            out.append(
                MarketQuote(
                    ticker=ticker,
                    event_ticker=books.event_ticker,
                    yes_team_id=books.yes_team_id(ticker),
                    yes_is_home=books.yes_is_home(ticker),
                    book=self.books.orderbook(ticker),
                    status=market.status,
                )
            )
        return tuple(out)

    def context(self) -> BotContext:
        return BotContext(
            balance=self.venue.get_balance().available,
            loss_streak=loss_streak(self.closed),
            in_flight=frozenset(w.intent.market_ticker for w in self.working.values()),
            last_exit_at=dict(self.last_exit_at),
            last_entry_at=dict(self.last_entry_at),
        )

    def step(self, run: _GameRun, moment: Moment) -> None:
        now, state = moment.at, moment.state
        run.last_state = state
        self.books.advance(now)
        for work in [w for w in self.working.values() if w.game is run]:
            self.sync_order(work, now)
        held = {t: p for t in run.books.tickers if (p := self.positions.get(t)) is not None}
        if state.state is not Phase.IN and not held:
            return
        quotes = self.quotes(run)
        win = self.win_model(state, self.params.espn_weight)
        if win is not None and state.state is Phase.IN and run.timeline.home_won is not None:
            self.result.forecasts.append(
                ForecastPoint(
                    league=state.league,
                    event_id=state.event_id,
                    fair=win.home,
                    market=_mid(quotes[0].book),
                    home_won=run.timeline.home_won,
                )
            )
        decisions = decide_game(
            params=self.params,
            game=state,
            win=win,
            quotes=quotes,
            positions=held,
            context=self.context(),
            now=now,
        )
        for decision in decisions:
            self.result.decisions[f"{decision.kind.value}:{decision.reason}"] += 1
            if decision.trades and decision.market_ticker not in {
                w.intent.market_ticker for w in self.working.values()
            }:
                self.place(run, decision, state, now)

    def equity(self, now: datetime) -> None:
        value = self.cash
        for ticker, position in self.positions.items():
            book = self.books.orderbook(ticker)
            bid = book.best_yes_bid if position.contracts > 0 else book.best_no_bid
            value += abs(position.contracts) * (bid or ZERO)
        if value != self.last_equity:
            self.result.equity.append(EquityPoint(now, value.quantize(Decimal("0.0001"))))
            self.last_equity = value


def _mid(book: OrderBook) -> Decimal | None:
    bid, ask = book.best_yes_bid, book.best_yes_ask
    return None if bid is None or ask is None else (bid + ask) / 2


def _post_moments(timeline: GameTimeline, last: Moment, ticks: int, step: float) -> Iterator[Moment]:
    for k in range(1, ticks + 1):
        yield Moment(last.at + timedelta(seconds=step * k), last.state)


def _game_moments(timeline: GameTimeline, extra_ticks: int) -> Iterator[Moment]:
    last: Moment | None = None
    for moment in timeline.moments():
        last = moment
        yield moment
    if last is not None:
        yield from _post_moments(timeline, last, extra_ticks, timeline.step_seconds)


def run_backtest(
    games: Iterable[GameTimeline],
    config: BacktestConfig,
    *,
    leagues: Iterable[League] = (),
    venue_factory: VenueFactory = default_venue,
    win_model: WinModel = default_win_model,
    on_game_done: Callable[[GameTimeline], None] | None = None,
) -> BacktestResult:
    """Trade ``games`` (in start order) with the strategy and return what happened."""
    books = SimBooks(config.books, seed=config.seed or 0)
    result = BacktestResult(
        leagues=tuple(leagues),
        seed=config.seed,
        starting_balance=config.starting_balance,
        settings=dict(config.settings),
    )
    venue = venue_factory(books, config.starting_balance)
    run = _Backtest(config, books, venue, win_model, result)
    order = itertools.count()
    heap: list[tuple[datetime, int, _GameRun, Moment]] = []
    pending = iter(games)
    upcoming: GameTimeline | None = next(pending, None)
    seen_leagues: list[League] = list(result.leagues)

    def activate(timeline: GameTimeline) -> None:
        extra = max(1, math.ceil(config.order_timeout_seconds / timeline.step_seconds))
        moments = _game_moments(timeline, extra)
        first = next(moments)
        game_books = books.open_game(timeline, fallback=_fallback(win_model))
        entry = _GameRun(timeline, game_books, moments, first.state)
        heapq.heappush(heap, (first.at, next(order), entry, first))
        result.games += 1
        if timeline.league not in seen_leagues:
            seen_leagues.append(timeline.league)

    while heap or upcoming is not None:
        while upcoming is not None and (not heap or _first_time(upcoming) <= heap[0][0]):
            activate(upcoming)
            upcoming = next(pending, None)
        if not heap:
            continue
        at, _, game_run, moment = heapq.heappop(heap)
        run.step(game_run, moment)
        following = next(game_run.moments, None)
        if following is not None:
            heapq.heappush(heap, (following.at, next(order), game_run, following))
        else:
            run.settle(game_run, at)
            if on_game_done is not None:
                on_game_done(game_run.timeline)
        run.equity(at)
    result.leagues = tuple(seen_leagues)
    result.open_positions = len(run.positions)
    result.final_balance = run.cash
    if not result.equity:
        result.equity.append(EquityPoint(books.now, config.starting_balance))
    return result


def _first_time(timeline: GameTimeline) -> datetime:
    return next(timeline.moments()).at


def _fallback(win_model: WinModel) -> Callable[[GameState], float | None]:
    def model(state: GameState) -> float | None:
        win = win_model(state, Decimal(0))
        return None if win is None else float(win.model)

    return model
