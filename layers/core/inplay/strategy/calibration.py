"""How good a stream of probability forecasts is: Brier score, log loss and a reliability table
(forecasts binned by value: the mean forecast next to the observed frequency)."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Final

__all__ = [
    "LOG_LOSS_EPSILON",
    "CalibrationError",
    "CalibrationReport",
    "ReliabilityRow",
    "calibrate",
    "format_report",
]

LOG_LOSS_EPSILON: Final = 1e-6
"""Forecasts are clipped to [ε, 1 − ε] for the log loss (a forecast of exactly 0 or 1 that is wrong
would otherwise cost infinity)."""
MAX_BINS: Final = 100


class CalibrationError(ValueError):
    """Bad calibration input (no forecasts, a forecast outside [0, 1], a bad bin count)."""


@dataclass(frozen=True, slots=True)
class ReliabilityRow:
    lower: float
    upper: float
    n: int
    mean_predicted: float | None
    """None for an empty bin."""
    observed: float | None
    """Share of the bin's forecasts whose event happened (None for an empty bin)."""


@dataclass(frozen=True, slots=True)
class CalibrationReport:
    n: int
    brier: float
    """Mean squared error of the forecasts, 0 (perfect) to 1; always guessing ½ scores 0.25."""
    log_loss: float
    """Mean negative log-likelihood (natural log); always guessing ½ scores ln 2 ≈ 0.693."""
    base_rate: float
    """Share of forecasts whose event happened."""
    table: tuple[ReliabilityRow, ...]

    @property
    def calibration_error(self) -> float:
        """Expected calibration error: |mean forecast − observed| per bin, weighted by bin size."""
        return sum(
            row.n * abs(row.mean_predicted - row.observed)
            for row in self.table
            if row.mean_predicted is not None and row.observed is not None
        ) / max(self.n, 1)


def calibrate(pairs: Iterable[tuple[Decimal, bool]], bins: int = 10) -> CalibrationReport:
    """Score ``(forecast probability, event happened)`` pairs; ``bins`` equal-width reliability bins."""
    if isinstance(bins, bool) or not isinstance(bins, int) or not 1 <= bins <= MAX_BINS:
        raise CalibrationError(f"bins must be an integer from 1 to {MAX_BINS}, got {bins!r}")
    counts = [0] * bins
    predicted = [0.0] * bins
    happened = [0] * bins
    n = hits = 0
    squared = log_loss = 0.0
    for forecast, outcome in pairs:
        if not isinstance(forecast, Decimal) or not forecast.is_finite() or not 0 <= forecast <= 1:
            raise CalibrationError(f"forecast #{n + 1} must be a probability in [0, 1], got {forecast!r}")
        p = float(forecast)
        y = 1 if outcome else 0
        n += 1
        hits += y
        squared += (p - y) ** 2
        clipped = min(max(p, LOG_LOSS_EPSILON), 1.0 - LOG_LOSS_EPSILON)
        log_loss -= math.log(clipped if y else 1.0 - clipped)
        index = min(int(p * bins), bins - 1)
        counts[index] += 1
        predicted[index] += p
        happened[index] += y
    if n == 0:
        raise CalibrationError("no forecasts to score")
    table = tuple(
        ReliabilityRow(
            lower=i / bins,
            upper=(i + 1) / bins,
            n=counts[i],
            mean_predicted=predicted[i] / counts[i] if counts[i] else None,
            observed=happened[i] / counts[i] if counts[i] else None,
        )
        for i in range(bins)
    )
    return CalibrationReport(n=n, brier=squared / n, log_loss=log_loss / n, base_rate=hits / n, table=table)


def _cell(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def format_report(report: CalibrationReport) -> str:
    """The report as aligned text: the scores, then the reliability table."""
    lines = [
        f"forecasts   {report.n}",
        f"brier       {report.brier:.4f}",
        f"log loss    {report.log_loss:.4f}",
        f"base rate   {report.base_rate:.3f}",
        f"calib. err  {report.calibration_error:.4f}",
        "",
        f"{'bin':<13} {'n':>8} {'predicted':>10} {'observed':>9}",
    ]
    for row in report.table:
        label = f"{row.lower:.2f}-{row.upper:.2f}"
        lines.append(f"{label:<13} {row.n:>8} {_cell(row.mean_predicted):>10} {_cell(row.observed):>9}")
    return "\n".join(lines)
