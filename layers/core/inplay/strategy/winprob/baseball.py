"""MLB: a Markov chain over the 24 base-out states gives the distribution of runs each team still
scores; the home team wins when its remaining runs plus its lead beat the away team's, and a tie
after nine goes to extra innings (which start with a runner on second).

The chain uses league-average plate-appearance outcome rates and simple base running, so both teams
are equal in it; team strength enters as Stern's drift would: z = Φ⁻¹(p_equal) + Φ⁻¹(p_pre)·√τ,
with p_pre the vig-free pre-game moneyline and τ the fraction of the game's outs left.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Final

from inplay.sports.models import GameState
from inplay.strategy.winprob.clock import MlbHalf
from inplay.strategy.winprob.lines import NORMAL, pregame_home_probability, z_of

__all__ = [
    "HOME_PREGAME",
    "OUTS_PER_GAME",
    "SECONDS_PER_OUT",
    "BaseOut",
    "baseball_home_win",
    "equal_strength_home_win",
    "outs_left",
    "run_expectancy",
    "runs_distribution",
]

OUTS_PER_GAME: Final = 54
SECONDS_PER_OUT: Final = 175.0
"""≈ 2 h 40 min per nine innings (pitch-clock era)."""
HOME_PREGAME: Final = 0.54
"""Home win probability when the feed has no moneyline."""
MAX_RUNS: Final = 30
INNINGS: Final = 9

# League-average plate-appearance outcome rates (recent MLB seasons); outs in play take the rest.
_STRIKEOUT, _WALK, _HBP, _SINGLE, _DOUBLE, _TRIPLE, _HOME_RUN = (
    0.225,
    0.082,
    0.011,
    0.150,
    0.047,
    0.004,
    0.031,
)
_IN_PLAY_OUT: Final = 1.0 - (_STRIKEOUT + _WALK + _HBP + _SINGLE + _DOUBLE + _TRIPLE + _HOME_RUN)
_SAC_FLY: Final = 0.3
"""Runner on third, fewer than two outs: an out in play scores him this often."""
_DOUBLE_PLAY: Final = 0.13
"""Runner on first, fewer than two outs: an out in play is a double play this often."""
_FIRST_TO_THIRD: Final = 0.3
_SECOND_SCORES_ON_SINGLE: Final = 0.6
_FIRST_SCORES_ON_DOUBLE: Final = 0.4

Bases = tuple[bool, bool, bool]
_Transition = tuple[float, int, Bases, int]  # probability, outs after, bases after, runs


@dataclass(frozen=True, slots=True)
class BaseOut:
    outs: int = 0
    first: bool = False
    second: bool = False
    third: bool = False

    @property
    def bases(self) -> Bases:
        return (self.first, self.second, self.third)


def _walk(bases: Bases) -> tuple[Bases, int]:
    first, second, third = bases
    if not first:
        return (True, second, third), 0
    if not second:
        return (True, True, third), 0
    if not third:
        return (True, True, True), 0
    return (True, True, True), 1


def _transitions(outs: int, bases: Bases) -> list[_Transition]:
    first, second, third = bases
    on = int(first) + int(second) + int(third)
    moves: list[_Transition] = [(_STRIKEOUT, outs + 1, bases, 0)]
    walked, walk_runs = _walk(bases)
    moves.append((_WALK + _HBP, outs, walked, walk_runs))
    # out in play
    out_p = _IN_PLAY_OUT
    if outs < 2 and first:
        moves.append((out_p * _DOUBLE_PLAY, outs + 2, (False, second, third), 0))
        out_p *= 1.0 - _DOUBLE_PLAY
    if outs < 2 and third:
        moves.append((out_p * _SAC_FLY, outs + 1, (first, second, False), 1))
        out_p *= 1.0 - _SAC_FLY
    moves.append((out_p, outs + 1, bases, 0))
    # single: third scores; second scores or stops at third; first to second (or third)
    for p_second, second_scores in ((_SECOND_SCORES_ON_SINGLE, True), (1 - _SECOND_SCORES_ON_SINGLE, False)):
        if not second and not second_scores:
            continue
        p = _SINGLE * (p_second if second else 1.0)
        runs = int(third) + int(second and second_scores)
        third_taken = second and not second_scores
        if first and not third_taken:
            moves.append((p * _FIRST_TO_THIRD, outs, (True, False, True), runs))
            moves.append((p * (1 - _FIRST_TO_THIRD), outs, (True, True, False), runs))
        else:
            moves.append((p, outs, (True, first, third_taken), runs))
    # double: second and third score; first scores or stops at third
    if first:
        moves.append((_DOUBLE * _FIRST_SCORES_ON_DOUBLE, outs, (False, True, False), on))
        moves.append((_DOUBLE * (1 - _FIRST_SCORES_ON_DOUBLE), outs, (False, True, True), on - 1))
    else:
        moves.append((_DOUBLE, outs, (False, True, False), on))
    moves.append((_TRIPLE, outs, (False, False, True), on))
    moves.append((_HOME_RUN, outs, (False, False, False), on + 1))
    return moves


@cache
def _half_inning(outs: int, bases: Bases) -> tuple[float, ...]:
    """P(exactly r more runs this half-inning), r = 0..MAX_RUNS, from ``outs`` and ``bases``.

    Every transition either adds an out, scores a run, or (no run, no out) puts one more runner on
    base, so the recursion below always reaches a smaller problem."""
    return tuple(_runs(outs, bases, r) for r in range(MAX_RUNS + 1))


@cache
def _runs(outs: int, bases: Bases, runs: int) -> float:
    if outs >= 3:
        return 1.0 if runs == 0 else 0.0
    total = 0.0
    for probability, next_outs, next_bases, scored in _transitions(outs, bases):
        if scored > runs:
            continue
        total += probability * _runs(min(next_outs, 3), next_bases, runs - scored)
    return total


def runs_distribution(state: BaseOut) -> tuple[float, ...]:
    """Distribution of the runs still scored in this half-inning from ``state``."""
    return _half_inning(state.outs, state.bases)


def run_expectancy(state: BaseOut) -> float:
    return sum(r * p for r, p in enumerate(runs_distribution(state)))


def _convolve(a: tuple[float, ...], b: tuple[float, ...]) -> tuple[float, ...]:
    out = [0.0] * (MAX_RUNS + 1)
    for i, pa in enumerate(a):
        if pa == 0.0:
            continue
        for j in range(MAX_RUNS + 1 - i):
            out[i + j] += pa * b[j]
    return tuple(out)


_NONE: Final = (1.0,) + (0.0,) * MAX_RUNS


@cache
def _full_halves(count: int) -> tuple[float, ...]:
    """Runs over ``count`` full regulation half-innings."""
    if count <= 0:
        return _NONE
    return _convolve(_full_halves(count - 1), runs_distribution(BaseOut()))


def _fresh(inning: int) -> BaseOut:
    return BaseOut(second=inning > INNINGS)


@cache
def equal_strength_home_win(inning: int, half: MlbHalf, state: BaseOut, lead: int) -> float:
    """P(home wins) between equal teams: ``inning`` ≥ 1, ``half`` of it, the base-out state of the
    batting team (ignored between halves), home ``lead``. Extra innings are a coin flip."""
    later = max(INNINGS - inning, 0)
    if half == "top":
        away = _convolve(runs_distribution(state), _full_halves(later))
        home = _convolve(runs_distribution(_fresh(inning)), _full_halves(later))
    elif half == "middle":
        away = _full_halves(later)
        home = _convolve(runs_distribution(_fresh(inning)), _full_halves(later))
    elif half == "bottom":
        away = _full_halves(later)
        home = _convolve(runs_distribution(state), _full_halves(later))
    else:
        away = home = _full_halves(later)
    win = tie = 0.0
    for a, pa in enumerate(away):
        if pa == 0.0:
            continue
        for h, ph in enumerate(home):
            margin = h + lead - a
            if margin > 0:
                win += pa * ph
            elif margin == 0:
                tie += pa * ph
    return win + 0.5 * tie


def outs_left(inning: int, half: MlbHalf, outs: int) -> int:
    """Regulation outs left in the game, both teams (0 in extra innings)."""
    if inning > INNINGS:
        return 0
    done = (inning - 1) * 6 + {"top": outs, "middle": 3, "bottom": 3 + outs, "end": 6}[half]
    return max(OUTS_PER_GAME - done, 0)


def baseball_home_win(game: GameState, inning: int, half: MlbHalf, state: BaseOut, lead: int) -> float:
    equal = equal_strength_home_win(min(inning, INNINGS + 1), half, state, max(min(lead, 20), -20))
    pregame = pregame_home_probability(game)
    if pregame is None:
        pregame = 0.5 if game.neutral_site else HOME_PREGAME
    # Strength keeps a floor of one inning so extra innings stay shaded by it.
    tau = max(outs_left(inning, half, state.outs), 6) / OUTS_PER_GAME
    return NORMAL.cdf(z_of(equal) + z_of(pregame) * tau**0.5)
