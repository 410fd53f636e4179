"""Chaos: seeded randomized trials (crashes at every step, venue faults, orders behind the bot's
back), each ending in ONE reconcile after which the invariants hold (see ``harness``).

``INPLAY_CHAOS_TRIALS`` sets the number of trials (default 200); ``INPLAY_CHAOS_SEED`` the first seed.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.chaos.harness import ChaosVenue, Tally, chaos_venue, run_trial

pytestmark = [
    pytest.mark.timeout(300),
    pytest.mark.filterwarnings("ignore:Couldn't determine the remaining time left"),
]

TRIALS = int(os.environ.get("INPLAY_CHAOS_TRIALS", "200"))
FIRST_SEED = int(os.environ.get("INPLAY_CHAOS_SEED", "1000"))
BATCHES = 4


@pytest.fixture(scope="module")
def venue() -> Iterator[ChaosVenue]:
    with chaos_venue() as running:
        yield running


@pytest.fixture(scope="module")
def tally() -> Tally:
    return Tally()


@pytest.mark.parametrize("batch", range(BATCHES))
def test_invariants_hold_after_one_reconcile(venue: ChaosVenue, tally: Tally, batch: int) -> None:
    size = -(-TRIALS // BATCHES)
    seeds = range(FIRST_SEED + batch * size, FIRST_SEED + min(TRIALS, (batch + 1) * size))
    breaches: list[str] = []
    for seed in seeds:
        breaches += run_trial(venue, seed, tally)
    assert not breaches, "\n".join(breaches[:20])


def test_the_trials_exercised_crashes_faults_and_orphans(tally: Tally) -> None:
    """Runs after the batches: the random choices really covered what the suite claims."""
    if tally.trials < TRIALS:
        pytest.skip("the trial batches did not all run")
    assert sum(tally.crashes.values()) > 0 and any(k.startswith("after") for k in tally.crashes)
    assert sum(n for k, n in tally.faults.items() if k != "None") > 0
    assert tally.foreign_resting > 0 and tally.foreign_filled > 0
    assert tally.findings["orphan_order"] > 0 and tally.findings["orphan_position"] > 0, tally.findings
