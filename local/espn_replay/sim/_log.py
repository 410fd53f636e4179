"""Shared bookkeeping for the simulators: running score, sequence numbers, win probability."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from local.espn_replay.model import Play, Side

__all__ = ["PlayLog", "WinProb"]

WinProb = Callable[[int, int], float | None]
"""(home score, away score) after the play → home win probability, or ``None`` (NHL)."""


def _round_wp(value: float | None) -> float | None:
    if value is None:
        return None
    return round(min(max(value, 0.001), 0.999), 3)


class PlayLog:
    def __init__(self) -> None:
        self.plays: list[Play] = []
        self.home = 0
        self.away = 0

    def lead(self) -> int:
        return self.home - self.away

    def score_of(self, side: Side) -> int:
        return self.home if side == "home" else self.away

    def add(
        self,
        *,
        t: float,
        period: int,
        clock: float,
        team: Side | None,
        type_id: str,
        type_text: str,
        text: str,
        points: int = 0,
        scorer: Side | None = None,
        wp: WinProb | None = None,
        **extra: Any,
    ) -> Play:
        credited = (scorer or team) if points else None
        if credited == "home":
            self.home += points
        elif credited == "away":
            self.away += points
        elif points:
            raise ValueError("a scoring play needs a team")
        play = Play(
            seq=len(self.plays) + 1,
            t=t,
            period=period,
            clock=round(max(clock, 0.0), 1),
            home_score=self.home,
            away_score=self.away,
            team=team,
            type_id=type_id,
            type_text=type_text,
            text=text,
            score_value=points,
            scorer=credited,
            home_wp=_round_wp(wp(self.home, self.away)) if wp else None,
            **extra,
        )
        self.plays.append(play)
        return play

    def settle_final_wp(self) -> None:
        """The last play of a decided game carries a certain win probability, as on ESPN."""
        if not self.plays or self.plays[-1].home_wp is None:
            return
        last = self.plays[-1]
        final = 1.0 if self.home > self.away else 0.0 if self.home < self.away else 0.5
        self.plays[-1] = replace(last, home_wp=final)
