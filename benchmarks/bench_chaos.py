"""The chaos suite at scale: N seeded trials (default 1000; ``INPLAY_CHAOS_TRIALS`` or argv[1]) of
orders through the workflow steps with hard crashes and simulator faults, orders placed behind the
bot's back, then one reconcile each. Prints trials/s and the invariant counts (all must be 0).
"""

from __future__ import annotations

import os
import sys
import time
import warnings
from collections import Counter

from _common import ROOT  # noqa: F401  (puts the repo on sys.path)

from tests.chaos.harness import Tally, chaos_venue, run_trial

CATEGORIES = {
    "reconcile aborted": "aborted reconciles",
    "untracked position": "untracked venue positions",
    "duplicate orders": "duplicate orders",
    "foreign resting order": "undetected orphan orders",
    "foreign fill": "undetected orphan positions",
    "false ghost": "false ghosts",
    "intent ": "intents left open on a finished order",
}


def main() -> None:
    trials = int(sys.argv[1]) if len(sys.argv) > 1 else int(os.environ.get("INPLAY_CHAOS_TRIALS", "1000"))
    first = int(os.environ.get("INPLAY_CHAOS_SEED", "100000"))
    warnings.filterwarnings("ignore")
    import logging

    logging.disable(logging.WARNING)
    tally = Tally()
    breaches: list[str] = []
    with chaos_venue() as venue:
        started = time.perf_counter()
        for seed in range(first, first + trials):
            breaches += run_trial(venue, seed, tally)
        elapsed = time.perf_counter() - started
    counts: Counter[str] = Counter(dict.fromkeys(CATEGORIES.values(), 0))
    for breach in breaches:
        text = breach.split(": ", 1)[1]
        counts[next((n for p, n in CATEGORIES.items() if text.startswith(p)), "other")] += 1
    print(f"chaos: {tally.trials} trials (seeds {first}..{first + trials - 1}) in {elapsed:.1f} s")
    print(f"  {tally.trials / elapsed:.1f} trials/s, {tally.orders} workflow orders")
    print(f"  crashes injected: {sum(tally.crashes.values())} ({len(tally.crashes)} distinct points)")
    print(f"  venue faults: {dict(sorted((k, v) for k, v in tally.faults.items() if k != 'None'))}")
    print(f"  behind the bot's back: {tally.foreign_resting} resting, {tally.foreign_filled} filled")
    print(f"  reconcile findings: {dict(sorted(tally.findings.items()))}")
    print("  invariant violations:")
    for name, n in counts.items():
        print(f"    {name}: {n}")
    for breach in breaches[:10]:
        print(f"    e.g. {breach}")


if __name__ == "__main__":
    main()
