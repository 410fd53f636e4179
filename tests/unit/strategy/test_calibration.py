"""Brier score, log loss and the reliability table."""

from __future__ import annotations

import math
from decimal import Decimal

import pytest

from inplay.strategy.calibration import CalibrationError, calibrate, format_report


def test_perfect_and_coin_flip_scores() -> None:
    perfect = calibrate([(Decimal(1), True), (Decimal(0), False)])
    assert perfect.brier == 0.0
    assert perfect.log_loss == pytest.approx(0.0, abs=1e-5)
    coin = calibrate([(Decimal("0.5"), True), (Decimal("0.5"), False)])
    assert coin.brier == pytest.approx(0.25)
    assert coin.log_loss == pytest.approx(math.log(2))
    assert coin.base_rate == 0.5


def test_brier_and_log_loss_by_hand() -> None:
    report = calibrate([(Decimal("0.8"), True), (Decimal("0.3"), True), (Decimal("0.1"), False)])
    assert report.n == 3
    assert report.brier == pytest.approx((0.04 + 0.49 + 0.01) / 3)
    assert report.log_loss == pytest.approx(-(math.log(0.8) + math.log(0.3) + math.log(0.9)) / 3)


def test_a_confident_wrong_forecast_is_finite() -> None:
    report = calibrate([(Decimal(1), False)])
    assert report.brier == 1.0
    assert report.log_loss == pytest.approx(-math.log(1e-6))


def test_reliability_table_bins() -> None:
    pairs = [(Decimal("0.15"), False)] * 3 + [(Decimal("0.15"), True)] + [(Decimal("0.95"), True)] * 2
    pairs.append((Decimal(1), False))  # 1.0 falls in the top bin
    report = calibrate(pairs, bins=10)
    assert len(report.table) == 10
    low, top = report.table[1], report.table[9]
    assert (low.lower, low.upper, low.n) == (0.1, 0.2, 4)
    assert low.mean_predicted == pytest.approx(0.15) and low.observed == 0.25
    assert top.n == 3 and top.observed == pytest.approx(2 / 3)
    assert top.mean_predicted == pytest.approx((0.95 * 2 + 1) / 3)
    assert report.table[0].n == 0 and report.table[0].mean_predicted is None
    assert report.calibration_error == pytest.approx((4 * 0.1 + 3 * abs(2.9 / 3 - 2 / 3)) / 7)


def test_accepts_a_generator_and_one_bin() -> None:
    report = calibrate(((Decimal("0.5"), i % 2 == 0) for i in range(10)), bins=1)
    assert report.n == 10 and report.table[0].n == 10


@pytest.mark.parametrize(
    ("pairs", "bins", "message"),
    [
        ([], 10, "no forecasts"),
        ([(Decimal("1.2"), True)], 10, "forecast #1"),
        ([(Decimal("0.5"), True), (Decimal("-0.1"), True)], 10, "forecast #2"),
        ([(Decimal("NaN"), True)], 10, "forecast #1"),
        ([(Decimal("0.5"), True)], 0, "bins"),
        ([(Decimal("0.5"), True)], 101, "bins"),
    ],
)
def test_bad_input_is_a_typed_error(pairs, bins, message) -> None:
    with pytest.raises(CalibrationError, match=message):
        calibrate(pairs, bins=bins)


def test_format_report() -> None:
    text = format_report(calibrate([(Decimal("0.8"), True), (Decimal("0.3"), False)], bins=5))
    assert "brier       0.0650" in text
    assert "0.60-0.80" in text and "0.20-0.40" in text
    lines = text.splitlines()
    # bins include their lower edge: 0.8 is in the top bin
    assert lines[-1].split() == ["0.80-1.00", "1", "0.800", "1.000"]
    assert lines[-2].split() == ["0.60-0.80", "0", "-", "-"]
