"""Simulated Kalshi game-winner books that follow a replayed game.

An in-process :class:`~local.kalshi_sim.KalshiSimulator` (no HTTP, manual clock, no maintenance
window, no rate limits) lists one market per team for every game; its market makers quote around a
fair value that tracks the game:

* the *consensus* home win probability at each moment of the timeline (``consensus="model"``: the
  strategy's own model first); by default ESPN's live probability when
  the state carries one, else (simulated games) Stern's Brownian estimate from the replay's pre-game
  line, else a caller-given model (``fallback``), else the last known value; pre-game it is the line's
  probability (or the de-vigged moneyline); at the final whistle it is the result;
* shifted ``lag_seconds`` later (the market reacting late: stale quotes a fast bot could pick off;
  0 by default, so the backtest does not hand the strategy a free edge);
* plus a mean-reverting mispricing (Ornstein–Uhlenbeck in log-odds, ``noise_sd`` probability points
  at 50 %, half-life ``noise_half_life_seconds``), seeded per game.

Optional noise takers trade at the touch so the tape (what fills resting paper orders) moves. When the
game ends the markets settle (YES for the winner's market); an unfinished game's markets close
unsettled.
"""

from __future__ import annotations

import math
import random
from bisect import bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Final

from inplay.sports.models import GameState, League, Phase
from inplay.venues.base import Market, MarketStatus, OrderBook, OutcomeSide, PriceLevel
from local.backtest.games import GameTimeline
from local.espn_replay.model import stern_home_win
from local.kalshi_sim import KalshiSimulator, MakerConfig, ManualClock, Team
from local.kalshi_sim.engine import MarketState
from local.kalshi_sim.units import COUNT_SCALE, ONE

__all__ = [
    "SERIES",
    "BookConfig",
    "GameBooks",
    "GameFairValue",
    "SimBooks",
    "SimTrade",
    "consensus_path",
    "market_path",
]

SERIES: Final = {
    League.NBA: "KXNBAGAME",
    League.WNBA: "KXWNBAGAME",
    League.NFL: "KXNFLGAME",
    League.NHL: "KXNHLGAME",
    League.MLB: "KXMLBGAME",
    League.COLLEGE_FOOTBALL: "KXNCAAFGAME",
    League.MENS_COLLEGE_BASKETBALL: "KXNCAAMBGAME",
}
_PERIOD: Final = {
    League.NBA: (4, 720.0),
    League.WNBA: (4, 600.0),
    League.MENS_COLLEGE_BASKETBALL: (2, 1200.0),
    League.NFL: (4, 900.0),
    League.COLLEGE_FOOTBALL: (4, 900.0),
    League.NHL: (3, 1200.0),
}
_MIN_P: Final = 0.01
_MAX_P: Final = 0.99
_MICRO: Final = Decimal(ONE)
FairModel = Callable[[GameState], float | None]
"""A home win probability for a state (e.g. the strategy's own model), or None."""


@dataclass(frozen=True, slots=True)
class BookConfig:
    """How the simulated market behaves. Prices are probability points / dollars."""

    lag_seconds: float = 0.0
    noise_sd: float = 0.02
    noise_half_life_seconds: float = 300.0
    spread: Decimal = Decimal("0.04")
    levels: int = 3
    level_step: Decimal = Decimal("0.01")
    size: Decimal = Decimal(25)
    """Contracts per maker quote."""
    refresh_seconds: float = 5.0
    noise_takers: bool = True
    noise_interval_seconds: float = 10.0
    noise_probability: float = 0.5
    noise_max_size: int = 5
    """Contracts per noise trade, at most."""
    consensus: str = "espn"
    """``espn``: the market follows ESPN's live probability (independent of the strategy);
    ``model``: it follows the strategy's own model (``fallback``), so only noise and lag are edge."""

    def __post_init__(self) -> None:
        if self.lag_seconds < 0 or self.noise_sd < 0 or self.noise_half_life_seconds <= 0:
            raise ValueError("book config: lag_seconds >= 0, noise_sd >= 0, noise_half_life_seconds > 0")
        if not Decimal(0) <= self.spread < 1 or self.levels < 1 or self.size <= 0 or self.level_step <= 0:
            raise ValueError("book config: 0 <= spread < 1, levels >= 1, size > 0, level_step > 0")
        if self.consensus not in ("espn", "model"):
            raise ValueError(f"book config: consensus must be 'espn' or 'model', got {self.consensus!r}")
        if self.refresh_seconds <= 0 or self.noise_interval_seconds <= 0 or self.noise_max_size < 1:
            raise ValueError("book config: refresh and noise intervals > 0, noise_max_size >= 1")

    def maker(self) -> MakerConfig:
        return MakerConfig(
            spread=int(self.spread * _MICRO),
            levels=self.levels,
            level_step=int(self.level_step * _MICRO),
            size=int(self.size * COUNT_SCALE),
            refresh_ms=int(self.refresh_seconds * 1000),
        )


def _clip(p: float) -> float:
    return min(_MAX_P, max(_MIN_P, p))


def _devig(home_ml: int | None, away_ml: int | None) -> float | None:
    def implied(ml: int) -> float:
        return 100.0 / (ml + 100.0) if ml > 0 else -ml / (-ml + 100.0)

    if home_ml is None or away_ml is None or home_ml == 0 or away_ml == 0:
        return None
    home, away = implied(home_ml), implied(away_ml)
    return home / (home + away)


def _tau(state: GameState) -> float | None:
    shape = _PERIOD.get(state.league)
    if shape is None or state.period < 1:
        return None
    periods, length = shape
    clock = float(state.clock_seconds) if state.clock_seconds is not None else 0.0
    total = periods * length
    if state.period > periods:
        return max(clock, 1.0) / total
    return ((periods - state.period) * length + clock) / total


def _stern(state: GameState, timeline: GameTimeline) -> float | None:
    replay = timeline.replay
    tau = _tau(state)
    if replay is None or tau is None or state.home.score is None or state.away.score is None:
        return None
    lead = state.home.score - state.away.score
    return stern_home_win(lead, replay.matchup.mu_line, replay.matchup.sigma, tau)


def _pregame(timeline: GameTimeline) -> float:
    if timeline.replay is not None:
        return timeline.replay.matchup.line.home_win_prob
    first = timeline.states[0]
    return _devig(first.home_moneyline, first.away_moneyline) or 0.5


def consensus_path(
    timeline: GameTimeline, *, fallback: FairModel | None = None, prefer_fallback: bool = False
) -> tuple[float, ...]:
    """The consensus home win probability at each state of ``timeline`` (see the module docstring);
    ``prefer_fallback`` asks ``fallback`` first for live states."""
    values: list[float] = []
    last = _pregame(timeline)
    for state in timeline.states:
        value: float | None
        if state.is_final and timeline.home_won is not None:
            value = 1.0 if timeline.home_won else 0.0
        elif state.state is not Phase.IN:
            value = last
        elif prefer_fallback and fallback is not None and (modelled := fallback(state)) is not None:
            value = modelled
        elif state.home_win_prob is not None and Decimal(0) < state.home_win_prob < Decimal(1):
            value = float(state.home_win_prob)
        else:
            value = _stern(state, timeline)
            if value is None and fallback is not None:
                value = fallback(state)
        last = last if value is None else value
        values.append(last)
    return tuple(values)


def market_path(
    timeline: GameTimeline, consensus: Sequence[float], config: BookConfig, rng: random.Random
) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """``(times_ms, fair_micro)``: the market's fair home price per moment, lagged and noised."""
    moments = list(timeline.moments())
    if len(consensus) != len(moments):
        raise ValueError("one consensus value per state")
    sd = 4.0 * config.noise_sd
    rate = math.log(2) / config.noise_half_life_seconds
    noise = rng.gauss(0.0, sd) if sd else 0.0
    times: list[int] = []
    fair: list[int] = []
    previous: datetime | None = None
    lag_ms = int(config.lag_seconds * 1000)
    for moment, p in zip(moments, consensus, strict=True):
        if previous is not None and sd:
            keep = math.exp(-rate * max((moment.at - previous).total_seconds(), 0.0))
            noise = noise * keep + sd * math.sqrt(1.0 - keep * keep) * rng.gauss(0.0, 1.0)
        previous = moment.at
        clipped = _clip(p)
        logit = math.log(clipped / (1.0 - clipped)) + noise
        value = _clip(1.0 / (1.0 + math.exp(-logit)))
        times.append(_ms(moment.at) + lag_ms)
        fair.append(round(value * 10_000) * 100)
    return tuple(times), tuple(fair)


def _ms(at: datetime) -> int:
    return int(at.timestamp() * 1000)


@dataclass(frozen=True, slots=True)
class GameFairValue:
    """A step path of fair YES prices (micro-dollars) for the home market (a ``FairValue`` source)."""

    times_ms: tuple[int, ...]
    values: tuple[int, ...]
    before: int
    """Value before the first point (the pre-game price)."""

    def value_at(self, now_ms: int) -> int:
        index = bisect_right(self.times_ms, now_ms)
        return self.before if index == 0 else self.values[index - 1]


@dataclass(frozen=True, slots=True)
class SimTrade:
    """One trade on the simulated tape, in YES terms."""

    trade_id: str
    market_ticker: str
    yes_price: Decimal
    count: Decimal
    taker_side: OutcomeSide
    """``yes`` when the taker bought YES."""
    created_time: datetime
    seq: int


@dataclass(frozen=True, slots=True)
class GameBooks:
    """The two markets of one game. YES on ``home_ticker`` = the home team wins."""

    league: League
    event_id: str
    event_ticker: str
    home_ticker: str
    away_ticker: str
    home_team_id: str
    away_team_id: str
    fair: GameFairValue = field(repr=False)

    @property
    def tickers(self) -> tuple[str, str]:
        return self.home_ticker, self.away_ticker

    def yes_is_home(self, ticker: str) -> bool:
        if ticker not in self.tickers:
            raise KeyError(ticker)
        return ticker == self.home_ticker

    def yes_team_id(self, ticker: str) -> str:
        return self.home_team_id if self.yes_is_home(ticker) else self.away_team_id


_STATUS: Final = {
    MarketState.UNOPENED: MarketStatus.UNOPENED,
    MarketState.OPEN: MarketStatus.OPEN,
    MarketState.PAUSED: MarketStatus.PAUSED,
    MarketState.CLOSED: MarketStatus.CLOSED,
    MarketState.SETTLED: MarketStatus.SETTLED,
}
_VENUE_STATUS: Final = {
    MarketState.UNOPENED: "initialized",
    MarketState.OPEN: "active",
    MarketState.PAUSED: "inactive",
    MarketState.CLOSED: "closed",
    MarketState.SETTLED: "finalized",
}


def _dec(micro: int) -> Decimal:
    return Decimal(micro).scaleb(-6).normalize().quantize(Decimal("0.0001"))


def _count(cc: int) -> Decimal:
    return Decimal(cc).scaleb(-2).quantize(Decimal("0.01"))


class SimBooks:
    """The simulated exchange of one backtest run: games open, the clock moves, books follow."""

    def __init__(
        self, config: BookConfig | None = None, *, seed: int = 0, start: datetime | None = None
    ) -> None:
        self.config = config or BookConfig()
        self.seed = seed
        begin = start or datetime(2025, 1, 1, tzinfo=UTC)
        self.clock = ManualClock(begin)
        self.sim = KalshiSimulator(seed=seed, clock=self.clock, maintenance=False, rate_limits=False)
        self._maker = self.config.maker()
        self.games: dict[tuple[League, str], GameBooks] = {}

    @property
    def now(self) -> datetime:
        return datetime.fromtimestamp(self.clock.now_ms() / 1000, tz=UTC)

    def advance(self, at: datetime) -> None:
        """Move the exchange clock to ``at`` (never backwards) and let makers and takers act."""
        ms = _ms(at)
        if ms > self.clock.now_ms():
            self.clock.set(ms)
        self.sim.tick()

    def open_game(self, timeline: GameTimeline, *, fallback: FairModel | None = None) -> GameBooks:
        """List the game's two markets with makers that follow ``timeline``."""
        key = (timeline.league, timeline.event_id)
        if key in self.games:
            return self.games[key]
        first = timeline.states[0]
        rng = random.Random(f"inplay-backtest-books:{self.seed}:{timeline.league.value}:{timeline.event_id}")
        consensus = consensus_path(
            timeline, fallback=fallback, prefer_fallback=self.config.consensus == "model"
        )
        times, values = market_path(timeline, consensus, self.config, rng)
        pre = _clip(_pregame(timeline))
        fair = GameFairValue(times, values, round(pre * 10_000) * 100)
        away_code, home_code = _code(first.away.abbreviation), _code(first.home.abbreviation)
        if away_code == home_code:
            away_code += "A"
        with self.sim.lock:
            listed = self.sim.add_game(
                Team(away_code, first.away.name),
                Team(home_code, first.home.name),
                series=SERIES[timeline.league],
                start_ms=_ms(first.start_time),
                maker=None,
            )
            self.sim.set_fair_source(listed.home_ticker, fair)
            self.sim.add_maker(listed.home_ticker, self._maker)
            self.sim.add_maker(listed.away_ticker, self._maker)
            if self.config.noise_takers:
                for ticker in (listed.home_ticker, listed.away_ticker):
                    self.sim.add_noise_taker(
                        ticker,
                        interval_ms=int(self.config.noise_interval_seconds * 1000),
                        probability=self.config.noise_probability,
                        max_size=self.config.noise_max_size * COUNT_SCALE,
                    )
        books = GameBooks(
            league=timeline.league,
            event_id=timeline.event_id,
            event_ticker=listed.event_ticker,
            home_ticker=listed.home_ticker,
            away_ticker=listed.away_ticker,
            home_team_id=first.home.team_id,
            away_team_id=first.away.team_id,
            fair=fair,
        )
        self.games[key] = books
        return books

    def close_game(self, books: GameBooks, home_won: bool | None) -> None:
        """Settle both markets on the result, or close them unsettled when there is none."""
        for ticker in books.tickers:
            market = self.sim.exchange.markets[ticker]
            if market.state is MarketState.SETTLED:
                continue
            if home_won is None:
                self.sim.remove_maker(ticker)
                self.sim.noise.pop(ticker, None)
                self.sim.set_market_status(ticker, MarketState.CLOSED)
            else:
                yes = home_won == books.yes_is_home(ticker)
                self.sim.settle(ticker, "yes" if yes else "no")

    # --- market data (what the paper venue and the strategy read) -----------------------------
    def orderbook(self, ticker: str) -> OrderBook:
        with self.sim.lock:
            book = self.sim.exchange.market(ticker).book
            yes = [PriceLevel(price=_dec(p), count=_count(q)) for p, q in book.levels("bid")]
            no = [PriceLevel(price=_dec(ONE - p), count=_count(q)) for p, q in book.levels("ask")]
        yes.reverse()
        return OrderBook(market_ticker=ticker, yes_bids=tuple(yes), no_bids=tuple(no))

    def market(self, ticker: str) -> Market:
        with self.sim.lock:
            market = self.sim.exchange.market(ticker)
            bid, ask = market.book.best_bid(), market.book.best_ask()
            result: OutcomeSide | None = None
            if market.result in ("yes", "no"):
                result = OutcomeSide(market.result)
            return Market(
                ticker=ticker,
                event_ticker=market.event_ticker,
                title=market.title,
                status=_STATUS[market.state],
                venue_status=_VENUE_STATUS[market.state],
                yes_bid=None if bid is None else _dec(bid),
                yes_ask=None if ask is None else _dec(ask),
                last_price=None if market.last_price is None else _dec(market.last_price),
                close_time=datetime.fromtimestamp(market.close_ms / 1000, tz=UTC),
                result=result,
                tick_size=_dec(market.tick),
            )

    def trades(self, ticker: str, *, after_seq: int = 0) -> list[SimTrade]:
        """Trades of ``ticker`` with a sequence number above ``after_seq``, oldest first."""
        with self.sim.lock:
            found = self.sim.exchange.market(ticker).trades
            start = len(found)
            while start > 0 and found[start - 1].seq > after_seq:
                start -= 1
            return [
                SimTrade(
                    trade_id=t.trade_id,
                    market_ticker=ticker,
                    yes_price=_dec(t.price),
                    count=_count(t.count),
                    taker_side=OutcomeSide.YES if t.taker_side == "bid" else OutcomeSide.NO,
                    created_time=datetime.fromtimestamp(t.created_ms / 1000, tz=UTC),
                    seq=t.seq,
                )
                for t in found[start:]
            ]

    def fair_home(self, books: GameBooks) -> Decimal:
        """The market's fair home price right now (what the makers quote around)."""
        return _dec(books.fair.value_at(self.clock.now_ms()))


def _code(abbreviation: str) -> str:
    cleaned = "".join(ch for ch in abbreviation.upper() if ch.isalnum() or ch == "-")
    return cleaned or "TEAM"
