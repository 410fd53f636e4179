"""``KalshiSimulator``: the engine plus keys, rate limits, faults, liquidity agents and stale reads,
behind one lock. This is the programmatic API tests and the demo use; the HTTP layer
(:mod:`local.kalshi_sim.server`) and the admin API are thin shells over it.
"""

from __future__ import annotations

import copy
import os
import random
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Final, Literal

from .auth import DEFAULT_MAX_SKEW_MS, KeyRegistry, KeyType, generate_private_key_pem, public_key_pem
from .clock import Clock, SystemClock, eastern_wall_time
from .engine import Account, Exchange, Fill, Holding, Market, MarketState, Order, SettlementRecord
from .errors import SimError
from .faults import FaultInjector
from .fees import FeeSchedule
from .makers import (
    Complement,
    Constant,
    FairValue,
    FairValuePath,
    MakerConfig,
    MarketMaker,
    NoiseTaker,
    RandomWalk,
)
from .ratelimit import RateLimiter, TierLimits, tier_limits
from .traffic import Traffic
from .units import CENT_MICRO, ONE, cc_to_str, parse_price_micro

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

__all__ = ["GameMarkets", "KalshiSimulator", "PortfolioView", "SimCredentials", "Team", "game_event_ticker"]

AGENT_BALANCE_CENTS: Final = 1_000_000_000
"""$10M per liquidity agent: they should never be the reason a quote is missing."""
_MONTHS: Final = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
_SERIES_TITLES: Final = {
    "KXNBAGAME": "Pro Basketball Game",
    "KXWNBAGAME": "Pro Women's Basketball Game",
    "KXNFLGAME": "Pro Football Game",
    "KXNHLGAME": "Pro Hockey Game",
    "KXMLBGAME": "Pro Baseball Game",
    "KXNCAAFGAME": "College Football Game",
    "KXNCAAMBGAME": "Men's College Basketball Game",
}


@dataclass(frozen=True, slots=True)
class SimCredentials:
    """A simulator user with an API key. ``private_key_pem`` never leaves the caller's machine."""

    user_id: str
    key_id: str
    private_key_pem: bytes
    private_key_path: Path | None = None


@dataclass(frozen=True, slots=True)
class Team:
    code: str
    name: str


@dataclass(frozen=True, slots=True)
class GameMarkets:
    event_ticker: str
    away_ticker: str
    home_ticker: str


@dataclass(slots=True)
class PortfolioView:
    """A user's portfolio as of ``as_of_ms`` (the live account or a stale snapshot)."""

    user_id: str
    as_of_ms: int
    cash: int
    locked: int
    balance_updated_ms: int
    holdings: dict[str, Holding]
    orders: dict[str, Order]
    fills: list[Fill] = field(default_factory=list)
    settlements: list[SettlementRecord] = field(default_factory=list)

    @property
    def available(self) -> int:
        return self.cash - self.locked

    @classmethod
    def live(cls, account: Account, now_ms: int) -> PortfolioView:
        return cls(
            account.user_id,
            now_ms,
            account.cash,
            account.locked,
            account.balance_updated_ms,
            account.holdings,
            account.orders,
            account.fills,
            account.settlements,
        )

    @classmethod
    def copy_of(cls, account: Account, now_ms: int) -> PortfolioView:
        return cls(
            account.user_id,
            now_ms,
            account.cash,
            account.locked,
            account.balance_updated_ms,
            {t: copy.copy(h) for t, h in account.holdings.items()},
            {i: copy.copy(o) for i, o in account.orders.items()},
            list(account.fills),
            list(account.settlements),
        )


def game_event_ticker(series: str, day: date, away: str, home: str) -> str:
    """``KXNBAGAME-26NOV24BOSLAL``: series, US-Eastern game date (YYMONDD), away code, home code."""
    return f"{series}-{day:%y}{_MONTHS[day.month - 1]}{day:%d}{away}{home}"


def _fair_micro(value: Decimal | str | int) -> int:
    micro = value if type(value) is int else parse_price_micro(str(value))
    if not 0 < micro < ONE:
        raise SimError.bad_request("fair value must be strictly between 0 and 1")
    return micro


class KalshiSimulator:
    """A deterministic, thread-safe Kalshi exchange.

    ``seed`` fixes every id and every agent decision; ``clock`` (default: the system clock) drives
    expirations, the maintenance pause, token buckets and agents. Signature timestamps are checked
    against ``auth_clock`` (default: the system clock, because real clients sign with real time).
    """

    def __init__(
        self,
        *,
        seed: int = 0,
        clock: Clock | None = None,
        auth_clock: Clock | None = None,
        maintenance: bool = True,
        rate_limits: bool = True,
        max_clock_skew_ms: int = DEFAULT_MAX_SKEW_MS,
    ) -> None:
        self.seed = seed
        self.clock: Clock = clock or SystemClock()
        self.auth_clock: Clock = auth_clock or SystemClock()
        self.lock = threading.RLock()
        self.exchange = Exchange(self.clock, seed=seed, maintenance=maintenance)
        self.keys = KeyRegistry(max_clock_skew_ms)
        self.faults = FaultInjector()
        self.traffic = Traffic()
        """Every request that reached the Kalshi API surface (counts, in-flight, records)."""
        self.limiter = RateLimiter(rate_limits)
        self._agent_rng = random.Random(f"kalshi-sim-agents:{seed}")
        self.fair: dict[str, FairValue] = {}
        self.makers: dict[str, MarketMaker] = {}
        self.noise: dict[str, NoiseTaker] = {}
        self._history: dict[str, list[PortfolioView]] = {}

    # ------------------------------------------------------------------ locking and snapshots

    @contextmanager
    def transaction(self) -> Iterator[Exchange]:
        """Hold the simulator lock; afterwards record stale-read snapshots of touched users."""
        with self.lock:
            try:
                yield self.exchange
            finally:
                self._record_touched()

    def now_ms(self) -> int:
        return self.clock.now_ms()

    def _record_touched(self) -> None:
        touched = self.exchange.touched
        if not touched:
            return
        if self.faults.stale_ms:
            now = self.now_ms()
            for user_id in touched:
                account = self.exchange.accounts.get(user_id)
                if account is not None and not account.is_agent:
                    self._history.setdefault(user_id, []).append(PortfolioView.copy_of(account, now))
        touched.clear()

    def set_stale_reads(self, ms: int) -> None:
        """Portfolio reads lag by ``ms`` milliseconds (0 turns the lag off)."""
        with self.lock:
            self.faults.set_stale(ms)
            if ms == 0:
                self._history.clear()
                return
            now = self.now_ms()
            for account in self.exchange.accounts.values():
                if not account.is_agent and account.user_id not in self._history:
                    self._history[account.user_id] = [PortfolioView.copy_of(account, now)]

    def portfolio(self, user_id: str) -> PortfolioView:
        """What a portfolio read returns now: live, or the snapshot from ``stale_ms`` ago."""
        with self.lock:
            account = self.exchange.account(user_id)
            now = self.now_ms()
            lag = self.faults.stale_ms
            history = self._history.get(user_id)
            if not lag or not history:
                return PortfolioView.live(account, now)
            cutoff = now - lag
            index = 0
            for i, view in enumerate(history):
                if view.as_of_ms <= cutoff:
                    index = i
                else:
                    break
            del history[:index]
            return history[0]

    # ------------------------------------------------------------------ fault shortcuts

    def drop_next_response(
        self, operation: str | None = "create_order_v2", count: int = 1, hold_ms: int = 0
    ) -> None:
        """Perform the next ``count`` matching requests but lose their responses."""
        self.faults.add_drop(count, operation, hold_ms)

    def fail_next(
        self,
        status: int = 503,
        count: int = 1,
        operation: str | None = None,
        when: Literal["before", "after"] = "before",
    ) -> None:
        """Answer the next ``count`` matching requests with ``status`` (``after``: perform them first)."""
        self.faults.add_error(status, count, operation, when)

    def set_latency(self, ms: int, operation: str | None = None) -> None:
        """Every matching request waits ``ms`` before it is handled (0 removes the latency)."""
        self.faults.set_latency(ms, operation)

    def delay_next(self, ms: int, operation: str | None = "create_order_v2", count: int = 1) -> None:
        """Hold the next ``count`` matching requests ``ms`` before handling them (then perform them)."""
        self.faults.add_delay(ms, count, operation)

    def clear_faults(self) -> None:
        self.faults.clear()
        self.set_stale_reads(0)

    def pause_trading(self, ticker: str | None = None) -> None:
        """Pause one market, or (no ticker) trading exchange-wide; cancels stay allowed."""
        if ticker is None:
            self.set_exchange(trading_active=False)
        else:
            self.set_market_status(ticker, MarketState.PAUSED)

    def resume_trading(self, ticker: str | None = None) -> None:
        if ticker is None:
            self.set_exchange(trading_active=True)
        else:
            self.set_market_status(ticker, MarketState.OPEN)

    # ------------------------------------------------------------------ users and keys

    def create_user(self, *, balance_cents: int = 0, tier: str = "basic", user_id: str | None = None) -> str:
        tier_limits(tier)  # validates the tier name
        with self.transaction() as exchange:
            account = exchange.create_user(user_id, balance_cents=balance_cents, tier=tier)
            exchange.touched.add(account.user_id)
            if self.faults.stale_ms:
                self._history[account.user_id] = [PortfolioView.copy_of(account, self.now_ms())]
            return account.user_id

    def deposit(self, user_id: str, cents: int) -> None:
        with self.transaction() as exchange:
            exchange.deposit(user_id, cents)

    def set_tier(self, user_id: str, tier: str) -> None:
        limits = tier_limits(tier)
        with self.lock:
            self.exchange.account(user_id).tier = tier
            self.limiter.set_limits(user_id, limits)

    def set_limits(self, user_id: str, limits: TierLimits) -> None:
        """Custom bucket sizes for one user (tests: make the real token bucket bite quickly)."""
        with self.lock:
            self.exchange.account(user_id)
            self.limiter.set_limits(user_id, limits)

    def add_api_key(
        self, user_id: str, public_pem: str | bytes, *, key_id: str | None = None, name: str = ""
    ) -> str:
        with self.lock:
            self.exchange.account(user_id)
            kid = key_id or self.exchange.new_id()
            self.keys.register(kid, user_id, public_pem, self.now_ms(), name)
            return kid

    def create_user_with_key(
        self,
        *,
        balance_cents: int = 100_000,
        tier: str = "basic",
        key_type: KeyType = "rsa",
        private_key_path: Path | None = None,
        user_id: str | None = None,
    ) -> SimCredentials:
        """A funded user with a freshly generated key; the PEM is written (0600) if a path is given."""
        pem = generate_private_key_pem(key_type)
        uid = self.create_user(balance_cents=balance_cents, tier=tier, user_id=user_id)
        key_id = self.add_api_key(uid, public_key_pem(pem))
        if private_key_path is not None:
            write_private_key(private_key_path, pem)
        return SimCredentials(uid, key_id, pem, private_key_path)

    # ------------------------------------------------------------------ markets

    def add_series(
        self,
        ticker: str,
        title: str,
        *,
        category: str = "Sports",
        fee_type: str = "quadratic",
        multiplier: str = "1",
    ) -> None:
        try:
            fees = FeeSchedule(fee_type, Decimal(multiplier))
        except ValueError as exc:
            raise SimError.bad_request(str(exc)) from exc
        with self.lock:
            self.exchange.add_series(ticker, title, category=category, fees=fees)

    def add_event(self, event_ticker: str, series_ticker: str, title: str, sub_title: str = "") -> None:
        with self.lock:
            self.exchange.add_event(event_ticker, series_ticker, title, sub_title)

    def add_market(
        self,
        ticker: str,
        event_ticker: str,
        *,
        yes_sub_title: str,
        no_sub_title: str | None = None,
        title: str = "",
        rules_primary: str = "",
        open_ms: int | None = None,
        close_ms: int | None = None,
        expected_expiration_ms: int | None = None,
        status: MarketState = MarketState.OPEN,
    ) -> Market:
        with self.lock:
            return self.exchange.add_market(
                ticker,
                event_ticker,
                yes_sub_title=yes_sub_title,
                no_sub_title=no_sub_title,
                title=title,
                rules_primary=rules_primary,
                open_ms=open_ms,
                close_ms=close_ms,
                expected_expiration_ms=expected_expiration_ms,
                state=status,
            )

    def add_game(
        self,
        away: Team,
        home: Team,
        *,
        series: str = "KXNBAGAME",
        start_ms: int | None = None,
        home_fair: Decimal | str = "0.5",
        maker: MakerConfig | None = None,
        noise: bool = False,
    ) -> GameMarkets:
        """A Kalshi game-winner event: one market per team, YES = that team wins."""
        with self.transaction():
            now = self.now_ms()
            start = now if start_ms is None else start_ms
            if series not in self.exchange.series:
                self.add_series(series, _SERIES_TITLES.get(series, series))
            day = eastern_wall_time(start).date()
            event_ticker = game_event_ticker(series, day, away.code, home.code)
            title = f"{away.name} at {home.name}"
            self.exchange.add_event(event_ticker, series, title, f"{away.code} @ {home.code}")
            self.exchange.events[event_ticker].strike_ms = start
            tickers = []
            for team in (away, home):
                ticker = f"{event_ticker}-{team.code}"
                self.exchange.add_market(
                    ticker,
                    event_ticker,
                    yes_sub_title=team.name,
                    no_sub_title=team.name,
                    title=f"{title} Winner?",
                    rules_primary=(
                        f"If {team.name} wins the {title} game originally scheduled for {day:%b %d, %Y}, "
                        "then the market resolves to Yes."
                    ),
                    rules_secondary="The market settles on the official final result.",
                    open_ms=min(now, start),
                    close_ms=start + 14 * 86_400_000,
                    expected_expiration_ms=start + 3 * 3_600_000,
                )
                tickers.append(ticker)
            game = GameMarkets(event_ticker, tickers[0], tickers[1])
            self.set_fair_value(game.home_ticker, home_fair)
            if maker is not None:
                self.add_maker(game.away_ticker, maker)
                self.add_maker(game.home_ticker, maker)
            if noise:
                self.add_noise_taker(game.away_ticker)
                self.add_noise_taker(game.home_ticker)
            return game

    def set_market_status(self, ticker: str, status: MarketState | str) -> None:
        with self.transaction() as exchange:
            exchange.set_market_state(ticker, MarketState(status))

    def set_exchange(
        self, *, trading_active: bool | None = None, exchange_active: bool | None = None
    ) -> None:
        with self.transaction() as exchange:
            exchange.set_exchange(trading_active=trading_active, exchange_active=exchange_active)

    def settle(self, ticker: str, result: Literal["yes", "no"]) -> None:
        """Settle a market; its makers and noise takers retire."""
        with self.transaction() as exchange:
            exchange.settle(ticker, result)
            self.makers.pop(ticker, None)
            self.noise.pop(ticker, None)
            self.fair.pop(ticker, None)

    # ------------------------------------------------------------------ fair values and agents

    def _linked(self, ticker: str) -> str | None:
        event = self.exchange.events[self.exchange.market(ticker).event_ticker]
        if event.mutually_exclusive and len(event.market_tickers) == 2:
            return next(t for t in event.market_tickers if t != ticker)
        return None

    def _set_source(self, ticker: str, source: FairValue, complement: bool) -> None:
        self.fair[ticker] = source
        other = self._linked(ticker) if complement else None
        if other is not None:
            self.fair[other] = Complement(source)
        self._requote([ticker] if other is None else [ticker, other])

    def set_fair_source(self, ticker: str, source: FairValue, *, complement: bool = True) -> None:
        """Drive a market's fair YES price from any :class:`FairValue` (e.g. one that follows a
        replayed game); in a two-team game the other market gets the complement."""
        with self.transaction():
            self._set_source(ticker, source, complement)

    def set_fair_value(self, ticker: str, value: Decimal | str | int, *, complement: bool = True) -> None:
        """Fix a market's fair YES price; in a two-team game the other market gets ``1 − value``."""
        micro = _fair_micro(value)
        with self.transaction():
            self._set_source(ticker, Constant(micro), complement)

    def set_fair_value_path(
        self,
        ticker: str,
        points: Sequence[tuple[int, Decimal | str | int]],
        *,
        mode: Literal["step", "linear"] = "step",
        complement: bool = True,
    ) -> None:
        path = FairValuePath(tuple((int(ts), _fair_micro(v)) for ts, v in points), mode)
        with self.transaction():
            self._set_source(ticker, path, complement)

    def set_random_walk(
        self, ticker: str, *, sigma: Decimal | str = "0.005", step_ms: int = 5_000, complement: bool = True
    ) -> None:
        """Let a market's fair value wander (seeded), e.g. for a lively demo without a game feed."""
        with self.transaction() as exchange:
            start = self.fair[ticker].value_at(self.now_ms()) if ticker in self.fair else ONE // 2
            sigma_micro = parse_price_micro(str(sigma)) if sigma else 0
            walk = RandomWalk(
                start, sigma_micro, step_ms, random.Random(self._agent_rng.getrandbits(64)), exchange.now_ms()
            )
            self._set_source(ticker, walk, complement)

    def fair_value(self, ticker: str) -> int | None:
        with self.lock:
            source = self.fair.get(ticker)
            return None if source is None else source.value_at(self.now_ms())

    def _agent(self, name: str) -> str:
        if name not in self.exchange.accounts:
            self.exchange.create_user(name, balance_cents=AGENT_BALANCE_CENTS, tier="prestige", is_agent=True)
        return name

    def add_maker(self, ticker: str, config: MakerConfig | None = None) -> MarketMaker:
        with self.transaction() as exchange:
            exchange.market(ticker)
            previous = self.makers.pop(ticker, None)
            if previous is not None:
                previous.withdraw(exchange)
            maker = MarketMaker(self._agent(f"agent-mm-{ticker}"), ticker, config or MakerConfig())
            self.makers[ticker] = maker
            self._requote([ticker])
            return maker

    def remove_maker(self, ticker: str) -> None:
        with self.transaction() as exchange:
            maker = self.makers.pop(ticker, None)
            if maker is not None:
                maker.withdraw(exchange)

    def add_noise_taker(
        self, ticker: str, *, interval_ms: int = 10_000, probability: float = 0.5, max_size: int = 500
    ) -> NoiseTaker:
        with self.transaction() as exchange:
            exchange.market(ticker)
            taker = NoiseTaker(
                self._agent(f"agent-noise-{ticker}"),
                ticker,
                random.Random(self._agent_rng.getrandbits(64)),
                interval_ms=interval_ms,
                probability=probability,
                max_size=max_size,
            )
            self.noise[ticker] = taker
            return taker

    def _requote(self, tickers: Sequence[str]) -> None:
        exchange = self.exchange
        exchange.sync()
        if not exchange.trading_active:
            return
        now = self.now_ms()
        for ticker in tickers:
            maker = self.makers.get(ticker)
            source = self.fair.get(ticker)
            market = exchange.markets.get(ticker)
            if maker is None or source is None or market is None or market.state is not MarketState.OPEN:
                continue
            try:
                maker.requote(exchange, source.value_at(now), now)
            except SimError:
                maker.rejected += 1

    def tick(self) -> None:
        """Run everything due by now: expirations, closes, pauses, maker requotes, noise trades."""
        with self.transaction() as exchange:
            exchange.sync()
            now = self.now_ms()
            due = []
            for ticker, maker in self.makers.items():
                source = self.fair.get(ticker)
                if source is None:
                    continue
                if now >= maker.next_refresh_ms or source.value_at(now) != maker.last_fair:
                    due.append(ticker)
            self._requote(due)
            if exchange.trading_active:
                for ticker, taker in self.noise.items():
                    if exchange.markets[ticker].state is MarketState.OPEN:
                        taker.act(exchange, now)

    # ------------------------------------------------------------------ inspection

    def portfolio_value(self, view: PortfolioView) -> int:
        """Mark-to-market value of a portfolio's positions (mid, else last price), micro-dollars."""
        total = 0
        for holding in view.holdings.values():
            if holding.pos == 0:
                continue
            market = self.exchange.markets[holding.ticker]
            bid, ask = market.book.best_bid(), market.book.best_ask()
            if bid is not None and ask is not None:
                mark = (bid + ask) // 2
            else:
                mark = market.last_price if market.last_price is not None else ONE // 2
            value = mark if holding.pos > 0 else ONE - mark
            total += abs(holding.pos) * value // 100
        return total

    def describe_user(self, user_id: str) -> dict[str, object]:
        with self.lock:
            account = self.exchange.account(user_id)
            return {
                "user_id": account.user_id,
                "tier": account.tier,
                "is_agent": account.is_agent,
                "cash_cents": account.cash // CENT_MICRO,
                "locked_cents": -(-account.locked // CENT_MICRO),
                "available_cents": account.available // CENT_MICRO,
                "resting_orders": sum(1 for o in account.orders.values() if o.status == "resting"),
                "orders": len(account.orders),
                "fills": len(account.fills),
                "positions": {t: cc_to_str(h.pos) for t, h in account.holdings.items() if h.pos},
                "api_keys": [k.key_id for k in self.keys.keys_of(user_id)],
            }


def write_private_key(path: Path, pem: bytes) -> None:
    """Write a PEM readable only by its owner."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)
    path.chmod(0o600)
