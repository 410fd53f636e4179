import itertools
from decimal import Decimal

import pytest

from inplay.strategy.confidence import (
    NO_ESPN_AGREEMENT,
    PHASE_SCORES,
    WEIGHTS,
    agreement_score,
    confidence,
    edge_score,
    liquidity_score,
    phase_score,
    time_left_score,
)
from inplay.strategy.model import GamePhase
from tests.unit.strategy.strategy_builders import win

D = Decimal
COMPONENTS = {"edge", "agreement", "time_left", "liquidity", "phase"}


def conf(edge="0.05", *, w=None, spread="0.02", max_spread="0.10", depth="100", count="20"):
    return confidence(
        edge=D(edge),
        win=w or win(),
        spread=D(spread),
        max_spread=D(max_spread),
        depth=D(depth),
        count=D(count),
    )


def test_weights_sum_to_one_and_cover_the_components():
    assert sum(WEIGHTS.values()) == 1
    assert set(WEIGHTS) == COMPONENTS
    assert set(PHASE_SCORES) == set(GamePhase)


@pytest.mark.parametrize(
    ("edge", "w", "spread", "depth", "count"),
    list(
        itertools.product(
            ["-0.5", "0", "0.03", "0.5", "5"],
            [
                win(
                    "0.999",
                    model="0.999",
                    espn="0.001",
                    time_left="0",
                    seconds_left="0",
                    phase=GamePhase.OVERTIME,
                ),
                win("0.5", model="0.5", espn="0.5", time_left="1", phase=GamePhase.EARLY),
                win("0.3", time_left="1.5", phase=GamePhase.BREAK),
            ],
            ["-0.02", "0", "0.10", "0.9"],
            ["0", "1", "100000"],
            ["1", "1000"],
        )
    ),
)
def test_every_component_and_the_score_stay_in_unit_range(edge, w, spread, depth, count):
    result = conf(edge, w=w, spread=spread, depth=depth, count=count)
    assert set(result.components) == COMPONENTS
    for value in (result.score, *result.components.values()):
        assert isinstance(value, Decimal)
        assert 0 <= value <= 1


def test_score_is_the_weighted_mean():
    result = conf()
    expected = sum(WEIGHTS[name] * value for name, value in result.components.items())
    assert result.score == expected.quantize(D("0.0001"))


def test_edge_component():
    assert edge_score(D("-0.01")) == 0
    assert edge_score(D("0.05")) == D("0.5")
    assert edge_score(D("0.2")) == 1
    assert conf("0.08").score > conf("0.04").score


def test_agreement_component():
    assert agreement_score(win(espn=None)) == NO_ESPN_AGREEMENT
    assert agreement_score(win("0.6", model="0.6", espn="0.6")) == 1
    assert agreement_score(win("0.6", model="0.7", espn="0.6")) == D("0.6")
    assert agreement_score(win("0.6", model="0.9", espn="0.4")) == 0


def test_time_left_component():
    assert time_left_score(win(time_left="0")) == 0
    assert time_left_score(win(time_left="0.1")) == D("0.4")
    assert time_left_score(win(time_left="0.8")) == 1


def test_liquidity_component():
    assert liquidity_score(spread=D("0"), max_spread=D("0.1"), depth=D(50), count=D(10)) == 1
    assert liquidity_score(spread=D("0.1"), max_spread=D("0.1"), depth=D(50), count=D(10)) == D("0.5")
    assert liquidity_score(spread=D("0.05"), max_spread=D("0.1"), depth=D(5), count=D(10)) == D("0.5")
    assert liquidity_score(spread=D("0.2"), max_spread=D("0.1"), depth=D(0), count=D(10)) == 0


def test_phase_component_distrusts_the_closing_minutes():
    assert phase_score(GamePhase.MIDDLE) == 1
    assert phase_score(GamePhase.CLOSING) < phase_score(GamePhase.LATE) < phase_score(GamePhase.MIDDLE)
    assert conf(w=win(phase=GamePhase.CLOSING)).score < conf(w=win(phase=GamePhase.MIDDLE)).score


def test_meta_carries_every_component():
    meta = conf().as_meta()
    assert set(meta) == {"confidence"} | {f"conf_{name}" for name in COMPONENTS}
    assert all(isinstance(value, str) for value in meta.values())
