"""Our Kalshi client against the simulator over real HTTP on 127.0.0.1, with one shared clock.

:class:`VirtualClock` is real time plus a virtual offset: the client's backoffs and recovery polls
``sleep`` by advancing the offset instead of waiting, and the simulator (its clock, its signature
clock, its token buckets, its stale-read window and its ``Date`` header) reads the same clock. So
a 15-second recovery takes milliseconds, yet both sides agree on every timestamp. Injected
latency and the client's HTTP timeout stay real.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from inplay.venues.base import OrderIntent
from inplay.venues.kalshi import KalshiClient, KalshiCredentials, RecoveryPolicy, RetryPolicy
from local.kalshi_sim import KalshiSimulator, MakerConfig, SimServer, Team
from local.kalshi_sim.engine import Order as SimOrder
from local.kalshi_sim.simulator import GameMarkets, SimCredentials

CREATE = "create_order_v2"
BATCH_CREATE = "batch_create_orders_v2"
IDLE_TIMEOUT = 10.0


class VirtualClock:
    """Real time plus a virtual offset that only :meth:`sleep` (and :meth:`advance`) moves."""

    def __init__(self) -> None:
        self._offset = 0.0
        self._lock = threading.Lock()

    @property
    def slept(self) -> float:
        """Virtual seconds added so far."""
        with self._lock:
            return self._offset

    def time(self) -> float:
        return time.time() + self.slept

    def monotonic(self) -> float:
        return time.monotonic() + self.slept

    def sleep(self, seconds: float) -> None:
        self.advance(seconds)

    def advance(self, seconds: float) -> None:
        if seconds > 0:
            with self._lock:
                self._offset += seconds

    def now_ms(self) -> int:
        return int(self.time() * 1000)


@dataclass
class Venue:
    """A running simulator, a funded user whose key is on disk, and a factory for our client."""

    sim: KalshiSimulator
    server: SimServer
    clock: VirtualClock
    creds: SimCredentials
    key_path: Path
    game: GameMarkets

    @property
    def home(self) -> str:
        return self.game.home_ticker

    @property
    def away(self) -> str:
        return self.game.away_ticker

    def credentials(self) -> KalshiCredentials:
        return KalshiCredentials.from_file(self.creds.key_id, self.key_path)

    def client(self, **overrides: Any) -> KalshiClient:
        """Our client on the shared clock; keyword arguments override the defaults."""
        options: dict[str, Any] = {
            "credentials": self.credentials(),
            "clock": self.clock,
            "rng": random.Random(7),
            "timeout": 5.0,
            "retry": RetryPolicy(),
            "recovery": RecoveryPolicy(),
        }
        options.update(overrides)
        return KalshiClient(base_url=self.server.base_url, **options)

    def intent(self, cid: str, **fields: Any) -> OrderIntent:
        """Buy 3 YES of the home team at 0.45 (rests under the maker's 0.48 bid) unless overridden."""
        values: dict[str, Any] = {
            "market_ticker": self.home,
            "side": "yes",
            "action": "buy",
            "price": "0.45",
            "count": "3",
            "client_order_id": cid,
        }
        values.update(fields)
        return OrderIntent.model_validate(values)

    def idle(self) -> None:
        """Wait until every request the simulator accepted is finished (held ones included)."""
        assert self.sim.traffic.wait_idle(IDLE_TIMEOUT), "simulator still busy"

    def orders(self, cid: str | None = None) -> list[SimOrder]:
        """The user's orders as the simulator holds them (all of them, or those carrying ``cid``)."""
        with self.sim.lock:
            held = list(self.sim.exchange.accounts[self.creds.user_id].orders.values())
        return [o for o in held if cid is None or o.client_order_id == cid]

    def creates(self, cid: str | None = None) -> int:
        """Create requests (single and batch) that reached the simulator, optionally for ``cid``."""
        records = self.sim.traffic.records(CREATE) + self.sim.traffic.records(BATCH_CREATE)
        return sum(1 for r in records if cid is None or cid in r.client_order_ids)

    def create_statuses(self, cid: str) -> list[int | None]:
        """How the simulator answered each single create for ``cid``, in arrival order."""
        return [r.status for r in self.sim.traffic.records(CREATE) if cid in r.client_order_ids]


@contextmanager
def running_venue(
    tmp_path: Path,
    *,
    seed: int = 21,
    tier: str = "premier",
    balance_cents: int = 1_000_000,
    rate_limits: bool = True,
) -> Iterator[Venue]:
    """One NBA game with a market maker on both markets (bid 0.48 / ask 0.52, 25 a level)."""
    clock = VirtualClock()
    sim = KalshiSimulator(
        seed=seed, clock=clock, auth_clock=clock, maintenance=False, rate_limits=rate_limits
    )
    game = sim.add_game(Team("BOS", "Boston"), Team("LAL", "Los Angeles L"), maker=MakerConfig(levels=3))
    key_path = tmp_path / "kalshi-key.pem"
    creds = sim.create_user_with_key(balance_cents=balance_cents, tier=tier, private_key_path=key_path)
    with SimServer(sim, tick_ms=0) as server:
        yield Venue(sim, server, clock, creds, key_path, game)
