"""MLB: nine innings of plate appearances (strikeouts, walks, hits, outs with simple base running),
the bottom of the 9th skipped when the home team leads, walk-offs that stop at the winning run,
extra innings with a runner on second (``Final/10``). Win probability: Stern's model on runs with
outs left as the clock, shifted by the base-out run expectancy.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Final, Literal

from local.espn_replay.model import BaseState, GameScript, Segment, Side, stern_home_win
from local.espn_replay.sim._log import PlayLog
from local.espn_replay.sim.matchup import Matchup

__all__ = ["simulate_baseball"]

PA_SECONDS: Final = 95.0
HALF_BREAK: Final = 125.0
RUNS_PER_TEAM: Final = 4.5
# Run expectancy by (first, second, third) and outs: the usual published 24-state table, rounded.
RUN_EXPECTANCY: Final[dict[tuple[bool, bool, bool], tuple[float, float, float]]] = {
    (False, False, False): (0.48, 0.25, 0.10),
    (True, False, False): (0.86, 0.51, 0.22),
    (False, True, False): (1.10, 0.66, 0.32),
    (False, False, True): (1.35, 0.95, 0.35),
    (True, True, False): (1.44, 0.89, 0.43),
    (True, False, True): (1.78, 1.14, 0.48),
    (False, True, True): (1.96, 1.35, 0.57),
    (True, True, True): (2.25, 1.55, 0.75),
}
# Plate-appearance outcomes at league-average rates; outs take what is left.
_RATES: Final = (
    ("strikeout", 0.225),
    ("walk", 0.082),
    ("hit_by_pitch", 0.011),
    ("single", 0.150),
    ("double", 0.047),
    ("triple", 0.004),
    ("home_run", 0.031),
)
_HIT_LIKE: Final = frozenset({"walk", "hit_by_pitch", "single", "double", "triple", "home_run"})

Half = Literal["top", "bottom"]


@dataclass
class _Inning:
    batting: Side
    outs: int = 0
    first: bool = False
    second: bool = False
    third: bool = False

    def state(self) -> BaseState:
        return BaseState(self.batting, self.outs, self.first, self.second, self.third)

    def bases(self) -> tuple[bool, bool, bool]:
        return (self.first, self.second, self.third)


class _Game:
    def __init__(self, matchup: Matchup, rng: random.Random) -> None:
        self.m = matchup
        self.rng = rng
        self.log = PlayLog()
        self.edge = matchup.mu_true / (2.0 * RUNS_PER_TEAM) * 0.45
        self.segments: list[Segment] = []
        self.inning = 1
        self.half: Half = "top"
        self.state = _Inning("away")
        self.t = 0.0

    def abbr(self, side: Side) -> str:
        return self.m.team(side).abbreviation

    def strength(self, side: Side) -> float:
        return 1.0 + (self.edge if side == "home" else -self.edge)

    # --- win probability --------------------------------------------------------------------
    def outs_left(self) -> int:
        left_in_half = 3 - self.state.outs
        if self.inning > 9:
            return left_in_half + (3 if self.half == "top" else 0)
        later_halves = (9 - self.inning) * 2 + (1 if self.half == "top" else 0)
        return left_in_half + 3 * later_halves

    def wp(self, home: int, away: int) -> float:
        state = self.state
        excess = 0.0
        if state.outs < 3:
            excess = (
                RUN_EXPECTANCY[state.bases()][state.outs] - RUN_EXPECTANCY[(False, False, False)][state.outs]
            )
        lead = home - away + (excess if state.batting == "home" else -excess)
        tau = self.outs_left() / 54.0
        if self.half == "bottom" and self.inning >= 9 and home > away:
            return 1.0
        return stern_home_win(lead, self.m.mu_line, self.m.sigma, tau, tie_value=0.5)

    # --- one plate appearance ---------------------------------------------------------------
    def outcome(self) -> str:
        m = self.strength(self.state.batting)
        roll = self.rng.random()
        acc = 0.0
        for name, rate in _RATES:
            acc += rate / m if name == "strikeout" else rate * m
            if roll < acc:
                return name
        return self.rng.choices(("ground_out", "fly_out", "line_out"), weights=(45, 35, 20))[0]

    def plate_appearance(self) -> None:
        result = self.outcome()
        state = self.state
        runs, text, outs_made = self.run_bases(result)
        needed = self.log.away - self.log.home + 1
        if self.walk_off_possible() and result != "home_run" and 0 < needed < runs:
            runs = needed  # the game ends the moment the winning run scores
        state.outs += outs_made
        self.t += max(self.rng.gauss(PA_SECONDS, 30.0), 25.0)
        type_text = result.replace("_", " ").title()
        self.log.add(
            t=self.t,
            period=self.inning,
            clock=0.0,
            team=state.batting,
            type_id=_TYPE_IDS[result],
            type_text=type_text,
            text=f"{self.abbr(state.batting)} {text}",
            points=runs,
            wp=self.wp,
            bases=state.state(),
        )

    def run_bases(self, result: str) -> tuple[int, str, int]:
        """Move the runners; returns (runs, description, outs made)."""
        if result in _HIT_LIKE:
            return self.advance_on_hit(result)
        return self.advance_on_out(result)

    def advance_on_hit(self, result: str) -> tuple[int, str, int]:
        s, rng = self.state, self.rng
        f, sec, th = s.first, s.second, s.third
        if result in ("walk", "hit_by_pitch"):
            runs = int(f and sec and th)
            s.third = th or (f and sec)
            s.second = sec or f
            s.first = True
            return runs, "walks" if result == "walk" else "hit by pitch", 0
        if result == "single":
            scores_from_second = sec and rng.random() < 0.6
            runs = int(th) + int(scores_from_second)
            s.third = (sec and not scores_from_second) or (f and rng.random() < 0.25)
            s.second, s.first = f and not s.third, True
            return runs, "singled", 0
        if result == "double":
            scores_from_first = f and rng.random() < 0.4
            runs = int(th) + int(sec) + int(scores_from_first)
            s.first, s.second, s.third = False, True, f and not scores_from_first
            return runs, "doubled", 0
        runs = int(f) + int(sec) + int(th) + (1 if result == "home_run" else 0)
        s.first, s.second, s.third = False, False, result == "triple"
        return runs, "homered" if result == "home_run" else "tripled", 0

    def advance_on_out(self, result: str) -> tuple[int, str, int]:
        s, rng = self.state, self.rng
        if result == "strikeout":
            return 0, "struck out", 1
        if result == "line_out":
            return 0, "lined out", 1
        if result == "fly_out":
            if s.third and s.outs < 2 and rng.random() < 0.7:
                s.third = False
                return 1, "hit a sacrifice fly", 1
            return 0, "flied out", 1
        if s.first and s.outs < 2 and rng.random() < 0.35:
            runs = int(s.third and s.outs == 0)
            s.first, s.third = False, s.third and not runs
            return runs, "grounded into a double play", 2
        runs = 0
        if s.outs < 2 and rng.random() < 0.5:
            runs = int(s.third)
            s.third, s.second, s.first = s.second, s.first, False
        return runs, "grounded out", 1

    def walk_off_possible(self) -> bool:
        return self.half == "bottom" and self.inning >= 9

    # --- innings ----------------------------------------------------------------------------
    def half_inning(self) -> None:
        batting: Side = "away" if self.half == "top" else "home"
        self.state = _Inning(batting, second=self.inning >= 10)
        start = self.t
        while self.state.outs < 3:
            self.plate_appearance()
            if self.walk_off_possible() and self.log.home > self.log.away:
                break
        self.segments.append(Segment(self.inning, start, self.t + 1.0, 0.0, half=self.half))
        self.t += 1.0

    def game_decided_after_half(self) -> bool:
        if self.inning < 9:
            return False
        if self.half == "top":
            return self.log.home > self.log.away
        return self.log.home != self.log.away

    def run(self) -> GameScript:
        while True:
            self.half_inning()
            if self.game_decided_after_half():
                break
            self.t += HALF_BREAK
            if self.half == "top":
                self.half = "bottom"
            else:
                self.half, self.inning = "top", self.inning + 1
        self.log.settle_final_wp()
        detail = "Final" if self.inning <= 9 else f"Final/{self.inning}"
        return GameScript(
            league=self.m.league,
            segments=tuple(self.segments),
            plays=tuple(self.log.plays),
            final_detail=detail,
            regulation_periods=9,
        )


_TYPE_IDS: Final = {
    "strikeout": "59",
    "walk": "62",
    "hit_by_pitch": "63",
    "single": "40",
    "double": "41",
    "triple": "42",
    "home_run": "43",
    "ground_out": "48",
    "fly_out": "49",
    "line_out": "50",
}


def simulate_baseball(matchup: Matchup, rng: random.Random) -> GameScript:
    return _Game(matchup, rng).run()
