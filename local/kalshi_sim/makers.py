"""Liquidity: market-maker agents quoting around a fair value, and optional noise takers.

A fair value is a :class:`FairValue` source (constant, a time path, a seeded random walk, or the
complement of another market's source for two-outcome games). A :class:`MarketMaker` keeps a
ladder of GTC quotes ``levels`` deep on each side, ``spread`` wide around the fair value; when the
fair value moves, it cancels quotes that no longer fit and places the missing ones (a new bid can
trade against a stale resting ask: that is how a strategy's orders get picked off). A
:class:`NoiseTaker` sends small IOC orders at the touch so prices and volume move.

Everything runs inside :meth:`KalshiSimulator.tick` under the simulator lock, driven by the
injected clock and a seeded RNG: deterministic for a given seed, clock and input sequence.
"""

from __future__ import annotations

import bisect
import math
import random
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Final, Literal, Protocol

from .errors import SimError
from .units import ONE

if TYPE_CHECKING:
    from .engine import Exchange, Order, Side

__all__ = [
    "Complement",
    "Constant",
    "FairValue",
    "FairValuePath",
    "MakerConfig",
    "MarketMaker",
    "NoiseTaker",
    "RandomWalk",
]

_MIN_FAIR: Final = 10_000
_MAX_FAIR: Final = ONE - 10_000


class FairValue(Protocol):
    """A fair YES price (micro-dollars) as a function of time."""

    def value_at(self, now_ms: int) -> int: ...


def _clip(value: int) -> int:
    return min(_MAX_FAIR, max(_MIN_FAIR, value))


@dataclass(frozen=True, slots=True)
class Constant:
    value: int

    def value_at(self, now_ms: int) -> int:
        return self.value


@dataclass(frozen=True, slots=True)
class FairValuePath:
    """Points ``(ts_ms, value)``; ``step`` holds each value until the next point, ``linear``
    interpolates. Before the first point the first value applies, after the last the last."""

    points: tuple[tuple[int, int], ...]
    mode: Literal["step", "linear"] = "step"

    def __post_init__(self) -> None:
        if not self.points:
            raise ValueError("a fair-value path needs at least one point")
        if any(b[0] < a[0] for a, b in zip(self.points, self.points[1:], strict=False)):
            raise ValueError("fair-value path points must be in time order")

    def value_at(self, now_ms: int) -> int:
        times = [t for t, _ in self.points]
        i = bisect.bisect_right(times, now_ms)
        if i == 0:
            return self.points[0][1]
        if i == len(self.points) or self.mode == "step":
            return self.points[i - 1][1]
        (t0, v0), (t1, v1) = self.points[i - 1], self.points[i]
        if t1 == t0:
            return v1
        return v0 + (v1 - v0) * (now_ms - t0) // (t1 - t0)


@dataclass(slots=True)
class RandomWalk:
    """A seeded Gaussian walk: one step of ``sigma`` (micro-dollars) every ``step_ms``, clipped."""

    value: int
    sigma: int
    step_ms: int
    rng: random.Random
    last_ms: int

    def value_at(self, now_ms: int) -> int:
        steps = (now_ms - self.last_ms) // self.step_ms
        if steps > 0:
            for _ in range(min(steps, 10_000)):
                self.value = _clip(self.value + round(self.rng.gauss(0.0, float(self.sigma))))
            self.last_ms += steps * self.step_ms
        return self.value


@dataclass(frozen=True, slots=True)
class Complement:
    """``1 − other``: the other team's market in a two-outcome game."""

    other: FairValue

    def value_at(self, now_ms: int) -> int:
        return ONE - self.other.value_at(now_ms)


@dataclass(frozen=True, slots=True)
class MakerConfig:
    """Quote shape, in engine units (micro-dollars, centi-contracts, ms)."""

    spread: int = 40_000
    """Distance between the best bid and the best ask."""
    levels: int = 3
    level_step: int = 10_000
    size: int = 2_500
    """Contracts per quote, in centi-contracts (2_500 = 25 contracts)."""
    refresh_ms: int = 5_000
    """Top quotes back up at least this often even if the fair value did not move."""

    def __post_init__(self) -> None:
        if (
            self.spread < 0
            or self.levels < 1
            or self.level_step <= 0
            or self.size <= 0
            or self.refresh_ms <= 0
        ):
            raise ValueError(
                "maker config: spread >= 0, levels >= 1, level_step > 0, size > 0, refresh_ms > 0"
            )


def _round_down(value: int, tick: int) -> int:
    return value // tick * tick


def _round_up(value: int, tick: int) -> int:
    return -(-value // tick) * tick


@dataclass(slots=True, eq=False)
class MarketMaker:
    """One agent quoting one market from one (agent) account."""

    user_id: str
    ticker: str
    config: MakerConfig
    quotes: dict[tuple[str, int], Order] = field(default_factory=dict)
    last_fair: int | None = None
    next_refresh_ms: int = 0
    rejected: int = 0

    def desired(self, fair: int, tick: int) -> dict[tuple[str, int], int]:
        half = self.config.spread // 2
        quotes: dict[tuple[str, int], int] = {}
        for level in range(self.config.levels):
            offset = half + level * self.config.level_step
            bid = _round_down(fair - offset, tick)
            ask = _round_up(fair + offset, tick)
            if ask <= bid:
                ask = bid + tick
            if tick <= bid < ONE:
                quotes[("bid", bid)] = self.config.size
            if 0 < ask <= ONE - tick:
                quotes[("ask", ask)] = self.config.size
        return quotes

    def requote(self, exchange: Exchange, fair: int, now_ms: int) -> None:
        """Cancel quotes that no longer fit ``fair``; place missing or exhausted ones."""
        from .engine import OrderRequest

        market = exchange.markets[self.ticker]
        want = self.desired(fair, market.tick)
        for key, order in list(self.quotes.items()):
            if order.status != "resting" or key not in want:
                if order.status == "resting":
                    exchange.cancel_order(self.user_id, order.order_id)
                del self.quotes[key]
        for key, size in want.items():
            current = self.quotes.get(key)
            if current is not None and current.remaining * 2 >= size:
                continue
            if current is not None:
                exchange.cancel_order(self.user_id, current.order_id)
            side: Side = "bid" if key[0] == "bid" else "ask"
            request = OrderRequest(self.ticker, side, size, key[1], self_trade_prevention="maker")
            try:
                result = exchange.place_order(self.user_id, request)
            except SimError:
                self.rejected += 1
                self.quotes.pop(key, None)
                continue
            if result.order.status == "resting":
                self.quotes[key] = result.order
            else:
                self.quotes.pop(key, None)
        self.last_fair = fair
        self.next_refresh_ms = now_ms + self.config.refresh_ms

    def withdraw(self, exchange: Exchange) -> None:
        for order in self.quotes.values():
            if order.status == "resting":
                exchange.cancel_order(self.user_id, order.order_id)
        self.quotes.clear()


@dataclass(slots=True, eq=False)
class NoiseTaker:
    """Every ``interval_ms``, with ``probability``, buy or sell 1..``max_size`` contracts IOC at the touch."""

    user_id: str
    ticker: str
    rng: random.Random
    interval_ms: int = 10_000
    probability: float = 0.5
    max_size: int = 500
    next_ms: int = 0
    trades: int = 0

    def act(self, exchange: Exchange, now_ms: int) -> None:
        from .engine import OrderRequest

        if self.next_ms == 0:
            self.next_ms = now_ms + self.interval_ms
            return
        if now_ms < self.next_ms:
            return
        following = self.next_ms + self.interval_ms
        self.next_ms = following if following > now_ms else now_ms + self.interval_ms
        if self.rng.random() >= self.probability:
            return
        market = exchange.markets[self.ticker]
        side: Side = "bid" if self.rng.random() < 0.5 else "ask"
        price = market.book.best_ask() if side == "bid" else market.book.best_bid()
        if price is None:
            return
        size = 100 * self.rng.randint(1, max(1, math.ceil(self.max_size / 100)))
        request = OrderRequest(self.ticker, side, size, price, time_in_force="immediate_or_cancel")
        try:
            result = exchange.place_order(self.user_id, request)
        except SimError:
            return
        if result.fill_count:
            self.trades += 1
