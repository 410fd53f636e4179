"""How many contracts an entry buys: fractional Kelly on the balance, then the hard caps, then the
losing-streak multiplier, then whole venue units. Decimal throughout.

``dollars = min(kelly_fraction × f* × balance, 2 × default_size, max_position,
max_balance_fraction × balance) × max(streak_floor, 1 − streak_step × losses)`` where
``f* = (q − c) / (1 − c)`` is full Kelly for a contract paying $1 with probability ``q`` bought at
``c`` (price plus fee per contract). ``contracts = floor(dollars / price)`` to the venue's step.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal
from typing import Final

from inplay.money import CENT
from inplay.orders.fills import PositionState
from inplay.strategy.model import StrategyParams

__all__ = [
    "CAP_BALANCE",
    "CAP_DOUBLE_DEFAULT",
    "CAP_KELLY",
    "CAP_MAX_POSITION",
    "Sizing",
    "contracts_for",
    "count_step",
    "full_kelly",
    "loss_streak",
    "size_entry",
    "streak_multiplier",
]

ZERO: Final = Decimal(0)
ONE: Final = Decimal(1)
FRACTION_PLACES: Final = Decimal("0.000001")

CAP_KELLY: Final = "kelly"
CAP_DOUBLE_DEFAULT: Final = "double_default"
CAP_MAX_POSITION: Final = "max_position"
CAP_BALANCE: Final = "balance_fraction"


@dataclass(frozen=True, slots=True)
class Sizing:
    """Every step of one entry's size (kept with the decision)."""

    full_kelly: Decimal
    """f*, the full-Kelly fraction of the balance (0 when there is no edge)."""
    kelly_dollars: Decimal
    double_default: Decimal
    max_position: Decimal
    balance_cap: Decimal
    binding: str
    """Which of the four limits set the size: ``kelly``, ``double_default``, ``max_position``,
    ``balance_fraction`` (the first in that order on a tie)."""
    capped_dollars: Decimal
    losses: int
    multiplier: Decimal
    dollars: Decimal
    """What the entry may spend (cents, rounded down)."""
    count: Decimal

    def steps(self) -> dict[str, str]:
        return {
            "size_full_kelly": f"{self.full_kelly:f}",
            "size_kelly_dollars": f"{self.kelly_dollars:f}",
            "size_cap_double_default": f"{self.double_default:f}",
            "size_cap_max_position": f"{self.max_position:f}",
            "size_cap_balance": f"{self.balance_cap:f}",
            "size_binding": self.binding,
            "size_capped_dollars": f"{self.capped_dollars:f}",
            "size_losses": str(self.losses),
            "size_multiplier": f"{self.multiplier:f}",
            "size_dollars": f"{self.dollars:f}",
            "size_count": f"{self.count:f}",
        }


def full_kelly(prob: Decimal, cost: Decimal) -> Decimal:
    """Full-Kelly fraction for a $1 binary contract won with ``prob`` and bought at ``cost``."""
    if cost <= ZERO or cost >= ONE or prob <= cost:
        return ZERO
    return ((prob - cost) / (ONE - cost)).quantize(FRACTION_PLACES, rounding=ROUND_DOWN)


def streak_multiplier(losses: int, *, step: Decimal, floor: Decimal) -> Decimal:
    """``max(floor, 1 − step × losses)``: size shrinks after consecutive losses."""
    return max(floor, ONE - step * losses)


def count_step(min_count: Decimal) -> Decimal:
    """The venue's count granularity from its minimum order: 1 contract, or the fractional
    minimum (e.g. ``0.01``) when fractional trading is on."""
    return min_count if ZERO < min_count < ONE else ONE


def contracts_for(dollars: Decimal, price: Decimal, step: Decimal) -> Decimal:
    """``floor(dollars / price)`` in multiples of ``step``."""
    if dollars <= ZERO or price <= ZERO:
        return ZERO
    units = (dollars / price / step).to_integral_value(rounding=ROUND_DOWN)
    return units * step


def size_entry(
    params: StrategyParams,
    *,
    balance: Decimal,
    prob: Decimal,
    price: Decimal,
    fee_per_contract: Decimal,
    losses: int,
    step: Decimal = ONE,
) -> Sizing:
    """Size an entry buying at ``price`` a side that wins with ``prob``."""
    bankroll = max(balance, ZERO)
    kelly = full_kelly(prob, price + fee_per_contract)
    limits = (
        (CAP_KELLY, params.kelly_fraction * kelly * bankroll),
        (CAP_DOUBLE_DEFAULT, 2 * params.default_size),
        (CAP_MAX_POSITION, params.max_position),
        (CAP_BALANCE, params.max_balance_fraction * bankroll),
    )
    binding, capped = limits[0]
    for name, value in limits[1:]:
        if value < capped:
            binding, capped = name, value
    multiplier = streak_multiplier(losses, step=params.streak_step, floor=params.streak_floor)
    dollars = (capped * multiplier).quantize(CENT, rounding=ROUND_DOWN)
    return Sizing(
        full_kelly=kelly,
        kelly_dollars=limits[0][1].quantize(CENT, rounding=ROUND_DOWN),
        double_default=limits[1][1],
        max_position=limits[2][1],
        balance_cap=limits[3][1].quantize(CENT, rounding=ROUND_DOWN),
        binding=binding,
        capped_dollars=capped.quantize(CENT, rounding=ROUND_DOWN),
        losses=losses,
        multiplier=multiplier,
        dollars=dollars,
        count=contracts_for(dollars, price, step),
    )


def loss_streak(closed: Sequence[PositionState]) -> int:
    """Consecutive losing positions (realized P&L net of fees below zero), newest first as given;
    positions still open are passed over."""
    losses = 0
    for position in closed:
        if position.contracts != 0:
            continue
        if position.realized_pnl - position.fees < ZERO:
            losses += 1
        else:
            break
    return losses
