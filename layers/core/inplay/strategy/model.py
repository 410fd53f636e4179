"""The strategy's shared vocabulary: a bot's trading parameters, the fair value of a game, the
market it trades, and the decision it takes (with the confidence behind it).

Prices and sizes are ``Decimal``; probabilities are ``Decimal`` in [0, 1] (the models may compute
in floats internally, but what leaves them is quantized to :data:`PROB_PLACES`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Final

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from inplay.money import Dollars
from inplay.sports.models import League
from inplay.venues.base import Action, MarketStatus, OrderBook, OutcomeSide

__all__ = [
    "PROB_PLACES",
    "Confidence",
    "Decision",
    "DecisionKind",
    "GamePhase",
    "InvalidStrategyParams",
    "MarketQuote",
    "StrategyParams",
    "WinProbability",
    "params_from_settings",
]

PROB_PLACES: Final = Decimal("0.0001")


class GamePhase(StrEnum):
    """Where the game is, coarsely (confidence and the time exit read it)."""

    EARLY = "early"
    """First quarter of regulation."""
    MIDDLE = "middle"
    LATE = "late"
    """Last quarter of regulation, before the closing minutes."""
    CLOSING = "closing"
    """The final minutes (or last inning): prices jump, liquidity thins."""
    OVERTIME = "overtime"
    BREAK = "break"
    """Halftime, between periods or innings: the clock is stopped."""


@dataclass(frozen=True, slots=True)
class WinProbability:
    """The fair chance the HOME team wins, now."""

    home: Decimal
    """What the strategy trades on: the model blended with ESPN's live probability when present."""
    model: Decimal
    """The sport model alone."""
    espn: Decimal | None
    """ESPN's live probability, when the feed carries one."""
    model_name: str
    """e.g. ``brownian-nba``, ``football-possession``, ``poisson-nhl``, ``mlb-base-out``."""
    time_left: Decimal
    """Fraction of regulation left, 0–1 (0 in overtime)."""
    seconds_left: Decimal
    """Seconds of regulation left (MLB: an estimate from outs left)."""
    phase: GamePhase

    @property
    def agreement(self) -> Decimal | None:
        """``1 − |model − espn|``: how much the two sources agree (None without ESPN)."""
        return None if self.espn is None else Decimal(1) - abs(self.model - self.espn)


@dataclass(frozen=True, slots=True)
class MarketQuote:
    """One game-winner market as the strategy sees it at decision time."""

    ticker: str
    event_ticker: str
    yes_team_id: str
    """The ESPN team id whose win makes this market resolve YES."""
    yes_is_home: bool
    book: OrderBook
    status: MarketStatus = MarketStatus.OPEN
    fee_multiplier: Decimal = Decimal("0.07")
    """Kalshi's per-series taker fee multiplier (``0.07`` standard)."""
    tick: Decimal = Decimal("0.01")
    min_count: Decimal = Decimal(1)
    """The smallest order the venue takes (1 contract unless fractional trading is on)."""


class DecisionKind(StrEnum):
    ENTER = "enter"
    EXIT = "exit"
    HOLD = "hold"
    """In a position, keep it."""
    SKIP = "skip"
    """Flat, do not enter (``reason`` says why)."""


@dataclass(frozen=True, slots=True)
class Confidence:
    """A 0–1 score and the components it was made of (each 0–1)."""

    score: Decimal
    components: Mapping[str, Decimal] = field(default_factory=dict)
    """``edge``, ``agreement``, ``time_left``, ``liquidity``, ``phase``."""

    def as_meta(self) -> dict[str, str]:
        meta = {"confidence": str(self.score)}
        meta.update({f"conf_{name}": str(value) for name, value in sorted(self.components.items())})
        return meta


@dataclass(frozen=True, slots=True)
class Decision:
    """What a bot decided for one market. ENTER and EXIT carry an order (side, action, limit price,
    count); every decision carries its reason, fair value and (for entries) confidence."""

    kind: DecisionKind
    reason: str
    """Stable code: ``edge``, ``take_profit``, ``stop_loss``, ``edge_reversal``, ``time_exit``,
    ``game_end``, ``no_edge``, ``low_confidence``, ``cooldown``, ``in_flight``, ``no_liquidity``,
    ``size_below_minimum``, ``market_not_open``, ``game_not_live``, ``holding`` …"""
    market_ticker: str
    fair_yes: Decimal
    """Fair probability of YES (the blended home probability turned to this market's side)."""
    side: OutcomeSide | None = None
    action: Action | None = None
    price: Decimal | None = None
    """Limit price of ``side``."""
    count: Decimal | None = None
    edge: Decimal | None = None
    """Edge after fees per contract, probability points (positive = in our favour)."""
    confidence: Confidence | None = None
    detail: Mapping[str, str] = field(default_factory=dict)
    """Anything else worth keeping with the decision (sizing steps, P&L per contract …)."""

    @property
    def trades(self) -> bool:
        return self.kind in (DecisionKind.ENTER, DecisionKind.EXIT)

    def signal_meta(self) -> dict[str, str]:
        """What the intent stores about this decision (strings only)."""
        meta = {"decision": self.kind.value, "reason": self.reason, "fair_yes": str(self.fair_yes)}
        if self.edge is not None:
            meta["edge"] = str(self.edge)
        if self.confidence is not None:
            meta.update(self.confidence.as_meta())
        meta.update(self.detail)
        return meta


class InvalidStrategyParams(ValueError):
    """A bot's stored strategy settings do not validate; the message names the bad keys."""


class StrategyParams(BaseModel):
    """A bot's strategy settings (the ``settings`` map of its ``BOT#`` item; strings there).

    Sizes are dollars of cost; thresholds are probability points or dollars per contract.
    """

    model_config = ConfigDict(frozen=True, extra="ignore")

    leagues: tuple[League, ...] = tuple(League)
    edge_threshold: Annotated[Decimal, Field(ge=0, le=Decimal("0.5"))] = Decimal("0.03")
    """Enter only when the edge after fees exceeds this (probability points)."""
    min_confidence: Annotated[Decimal, Field(ge=0, le=1)] = Decimal("0.5")
    kelly_fraction: Annotated[Decimal, Field(gt=0, le=1)] = Decimal("0.25")
    default_size: Annotated[Dollars, Field(gt=0)] = Decimal("10")
    """Dollars per trade; a trade never exceeds twice this."""
    max_position: Annotated[Dollars, Field(gt=0)] = Decimal("50")
    """The global cap on one position's cost, dollars."""
    max_balance_fraction: Annotated[Decimal, Field(gt=0, le=1)] = Decimal("0.05")
    take_profit: Annotated[Decimal, Field(gt=0, lt=1)] = Decimal("0.08")
    """Exit when the exit price is this much (dollars per contract) above the entry price."""
    stop_loss: Annotated[Decimal, Field(gt=0, lt=1)] = Decimal("0.10")
    edge_reversal: Annotated[Decimal, Field(ge=0, lt=1)] = Decimal("0.02")
    """Exit when the edge of holding turns against the position by more than this."""
    exit_before_end_seconds: Annotated[int, Field(ge=0, le=3600)] = 120
    """Time exit: leave when less regulation time than this is left (unless holding to settlement)."""
    hold_to_settlement: bool = False
    """At game end (and in the closing minutes), keep the position for settlement instead of exiting."""
    cooldown_seconds: Annotated[int, Field(ge=0, le=86_400)] = 120
    """After an exit (or an entry that did not fill), wait this long before entering that market again."""
    streak_step: Annotated[Decimal, Field(ge=0, lt=1)] = Decimal("0.25")
    """Size shrinks by this fraction per consecutive loss …"""
    streak_floor: Annotated[Decimal, Field(gt=0, le=1)] = Decimal("0.25")
    """… but never below this multiplier."""
    espn_weight: Annotated[Decimal, Field(ge=0, le=1)] = Decimal("0.5")
    """Weight of ESPN's live probability in the blend (when ESPN has one)."""
    max_spread: Annotated[Decimal, Field(gt=0, le=1)] = Decimal("0.10")
    """No entry when the market's bid/ask spread is wider than this."""

    @field_validator("leagues", mode="before")
    @classmethod
    def _leagues(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value


def params_from_settings(settings: Mapping[str, str] | None) -> StrategyParams:
    """:class:`StrategyParams` from a stored settings map; unknown keys are ignored."""
    try:
        return StrategyParams.model_validate(dict(settings or {}))
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in error['loc']) or 'settings'}: {error['msg']}"
            for error in exc.errors()
        )
        raise InvalidStrategyParams(f"invalid strategy settings: {problems}") from None
