"""How much to trust an entry: a 0–1 score, the weighted mean of five 0–1 components.

- ``edge``: the edge after fees, full marks at :data:`EDGE_FULL`.
- ``agreement``: the sport model against ESPN's live probability (1 when equal, 0 when
  :data:`AGREEMENT_ZERO` apart); :data:`NO_ESPN_AGREEMENT` when ESPN has no number.
- ``time_left``: regulation left, full marks from :data:`TIME_FULL` of it.
- ``liquidity``: half the spread (0 at the bot's ``max_spread``), half the depth at the best ask
  against the contracts wanted.
- ``phase``: :data:`PHASE_SCORES` (closing minutes and overtime jump; the opening quarter is
  mostly the pre-game line).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_HALF_EVEN, Decimal
from types import MappingProxyType
from typing import Final

from inplay.strategy.model import Confidence, GamePhase, WinProbability

__all__ = [
    "AGREEMENT_ZERO",
    "EDGE_FULL",
    "NO_ESPN_AGREEMENT",
    "PHASE_SCORES",
    "SCORE_PLACES",
    "TIME_FULL",
    "WEIGHTS",
    "agreement_score",
    "confidence",
    "edge_score",
    "liquidity_score",
    "phase_score",
    "time_left_score",
]

ZERO: Final = Decimal(0)
ONE: Final = Decimal(1)
HALF: Final = Decimal("0.5")
SCORE_PLACES: Final = Decimal("0.0001")
EDGE_FULL: Final = Decimal("0.10")
AGREEMENT_ZERO: Final = Decimal("0.25")
NO_ESPN_AGREEMENT: Final = HALF
TIME_FULL: Final = Decimal("0.25")
PHASE_SCORES: Final[Mapping[GamePhase, Decimal]] = MappingProxyType(
    {
        GamePhase.EARLY: Decimal("0.6"),
        GamePhase.MIDDLE: ONE,
        GamePhase.LATE: Decimal("0.8"),
        GamePhase.CLOSING: Decimal("0.3"),
        GamePhase.OVERTIME: Decimal("0.3"),
        GamePhase.BREAK: Decimal("0.7"),
    }
)
WEIGHTS: Final[Mapping[str, Decimal]] = MappingProxyType(
    {
        "edge": Decimal("0.25"),
        "agreement": Decimal("0.25"),
        "time_left": Decimal("0.15"),
        "liquidity": Decimal("0.20"),
        "phase": Decimal("0.15"),
    }
)


def _unit(value: Decimal) -> Decimal:
    """Clamp to [0, 1] and quantize to :data:`SCORE_PLACES`."""
    if value <= ZERO:
        return ZERO
    if value >= ONE:
        return ONE
    return value.quantize(SCORE_PLACES, rounding=ROUND_HALF_EVEN)


def edge_score(edge: Decimal) -> Decimal:
    return _unit(edge / EDGE_FULL)


def agreement_score(win: WinProbability) -> Decimal:
    if win.espn is None:
        return NO_ESPN_AGREEMENT
    return _unit(ONE - abs(win.model - win.espn) / AGREEMENT_ZERO)


def time_left_score(win: WinProbability) -> Decimal:
    return _unit(win.time_left / TIME_FULL)


def liquidity_score(*, spread: Decimal, max_spread: Decimal, depth: Decimal, count: Decimal) -> Decimal:
    """Half spread (1 at no spread, 0 at ``max_spread`` or wider), half depth at the best price."""
    spread_part = _unit(ONE - spread / max_spread) if max_spread > ZERO else ZERO
    depth_part = _unit(depth / count) if count > ZERO else ONE
    return _unit((spread_part + depth_part) * HALF)


def phase_score(phase: GamePhase) -> Decimal:
    return PHASE_SCORES[phase]


def confidence(
    *,
    edge: Decimal,
    win: WinProbability,
    spread: Decimal,
    max_spread: Decimal,
    depth: Decimal,
    count: Decimal,
) -> Confidence:
    """The score for entering at ``edge`` with ``count`` contracts against a book with ``spread``
    and ``depth`` contracts at the best ask."""
    components = {
        "edge": edge_score(edge),
        "agreement": agreement_score(win),
        "time_left": time_left_score(win),
        "liquidity": liquidity_score(spread=spread, max_spread=max_spread, depth=depth, count=count),
        "phase": phase_score(win.phase),
    }
    score = sum((WEIGHTS[name] * value for name, value in components.items()), ZERO)
    return Confidence(score=_unit(score), components=components)
