"""Our Kalshi client against the official SDK (kalshi-python-sync), on one local simulator with
its rate limits off: requests/s and p50/p99 latency for a market read and for create+cancel, and
the simulator's matching engine alone (no HTTP) in orders/s. Both clients sign with the same RSA
key, over keep-alive HTTP on 127.0.0.1, one request at a time."""

from __future__ import annotations

import itertools
import statistics
import tempfile
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from _common import ROOT  # noqa: F401  (puts the repo on sys.path)

from inplay.venues.base import OrderIntent
from inplay.venues.kalshi import KalshiClient, KalshiCredentials
from inplay.venues.kalshi.ratelimit import BucketLimit, TierLimits
from local.kalshi_sim import KalshiSimulator, MakerConfig, SimServer, Team
from local.kalshi_sim.clock import ManualClock
from local.kalshi_sim.engine import Exchange, OrderRequest

SECONDS = 3.0
"""Wall time per HTTP measurement (after a short warm-up)."""
WARMUP = 20
ENGINE_ORDERS = 40_000
UNPACED = TierLimits(
    tier="bench",
    read=BucketLimit(refill_rate=1e9, capacity=1e9),
    write=BucketLimit(refill_rate=1e9, capacity=1e9),
    balance=BucketLimit(refill_rate=1e9, capacity=1e9),
)
"""Our client's own pacing off as well: the simulator does not rate-limit here."""


@dataclass(frozen=True)
class Figures:
    per_second: float
    p50_ms: float
    p99_ms: float
    n: int

    def __str__(self) -> str:
        return f"{self.per_second:7.0f}/s  p50 {self.p50_ms:6.2f} ms  p99 {self.p99_ms:6.2f} ms  (n={self.n})"


def measure(operation: Callable[[], object], seconds: float = SECONDS) -> Figures:
    for _ in range(WARMUP):
        operation()
    samples: list[float] = []
    started = time.perf_counter()
    while time.perf_counter() - started < seconds:
        begin = time.perf_counter()
        operation()
        samples.append(time.perf_counter() - begin)
    elapsed = time.perf_counter() - started
    cuts = statistics.quantiles(samples, n=100)
    return Figures(len(samples) / elapsed, cuts[49] * 1000, cuts[98] * 1000, len(samples))


def http_figures() -> dict[str, tuple[Figures, Figures]]:
    import kalshi_python_sync as ks
    from kalshi_python_sync.configuration import Configuration

    sim = KalshiSimulator(seed=1, maintenance=False, rate_limits=False)
    game = sim.add_game(Team("BOS", "Boston"), Team("LAL", "Los Angeles L"), maker=MakerConfig(levels=3))
    ticker = game.home_ticker
    with tempfile.TemporaryDirectory() as tmp, SimServer(sim, tick_ms=0) as server:
        key_path = Path(tmp) / "key.pem"
        creds = sim.create_user_with_key(balance_cents=10**9, tier="prestige", private_key_path=key_path)
        ours = KalshiClient(
            server.base_url,
            credentials=KalshiCredentials.from_file(creds.key_id, key_path),
            rate_limits=UNPACED,
        )
        config = Configuration(host=server.base_url)
        config.api_key_id = creds.key_id
        config.private_key_pem = creds.private_key_pem.decode()
        sdk = ks.KalshiClient(config)
        ids = itertools.count()

        def ours_create_cancel() -> None:
            intent = OrderIntent.model_validate(
                {
                    "market_ticker": ticker,
                    "side": "yes",
                    "action": "buy",
                    "price": "0.30",
                    "count": "1",
                    "client_order_id": f"ours-{next(ids)}",
                }
            )
            ack = ours.place_order(intent)
            ours.cancel_order(ack.order_id, market_ticker=ticker)

        def sdk_create_cancel() -> None:
            created = sdk.create_order_v2(
                ticker=ticker,
                side="bid",
                count="1",
                price="0.30",
                time_in_force="good_till_canceled",
                self_trade_prevention_type="taker_at_cross",
                client_order_id=f"sdk-{next(ids)}",
            )
            sdk.cancel_order_v2(created.order_id)

        figures = {
            "get_market (read)": (
                measure(lambda: ours.get_market(ticker)),
                measure(lambda: sdk.get_market(ticker)),
            ),
            "create + cancel order": (measure(ours_create_cancel), measure(sdk_create_cancel)),
        }
        ours.close()
        return figures


def engine_figures() -> tuple[float, float]:
    """(orders/s resting then cancelled, orders/s crossing: every second order trades)."""
    exchange = Exchange(ManualClock(), seed=1, maintenance=False)
    exchange.add_series("KXNBAGAME", "Pro Basketball Game")
    exchange.add_event("EV", "KXNBAGAME", "Boston at Los Angeles L")
    exchange.add_market("EV-LAL", "EV", yes_sub_title="Los Angeles L")
    maker = exchange.create_user("maker", balance_cents=10**10).user_id
    taker = exchange.create_user("taker", balance_cents=10**10).user_id

    started = time.perf_counter()
    for i in range(ENGINE_ORDERS):
        price = 100_000 + (i % 40) * 10_000  # 0.10 … 0.49, never crossing
        result = exchange.place_order(maker, OrderRequest("EV-LAL", "bid", 100, price))
        exchange.cancel_order(maker, result.order.order_id)
    resting = ENGINE_ORDERS / (time.perf_counter() - started)

    started = time.perf_counter()
    for i in range(ENGINE_ORDERS // 2):
        price = 500_000 + (i % 10) * 10_000
        exchange.place_order(maker, OrderRequest("EV-LAL", "ask", 100, price))
        exchange.place_order(
            taker, OrderRequest("EV-LAL", "bid", 100, price, time_in_force="immediate_or_cancel")
        )
    crossing = ENGINE_ORDERS / (time.perf_counter() - started)
    return resting, crossing


def main() -> None:
    warnings.simplefilter("ignore", DeprecationWarning)  # the SDK's pydantic models
    print(f"kalshi: our client vs the official SDK on the local simulator ({SECONDS:.0f} s per figure)")
    for name, (ours, sdk) in http_figures().items():
        print(f"  {name}")
        print(f"    ours  {ours}")
        print(f"    SDK   {sdk}")
        print(
            f"    ours/SDK throughput {ours.per_second / sdk.per_second:.2f}x, "
            f"p50 latency {ours.p50_ms / sdk.p50_ms:.2f}x"
        )
    resting, crossing = engine_figures()
    print(f"  matching engine alone ({ENGINE_ORDERS} orders each, no HTTP)")
    print(f"    resting orders placed and cancelled: {resting:,.0f} orders/s (each counted with its cancel)")
    print(f"    crossing orders (every second one trades): {crossing:,.0f} orders/s")


if __name__ == "__main__":
    main()
