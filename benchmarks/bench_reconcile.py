"""Reconcile time for 10, 100 and 1,000 positions and orders.

In-memory stores and a fake venue (``tests/unit/reconcile/fakes.py``): the figure is the
reconciler's own cost (comparison, evidence reads, store calls), not network or DynamoDB latency;
the venue calls per run tell how that cost scales on a real venue. Each size: N markets, each with
a store position matched by the venue's, and N resting venue orders owned by live intents (a
steady state: no findings), plus one run where every tenth market differs (findings to act on).
"""

from __future__ import annotations

import time
from datetime import timedelta

from _common import ROOT, summary  # noqa: F401  (ROOT puts the repo on sys.path)

from inplay.orders.intents import IntentState
from inplay.reconcile import reconcile_user
from inplay.risk.records import ReconcileTrigger
from tests.unit.reconcile.fakes import NOW, USER, World, order, position

SIZES = (10, 100, 1000)
RUNS = 5


def build(n: int, *, drift: bool = False) -> World:
    world = World()
    for i in range(n):
        ticker = f"MKT-{i:04d}"
        world.trades.put(position(ticker, "10"))
        world.venue.hold(ticker, "15" if drift and i % 10 == 0 else "10")
        intent = world.intent(
            IntentState.RESTING, ticker=ticker, signal=f"s{i}", at=NOW - timedelta(minutes=1)
        )
        world.venue.add_order(order(f"o{i}", ticker=ticker, client_order_id=intent.intent_id))
    return world


def run(world: World) -> tuple[float, int, int]:
    world.venue.calls.clear()
    started = time.perf_counter()
    [report] = reconcile_user(world.deps(), USER, trigger=ReconcileTrigger.TEST)
    elapsed = time.perf_counter() - started
    assert report.ok, report.aborted_reason
    return elapsed, world.venue.venue_calls, len(report.findings)


def main() -> None:
    print("reconcile (in-memory stores + fake venue: reconciler cost only, no network/DynamoDB)")
    for n in SIZES:
        world = build(n)
        samples, calls, findings = [], 0, 0
        for _ in range(RUNS):
            elapsed, calls, findings = run(world)
            samples.append(elapsed * 1000)
        print(
            f"  {n:>5} positions + {n} orders, steady: {summary(samples, 'ms')} per run; "
            f"{calls} venue calls/run, {findings} findings"
        )
        drifted = build(n, drift=True)
        elapsed, calls, findings = run(drifted)
        print(
            f"  {n:>5} positions + {n} orders, 10% drifted: {elapsed * 1000:.1f} ms (first run); "
            f"{calls} venue calls/run, {findings} findings"
        )


if __name__ == "__main__":
    main()
