"""Kalshi's quadratic trading fees, in exact integer arithmetic.

Formula (Kalshi fee schedule, the one :func:`inplay.money.kalshi_taker_fee` implements)::

    fee = ceil_to_cent(rate × multiplier × Σ C·P·(1 − P))

with ``rate`` = 0.07 for takers and 0.0175 for makers (makers pay only on series whose
``fee_type`` is ``quadratic_with_maker_fees`` / ``quadratic_with_combo_maker_fees``), ``C`` the
contracts of a fill and ``P`` its price in dollars.

Rounding used here: the sum runs over **all fills of one order in one role** (taker or maker) and
the order is charged the increase of the rounded-up total at each fill. For a single fill this is
exactly ``kalshi_taker_fee``; across many small fills it never charges more than one cent of
rounding per order and role (per-fill rounding could turn a 1-contract order that sweeps 100
tiny maker orders into a $1 fee). Each fill's ``fee_cost`` is its increment, so the fills of an
order add up to the order's fee.

A fill's fee base is held in "fee units": ``x_cc × p_micro × (1_000_000 − p_micro)`` where
``1e14`` fee units are one dollar of ``C·P·(1−P)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Final

from .units import CENT_MICRO, ONE

__all__ = [
    "FEE_TYPES",
    "MAKER_RATE",
    "QUARTER_UNITS_PER_CC",
    "TAKER_RATE",
    "FeeSchedule",
    "fee_base",
    "fee_micro_total",
]

TAKER_RATE: Final = Fraction(7, 100)
MAKER_RATE: Final = Fraction(175, 10_000)
FEE_TYPES: Final = frozenset({"quadratic", "quadratic_with_maker_fees", "quadratic_with_combo_maker_fees"})
"""Supported series ``fee_type`` values (``flat`` has no published formula and is refused)."""
_UNITS_PER_CENT: Final = 10**12
QUARTER_UNITS_PER_CC: Final = (ONE // 2) * (ONE // 2)
"""The largest fee base one centi-contract can add: ``P·(1−P) ≤ 1/4``."""


def fee_base(cc: int, price_micro: int) -> int:
    return cc * price_micro * (ONE - price_micro)


def fee_micro_total(rate: Fraction, base_units: int) -> int:
    """``ceil_to_cent(rate × base)`` in micro-dollars."""
    if rate == 0 or base_units <= 0:
        return 0
    num = rate.numerator * base_units
    den = rate.denominator * _UNITS_PER_CENT
    return -(-num // den) * CENT_MICRO


@dataclass(frozen=True, slots=True)
class FeeSchedule:
    """A series' fee type and multiplier, turned into taker/maker rates."""

    fee_type: str = "quadratic"
    multiplier: Decimal = Decimal(1)

    def __post_init__(self) -> None:
        if self.fee_type not in FEE_TYPES:
            raise ValueError(f"unsupported fee_type {self.fee_type!r}; use one of {sorted(FEE_TYPES)}")
        if self.multiplier < 0:
            raise ValueError("fee multiplier must not be negative")

    @property
    def taker_rate(self) -> Fraction:
        return TAKER_RATE * Fraction(self.multiplier)

    @property
    def maker_rate(self) -> Fraction:
        if self.fee_type == "quadratic":
            return Fraction(0)
        return MAKER_RATE * Fraction(self.multiplier)
