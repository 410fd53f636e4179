"""``GET /api/games``: the games table, for the dashboard."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Query

from api import deps
from api.routes.common import new_router
from inplay.api.games import list_games
from inplay.sports.models import League, Phase

router = new_router()


@router.get("/api/games")
def games(
    league: Annotated[League | None, Query(description="ESPN league slug, e.g. nba")] = None,
    state: Annotated[Phase | None, Query(description="pre, in or post")] = None,
) -> dict[str, Any]:
    response = list_games(deps.games_repository(), league=league, state=state, now=datetime.now(UTC))
    return response.model_dump(mode="json")
