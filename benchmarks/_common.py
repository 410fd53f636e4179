"""Shared helpers for the benchmark scripts: they print figures, they never assert timings."""

from __future__ import annotations

import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def summary(samples: list[float], unit: str = "s") -> str:
    ordered = sorted(samples)
    return (
        f"median {statistics.median(ordered):.3f} {unit}, min {ordered[0]:.3f}, max {ordered[-1]:.3f} "
        f"(n={len(ordered)})"
    )
