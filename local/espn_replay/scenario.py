"""Scenarios (what slate to replay) and the slate they turn into (pre-generated games).

A :class:`GameSpec` places one game relative to the moment the replay starts: ``starts_in`` (wall
time until its scheduled start, negative = already started) or ``elapsed`` (game time already played
when the replay starts, whatever the speed; a large value gives a finished game). ``special`` makes it
postponed or suspended (ESPN's ``STATUS_POSTPONED``/``STATUS_SUSPENDED``: state ``post``, never
completed).
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final, Literal

from inplay.sports.models import League
from local.espn_replay._time import ensure_utc
from local.espn_replay.clock import ReplayError
from local.espn_replay.model import GameScript
from local.espn_replay.sim import Matchup, draw_matchup, simulate
from local.espn_replay.teams import TEAMS, TeamInfo, team_by_abbreviation

__all__ = [
    "GameSpec",
    "ReplayGame",
    "Scenario",
    "Special",
    "build_slate",
    "demo_scenario",
]

Special = Literal["postponed", "suspended"]
FINISHED: Final = timedelta(hours=5)
"""``elapsed`` long enough for any game to be final (MLB would need 20+ innings to still be on)."""


@dataclass(frozen=True, slots=True)
class GameSpec:
    league: League
    starts_in: timedelta | None = None
    elapsed: timedelta | None = None
    special: Special | None = None
    suspend_at: float = 0.6
    """Suspended games stop at this fraction of the game's length, keeping the partial score."""
    home: str | None = None
    """Home team abbreviation (from ``teams.TEAMS``); drawn from the seed when omitted."""
    away: str | None = None
    neutral_site: bool = False
    event_id: str | None = None

    def __post_init__(self) -> None:
        try:
            object.__setattr__(self, "league", League(self.league))
        except ValueError as exc:
            raise ReplayError(f"unknown league {self.league!r}") from exc
        if self.starts_in is not None and self.elapsed is not None:
            raise ReplayError("give either starts_in or elapsed, not both")
        if self.elapsed is not None and self.elapsed < timedelta(0):
            raise ReplayError("elapsed must be >= 0 (use starts_in for future games)")
        if self.special not in (None, "postponed", "suspended"):
            raise ReplayError(f"special must be 'postponed' or 'suspended', got {self.special!r}")
        if not 0.0 < self.suspend_at < 1.0:
            raise ReplayError("suspend_at must be between 0 and 1")
        if self.event_id is not None and not (self.event_id.isdigit() and self.event_id.isascii()):
            raise ReplayError(f"event_id must be a numeric string, got {self.event_id!r}")
        for abbreviation in (self.home, self.away):
            if abbreviation is not None:
                try:
                    team_by_abbreviation(self.league, abbreviation)
                except KeyError as exc:
                    raise ReplayError(str(exc.args[0])) from exc
        if self.home is not None and self.home == self.away:
            raise ReplayError("home and away must be different teams")


@dataclass(frozen=True, slots=True)
class Scenario:
    games: tuple[GameSpec, ...]
    seed: int = 0
    name: str = "custom"

    def __post_init__(self) -> None:
        object.__setattr__(self, "games", tuple(self.games))
        if not self.games:
            raise ReplayError("a scenario needs at least one game")
        ids = [g.event_id for g in self.games if g.event_id is not None]
        if len(ids) != len(set(ids)):
            raise ReplayError("event ids must be unique")

    @classmethod
    def slate(
        cls,
        counts: Mapping[League, int],
        *,
        seed: int = 0,
        spacing: timedelta = timedelta(hours=1),
        name: str = "slate",
    ) -> Scenario:
        """``counts`` games per league, placed as: live (a few minutes in), starting in 2 minutes,
        final, then one every ``spacing`` later."""
        games: list[GameSpec] = []
        for league, count in counts.items():
            if count < 0:
                raise ReplayError(f"game count for {league} must be >= 0")
            for index in range(count):
                games.append(_slate_position(League(league), index, spacing))
        return cls(tuple(games), seed=seed, name=name)


def _slate_position(league: League, index: int, spacing: timedelta) -> GameSpec:
    if index == 0:
        return GameSpec(league, elapsed=timedelta(minutes=4))
    if index == 1:
        return GameSpec(league, starts_in=timedelta(minutes=2))
    if index == 2:
        return GameSpec(league, elapsed=FINISHED)
    return GameSpec(league, starts_in=spacing * (index - 2))


def demo_scenario(seed: int = 2026) -> Scenario:
    """The local demo's slate: live NBA games from the first second (scores move every few seconds at
    speed 1), games about to start, finished ones, a postponed NBA game and a suspended MLB game."""
    nba, nfl, nhl, mlb = League.NBA, League.NFL, League.NHL, League.MLB
    games = (
        GameSpec(nba, elapsed=timedelta(minutes=3), home="BOS", away="NY"),
        GameSpec(nba, elapsed=timedelta(minutes=18), home="DEN", away="GS"),
        GameSpec(nba, starts_in=timedelta(minutes=2), home="LAL", away="SA"),
        GameSpec(nba, elapsed=FINISHED, home="MIA", away="MIL"),
        GameSpec(nba, starts_in=timedelta(hours=1), special="postponed", home="WSH", away="UTAH"),
        GameSpec(League.WNBA, elapsed=timedelta(minutes=5), home="LV", away="NY"),
        GameSpec(League.MENS_COLLEGE_BASKETBALL, elapsed=timedelta(minutes=6), home="DUKE", away="UNC"),
        GameSpec(nfl, elapsed=timedelta(minutes=12), home="KC", away="BUF"),
        GameSpec(nfl, starts_in=timedelta(minutes=30), home="PHI", away="DAL"),
        GameSpec(League.COLLEGE_FOOTBALL, elapsed=timedelta(minutes=20), home="OSU", away="MICH"),
        GameSpec(nhl, elapsed=timedelta(minutes=8), home="TOR", away="BOS"),
        GameSpec(nhl, elapsed=FINISHED, home="EDM", away="VGK"),
        GameSpec(mlb, elapsed=timedelta(minutes=25), home="NYY", away="BOS"),
        GameSpec(mlb, elapsed=FINISHED, special="suspended", home="CHC", away="CHW"),
        GameSpec(mlb, starts_in=timedelta(minutes=45), home="LAD", away="SF"),
    )
    return Scenario(games, seed=seed, name="demo")


@dataclass(frozen=True, slots=True)
class ReplayGame:
    """One game of the slate, fully pre-generated."""

    index: int
    event_id: str
    matchup: Matchup
    script: GameScript
    scheduled_start: datetime
    special: Special | None = None
    suspend_after: float | None = None
    """Timeline second at which a suspended game stops."""
    venue_id: str = "1"

    @property
    def league(self) -> League:
        return self.matchup.league

    @property
    def home(self) -> TeamInfo:
        return self.matchup.home

    @property
    def away(self) -> TeamInfo:
        return self.matchup.away


def _pick_teams(
    spec: GameSpec, rng: random.Random, used: set[tuple[League, str]]
) -> tuple[TeamInfo, TeamInfo]:
    table = TEAMS[spec.league]
    fixed = {
        side: team_by_abbreviation(spec.league, abbr)
        for side, abbr in (("home", spec.home), ("away", spec.away))
        if abbr
    }
    free = [t for t in table if (spec.league, t.id) not in used and t not in fixed.values()]
    if len(free) < 2:
        free = [t for t in table if t not in fixed.values()]
    rng.shuffle(free)
    home = fixed.get("home") or free.pop()
    away = fixed.get("away") or next(t for t in free if t != home)
    return home, away


def _event_id(rng: random.Random, taken: set[str]) -> str:
    candidate = rng.randint(401_700_000, 401_999_999)
    while str(candidate) in taken:
        candidate += 1
    return str(candidate)


def build_slate(scenario: Scenario, started_at: datetime, speed: float) -> tuple[ReplayGame, ...]:
    """Turn a scenario into games: teams, line and the whole play-by-play, from the seed."""
    started_at = ensure_utc(started_at)
    taken = {g.event_id for g in scenario.games if g.event_id}
    used: set[tuple[League, str]] = set()
    games = []
    for index, spec in enumerate(scenario.games):
        rng = random.Random(f"inplay-espn-replay:{scenario.seed}:{index}:{spec.league.value}")
        event_id = spec.event_id or _event_id(rng, taken)
        taken.add(event_id)
        home, away = _pick_teams(spec, rng, used)
        used.update({(spec.league, home.id), (spec.league, away.id)})
        matchup = draw_matchup(spec.league, home, away, rng, neutral_site=spec.neutral_site)
        script = simulate(matchup, rng)
        if spec.elapsed is not None:
            start = started_at - timedelta(seconds=spec.elapsed.total_seconds() / speed)
        else:
            start = started_at + (spec.starts_in or timedelta(0))
        suspend_after = script.end * spec.suspend_at if spec.special == "suspended" else None
        games.append(
            ReplayGame(
                index,
                event_id,
                matchup,
                script,
                start,
                spec.special,
                suspend_after,
                venue_id=str(3000 + int(home.id) % 1000),
            )
        )
    return tuple(games)
