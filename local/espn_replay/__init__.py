"""ESPN replay server: ESPN-shaped scoreboard and summary JSON for games the project simulates.

Usage::

    from local.espn_replay import ReplayServer, demo_scenario

    with ReplayServer(demo_scenario(), speed=1.0) as server:
        poll(server.base_url)  # http://127.0.0.1:PORT/apis/site/v2/sports

Each game is simulated once, from the scenario seed, when the server is built; requests reveal
it up to ``(wall time − scheduled start) × speed``. Same seed and same game time → same JSON.
"""

from __future__ import annotations

from local.espn_replay.clock import Clock, ReplayClock, ReplayError, system_clock
from local.espn_replay.scenario import FINISHED, GameSpec, ReplayGame, Scenario, build_slate, demo_scenario
from local.espn_replay.server import ReplayServer
from local.espn_replay.service import BASE_PATH, ReplayService, Response
from local.espn_replay.view import View, compute_view

__all__ = [
    "BASE_PATH",
    "FINISHED",
    "Clock",
    "GameSpec",
    "ReplayClock",
    "ReplayError",
    "ReplayGame",
    "ReplayServer",
    "ReplayService",
    "Response",
    "Scenario",
    "View",
    "build_slate",
    "compute_view",
    "demo_scenario",
    "system_clock",
]
