"""Snap-by-snap American football: NFL and college, 4×15 minutes, drives with down/distance/spot.

Runs and passes gain yards from simple distributions scaled by offensive strength; 4th downs punt,
kick (make rate falls with distance) or go for it; touchdowns carry the extra point (7, or 6 when
it misses), safeties are rare. NFL regular-season overtime: 10 minutes, first-possession touchdown
wins, otherwise both teams possess and the next score wins; it can end tied. College overtime:
alternate possessions from the 25, 2-point tries after touchdowns from the 2nd overtime and
2-point shootouts from the 3rd, never tied.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, replace
from typing import Final, Literal

from inplay.sports.models import League
from local.espn_replay.model import Drive, FootballSpot, GameScript, Segment, Side, other, stern_home_win
from local.espn_replay.sim._log import PlayLog
from local.espn_replay.sim.matchup import Matchup

__all__ = ["RULES", "FootballRules", "simulate_football"]

Call = Literal["run", "pass", "punt", "fg", "kneel", "go"]


@dataclass(frozen=True, slots=True)
class FootballRules:
    college: bool
    period_length: float = 900.0
    periods: int = 4
    break_length: float = 120.0
    halftime_length: float = 780.0
    overtime_length: float = 600.0
    touchback: int = 35
    extra_point: float = 0.95
    fg_midpoint: float = 58.0
    """Kick distance (yards) with a 50% make rate."""
    max_fg: int = 57
    yards_scale: float = 1.0
    points_per_team: float = 22.5

    @property
    def regulation(self) -> float:
        return self.period_length * self.periods


RULES: Final = {
    League.NFL: FootballRules(college=False),
    League.COLLEGE_FOOTBALL: FootballRules(
        college=True,
        halftime_length=900.0,
        overtime_length=0.0,
        touchback=25,
        extra_point=0.97,
        fg_midpoint=52.0,
        max_fg=52,
        yards_scale=1.25,
        points_per_team=28.0,
    ),
}


def _expected_points(yard_line: int) -> float:
    return 0.068 * yard_line - 1.4


class _DriveState:
    def __init__(self, index: int, team: Side, first_play: int, start_yard_line: int) -> None:
        self.index = index
        self.team = team
        self.first_play = first_play
        self.start_yard_line = start_yard_line


class _Game:
    def __init__(self, rules: FootballRules, matchup: Matchup, rng: random.Random) -> None:
        self.rules = rules
        self.m = matchup
        self.rng = rng
        self.log = PlayLog()
        self.edge = matchup.mu_true / (2.0 * rules.points_per_team) * 0.5
        self.drives: list[Drive] = []
        self.current: _DriveState | None = None
        self.segments: list[Segment] = []
        self.offense: Side = "home"
        self.ball_on = 25
        self.down = 1
        self.distance = 10
        self.period = 1
        self.seg_start = 0.0
        self.elapsed = 0.0
        self.length = rules.period_length
        self.game_over = False
        self.ot_drives = 0
        self.ot_first_fg = False
        self.kicker: Side = "home"

    # --- state ------------------------------------------------------------------------------
    @property
    def clock(self) -> float:
        return max(self.length - self.elapsed, 0.0)

    @property
    def untimed(self) -> bool:
        return self.period > self.rules.periods and self.rules.college

    def abbr(self, side: Side) -> str:
        return self.m.team(side).abbreviation

    def strength(self, side: Side) -> float:
        return 1.0 + (self.edge if side == "home" else -self.edge)

    def spot(self) -> FootballSpot:
        return FootballSpot(self.offense, self.down, self.distance, self.ball_on)

    def offense_lead(self) -> int:
        lead = self.log.lead()
        return lead if self.offense == "home" else -lead

    def seconds_left(self) -> float:
        if self.period <= self.rules.periods:
            return (self.rules.periods - self.period) * self.rules.period_length + self.clock
        return 0.0 if self.untimed else self.clock

    def wp(self, home: int, away: int) -> float:
        tau = self.seconds_left() / self.rules.regulation
        if self.untimed:
            tau = 0.02
        ep = _expected_points(self.ball_on) if self.down > 0 else -0.6
        lead = home - away + (ep if self.offense == "home" else -ep)
        return stern_home_win(lead, self.m.mu_line, self.m.sigma, max(tau, 0.002), tie_value=0.5)

    def add(
        self,
        team: Side,
        type_id: str,
        type_text: str,
        text: str,
        *,
        points: int = 0,
        scorer: Side | None = None,
        before: FootballSpot | None = None,
        yards: int | None = None,
    ) -> None:
        after = self.spot()
        self.log.add(
            t=self.seg_start + self.elapsed,
            period=self.period,
            clock=0.0 if self.untimed else self.clock,
            team=team,
            type_id=type_id,
            type_text=type_text,
            text=text,
            points=points,
            scorer=scorer,
            wp=self.wp,
            spot_before=before,
            spot_after=after,
            drive=self.current.index if self.current else None,
            stat_yardage=yards,
        )

    def tick(self, seconds: float) -> None:
        self.elapsed = self.elapsed + seconds if self.untimed else min(self.elapsed + seconds, self.length)

    # --- drives -----------------------------------------------------------------------------
    def begin_drive(self, team: Side, ball_on: int) -> None:
        self.end_drive_if_open("END OF HALF")
        self.offense, self.ball_on, self.down = team, ball_on, 1
        self.distance = min(10, 100 - ball_on)
        self.current = _DriveState(len(self.drives), team, len(self.log.plays), ball_on)
        if self.period > self.rules.periods:
            self.ot_drives += 1
            if self.ot_drives >= 2:
                self.ot_first_fg = False

    def end_drive(self, result: str, end_yard_line: int | None = None) -> None:
        drive = self.current
        if drive is None:
            return
        last = len(self.log.plays) - 1
        end = self.ball_on if end_yard_line is None else end_yard_line
        self.drives.append(
            Drive(
                drive.index,
                drive.team,
                drive.first_play,
                max(last, drive.first_play),
                drive.start_yard_line,
                end,
                result,
            )
        )
        self.current = None

    def end_drive_if_open(self, result: str) -> None:
        if self.current is not None and len(self.log.plays) > self.current.first_play:
            self.end_drive(result)
        else:
            self.current = None

    def kickoff(self, kicking: Side) -> None:
        receiving = other(kicking)
        if self.rng.random() < 0.62:
            start, how = self.rules.touchback, "touchback"
        else:
            start = int(min(max(self.rng.gauss(27, 7), 8), 50))
            how = f"returned to the {self.abbr(receiving)} {start}"
        self.begin_drive(receiving, start)
        before = FootballSpot(kicking, 0, 0, 35)
        self.tick(5.0)
        self.add(kicking, "53", "Kickoff", f"{self.abbr(kicking)} kicks 65 yards, {how}", before=before)

    # --- decisions --------------------------------------------------------------------------
    def choose(self) -> Call:
        lead, clock = self.offense_lead(), self.clock
        fg_distance = 100 - self.ball_on + 17
        final_period = self.period >= self.rules.periods
        if final_period and lead > 0 and not self.untimed and clock <= (5 - self.down) * 40:
            return "kneel"
        end_of_half = self.period in (2, self.rules.periods) and clock < 20 and not self.untimed
        if end_of_half and fg_distance <= self.rules.max_fg and (self.period == 2 or -3 <= lead <= 0):
            return "fg"
        if self.down == 4:
            return self.fourth_down(lead, fg_distance, final_period and clock < 300)
        late_trailing = final_period and lead < 0 and clock < 240
        pass_rate = 0.75 if late_trailing or (self.down == 3 and self.distance > 4) else 0.55
        return "pass" if self.rng.random() < pass_rate else "run"

    def fourth_down(self, lead: int, fg_distance: int, late: bool) -> Call:
        if self.untimed:
            must_score_td = self.ot_drives % 2 == 0 and lead < -3
            return "go" if must_score_td or fg_distance > self.rules.max_fg else "fg"
        if late and lead < 0 and (lead < -3 or fg_distance > self.rules.max_fg):
            return "go"
        if fg_distance <= self.rules.max_fg:
            if self.distance <= 1 and self.ball_on >= 95 and self.rng.random() < 0.4:
                return "go"
            return "fg"
        if self.distance <= 1 and self.ball_on >= 45 and self.rng.random() < 0.5:
            return "go"
        return "punt"

    # --- plays ------------------------------------------------------------------------------
    def snap(self) -> None:
        call = self.choose()
        if call == "punt":
            self.punt()
        elif call == "fg":
            self.field_goal()
        elif call == "kneel":
            before = self.spot()
            self.tick(40.0)
            self.advance(before, -1, "Rush", "5", f"{self.abbr(self.offense)} QB kneels for -1 yard")
        elif call == "pass" or (call == "go" and self.distance > 3):
            self.pass_play()
        else:
            self.run_play()

    def hurry(self) -> bool:
        return self.period >= self.rules.periods and self.offense_lead() < 0 and self.clock < 240

    def run_play(self) -> None:
        rng, m = self.rng, self.strength(self.offense)
        before = self.spot()
        if rng.random() < 0.009 / m:
            self.tick(rng.uniform(25, 38))
            self.turnover(before, rng.randint(-2, 6), "FUMBLE", "Fumble Recovery (Opponent)", "fumbles")
            return
        yards = round(rng.gauss(4.2 * m * self.rules.yards_scale, 5.0))
        if rng.random() < 0.035:
            yards += int(rng.expovariate(1 / 18))
        self.tick(rng.uniform(14, 22) if self.hurry() else rng.uniform(32, 42))
        self.advance(before, yards, "Rush", "5", f"{self.abbr(self.offense)} run for {{yards}}")

    def pass_play(self) -> None:
        rng, m = self.rng, self.strength(self.offense)
        before = self.spot()
        abbr = self.abbr(self.offense)
        roll = rng.random()
        if roll < 0.065:
            self.tick(rng.uniform(30, 38))
            self.advance(before, -round(rng.gauss(7, 2)), "Sack", "7", f"{abbr} QB sacked for {{yards}}")
        elif roll < 0.065 + 0.024 / m:
            self.tick(rng.uniform(6, 12))
            self.turnover(before, rng.randint(5, 25), "INT", "Pass Interception Return", "pass intercepted")
        elif rng.random() < 0.64 * m:
            yards = max(-2, round(rng.gauss(10.0 * m * self.rules.yards_scale, 7.0)))
            if rng.random() < 0.06:
                yards += int(rng.expovariate(1 / 22))
            self.tick(rng.uniform(10, 18) if self.hurry() else rng.uniform(28, 38))
            self.advance(before, yards, "Pass Reception", "24", f"{abbr} pass complete for {{yards}}")
        else:
            self.tick(rng.uniform(4, 8))
            self.advance(before, 0, "Pass Incompletion", "3", f"{abbr} pass incomplete")

    def advance(self, before: FootballSpot, yards: int, type_text: str, type_id: str, template: str) -> None:
        offense = self.offense
        yards = min(yards, 100 - self.ball_on)
        text = template.replace("{yards}", f"{yards} yard{'s' if abs(yards) != 1 else ''}")
        if self.ball_on + yards >= 100:
            self.touchdown(before, yards, type_text, text)
            return
        if self.ball_on + yards <= 0:
            self.safety(before, yards, text)
            return
        self.ball_on += yards
        if yards >= self.distance:
            self.down, self.distance = 1, min(10, 100 - self.ball_on)
            self.add(offense, type_id, type_text, text, before=before, yards=yards)
            return
        if self.down == 4:
            self.distance -= yards  # the spot after the play, before the other team takes over
            self.add(offense, type_id, type_text, f"{text}, turnover on downs", before=before, yards=yards)
            self.change_possession("DOWNS", 100 - self.ball_on)
            return
        self.down, self.distance = self.down + 1, self.distance - yards
        self.add(offense, type_id, type_text, text, before=before, yards=yards)

    def touchdown(self, before: FootballSpot, yards: int, type_text: str, text: str) -> None:
        offense = self.offense
        two_point = self.untimed and self.period >= self.rules.periods + 2
        good = self.rng.random() < (0.47 if two_point else self.rules.extra_point)
        after = "two-point conversion" if two_point else "extra point"
        points = 6 + ((2 if two_point else 1) if good else 0)
        self.ball_on, self.down, self.distance = 35, 0, 0
        label = "Passing Touchdown" if type_text == "Pass Reception" else "Rushing Touchdown"
        self.add(
            offense,
            "67" if "Pass" in label else "68",
            label,
            f"{text}, TOUCHDOWN ({after} {'is GOOD' if good else 'FAILED'})",
            points=points,
            before=before,
            yards=yards,
        )
        self.after_score("TD", offense, 100)

    def safety(self, before: FootballSpot, yards: int, text: str) -> None:
        offense = self.offense
        defense = other(offense)
        self.ball_on, self.down, self.distance = 20, 0, 0
        self.add(
            offense, "20", "Safety", f"{text}, SAFETY", points=2, scorer=defense, before=before, yards=yards
        )
        self.end_drive("SF", 0)
        if self.check_over() or self.untimed:
            return
        self.begin_drive(defense, int(min(max(self.rng.gauss(38, 6), 25), 55)))
        self.tick(5.0)
        self.add(
            offense,
            "53",
            "Kickoff",
            f"{self.abbr(offense)} free kick",
            before=FootballSpot(offense, 0, 0, 20),
        )

    def field_goal(self) -> None:
        rng, offense = self.rng, self.offense
        before = self.spot()
        distance = 100 - self.ball_on + 17
        good = rng.random() < 1.0 / (1.0 + math.exp((distance - self.rules.fg_midpoint) / 6.0))
        self.tick(rng.uniform(4, 6))
        if good:
            kicked_from = self.ball_on
            self.ball_on, self.down, self.distance = 35, 0, 0
            self.add(
                offense,
                "59",
                "Field Goal Good",
                f"{self.abbr(offense)} {distance} yard field goal is GOOD",
                points=3,
                before=before,
            )
            self.after_score("FG", offense, kicked_from)
            return
        self.add(
            offense,
            "60",
            "Field Goal Missed",
            f"{self.abbr(offense)} {distance} yard field goal is No Good",
            before=before,
        )
        self.change_possession("MISSED FG", max(100 - (self.ball_on - 7), 20))

    def punt(self) -> None:
        rng, offense = self.rng, self.offense
        before = self.spot()
        net = int(min(max(rng.gauss(42, 7), 25), 65))
        landing = self.ball_on + net
        receiving_on = 20 if landing >= 100 else max(100 - landing, 1)
        self.tick(rng.uniform(6, 9))
        self.add(offense, "52", "Punt", f"{self.abbr(offense)} punts {net} yards", before=before)
        self.change_possession("PUNT", receiving_on)

    def turnover(
        self, before: FootballSpot, return_yards: int, result: str, type_text: str, verb: str
    ) -> None:
        offense = self.offense
        spot = min(max(100 - self.ball_on + return_yards, 1), 99)
        if self.untimed:
            spot = 75
        self.add(
            offense,
            "26" if result == "INT" else "29",
            type_text,
            f"{self.abbr(offense)} {verb}",
            before=before,
        )
        self.change_possession(result, spot)

    def change_possession(self, result: str, new_ball_on: int) -> None:
        new_offense = other(self.offense)
        self.end_drive(result)
        if self.check_over():
            return
        if self.untimed:
            return
        self.begin_drive(new_offense, new_ball_on)
        self.fix_last_spot()

    def after_score(self, result: str, scorer: Side, end_yard_line: int) -> None:
        self.ot_first_fg = result == "FG" and self.period > self.rules.periods and self.ot_drives == 1
        self.end_drive(result, end_yard_line)
        self.kicker = scorer
        if self.check_over() or self.untimed:
            return
        if self.clock > 0:
            self.kickoff(scorer)

    def fix_last_spot(self) -> None:
        """The play that changed possession shows the new offense's first snap as its "after"."""
        self.log.plays[-1] = replace(self.log.plays[-1], spot_after=self.spot())

    def check_over(self) -> bool:
        if self.period <= self.rules.periods or self.untimed:
            return False
        if self.log.home != self.log.away and not self.ot_first_fg:
            self.game_over = True
        return self.game_over

    # --- periods ----------------------------------------------------------------------------
    def timed_period(self) -> None:
        while self.clock > 0 and not self.game_over:
            if self.current is None:
                self.kickoff(self.kicker)
                continue
            self.snap()

    def college_overtime_period(self, first: Side) -> None:
        for team in (first, other(first)):
            if self.period >= self.rules.periods + 3:
                self.two_point_try(team)
                continue
            self.begin_drive(team, 75)
            self.tick(30.0)
            while self.current is not None:
                self.snap()
                self.tick(30.0)
            if team != first and self.log.home != self.log.away:
                break

    def two_point_try(self, team: Side) -> None:
        self.begin_drive(team, 97)
        before = self.spot()
        good = self.rng.random() < 0.47 * self.strength(team)
        self.tick(40.0)
        self.add(
            team,
            "2PT",
            "Two-point Conversion",
            f"{self.abbr(team)} two-point attempt {'is GOOD' if good else 'FAILED'}",
            points=2 if good else 0,
            before=before,
        )
        self.end_drive("TD" if good else "DOWNS")

    def start_period(self, number: int, start: float) -> None:
        self.period, self.seg_start, self.elapsed = number, start, 0.0
        regulation = number <= self.rules.periods
        self.length = self.rules.period_length if regulation else self.rules.overtime_length

    def close_segment(self, number: int) -> float:
        length = 0.0 if self.untimed else self.length
        end = self.seg_start + max(self.elapsed, 1.0)
        self.segments.append(Segment(number, self.seg_start, end, length, untimed=self.untimed))
        return end

    def run(self) -> GameScript:
        rules = self.rules
        receiver: Side = self.rng.choice(("home", "away"))
        start = 0.0
        for number in range(1, rules.periods + 1):
            self.start_period(number, start)
            if number in (1, rules.periods // 2 + 1):
                self.end_drive_if_open("END OF HALF")
                self.kicker = other(receiver) if number == 1 else receiver
            self.timed_period()
            end = self.close_segment(number)
            gap = rules.halftime_length if number == rules.periods // 2 else rules.break_length
            start = end + gap
        self.end_drive_if_open("END OF GAME")
        if self.log.home == self.log.away:
            self.overtime(start)
        self.end_drive_if_open("END OF GAME")
        self.log.settle_final_wp()
        return self.script()

    def overtime(self, start: float) -> None:
        number = self.rules.periods
        first: Side = self.rng.choice(("home", "away"))
        while self.log.home == self.log.away:
            number += 1
            self.start_period(number, start)
            if self.rules.college:
                self.college_overtime_period(first if number % 2 == 1 else other(first))
                self.current = None
            else:
                self.end_drive_if_open("END OF GAME")
                self.kicker = other(first)
                self.timed_period()
            start = self.close_segment(number) + self.rules.break_length
            if not self.rules.college:
                break

    def script(self) -> GameScript:
        overtimes = self.segments[-1].number - self.rules.periods
        detail = "Final" if overtimes <= 0 else "Final/OT" if overtimes == 1 else f"Final/{overtimes}OT"
        return GameScript(
            league=self.m.league,
            segments=tuple(self.segments),
            plays=tuple(self.log.plays),
            final_detail=detail,
            regulation_periods=self.rules.periods,
            drives=tuple(self.drives),
        )


def simulate_football(matchup: Matchup, rng: random.Random) -> GameScript:
    return _Game(RULES[matchup.league], matchup, rng).run()
