"""The kill switch in the local cloud (the synthesized stack in moto, real handlers, the Fills stream
delivered asynchronously, the Kalshi simulator over HTTP; workflow Wait states instant):

- trigger → no new order accepted: from the venue fill that breaches the daily loss limit (the end
  of the order workflow's Place step) until the bots table's consistent read (what Reserve reads)
  says TRIPPED; the path is Record → Fills stream → kill_switch → conditional write;
- cancel all and flatten N positions: from ``POST /api/bot/emergency-stop`` (close_positions) until
  every flattening batch finished and the simulator holds no position (one resting order of ours is
  cancelled too). The API's own answer (trip + cancel + batches started) is shown separately.

Figures only, never asserted. Run: ``.venv/bin/python benchmarks/bench_kill_switch.py``.
"""

from __future__ import annotations

import logging
import tempfile
import threading
import time
from pathlib import Path

from _common import ROOT, summary  # noqa: F401  (puts the repo on sys.path)

from infra.synth import synthesize
from inplay.orders.workflow import MAX_BATCH_LEGS, BatchRequest, StepName
from local.kalshi_sim import MakerConfig, Team
from tests.integration.kill_switch.support import KillSwitchHarness, running_kill_switch, wait_until
from tests.integration.order_workflow.support import BATCH_MACHINE

TRIP_RUNS = 5
FLATTEN_SIZES = (1, 10, 50)
_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _trip_latency(ks: KillSwitchHarness, run: int) -> tuple[float, float]:
    """(fill on the venue → TRIPPED read, fill recorded → TRIPPED read), seconds."""
    marks: dict[str, float] = {}
    stop = threading.Event()

    def watch() -> None:
        controls = ks.h.controls()
        while not stop.is_set():
            if controls.kill_switch("user-1").tripped:
                marks["tripped"] = time.perf_counter()
                return
            time.sleep(0.002)

    ks.venue.sim.set_fair_value(ks.venue.home, "0.50")  # the maker requotes its full ladder
    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    with (
        ks.h.around(StepName.PLACE, after=lambda n, out: marks.setdefault("fill", time.perf_counter())),
        ks.h.around(StepName.RECORD, after=lambda n, out: marks.setdefault("recorded", time.perf_counter())),
    ):
        out = ks.h.run(ks.h.request(price="0.52", count="10", signal=f"breach-{run}"))
    watcher.join(timeout=15)
    stop.set()
    if "tripped" not in marks:
        raise RuntimeError(
            f"run {run}: the kill switch did not trip within 15 s ({out.get('status')}, {out.get('error')})"
        )
    return marks["tripped"] - marks["fill"], marks["tripped"] - marks["recorded"]


def trip_latency(template: Path, tmp: Path) -> None:
    from_fill: list[float] = []
    from_record: list[float] = []
    with running_kill_switch(template, tmp) as ks:
        ks.set_limits(daily_loss_limit="0.50")  # one 10-lot bought at the ask marks −$0.58 at the bid
        for run in range(TRIP_RUNS):
            fill, record = _trip_latency(ks, run)
            from_fill.append(fill)
            from_record.append(record)
            ks.settle()  # the automatic flattening finishes
            status, body = ks.api("bot/kill-switch/reset", {"reason": f"benchmark run {run}"})
            assert status == 200, body
    print("trigger → no new order accepted (stack: Record → Fills stream → kill_switch → TRIPPED)")
    print(f"  from the breaching fill on the venue: {summary(from_fill)}")
    print(f"  from the fill recorded in the store:  {summary(from_record)}")


def _open_positions(ks: KillSwitchHarness, count: int) -> int:
    tickers = [ks.venue.home, ks.venue.game.away_ticker]
    index = 0
    while len(tickers) < count:
        away = Team(f"A{_LETTERS[index // 26]}{_LETTERS[index % 26]}", f"Away {index}")
        home = Team(f"H{_LETTERS[index // 26]}{_LETTERS[index % 26]}", f"Home {index}")
        game = ks.venue.sim.add_game(away, home, maker=MakerConfig(levels=3))
        tickers += [game.home_ticker, game.away_ticker]
        index += 1
    legs = [
        ks.h.request(price="0.52", count="5", signal=f"open-{i}", market=t)
        for i, t in enumerate(tickers[:count])
    ]
    for start in range(0, len(legs), MAX_BATCH_LEGS):
        batch = {"legs": legs[start : start + MAX_BATCH_LEGS]}
        arn = ks.h.start(batch, name=BatchRequest.model_validate(batch).batch_id(), machine=BATCH_MACHINE)
        ks.h.finish(arn, timeout=300)
    ks.settle(timeout=300)
    held = ks.venue_positions()
    if len(held) != count:  # an entry leg can miss a thin book; flatten what did open, and say so
        print(f"  (opened {len(held)} of {count} positions)")
    return len(held)


def flatten(template: Path, tmp: Path, count: int) -> tuple[float, float]:
    with running_kill_switch(template, tmp) as ks:
        count = _open_positions(ks, count)
        before = set(ks.batch_executions())
        ks.rest_order(ks.orphan_intent_id("resting"))
        started = time.perf_counter()
        status, body = ks.api("bot/emergency-stop", {"close_positions": True, "reason": "benchmark"})
        answered = time.perf_counter()
        assert status == 200 and body["positions_closing"] == count, body
        for arn in [a for a in ks.batch_executions() if a not in before]:
            ks.h.finish(arn, timeout=600)
        wait_until(lambda: not ks.venue_positions(), timeout=120, what="a flat venue account")
        done = time.perf_counter()
        if ks.resting():
            raise RuntimeError("a resting order survived the emergency stop")
        return answered - started, done - started


def main() -> None:
    logging.disable(logging.CRITICAL)
    import os

    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "ERROR")
    with tempfile.TemporaryDirectory() as tmp:
        template = synthesize(Path(tmp) / "cdk.out")
        trip_latency(template, Path(tmp))
        print(
            "cancel all and flatten N positions (stack: API → kill_switch → batch order workflow → simulator)"
        )
        for count in FLATTEN_SIZES:
            answer, total = flatten(template, Path(tmp), count)
            print(
                f"  {count:>3} positions: API answered in {answer:.3f} s, "
                f"all flat on the venue after {total:.3f} s"
            )


if __name__ == "__main__":
    main()
