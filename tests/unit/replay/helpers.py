"""Helpers for the ESPN replay tests: a hand-driven clock and a game factory."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from inplay.sports.models import League
from local.espn_replay.model import GameScript
from local.espn_replay.sim import Matchup, draw_matchup, simulate
from local.espn_replay.teams import TEAMS

T0 = datetime(2025, 12, 7, 23, 0, 0, tzinfo=UTC)
"""6 PM Eastern on Sunday 2025-12-07: ESPN files games started now under 20251207."""


class ManualClock:
    """A clock the test moves by hand."""

    def __init__(self, start: datetime = T0) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def make_game(league: League, seed: int) -> tuple[Matchup, GameScript]:
    rng = random.Random(seed)
    teams = TEAMS[league]
    matchup = draw_matchup(league, teams[0], teams[1], rng)
    return matchup, simulate(matchup, rng)
