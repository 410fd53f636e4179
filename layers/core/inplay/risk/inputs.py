"""Gather the kill switch's :class:`~inplay.risk.triggers.RiskInputs` for one user.

Sources, each behind a protocol: the trade store (fills since a time, open and closed positions),
the intent ledger (recent orders: slippage, and each position's game), the games table (feed
heartbeats and game states), the user's venue accounts (balance, market status and bids, exchange
status) and the risk store (equity marks, venue-call counters).

What the readings mean:

- **Daily P&L** = realized P&L net of fees of the fills since ``since`` (the US-Eastern day's
  start, or the last reset if later) + unrealized P&L of the open positions, each marked at the
  venue's best bid for the HELD side (what selling it now would fetch; no bid = worth nothing).
- **A position's game** comes from its intents' ``signal_meta`` (``league``, ``event_id``: the
  strategy sets them). A position none of whose intents says is not checked for a stale feed.
  A game is *live* when the store shows it in progress, due to have started, or does not know it.
- **Feed freshness** is the league heartbeat's last successful poll (see :func:`_last_success`).
- **Equity** = available cash + portfolio value, summed over the user's venue accounts; unknown
  unless every account answered. The risk store keeps its peak and the day's opening value
  (:class:`~inplay.risk.store.EquityMarks`); both restart from the current equity after a reset.
- **Slippage** of an order = its average fill price against its decision price
  (``signal_meta["reference_price"]`` when the strategy gave one, else the limit price); the
  kill switch's own flattening orders are left out.
- **Venue failures are readings, not crashes**: a market, balance or exchange read that fails
  leaves that reading unknown (and the failed call counts toward the API error rate).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Final, Protocol
from zoneinfo import ZoneInfo

from inplay.orders.fills import FillRecord, PositionState, apply_fill, position_id_for
from inplay.orders.intents import IntentLedger, IntentRecord, TradingMode
from inplay.orders.workflow import slippage_of
from inplay.risk.store import EquityMarks, RiskStore
from inplay.risk.triggers import KillSwitchLimits, OrderSlippage, PositionMark, RiskInputs
from inplay.sports.models import League, Phase
from inplay.store.games import FeedHeartbeat, StoredGame
from inplay.venues.base import Market, OutcomeSide, Venue, VenueError
from inplay.venues.factory import SecretUnavailableError, VenueConfigError, VenueProvider

__all__ = [
    "DEFAULT_ACCOUNTS",
    "EASTERN",
    "FLATTEN_META_KEY",
    "Account",
    "GameFeeds",
    "InMemoryTradeQueries",
    "RiskSources",
    "TradeQueries",
    "day_start",
    "gather",
    "is_flatten_intent",
    "trading_day",
    "user_accounts",
]

log = logging.getLogger(__name__)

EASTERN: Final = ZoneInfo("America/New_York")
ZERO: Final = Decimal(0)
ONE: Final = Decimal(1)
DEFAULT_ACCOUNTS: Final[tuple[tuple[str, TradingMode], ...]] = (
    ("kalshi", TradingMode.LIVE),
    ("kalshi", TradingMode.PAPER),
)
"""Venue accounts every user is checked on, besides those their positions and orders name."""
LINK_LOOKBACK: Final = timedelta(days=1)
"""How long before a position opened its entry intent may have been created."""
SLIPPAGE_LOOKBACK: Final = timedelta(days=1)
FLATTEN_META_KEY: Final = "kill_event"
"""``signal_meta`` key the kill switch's flattening intents carry (the kill-switch event id)."""


def trading_day(at: datetime) -> date:
    """The US-Eastern date of ``at`` (sports schedules and Kalshi tickers use it)."""
    return at.astimezone(EASTERN).date()


def day_start(day: date) -> datetime:
    """Midnight US-Eastern of ``day``, in UTC."""
    return datetime.combine(day, time(0), tzinfo=EASTERN).astimezone(UTC)


def is_flatten_intent(intent: IntentRecord) -> bool:
    return FLATTEN_META_KEY in intent.signal_meta


# ---------------------------------------------------------------------------------------------
# What the sources must answer


class TradeQueries(Protocol):
    """The trade store's reads the kill switch needs (``DynamoTradeStore`` plus two new queries)."""

    def open_positions(self, user_id: str) -> Iterable[PositionState]: ...

    def position(self, user_id: str, position_id: str) -> PositionState | None:
        """Consistent read."""
        ...

    def fills_for_intent(self, intent_id: str) -> list[FillRecord]: ...

    def fills_since(self, user_id: str, since: datetime) -> list[FillRecord]:
        """The user's fills with ``filled_at >= since``, oldest first."""
        ...

    def closed_positions(self, user_id: str, *, limit: int) -> list[PositionState]:
        """Up to ``limit`` of the user's closed positions, most recently opened first."""
        ...


class GameFeeds(Protocol):
    """What the kill switch reads from the games table (``GamesStore`` satisfies it)."""

    def list_games(
        self, league: League | None = None, state: Phase | None = None, *, now: datetime | None = None
    ) -> list[StoredGame]: ...

    def feed_status(self, leagues: Iterable[League]) -> list[FeedHeartbeat]: ...


@dataclass(frozen=True, slots=True)
class RiskSources:
    trades: TradeQueries
    ledger: IntentLedger
    games: GameFeeds
    venues: VenueProvider
    risk: RiskStore
    accounts: tuple[tuple[str, TradingMode], ...] = DEFAULT_ACCOUNTS


class InMemoryTradeQueries:
    """:class:`TradeQueries` in memory, fed with :meth:`record_fill` (tests, benchmarks)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._fills: dict[tuple[str, str], FillRecord] = {}
        self._positions: dict[tuple[str, str], PositionState] = {}

    def record_fill(self, fill: FillRecord, *, now: datetime | None = None) -> PositionState:
        with self._lock:
            key = (fill.user_id, position_id_for(fill.bot_id, fill.venue, fill.market_ticker, fill.mode))
            current = self._positions.get(key)
            updated, realized = apply_fill(current, fill, now=now or fill.filled_at)
            updated = updated.model_copy(update={"version": (current.version if current else 0) + 1})
            self._fills[(fill.user_id, fill.fill_id)] = fill.model_copy(update={"realized_pnl": realized})
            self._positions[key] = updated
            return updated

    def put_position(self, position: PositionState) -> None:
        with self._lock:
            self._positions[(position.user_id, position.position_id)] = position

    def open_positions(self, user_id: str) -> Iterable[PositionState]:
        with self._lock:
            return [p for (user, _), p in self._positions.items() if user == user_id and p.contracts != 0]

    def position(self, user_id: str, position_id: str) -> PositionState | None:
        return self._positions.get((user_id, position_id))

    def fills_for_intent(self, intent_id: str) -> list[FillRecord]:
        with self._lock:
            found = [fill for fill in self._fills.values() if fill.intent_id == intent_id]
        return sorted(found, key=lambda fill: (fill.filled_at, fill.fill_id))

    def fills_since(self, user_id: str, since: datetime) -> list[FillRecord]:
        with self._lock:
            found = [
                fill for (user, _), fill in self._fills.items() if user == user_id and fill.filled_at >= since
            ]
        return sorted(found, key=lambda fill: (fill.filled_at, fill.fill_id))

    def closed_positions(self, user_id: str, *, limit: int) -> list[PositionState]:
        with self._lock:
            found = [p for (user, _), p in self._positions.items() if user == user_id and p.contracts == 0]
        return sorted(found, key=lambda p: (p.opened_at, p.position_id), reverse=True)[:limit]


# ---------------------------------------------------------------------------------------------
# Venue accounts


@dataclass(frozen=True, slots=True)
class Account:
    """One venue account of the user (several (venue, mode) pairs may share it)."""

    key: str
    venue_name: str
    mode: TradingMode
    venue: Venue


def user_accounts(
    venues: VenueProvider, user_id: str, pairs: Iterable[tuple[str, TradingMode]]
) -> tuple[list[Account], list[str]]:
    """The distinct accounts behind ``pairs`` (first usable pair per account key) and the problems
    (no credentials, paper on production …) of the pairs that gave none."""
    accounts: dict[str, Account] = {}
    problems: dict[str, str] = {}
    for venue_name, mode in dict.fromkeys(pairs):
        key = venues.account_key(user_id, venue_name, mode)
        if key in accounts:
            continue
        try:
            venue = venues.account(user_id, venue_name, mode)
        except (VenueConfigError, SecretUnavailableError, VenueError) as exc:
            problems.setdefault(key, f"{venue_name}/{mode.value}: {exc}")
            continue
        accounts[key] = Account(key, venue_name, mode, venue)
        problems.pop(key, None)
    return list(accounts.values()), list(problems.values())


def held_side_bid(market: Market, contracts: Decimal) -> Decimal | None:
    """The best bid of the side a position holds (a NO bid is 1 − the YES ask); None: no bid."""
    if contracts > 0:
        return market.yes_bid if market.yes_bid is not None and market.yes_bid > 0 else None
    bid = ONE - market.yes_ask if market.yes_ask is not None else None
    return bid if bid is not None and bid > 0 else None


def held_side(contracts: Decimal) -> OutcomeSide:
    return OutcomeSide.YES if contracts > 0 else OutcomeSide.NO


# ---------------------------------------------------------------------------------------------
# Gathering


def _last_success(beat: FeedHeartbeat) -> datetime | None:
    """When the league's feed last answered. A heartbeat records only its latest poll; a failed
    one is given the benefit of the doubt (its poll time) unless the heartbeat also records
    ``last_ok_at`` — one ESPN error must not flatten every position, a dead poller must."""
    if beat.ok:
        return beat.polled_at
    last_ok: datetime | None = getattr(beat, "last_ok_at", beat.polled_at)
    return last_ok


def _game_is_live(stored: StoredGame | None, now: datetime) -> bool:
    if stored is None:
        return True  # unknown to the store: assume it matters
    game = stored.game
    return game.state is Phase.IN or (game.state is Phase.PRE and game.start_time <= now)


def _parse_league(value: str | None) -> League | None:
    try:
        return League(value) if value else None
    except ValueError:
        return None


def _game_of(intent: IntentRecord) -> tuple[League, str] | None:
    league = _parse_league(intent.signal_meta.get("league"))
    event_id = intent.signal_meta.get("event_id")
    return (league, event_id) if league is not None and event_id else None


def _reference_price(intent: IntentRecord) -> Decimal:
    raw = intent.signal_meta.get("reference_price")
    if raw:
        try:
            value = Decimal(raw)
        except InvalidOperation:
            return intent.price
        if ZERO < value < ONE:
            return value
    return intent.price


class _Gatherer:
    """One gather: the sources, the moment, and a cache of market reads."""

    def __init__(
        self,
        sources: RiskSources,
        user_id: str,
        *,
        now: datetime,
        limits: KillSwitchLimits,
        reset_at: datetime | None,
    ) -> None:
        self.sources = sources
        self.user_id = user_id
        self.now = now
        self.limits = limits
        self.reset_at = reset_at
        self.day = trading_day(now)
        start = day_start(self.day)
        self.since = max(start, reset_at) if reset_at is not None else start
        self.markets: dict[tuple[str, str], Market | None] = {}

    def run(self) -> RiskInputs:
        user = self.user_id
        positions = [p for p in self.sources.trades.open_positions(user) if p.contracts != 0]
        positions.sort(key=lambda p: p.position_id)
        intents = self._recent_intents(positions)
        pairs = [(p.venue, p.mode) for p in positions] + [(i.venue, i.mode) for i in intents[:50]]
        accounts, _ = user_accounts(self.sources.venues, user, [*pairs, *self.sources.accounts])
        by_key = {account.key: account for account in accounts}
        marks = [self._mark(p, by_key, intents) for p in positions]
        equity = self._equity(accounts, marks)
        peak, day_open = self._equity_marks(equity)
        leagues = sorted({m.league for m in marks if m.league is not None}, key=lambda lg: lg.value)
        stats = self.sources.risk.api_stats(
            user, since=self.now - timedelta(seconds=self.limits.api_window_seconds), until=self.now
        )
        return RiskInputs(
            user_id=user,
            at=self.now,
            since=self.since,
            realized_pnl=self._realized(),
            positions=tuple(marks),
            closed_pnl=self._closed_pnl(),
            equity=equity,
            peak_equity=peak,
            day_open_equity=day_open,
            api_calls=stats.calls,
            api_errors=stats.errors,
            slippage=self._slippage(intents),
            live_games=self._live_games(marks, leagues),
            feed_fresh_at=self._feeds(leagues),
            exchange_trading=self._exchange_trading(positions, by_key),
        )

    def _recent_intents(self, positions: Sequence[PositionState]) -> list[IntentRecord]:
        starts = [self.now - SLIPPAGE_LOOKBACK]
        starts += [p.opened_at - LINK_LOOKBACK for p in positions]
        return self.sources.ledger.list_by_user(self.user_id, since=min(starts))

    def _account_for(self, position: PositionState, by_key: dict[str, Account]) -> Account | None:
        key = self.sources.venues.account_key(self.user_id, position.venue, position.mode)
        return by_key.get(key)

    def _market(self, account: Account | None, ticker: str) -> Market | None:
        if account is None:
            return None
        cache_key = (account.key, ticker)
        if cache_key not in self.markets:
            try:
                self.markets[cache_key] = account.venue.get_market(ticker)
            except VenueError as exc:
                log.warning("kill switch: cannot read market %s: %s", ticker, exc)
                self.markets[cache_key] = None
        return self.markets[cache_key]

    def _link(self, position: PositionState, intents: Sequence[IntentRecord]) -> tuple[League, str] | None:
        for intent in intents:  # newest first
            if intent.bot_id == position.bot_id and intent.market_ticker == position.market_ticker:
                game = _game_of(intent)
                if game is not None:
                    return game
        if position.last_intent_id:
            last = self.sources.ledger.get(position.last_intent_id, consistent=False)
            if last is not None:
                return _game_of(last)
        return None

    def _mark(
        self, position: PositionState, by_key: dict[str, Account], intents: Sequence[IntentRecord]
    ) -> PositionMark:
        market = self._market(self._account_for(position, by_key), position.market_ticker)
        game = self._link(position, intents)
        return PositionMark(
            position_id=position.position_id,
            bot_id=position.bot_id,
            venue=position.venue,
            market_ticker=position.market_ticker,
            mode=position.mode,
            contracts=position.contracts,
            cost=position.cost,
            market_read=market is not None,
            market_status=market.status if market is not None else None,
            bid=held_side_bid(market, position.contracts) if market is not None else None,
            league=game[0] if game else None,
            event_id=game[1] if game else None,
        )

    def _equity(self, accounts: Sequence[Account], marks: Sequence[PositionMark]) -> Decimal | None:
        if not accounts:
            return None
        total = ZERO
        for account in accounts:
            try:
                balance = account.venue.get_balance()
            except VenueError as exc:
                log.warning("kill switch: cannot read the balance of %s: %s", account.key, exc)
                return None
            if balance.portfolio_value is not None:
                total += balance.available + balance.portfolio_value
                continue
            held = [
                m
                for m in marks
                if self.sources.venues.account_key(self.user_id, m.venue, m.mode) == account.key
            ]
            if any(not m.market_read for m in held):
                return None
            total += balance.available + sum((m.held * (m.bid or ZERO) for m in held), ZERO)
        return total

    def _equity_marks(self, equity: Decimal | None) -> tuple[Decimal | None, Decimal | None]:
        """Update and return (peak, the day's opening equity). After a reset (marks last written
        before it) both restart from the current equity."""
        risk = self.sources.risk
        marks = risk.equity_marks(self.user_id)
        if equity is None:
            if marks is None:
                return None, None
            return marks.peak_equity, marks.day_open_balance if marks.day == self.day else None
        stale = marks is None or (self.reset_at is not None and marks.updated_at < self.reset_at)
        if marks is None or stale:
            updated = EquityMarks(equity, self.now, self.day, equity, self.now)
        else:
            updated = marks
            if equity > marks.peak_equity:
                updated = EquityMarks(equity, self.now, updated.day, updated.day_open_balance, self.now)
            if marks.day != self.day:
                updated = EquityMarks(updated.peak_equity, updated.peak_at, self.day, equity, self.now)
        if updated is not marks:
            risk.put_equity_marks(self.user_id, updated)
        return updated.peak_equity, updated.day_open_balance

    def _realized(self) -> Decimal:
        fills = self.sources.trades.fills_since(self.user_id, self.since)
        return sum((fill.realized_pnl - fill.fee for fill in fills if fill.filled_at >= self.since), ZERO)

    def _closed_pnl(self) -> tuple[Decimal, ...]:
        if self.limits.consecutive_losses is None:
            return ()
        window = self.limits.consecutive_window
        closed = self.sources.trades.closed_positions(self.user_id, limit=window * 2)
        recent = [
            p
            for p in closed
            if p.contracts == 0
            and p.closed_at is not None
            and (self.reset_at is None or p.closed_at > self.reset_at)
        ]
        recent.sort(key=lambda p: (p.closed_at or p.updated_at, p.position_id), reverse=True)
        return tuple(p.realized_pnl - p.fees for p in recent[:window])

    def _slippage(self, intents: Sequence[IntentRecord]) -> tuple[OrderSlippage, ...]:
        since = self.now - SLIPPAGE_LOOKBACK
        if self.reset_at is not None:
            since = max(since, self.reset_at)
        found: list[OrderSlippage] = []
        for intent in intents:  # newest first
            if len(found) >= self.limits.slippage_window:
                break
            if intent.created_at < since or is_flatten_intent(intent):
                continue
            if intent.filled_count <= 0 or intent.average_fill_price is None:
                continue
            slip = slippage_of(intent.action, _reference_price(intent), intent.average_fill_price)
            if slip is None:  # pragma: no cover - an average price always gives a slippage
                continue
            found.append(
                OrderSlippage(
                    intent_id=intent.intent_id,
                    market_ticker=intent.market_ticker,
                    slippage=slip,
                    filled=intent.filled_count,
                    filled_at=intent.updated_at,
                )
            )
        return tuple(found)

    def _live_games(
        self, marks: Sequence[PositionMark], leagues: Sequence[League]
    ) -> frozenset[tuple[League, str]]:
        wanted = {(m.league, m.event_id) for m in marks if m.league is not None and m.event_id is not None}
        if not wanted or self.limits.stale_feed_seconds is None:
            return frozenset()
        known: dict[tuple[League, str], StoredGame] = {}
        for league in leagues:
            for stored in self.sources.games.list_games(league, now=self.now):
                known[(stored.game.league, stored.game.event_id)] = stored
        return frozenset(game for game in wanted if _game_is_live(known.get(game), self.now))

    def _feeds(self, leagues: Sequence[League]) -> dict[League, datetime | None]:
        if not leagues or self.limits.stale_feed_seconds is None:
            return {}
        beats = {beat.league: beat for beat in self.sources.games.feed_status(leagues)}
        return {league: _last_success(beats[league]) if league in beats else None for league in leagues}

    def _exchange_trading(
        self, positions: Sequence[PositionState], by_key: dict[str, Account]
    ) -> bool | None:
        if not positions or not self.limits.market_paused:
            return None
        keys = {self.sources.venues.account_key(self.user_id, p.venue, p.mode) for p in positions}
        answers: list[bool] = []
        for key in sorted(keys):
            account = by_key.get(key)
            if account is None:
                continue
            try:
                answers.append(account.venue.exchange_status().trading_active)
            except VenueError as exc:
                log.warning("kill switch: cannot read the exchange status of %s: %s", key, exc)
        if False in answers:
            return False
        return True if answers else None


def gather(
    sources: RiskSources,
    user_id: str,
    *,
    now: datetime,
    limits: KillSwitchLimits,
    reset_at: datetime | None = None,
) -> RiskInputs:
    """Read everything the triggers need for ``user_id`` at ``now`` (and move the equity marks).

    ``reset_at`` is when the switch was last reset (``KillSwitch.changed_at`` of an ACTIVE switch):
    losses, slippage, peak and the day's baseline count from then on. Venue failures leave
    readings unknown; store failures raise.
    """
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    return _Gatherer(sources, user_id, now=now.astimezone(UTC), limits=limits, reset_at=reset_at).run()
