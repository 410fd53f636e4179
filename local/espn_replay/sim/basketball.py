"""Possession-by-possession basketball: NBA (4×12), WNBA (4×10), men's college (2×20 halves).

Each possession lasts a few seconds up to the shot clock and ends in a turnover, a shooting foul
(two free throws), or a two/three-point attempt (and-ones, offensive rebounds). Make rates are
scaled by team strength, set from the true expected margin, plus a slowly drifting momentum term.
Tied after regulation → 5-minute overtimes until decided.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from typing import Final

from inplay.sports.models import League
from local.espn_replay.model import GameScript, Segment, Side, ordinal, other, stern_home_win
from local.espn_replay.sim._log import PlayLog
from local.espn_replay.sim.matchup import Matchup

__all__ = ["RULES", "BasketballRules", "simulate_basketball"]


@dataclass(frozen=True, slots=True)
class BasketballRules:
    periods: int
    period_length: float
    overtime_length: float
    halftime_after: int
    break_length: float
    halftime_length: float
    possession_mean: float
    shot_clock: float
    turnover: float
    shooting_foul: float
    three_share: float
    three_pct: float
    two_pct: float
    ft_pct: float
    offensive_rebound: float
    and_one: float
    points_per_team: float
    """Typical points per team per game (strength scaling and the over/under)."""

    @property
    def regulation(self) -> float:
        return self.periods * self.period_length


RULES: Final = {
    League.NBA: BasketballRules(
        periods=4,
        period_length=720.0,
        overtime_length=300.0,
        halftime_after=2,
        break_length=130.0,
        halftime_length=900.0,
        possession_mean=14.2,
        shot_clock=24.0,
        turnover=0.125,
        shooting_foul=0.105,
        three_share=0.42,
        three_pct=0.365,
        two_pct=0.545,
        ft_pct=0.78,
        offensive_rebound=0.25,
        and_one=0.08,
        points_per_team=112.0,
    ),
    League.WNBA: BasketballRules(
        periods=4,
        period_length=600.0,
        overtime_length=300.0,
        halftime_after=2,
        break_length=120.0,
        halftime_length=900.0,
        possession_mean=15.0,
        shot_clock=24.0,
        turnover=0.14,
        shooting_foul=0.10,
        three_share=0.36,
        three_pct=0.34,
        two_pct=0.50,
        ft_pct=0.80,
        offensive_rebound=0.26,
        and_one=0.07,
        points_per_team=82.0,
    ),
    League.MENS_COLLEGE_BASKETBALL: BasketballRules(
        periods=2,
        period_length=1200.0,
        overtime_length=300.0,
        halftime_after=1,
        break_length=0.0,
        halftime_length=900.0,
        possession_mean=17.5,
        shot_clock=30.0,
        turnover=0.16,
        shooting_foul=0.11,
        three_share=0.38,
        three_pct=0.34,
        two_pct=0.52,
        ft_pct=0.71,
        offensive_rebound=0.29,
        and_one=0.07,
        points_per_team=73.0,
    ),
}

_TWO_TEXTS: Final = ("driving layup", "pullup jump shot", "dunk", "turnaround fadeaway", "floating jump shot")


class _Game:
    def __init__(self, rules: BasketballRules, matchup: Matchup, rng: random.Random) -> None:
        self.rules = rules
        self.m = matchup
        self.rng = rng
        self.log = PlayLog()
        self.edge = matchup.mu_true / (2.0 * rules.points_per_team)
        self.drift = 0.0
        self.putback = False
        self.pace = min(max(rng.gauss(1.0, 0.06), 0.85), 1.15)

    # --- helpers ---------------------------------------------------------------------------
    def abbr(self, side: Side) -> str:
        return self.m.team(side).abbreviation

    def strength(self, side: Side) -> float:
        boost = self.edge + self.drift
        return 1.0 + (boost if side == "home" else -boost)

    def wp_at(self, period: int, clock: float) -> float:
        rules = self.rules
        left = (rules.periods - period) * rules.period_length + clock if period <= rules.periods else clock
        tau = left / rules.regulation
        return stern_home_win(self.log.lead(), self.m.mu_line, self.m.sigma, tau, tie_value=0.5)

    def duration(self) -> float:
        if self.putback:
            self.putback = False
            return self.rng.uniform(2.0, 9.0)
        mean = self.rules.possession_mean * self.pace
        return min(max(self.rng.gauss(mean, mean * 0.38), 3.0), self.rules.shot_clock)

    # --- one possession --------------------------------------------------------------------
    def possession(self, offense: Side, t: float, period: int, clock: float, buzzer: bool) -> Side:
        rules, rng = self.rules, self.rng
        self.drift = 0.97 * self.drift + rng.gauss(0.0, 0.006)
        m = self.strength(offense)
        at = {"t": t, "period": period, "clock": clock}
        roll = rng.random()
        if not buzzer and roll < rules.turnover / m:
            self.add(at, offense, "84", "Turnover", f"{self.abbr(offense)} bad pass turnover")
            return other(offense)
        if not buzzer and roll < rules.turnover / m + rules.shooting_foul:
            self.free_throws(at, offense, 2, m)
            return other(offense)
        return self.shot(at, offense, m, buzzer)

    def shot(self, at: dict[str, float | int], offense: Side, m: float, buzzer: bool) -> Side:
        rules, rng = self.rules, self.rng
        three = rng.random() < (0.8 if buzzer else rules.three_share)
        pct = (rules.three_pct if three else rules.two_pct) * m * (0.35 if buzzer else 1.0)
        abbr = self.abbr(offense)
        feet = rng.randint(23, 28) if three else rng.randint(1, 18)
        kind = "three point jumper" if three else rng.choice(_TWO_TEXTS)
        if rng.random() < pct:
            points = 3 if three else 2
            self.add(
                at,
                offense,
                "92" if three else "110",
                "Jump Shot" if three else "Shot",
                f"{abbr} makes {feet}-foot {kind}",
                points=points,
            )
            if not three and not buzzer and rng.random() < rules.and_one:
                self.free_throws(at, offense, 1, m)
            return other(offense)
        self.add(
            at,
            offense,
            "92" if three else "110",
            "Jump Shot" if three else "Shot",
            f"{abbr} misses {feet}-foot {kind}",
        )
        if buzzer:
            return other(offense)
        if rng.random() < rules.offensive_rebound:
            self.add(at, offense, "156", "Offensive Rebound", f"{abbr} offensive rebound")
            self.putback = True
            return offense
        defense = other(offense)
        self.add(at, defense, "155", "Defensive Rebound", f"{self.abbr(defense)} defensive rebound")
        return defense

    def free_throws(self, at: dict[str, float | int], offense: Side, shots: int, m: float) -> None:
        pct = min(self.rules.ft_pct * (0.5 + m / 2), 0.97)
        for n in range(1, shots + 1):
            made = self.rng.random() < pct
            verb = "makes" if made else "misses"
            self.add(
                at,
                offense,
                "98",
                f"Free Throw - {n} of {shots}",
                f"{self.abbr(offense)} {verb} free throw {n} of {shots}",
                points=1 if made else 0,
            )

    def add(
        self, at: dict[str, float | int], team: Side, type_id: str, type_text: str, text: str, points: int = 0
    ) -> None:
        period, clock = int(at["period"]), float(at["clock"])
        self.log.add(
            t=float(at["t"]),
            period=period,
            clock=clock,
            team=team,
            type_id=type_id,
            type_text=type_text,
            text=text,
            points=points,
            wp=lambda _h, _a: self.wp_at(period, clock),
        )

    # --- periods ---------------------------------------------------------------------------
    def period(self, number: int, start: float, length: float, offense: Side) -> None:
        elapsed = 0.0
        self.putback = False
        regulation = number <= self.rules.periods
        label = f"Start of the {ordinal(number)} period" if regulation else "Start of overtime"
        self.log.add(
            t=start,
            period=number,
            clock=length,
            team=None,
            type_id="412" if number > 1 else "615",
            type_text="Start Period" if number > 1 else "Jumpball",
            text=label,
            wp=lambda _h, _a: self.wp_at(number, length),
        )
        while length - elapsed > 0.4:
            remaining = length - elapsed
            dur = self.duration()
            buzzer = dur >= remaining
            elapsed = length if buzzer else elapsed + dur
            offense = self.possession(offense, start + elapsed, number, length - elapsed, buzzer)
        self.log.add(
            t=start + length,
            period=number,
            clock=0.0,
            team=None,
            type_id="412",
            type_text="End Period",
            text=f"End of the {ordinal(number)} period",
            wp=lambda _h, _a: self.wp_at(number, 0.0),
        )

    def run(self) -> GameScript:
        rules = self.rules
        segments: list[Segment] = []
        tip_winner: Side = self.rng.choice(("home", "away"))
        start, number = 0.0, 1
        while True:
            length = rules.period_length if number <= rules.periods else rules.overtime_length
            offense = tip_winner if number % 2 == 1 or number > rules.periods else other(tip_winner)
            self.period(number, start, length, offense)
            segments.append(Segment(number, start, start + length, length))
            if number >= rules.periods and self.log.home != self.log.away:
                break
            gap = rules.halftime_length if number == rules.halftime_after else rules.break_length
            start += length + max(gap, 60.0)
            number += 1
        end = self.log.plays[-1]
        self.log.plays[-1] = replace(end, type_id="402", type_text="End Game", text="End of Game")
        self.log.settle_final_wp()
        overtimes = number - rules.periods
        detail = "Final" if overtimes == 0 else "Final/OT" if overtimes == 1 else f"Final/{overtimes}OT"
        return GameScript(
            league=self.m.league,
            segments=tuple(segments),
            plays=tuple(self.log.plays),
            final_detail=detail,
            regulation_periods=rules.periods,
        )


def simulate_basketball(matchup: Matchup, rng: random.Random) -> GameScript:
    return _Game(RULES[matchup.league], matchup, rng).run()
