"""How much of a game is left, from ESPN's period and clock: the τ of the win-probability models and
the coarse :class:`GamePhase`.

ESPN's ``status.clock`` is seconds left in the *current* period; between periods it reads 0 with
``STATUS_END_PERIOD``/``STATUS_HALFTIME``. Overtime periods are numbered after regulation (NBA 5+,
NFL 5, NHL 4 and 5 = shootout).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final, Literal

from inplay.sports.models import GameState, GameStatus, League
from inplay.strategy.model import GamePhase

__all__ = [
    "CLOCKS",
    "CLOSING_SECONDS",
    "GameClock",
    "LeagueClock",
    "MlbHalf",
    "game_clock",
    "mlb_half",
    "phase_of",
]

CLOSING_SECONDS: Final = 300.0
"""Timed sports: the last five minutes of regulation are the closing phase."""


@dataclass(frozen=True, slots=True)
class LeagueClock:
    periods: int
    period_seconds: float
    overtime_seconds: float
    """Length of one overtime period (0 = untimed: college football, the NHL shootout)."""

    @property
    def regulation_seconds(self) -> float:
        return self.periods * self.period_seconds


CLOCKS: Final[dict[League, LeagueClock]] = {
    League.NBA: LeagueClock(4, 720.0, 300.0),
    League.WNBA: LeagueClock(4, 600.0, 300.0),
    League.MENS_COLLEGE_BASKETBALL: LeagueClock(2, 1200.0, 300.0),
    League.NFL: LeagueClock(4, 900.0, 600.0),
    League.COLLEGE_FOOTBALL: LeagueClock(4, 900.0, 0.0),
    League.NHL: LeagueClock(3, 1200.0, 300.0),
}
_BREAKS: Final = frozenset({GameStatus.HALFTIME, GameStatus.END_PERIOD})


@dataclass(frozen=True, slots=True)
class GameClock:
    """Where a timed game is. In overtime ``seconds_left`` is 0 and ``overtime_left`` counts."""

    seconds_left: float
    """Seconds of regulation left."""
    time_left: float
    """Fraction of regulation left, 0–1."""
    overtime: bool
    overtime_left: float
    """Seconds left in the current overtime period (0 outside overtime or when untimed)."""
    in_break: bool
    period_clock: float
    """Seconds left in the current period."""


def game_clock(game: GameState) -> GameClock | None:
    """The clock of a basketball, football or hockey game; ``None`` when it cannot be read (no
    period yet, or play running with no clock in the feed)."""
    spec = CLOCKS.get(game.league)
    if spec is None or game.period < 1:
        return None
    in_break = game.status in _BREAKS
    if game.clock_seconds is None:
        if not in_break and not (game.period > spec.periods and spec.overtime_seconds == 0):
            return None
        clock = 0.0
    else:
        clock = float(game.clock_seconds)
    if game.period > spec.periods:
        overtime_left = min(clock, spec.overtime_seconds) if spec.overtime_seconds else 0.0
        return GameClock(0.0, 0.0, True, overtime_left, in_break, clock)
    clock = min(clock, spec.period_seconds)
    seconds_left = (spec.periods - game.period) * spec.period_seconds + clock
    return GameClock(seconds_left, seconds_left / spec.regulation_seconds, False, 0.0, in_break, clock)


MlbHalf = Literal["top", "middle", "bottom", "end"]
_HALF_RE: Final = re.compile(r"^\s*(top|bot|bottom|mid|middle|end)\b", re.IGNORECASE)
_HALVES: Final[dict[str, MlbHalf]] = {
    "top": "top",
    "bot": "bottom",
    "bottom": "bottom",
    "mid": "middle",
    "middle": "middle",
    "end": "end",
}


def mlb_half(game: GameState) -> MlbHalf | None:
    """The half-inning from ESPN's status detail (``Top 3rd``, ``Bot 3rd``, ``Mid 3rd``, ``End 3rd``)."""
    match = _HALF_RE.match(game.status_detail or "")
    return _HALVES[match.group(1).lower()] if match else None


def phase_of(
    *, time_left: float, seconds_left: float, overtime: bool, in_break: bool, closing: bool | None = None
) -> GamePhase:
    """The coarse phase; ``closing`` overrides the closing-minutes test (MLB: the 9th inning)."""
    if overtime:
        return GamePhase.OVERTIME
    if in_break:
        return GamePhase.BREAK
    if closing if closing is not None else seconds_left <= CLOSING_SECONDS:
        return GamePhase.CLOSING
    if time_left <= 0.25:
        return GamePhase.LATE
    if time_left > 0.75:
        return GamePhase.EARLY
    return GamePhase.MIDDLE
