"""Fair value of a live game: the chance the HOME team wins, from the game state.

One model per sport — basketball: Stern's Brownian model; football: Brownian plus the value of the
possession; hockey: Poisson goals with overtime rules; baseball: a base-out Markov chain — each
drifted by the pre-game line, then blended with ESPN's live probability when the feed has one.
Everything is float math on precomputed or cached tables (no SciPy); results are Decimals clipped
to [0.001, 0.999] and quantized to :data:`~inplay.strategy.model.PROB_PLACES`.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Final

from inplay.sports.models import GameState, League
from inplay.strategy.model import GamePhase, WinProbability
from inplay.strategy.winprob.baseball import (
    INNINGS,
    OUTS_PER_GAME,
    SECONDS_PER_OUT,
    BaseOut,
    baseball_home_win,
    outs_left,
)
from inplay.strategy.winprob.basketball import basketball_home_win
from inplay.strategy.winprob.blend import blend, espn_probability, to_probability
from inplay.strategy.winprob.clock import GameClock, game_clock, mlb_half, phase_of
from inplay.strategy.winprob.football import football_home_win
from inplay.strategy.winprob.hockey import hockey_home_win

__all__ = ["MODEL_NAMES", "win_probability"]

MODEL_NAMES: Final = {
    League.NBA: "brownian-nba",
    League.WNBA: "brownian-wnba",
    League.MENS_COLLEGE_BASKETBALL: "brownian-ncaam",
    League.NFL: "football-possession-nfl",
    League.COLLEGE_FOOTBALL: "football-possession-cfb",
    League.NHL: "poisson-nhl",
    League.MLB: "mlb-base-out",
}
_TIME_PLACES: Final = Decimal("0.0001")
_SECOND: Final = Decimal(1)


def win_probability(game: GameState, *, espn_weight: Decimal = Decimal("0.5")) -> WinProbability | None:
    """The home team's fair win probability now; ``None`` when the game is not live or cannot be
    priced (no score, no readable clock or inning)."""
    if not game.is_live or game.home.score is None or game.away.score is None:
        return None
    lead = game.home.score - game.away.score
    priced = _baseball(game, lead) if game.league is League.MLB else _timed(game, lead)
    if priced is None:
        return None
    probability, time_left, seconds_left, phase = priced
    model = to_probability(probability)
    espn = espn_probability(game.home_win_prob)
    return WinProbability(
        home=blend(model, espn, espn_weight),
        model=model,
        espn=espn,
        model_name=MODEL_NAMES[game.league],
        time_left=Decimal(time_left).quantize(_TIME_PLACES),
        seconds_left=Decimal(seconds_left).quantize(_SECOND),
        phase=phase,
    )


def _timed(game: GameState, lead: int) -> tuple[float, float, float, GamePhase] | None:
    clock: GameClock | None = game_clock(game)
    if clock is None:
        return None
    sport = game.league.sport
    if sport == "basketball":
        probability = basketball_home_win(game, clock, lead)
    elif sport == "football":
        probability = football_home_win(game, clock, lead)
    else:
        probability = hockey_home_win(game, clock, lead)
    phase = phase_of(
        time_left=clock.time_left,
        seconds_left=clock.seconds_left,
        overtime=clock.overtime,
        in_break=clock.in_break,
    )
    return probability, clock.time_left, clock.seconds_left, phase


def _int(value: object, default: int) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def _baseball(game: GameState, lead: int) -> tuple[float, float, float, GamePhase] | None:
    inning = game.period
    if inning < 1:
        return None
    half = mlb_half(game) or "top"
    situation = game.situation or {}
    outs = min(max(_int(situation.get("outs"), 0), 0), 3)
    if outs == 3 and half in ("top", "bottom"):
        half, outs = ("middle" if half == "top" else "end"), 0
    if half in ("middle", "end"):
        state = BaseOut()
        outs = 0
    else:
        state = BaseOut(
            outs,
            situation.get("on_first") is True,
            situation.get("on_second") is True,
            situation.get("on_third") is True,
        )
    probability = baseball_home_win(game, inning, half, state, lead)
    left = outs_left(inning, half, outs)
    phase = phase_of(
        time_left=left / OUTS_PER_GAME,
        seconds_left=left * SECONDS_PER_OUT,
        overtime=inning > INNINGS,
        in_break=half in ("middle", "end"),
        closing=inning >= INNINGS,
    )
    return probability, left / OUTS_PER_GAME, left * SECONDS_PER_OUT, phase
