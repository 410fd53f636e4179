"""The pre-generated game: segments (periods/half-innings), plays, drives, and the pre-game line.

A :class:`GameScript` is produced once per game from its seed; the replay then reveals it up to the
current game time. Times are "timeline" seconds since the start of play: inside a period the
timeline advances with the game clock; breaks (end of period, halftime, between half-innings) add
their own length.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from dataclasses import dataclass, field
from statistics import NormalDist
from typing import Final, Literal

from inplay.sports.models import League

__all__ = [
    "BaseState",
    "Drive",
    "FootballSpot",
    "GameScript",
    "Line",
    "Play",
    "Segment",
    "Side",
    "american_odds",
    "make_line",
    "ordinal",
    "other",
    "stern_home_win",
]

Side = Literal["home", "away"]
_NORMAL: Final = NormalDist()


def other(side: Side) -> Side:
    return "away" if side == "home" else "home"


def ordinal(number: int) -> str:
    """1 → ``1st``, 2 → ``2nd``, 11 → ``11th``."""
    suffix = "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"


@dataclass(frozen=True, slots=True)
class Segment:
    """One running period (or half-inning) on the timeline."""

    number: int
    start: float
    end: float
    length: float
    """Clock length in seconds (0 for baseball, which has no clock)."""
    half: Literal["top", "bottom"] | None = None
    untimed: bool = False
    """College-football overtime and the NHL shootout: no clock runs."""


@dataclass(frozen=True, slots=True)
class FootballSpot:
    """The situation before the next snap. ``yard_line`` counts from the possessing team's goal."""

    possession: Side
    down: int
    distance: int
    yard_line: int
    home_timeouts: int = 3
    away_timeouts: int = 3


@dataclass(frozen=True, slots=True)
class BaseState:
    batting: Side
    outs: int
    first: bool = False
    second: bool = False
    third: bool = False
    balls: int = 0
    strikes: int = 0


@dataclass(frozen=True, slots=True)
class Play:
    seq: int
    t: float
    period: int
    clock: float
    home_score: int
    away_score: int
    team: Side | None
    type_id: str
    type_text: str
    text: str
    score_value: int = 0
    scorer: Side | None = None
    """Who the points went to (a safety credits the defense)."""
    home_wp: float | None = None
    spot_before: FootballSpot | None = None
    spot_after: FootballSpot | None = None
    bases: BaseState | None = None
    drive: int | None = None
    stat_yardage: int | None = None
    shootout: bool = False

    @property
    def scoring(self) -> bool:
        return self.score_value > 0


@dataclass(frozen=True, slots=True)
class Drive:
    index: int
    team: Side
    first_play: int
    """Index into ``GameScript.plays`` of the drive's first play."""
    last_play: int
    """Index (inclusive) of its last play."""
    start_yard_line: int
    end_yard_line: int
    result: str
    """ESPN's short result: ``TD``, ``FG``, ``PUNT``, ``INT``, ``FUMBLE``, ``DOWNS``, ``MISSED FG``,
    ``SF`` (safety), ``END OF HALF``, ``END OF GAME``."""


@dataclass(frozen=True, slots=True)
class Line:
    """Pre-game market line. ``spread`` is the HOME line (+3.5 = home is the underdog)."""

    spread: float
    over_under: float
    home_moneyline: int
    away_moneyline: int
    home_win_prob: float
    """Vig-free pre-game home win probability (used for the predictor)."""
    moneyline_details: bool = False
    """NHL/MLB show the favourite's moneyline in ``details``; the others show the spread."""


@dataclass(frozen=True, slots=True)
class GameScript:
    league: League
    segments: tuple[Segment, ...]
    plays: tuple[Play, ...]
    final_detail: str
    """``Final``, ``Final/OT``, ``Final/2OT``, ``Final/SO``, ``Final/10``..."""
    regulation_periods: int
    drives: tuple[Drive, ...] = ()
    play_times: tuple[float, ...] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "play_times", tuple(p.t for p in self.plays))

    @property
    def end(self) -> float:
        """Timeline second at which the game is over."""
        return self.segments[-1].end

    def revealed(self, elapsed: float) -> int:
        """How many plays have happened at timeline second ``elapsed``."""
        return bisect_right(self.play_times, elapsed)

    @property
    def home_score(self) -> int:
        return self.plays[-1].home_score if self.plays else 0

    @property
    def away_score(self) -> int:
        return self.plays[-1].away_score if self.plays else 0

    @property
    def overtime(self) -> bool:
        return self.segments[-1].number > self.regulation_periods


def stern_home_win(lead: float, mu: float, sigma: float, tau: float, tie_value: float = 0.5) -> float:
    """Stern's Brownian-motion home win probability with a ±0.5 continuity correction.

    ``lead`` home minus away now, ``mu`` expected full-game home margin, ``sigma`` SD of the full-game
    margin, ``tau`` fraction of regulation left. At ``tau == 0`` a tie is worth ``tie_value``.
    """
    if tau <= 0:
        if lead > 0:
            return 1.0
        return 0.0 if lead < 0 else tie_value
    scale = sigma * math.sqrt(max(tau, 1e-6))
    win = 1.0 - _NORMAL.cdf((-lead + 0.5 - mu * tau) / scale)
    tie = _NORMAL.cdf((-lead + 0.5 - mu * tau) / scale) - _NORMAL.cdf((-lead - 0.5 - mu * tau) / scale)
    return win + tie * tie_value


def american_odds(prob: float) -> int:
    """American moneyline for a win probability (already including vig), rounded to 5."""
    prob = min(max(prob, 0.02), 0.98)
    raw = -100.0 * prob / (1.0 - prob) if prob >= 0.5 else 100.0 * (1.0 - prob) / prob
    rounded = int(5 * round(raw / 5))
    if -100 < rounded < 100:
        rounded = -100 if prob >= 0.5 else 100
    return rounded


def make_line(
    mu: float,
    sigma: float,
    total: float,
    *,
    spread_override: float | None = None,
    moneyline_details: bool = False,
    vig: float = 0.045,
) -> Line:
    """A bookmaker-style line around an expected home margin ``mu`` (points/goals/runs)."""
    spread = spread_override if spread_override is not None else -round(mu * 2) / 2
    p_home = _NORMAL.cdf(mu / sigma)
    p_home = min(max(p_home, 0.03), 0.97)
    return Line(
        spread=float(spread) + 0.0,
        over_under=round(total * 2) / 2,
        home_moneyline=american_odds(p_home + vig / 2),
        away_moneyline=american_odds(1 - p_home + vig / 2),
        home_win_prob=p_home,
        moneyline_details=moneyline_details,
    )
