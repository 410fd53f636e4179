"""The normalized game state every other part of inplay reads (never raw ESPN JSON)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Final

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

__all__ = ["LEAGUES", "GameState", "GameStatus", "League", "Phase", "TeamState"]


class League(StrEnum):
    """League slugs, as ESPN names them in its URLs."""

    NBA = "nba"
    WNBA = "wnba"
    NFL = "nfl"
    NHL = "nhl"
    MLB = "mlb"
    COLLEGE_FOOTBALL = "college-football"
    MENS_COLLEGE_BASKETBALL = "mens-college-basketball"

    @property
    def sport(self) -> str:
        return _SPORT[self]


_SPORT: Final = {
    League.NBA: "basketball",
    League.WNBA: "basketball",
    League.MENS_COLLEGE_BASKETBALL: "basketball",
    League.NFL: "football",
    League.COLLEGE_FOOTBALL: "football",
    League.NHL: "hockey",
    League.MLB: "baseball",
}
LEAGUES: Final = tuple(League)


class Phase(StrEnum):
    """ESPN's coarse ``status.type.state``."""

    PRE = "pre"
    IN = "in"
    POST = "post"


class GameStatus(StrEnum):
    """ESPN's ``status.type.name`` folded to what trading decisions need."""

    SCHEDULED = "scheduled"
    IN_PROGRESS = "in_progress"
    HALFTIME = "halftime"
    END_PERIOD = "end_period"
    FINAL = "final"
    POSTPONED = "postponed"
    SUSPENDED = "suspended"
    DELAYED = "delayed"
    CANCELED = "canceled"
    UNKNOWN = "unknown"


class TeamState(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    team_id: Annotated[str, Field(min_length=1)]
    """ESPN team id: fixed across seasons, unlike the abbreviation. Map teams by this."""
    abbreviation: str
    name: str
    score: Annotated[int, Field(ge=0)] | None = None
    """``None`` before the game (a pre-game summary has no score at all)."""


class GameState(BaseModel):
    """One game at one moment. Optional fields are the ones some ESPN payloads omit."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    league: League
    event_id: Annotated[str, Field(min_length=1)]
    name: str | None = None
    home: TeamState
    away: TeamState
    period: Annotated[int, Field(ge=0)] = 0
    clock_seconds: Annotated[Decimal, Field(ge=0)] | None = None
    """Seconds left in the current period (ESPN ``status.clock``); ``None`` where ESPN gives none."""
    display_clock: str | None = None
    state: Phase
    completed: bool
    status: GameStatus
    status_detail: str | None = None
    home_win_prob: Annotated[Decimal, Field(ge=0, le=1)] | None = None
    """ESPN's own live home win probability, 0–1, when the payload carries one."""
    spread: Decimal | None = None
    """Pre-game point spread for the HOME team (+3.5 = home is the underdog)."""
    home_moneyline: int | None = None
    away_moneyline: int | None = None
    neutral_site: bool = False
    start_time: AwareDatetime
    """Scheduled start, UTC. Re-read every poll: flexed and rescheduled games move."""
    situation: dict[str, str | int | bool | None] | None = None
    """Compact live situation (NFL down/distance/possession, MLB outs/bases), flattened."""

    @field_validator("start_time")
    @classmethod
    def _utc(cls, value: datetime) -> datetime:
        from datetime import UTC

        return value.astimezone(UTC)

    @property
    def is_final(self) -> bool:
        """Settle only on completed AND final status; ``state == "post"`` alone also covers
        postponed and suspended games."""
        return self.completed and self.status is GameStatus.FINAL

    @property
    def is_live(self) -> bool:
        return self.state is Phase.IN

    def material_key(self) -> tuple[object, ...]:
        """What must change for a new snapshot to be worth writing."""
        return (
            self.state,
            self.status,
            self.completed,
            self.period,
            self.clock_seconds,
            self.home.score,
            self.away.score,
            self.home_win_prob,
            self.spread,
            self.home_moneyline,
            self.away_moneyline,
            self.start_time,
            tuple(sorted((self.situation or {}).items())),
        )
