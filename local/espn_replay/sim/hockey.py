"""NHL regular season: 3×20 minutes of shots and goals (a Poisson process, ~3 goals per team),
penalties and power plays, the goalie pulled late when trailing by one or two, then 5 minutes of
3-on-3 sudden-death overtime and a shootout (``Final/OT``, ``Final/SO``). ESPN publishes no NHL win
probability, so plays carry none.
"""

from __future__ import annotations

import math
import random
from typing import Final

from inplay.sports.models import League
from local.espn_replay.model import GameScript, Segment, Side, ordinal, other
from local.espn_replay.sim._log import PlayLog
from local.espn_replay.sim.matchup import LINE_PARAMS, Matchup

__all__ = ["simulate_hockey"]

PERIOD: Final = 1200.0
INTERMISSION: Final = 1080.0
OT_LENGTH: Final = 300.0
OT_BREAK: Final = 120.0
SHOOTOUT_BREAK: Final = 90.0
STEP: Final = 5.0
SHOTS_PER_SECOND: Final = 30.0 / 3600.0
PENALTIES_PER_SECOND: Final = 3.0 / 3600.0
OT_GOAL_CHANCE: Final = 0.6
"""Share of regular-season overtimes decided before the shootout."""


class _Game:
    def __init__(self, matchup: Matchup, rng: random.Random) -> None:
        self.m = matchup
        self.rng = rng
        self.log = PlayLog()
        half_total = LINE_PARAMS[League.NHL].total / 2.0 * 0.87  # power plays and empty nets add the rest
        mu = matchup.mu_true
        self.goals_per_game = {"home": max(half_total + mu / 2, 1.2), "away": max(half_total - mu / 2, 1.2)}
        self.penalty_until: dict[Side, float] = {"home": -1.0, "away": -1.0}
        self.segments: list[Segment] = []

    def abbr(self, side: Side) -> str:
        return self.m.team(side).abbreviation

    def add(
        self,
        t: float,
        period: int,
        clock: float,
        team: Side | None,
        type_id: str,
        type_text: str,
        text: str,
        points: int = 0,
        shootout: bool = False,
    ) -> None:
        self.log.add(
            t=t,
            period=period,
            clock=clock,
            team=team,
            type_id=type_id,
            type_text=type_text,
            text=text,
            points=points,
            shootout=shootout,
        )

    # --- regulation -------------------------------------------------------------------------
    def rates(self, side: Side, elapsed_in_game: float, now: float) -> tuple[float, float]:
        """(shots per second, goal chance per shot) for ``side`` at this moment."""
        goal_rate = self.goals_per_game[side] / 3600.0
        shots, finish = SHOTS_PER_SECOND, goal_rate / SHOTS_PER_SECOND
        if self.penalty_until[other(side)] > now:
            shots, finish = shots * 1.6, finish * 1.6
        if self.penalty_until[side] > now:
            shots *= 0.4
        lead = self.log.lead() if side == "home" else -self.log.lead()
        late = 3600.0 - elapsed_in_game < 110.0
        if late and lead in (-1, -2):
            shots, finish = shots * 2.2, finish * 1.2
        elif late and lead in (1, 2):
            finish = 0.35
        return shots, finish

    def regulation_period(self, number: int, start: float) -> None:
        rng = self.rng
        self.add(start, number, PERIOD, None, "520", "Period Start", f"Start of {ordinal(number)} Period")
        elapsed = 0.0
        while elapsed < PERIOD:
            elapsed += STEP
            now = start + elapsed
            clock = PERIOD - elapsed
            game_elapsed = (number - 1) * PERIOD + elapsed
            for side in ("home", "away"):
                shots, finish = self.rates(side, game_elapsed, now)
                if rng.random() < shots * STEP:
                    self.shot(side, now, number, clock, finish)
                if rng.random() < PENALTIES_PER_SECOND * STEP and self.penalty_until[side] < now:
                    self.penalty_until[side] = now + 120.0
                    self.add(
                        now, number, clock, side, "509", "Penalty", f"{self.abbr(side)} Tripping, 2 minutes"
                    )
        self.add(start + PERIOD, number, 0.0, None, "521", "Period End", f"End of {ordinal(number)} Period")
        self.segments.append(Segment(number, start, start + PERIOD, PERIOD))

    def shot(self, side: Side, now: float, period: int, clock: float, finish: float) -> None:
        if self.rng.random() < finish:
            power_play = self.penalty_until[other(side)] > now
            self.add(
                now,
                period,
                clock,
                side,
                "505",
                "Goal",
                f"{self.abbr(side)} Goal{' (Power Play)' if power_play else ''}",
                points=1,
            )
            self.penalty_until[other(side)] = min(self.penalty_until[other(side)], now)
        else:
            self.add(now, period, clock, side, "506", "Shot", f"{self.abbr(side)} shot on goal saved")

    # --- overtime and shootout --------------------------------------------------------------
    def overtime(self, start: float) -> bool:
        """5 minutes of sudden death; ``True`` when a goal decided it."""
        rng = self.rng
        home_share = self.goals_per_game["home"] / (self.goals_per_game["home"] + self.goals_per_game["away"])
        per_step = -math.log(1.0 - OT_GOAL_CHANCE) / OT_LENGTH * STEP
        self.add(start, 4, OT_LENGTH, None, "520", "Period Start", "Start of Overtime")
        elapsed = 0.0
        while elapsed < OT_LENGTH:
            elapsed += STEP
            now, clock = start + elapsed, OT_LENGTH - elapsed
            if rng.random() < per_step:
                scorer: Side = "home" if rng.random() < home_share else "away"
                self.add(
                    now, 4, clock, scorer, "505", "Goal", f"{self.abbr(scorer)} Goal (overtime winner)", 1
                )
                self.segments.append(Segment(4, start, now, OT_LENGTH))
                return True
            if rng.random() < SHOTS_PER_SECOND * 2 * STEP:
                shooter: Side = "home" if rng.random() < 0.5 else "away"
                self.add(now, 4, clock, shooter, "506", "Shot", f"{self.abbr(shooter)} shot on goal saved")
        self.add(start + OT_LENGTH, 4, 0.0, None, "521", "Period End", "End of Overtime")
        self.segments.append(Segment(4, start, start + OT_LENGTH, OT_LENGTH))
        return False

    def shootout(self, start: float) -> None:
        rng = self.rng
        home_share = self.goals_per_game["home"] / (self.goals_per_game["home"] + self.goals_per_game["away"])
        chance = {"home": 0.32 * (0.5 + home_share), "away": 0.32 * (1.5 - home_share)}
        first: Side = rng.choice(("home", "away"))
        made = {"home": 0, "away": 0}
        t, rounds = start, 0
        while True:
            rounds += 1
            for side in (first, other(first)):
                t += 45.0
                scored = rng.random() < chance[side]
                made[side] += scored
                self.add(
                    t,
                    5,
                    0.0,
                    side,
                    "530",
                    "Shootout",
                    f"{self.abbr(side)} shootout attempt {'scores' if scored else 'saved'}",
                    shootout=True,
                )
            if rounds >= 3 and made["home"] != made["away"]:
                break
        winner: Side = "home" if made["home"] > made["away"] else "away"
        t += 15.0
        self.add(
            t,
            5,
            0.0,
            winner,
            "531",
            "Shootout Winner",
            f"{self.abbr(winner)} win the shootout {max(made.values())}-{min(made.values())}",
            points=1,
            shootout=True,
        )
        self.segments.append(Segment(5, start, t, 0.0, untimed=True))

    def run(self) -> GameScript:
        start = 0.0
        for number in (1, 2, 3):
            self.regulation_period(number, start)
            start += PERIOD + INTERMISSION
        detail = "Final"
        if self.log.home == self.log.away:
            ot_start = 3 * PERIOD + 2 * INTERMISSION + OT_BREAK
            detail = "Final/OT"
            if not self.overtime(ot_start):
                self.shootout(ot_start + OT_LENGTH + SHOOTOUT_BREAK)
                detail = "Final/SO"
        return GameScript(
            league=self.m.league,
            segments=tuple(self.segments),
            plays=tuple(self.log.plays),
            final_detail=detail,
            regulation_periods=3,
        )


def simulate_hockey(matchup: Matchup, rng: random.Random) -> GameScript:
    return _Game(matchup, rng).run()
