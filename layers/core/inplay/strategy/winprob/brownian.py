"""Stern's Brownian-motion model of the score difference (Stern, JASA 1994).

The home margin is X(t) = μt + σW(t) over the fraction t of regulation; with a lead ℓ and a fraction
τ left, P(home wins) = Φ((ℓ + μτ)/(σ√τ)). Integer scores get the ±0.5 continuity correction
(Pro-Football-Reference's form): a final margin in (−½, ½) is a tie, worth ``tie_value``.
"""

from __future__ import annotations

import math
from typing import Final

from inplay.strategy.winprob.lines import NORMAL

__all__ = ["TAU_FLOOR", "stern"]

TAU_FLOOR: Final = 1e-5
"""τ never goes below this (a fraction of a second), so the formula never divides by zero."""
_cdf: Final = NORMAL.cdf


def stern(lead: float, mu: float, sigma: float, tau: float, tie_value: float = 0.5) -> float:
    """P(home wins) for home ``lead`` now, expected full-game margin ``mu``, full-game SD ``sigma``,
    fraction ``tau`` of regulation left; a tie at the end is worth ``tie_value``."""
    tau = max(tau, TAU_FLOOR)
    scale = sigma * math.sqrt(tau)
    drift = mu * tau
    upper = _cdf((-lead + 0.5 - drift) / scale)
    lower = _cdf((-lead - 0.5 - drift) / scale)
    return (1.0 - upper) + (upper - lower) * tie_value
