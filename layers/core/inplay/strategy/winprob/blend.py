"""Combine the sport model with ESPN's live probability, and turn floats into the Decimals the
strategy reads."""

from __future__ import annotations

from decimal import Decimal
from typing import Final

from inplay.strategy.model import PROB_PLACES

__all__ = ["PROB_MAX", "PROB_MIN", "blend", "espn_probability", "to_probability"]

PROB_MIN: Final = 0.001
PROB_MAX: Final = 0.999


def to_probability(value: float) -> Decimal:
    """Clip to [0.001, 0.999] and quantize to :data:`PROB_PLACES`."""
    return Decimal(min(max(value, PROB_MIN), PROB_MAX)).quantize(PROB_PLACES)


def espn_probability(value: Decimal | None) -> Decimal | None:
    """ESPN's live home probability, or ``None`` when absent or a degenerate 0/1 (ESPN pins those
    at the buzzer and on stale feeds; they carry no information the score does not)."""
    if value is None or value <= 0 or value >= 1:
        return None
    return value.quantize(PROB_PLACES)


def blend(model: Decimal, espn: Decimal | None, espn_weight: Decimal) -> Decimal:
    """``(1 − w)·model + w·espn`` (the model alone without ESPN), clipped and quantized."""
    if espn is None or espn_weight <= 0:
        return model
    weight = min(espn_weight, Decimal(1))
    mixed = (Decimal(1) - weight) * model + weight * espn
    return min(max(mixed, Decimal(str(PROB_MIN))), Decimal(str(PROB_MAX))).quantize(PROB_PLACES)
