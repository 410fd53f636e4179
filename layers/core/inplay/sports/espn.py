"""ESPN ingestion: the public import for the parser and the HTTP client.

``from inplay.sports.espn import EspnClient, parse_scoreboard`` and so on; the code lives in
:mod:`inplay.sports.espn_parser` and :mod:`inplay.sports.espn_client`.
"""

from __future__ import annotations

from inplay.sports.espn_client import (
    ESPN_DAY_TURNS_AT_EASTERN_HOUR,
    LATE_GAMES_UNTIL,
    SCOREBOARD_GROUPS,
    SCOREBOARD_LIMIT,
    Backoff,
    EspnBackoffActive,
    EspnClient,
    EspnHttpError,
    GameFeed,
    SummaryFeed,
    espn_scoreboard_date,
    scoreboard_params,
    us_eastern,
    us_scoreboard_dates,
)
from inplay.sports.espn_parser import (
    ESPN_LEAGUE_IDS,
    EspnError,
    EspnPayloadError,
    detect_league,
    map_status,
    parse_american_odds,
    parse_payload,
    parse_score,
    parse_scoreboard,
    parse_summary,
)

__all__ = [
    "ESPN_DAY_TURNS_AT_EASTERN_HOUR",
    "ESPN_LEAGUE_IDS",
    "LATE_GAMES_UNTIL",
    "SCOREBOARD_GROUPS",
    "SCOREBOARD_LIMIT",
    "Backoff",
    "EspnBackoffActive",
    "EspnClient",
    "EspnError",
    "EspnHttpError",
    "EspnPayloadError",
    "GameFeed",
    "SummaryFeed",
    "detect_league",
    "espn_scoreboard_date",
    "map_status",
    "parse_american_odds",
    "parse_payload",
    "parse_score",
    "parse_scoreboard",
    "parse_summary",
    "scoreboard_params",
    "us_eastern",
    "us_scoreboard_dates",
]
