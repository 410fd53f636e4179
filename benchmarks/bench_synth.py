"""Wall time and peak memory of an offline synthesis (in a fresh interpreter, as `inplay synth`)."""

from __future__ import annotations

import resource
import subprocess
import sys
import tempfile
import time

from _common import ROOT, summary

RUNS = 2


def main() -> None:
    samples = []
    for _ in range(RUNS):
        with tempfile.TemporaryDirectory() as out:
            started = time.perf_counter()
            subprocess.run(
                [sys.executable, "-m", "local.cli", "synth", "--out", out],
                cwd=ROOT,
                check=True,
                capture_output=True,
            )
            samples.append(time.perf_counter() - started)
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"synth: {summary(samples)}; peak RSS of a synth process {peak_mb:.0f} MB")


if __name__ == "__main__":
    main()
