"""Live game states for the win-probability tests."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from inplay.sports.models import GameState, GameStatus, League, Phase, TeamState

HOME_ID, AWAY_ID = "10", "20"


def live(
    league: League,
    home: int,
    away: int,
    period: int,
    clock: float | None,
    *,
    status: GameStatus = GameStatus.IN_PROGRESS,
    state: Phase = Phase.IN,
    **fields: object,
) -> GameState:
    return GameState.model_validate(
        {
            "league": league,
            "event_id": "401",
            "home": TeamState(team_id=HOME_ID, abbreviation="HOM", name="Home", score=home),
            "away": TeamState(team_id=AWAY_ID, abbreviation="AWY", name="Away", score=away),
            "period": period,
            "clock_seconds": None if clock is None else Decimal(str(clock)),
            "state": state,
            "completed": state is Phase.POST,
            "status": status,
            "start_time": datetime(2025, 1, 15, 0, 30, tzinfo=UTC),
            **fields,
        }
    )
