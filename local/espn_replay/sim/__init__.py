"""Seeded play-by-play simulators, one per sport. Pure Python; deterministic per seed."""

from __future__ import annotations

import random

from local.espn_replay.model import GameScript
from local.espn_replay.sim.baseball import simulate_baseball
from local.espn_replay.sim.basketball import simulate_basketball
from local.espn_replay.sim.football import simulate_football
from local.espn_replay.sim.hockey import simulate_hockey
from local.espn_replay.sim.matchup import LINE_PARAMS, Matchup, draw_matchup

__all__ = ["LINE_PARAMS", "Matchup", "draw_matchup", "simulate"]


def simulate(matchup: Matchup, rng: random.Random) -> GameScript:
    """Play a whole game from ``rng``'s current state; same state → same game."""
    sport = matchup.league.sport
    if sport == "basketball":
        return simulate_basketball(matchup, rng)
    if sport == "football":
        return simulate_football(matchup, rng)
    if sport == "hockey":
        return simulate_hockey(matchup, rng)
    return simulate_baseball(matchup, rng)
