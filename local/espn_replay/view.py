"""What a game looks like at one game time: ESPN's status block, clock, score, revealed plays."""

from __future__ import annotations

import math
from bisect import bisect_right
from dataclasses import dataclass
from typing import Final, Literal

from inplay.sports.models import League
from local.espn_replay._time import eastern
from local.espn_replay.model import BaseState, Play, Segment, Side, ordinal
from local.espn_replay.scenario import ReplayGame

__all__ = ["StatusInfo", "View", "compute_view", "current_bases", "format_clock", "period_labels"]

State = Literal["pre", "in", "post"]
_HALFTIME_AFTER: Final = {
    League.NBA: 2,
    League.WNBA: 2,
    League.MENS_COLLEGE_BASKETBALL: 1,
    League.NFL: 2,
    League.COLLEGE_FOOTBALL: 2,
}
_REGULATION: Final = {
    League.NBA: 4,
    League.WNBA: 4,
    League.MENS_COLLEGE_BASKETBALL: 2,
    League.NFL: 4,
    League.COLLEGE_FOOTBALL: 4,
    League.NHL: 3,
    League.MLB: 9,
}


@dataclass(frozen=True, slots=True)
class StatusInfo:
    id: str
    name: str
    state: State
    completed: bool
    description: str
    detail: str
    short_detail: str


@dataclass(frozen=True, slots=True)
class View:
    game: ReplayGame
    elapsed: float
    """Timeline seconds shown (clipped to the suspension point for suspended games)."""
    status: StatusInfo
    period: int
    clock: float
    display_clock: str
    revealed: int
    segment: Segment | None
    """The current segment, or the one just finished during a break."""
    running: bool
    """Inside a period (False during breaks and outside the game)."""

    @property
    def state(self) -> State:
        return self.status.state

    @property
    def plays(self) -> tuple[Play, ...]:
        return self.game.script.plays[: self.revealed]

    @property
    def last_play(self) -> Play | None:
        return self.game.script.plays[self.revealed - 1] if self.revealed else None

    @property
    def home_score(self) -> int:
        last = self.last_play
        return last.home_score if last else 0

    @property
    def away_score(self) -> int:
        last = self.last_play
        return last.away_score if last else 0

    @property
    def started(self) -> bool:
        return self.state != "pre" and self.status.name != "STATUS_POSTPONED"

    @property
    def winner(self) -> Side | None:
        """Set only once the game is decided (final and not tied)."""
        if not self.status.completed or self.home_score == self.away_score:
            return None
        return "home" if self.home_score > self.away_score else "away"

    def score_of(self, side: Side) -> int:
        return self.home_score if side == "home" else self.away_score


def period_labels(league: League, number: int) -> tuple[str, str]:
    """(long, short) names of a period: ``2nd Quarter``/``2nd``, ``OT``, ``2OT``, ``1st Half``…"""
    regulation = _REGULATION[league]
    if league is League.NHL and number == 5:
        return "Shootout", "SO"
    if number > regulation:
        extra = number - regulation
        label = "OT" if extra == 1 else f"{extra}OT"
        return label, label
    if league is League.MENS_COLLEGE_BASKETBALL:
        return f"{ordinal(number)} Half", f"{ordinal(number)} Half"
    if league is League.NHL:
        return f"{ordinal(number)} Period", ordinal(number)
    if league is League.MLB:
        return f"{ordinal(number)} Inning", ordinal(number)
    return f"{ordinal(number)} Quarter", ordinal(number)


def format_clock(league: League, seconds: float) -> tuple[float, str]:
    """ESPN's (clock, displayClock): basketball shows tenths under a minute."""
    if league is League.MLB:
        return 0.0, "0:00"
    seconds = max(seconds, 0.0)
    if league.sport == "basketball" and seconds < 60:
        value = math.floor(seconds * 10) / 10
        return value, f"{value:.1f}"
    whole = math.ceil(seconds - 1e-9)
    return float(whole), f"{whole // 60}:{whole % 60:02d}"


def _zero_clock(league: League) -> tuple[float, str]:
    return 0.0, "0.0" if league.sport == "basketball" else "0:00"


def _scheduled(game: ReplayGame) -> StatusInfo:
    local, zone = eastern(game.scheduled_start)
    hour = local.hour % 12 or 12
    time_text = f"{hour}:{local.minute:02d} {'AM' if local.hour < 12 else 'PM'} {zone}"
    day = ordinal(local.day)
    detail = f"{local.strftime('%a, %B')} {day} at {time_text}"
    short = f"{local.month}/{local.day} - {time_text}"
    return StatusInfo("1", "STATUS_SCHEDULED", "pre", False, "Scheduled", detail, short)


_POSTPONED: Final = StatusInfo("6", "STATUS_POSTPONED", "post", False, "Postponed", "Postponed", "Postponed")
_SUSPENDED: Final = StatusInfo("8", "STATUS_SUSPENDED", "post", False, "Suspended", "Suspended", "Suspended")


def _running_status(league: League, segment: Segment, display_clock: str) -> StatusInfo:
    if league is League.MLB:
        top = segment.half == "top"
        n = ordinal(segment.number)
        detail, short = (f"Top {n}", f"Top {n}") if top else (f"Bottom {n}", f"Bot {n}")
        return StatusInfo("2", "STATUS_IN_PROGRESS", "in", False, "In Progress", detail, short)
    long, short = period_labels(league, segment.number)
    if segment.untimed:
        return StatusInfo("2", "STATUS_IN_PROGRESS", "in", False, "In Progress", long, short)
    return StatusInfo(
        "2",
        "STATUS_IN_PROGRESS",
        "in",
        False,
        "In Progress",
        f"{display_clock} - {long}",
        f"{display_clock} - {short}",
    )


def _break_status(league: League, segment: Segment) -> StatusInfo:
    if league is League.MLB:
        n = ordinal(segment.number)
        detail, short = (f"Middle {n}", f"Mid {n}") if segment.half == "top" else (f"End {n}", f"End {n}")
        return StatusInfo("2", "STATUS_IN_PROGRESS", "in", False, "In Progress", detail, short)
    if _HALFTIME_AFTER.get(league) == segment.number:
        return StatusInfo("23", "STATUS_HALFTIME", "in", False, "Halftime", "Halftime", "Halftime")
    long, short = period_labels(league, segment.number)
    return StatusInfo(
        "22", "STATUS_END_PERIOD", "in", False, "End of Period", f"End of {long}", f"End of {short}"
    )


def compute_view(game: ReplayGame, game_seconds: float) -> View:
    """The game at ``game_seconds`` since its scheduled start (negative = not started)."""
    league, script = game.league, game.script
    first_period = 1 if league is League.MLB else 0
    if game.special == "postponed":
        clock, display = _zero_clock(league)
        return View(game, 0.0, _POSTPONED, first_period, clock, display, 0, None, False)
    if game_seconds < 0:
        clock, display = _zero_clock(league)
        return View(game, game_seconds, _scheduled(game), first_period, clock, display, 0, None, False)
    elapsed = game_seconds
    suspended = game.suspend_after is not None and elapsed >= game.suspend_after
    if suspended and game.suspend_after is not None:
        elapsed = game.suspend_after
    if elapsed >= script.end:
        last = script.segments[-1]
        clock, display = _zero_clock(league)
        status = StatusInfo(
            "3", "STATUS_FINAL", "post", True, "Final", script.final_detail, script.final_detail
        )
        return View(game, script.end, status, last.number, clock, display, len(script.plays), last, False)
    index = max(bisect_right([s.start for s in script.segments], elapsed) - 1, 0)
    segment = script.segments[index]
    revealed = script.revealed(elapsed)
    running = segment.start <= elapsed < segment.end
    if running and not segment.untimed and segment.length > 0:
        clock, display = format_clock(league, segment.length - (elapsed - segment.start))
        status = _running_status(league, segment, display)
    elif running:
        clock, display = _zero_clock(league)
        status = _running_status(league, segment, display)
    else:
        clock, display = _zero_clock(league)
        status = _break_status(league, segment)
    if suspended:
        status = _SUSPENDED
    return View(game, elapsed, status, segment.number, clock, display, revealed, segment, running)


def current_bases(view: View) -> BaseState | None:
    """MLB: the base-out state right now (fresh half-inning → empty bases, runner on 2nd in extras)."""
    segment = view.segment
    if segment is None or view.game.league is not League.MLB:
        return None
    batting: Side = "away" if segment.half == "top" else "home"
    last = view.last_play
    if (
        last is not None
        and last.bases is not None
        and last.period == segment.number
        and (last.bases.batting == batting)
    ):
        return last.bases
    return BaseState(batting, 0, second=segment.number >= 10)
