from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from inplay.money import kalshi_taker_fee
from inplay.strategy.model import DecisionKind, GamePhase, StrategyParams
from inplay.strategy.rules import (
    cooldown_until,
    entry_decision,
    evaluate_entry,
    evaluate_exit,
    in_closing_window,
)
from inplay.venues.base import Action, MarketStatus, OutcomeSide
from tests.unit.strategy.strategy_builders import (
    HOME_TICKER,
    NOW,
    final_game,
    game,
    position,
    quote,
    win,
)

D = Decimal
PARAMS = StrategyParams()
# YES bid 0.50, YES ask 0.52 (a NO bid at 0.48); NO ask 0.50
BOOK: dict[str, Any] = {"yes": [("0.50", 100), ("0.49", 300)], "no": [("0.48", 100), ("0.47", 300)]}


def entry(side=OutcomeSide.YES, *, params=PARAMS, fair_yes="0.60", w=None, balance="1000", losses=0, **book):
    q = quote(**{**BOOK, **book})
    return evaluate_entry(
        params, q, side, fair_yes=D(fair_yes), win=w or win(), balance=D(balance), losses=losses
    )


# ---------------------------------------------------------------------------------------------
# Entry


def test_enters_at_the_best_ask_with_edge_after_fees():
    outcome = entry()
    assert outcome.ok and outcome.reason == "edge"
    assert outcome.ask == D("0.52")
    assert outcome.sizing is not None
    count = outcome.sizing.count
    assert count == 38  # $20 (2 × default) / 0.52
    fee = kalshi_taker_fee(count, D("0.52"))
    assert outcome.fee == fee
    assert outcome.edge == (D("0.60") - D("0.52") - fee / count).quantize(D("0.0001"))
    decision = entry_decision(quote(**BOOK), D("0.60"), outcome)
    assert decision.kind is DecisionKind.ENTER
    assert (decision.side, decision.action, decision.price, decision.count) == (
        OutcomeSide.YES,
        Action.BUY,
        D("0.52"),
        D(38),
    )
    assert decision.confidence is not None and decision.confidence.score >= PARAMS.min_confidence
    meta = decision.signal_meta()
    assert meta["reference_price"] == "0.52"
    assert meta["size_binding"] == "double_default"
    assert meta["size_count"] == "38"
    assert "conf_liquidity" in meta


def test_no_side_buys_against_yes_bids():
    outcome = entry(OutcomeSide.NO, fair_yes="0.40")
    assert outcome.ok
    assert outcome.ask == D("0.50")  # 1 − best YES bid
    assert outcome.fair == D("0.60")


def test_no_offers_is_no_liquidity():
    assert entry(no=[]).reason == "no_liquidity"
    assert entry(OutcomeSide.NO, fair_yes="0.40", yes=[]).reason == "no_liquidity"


def test_no_edge():
    outcome = entry(fair_yes="0.53")
    assert outcome.reason == "no_edge"
    assert outcome.edge is not None and outcome.edge < PARAMS.edge_threshold


def test_fees_can_take_the_edge_away():
    # gross 0.0350 > 0.03, but the fee (~0.0175 a contract at 0.52) leaves less than the threshold
    outcome = entry(fair_yes="0.555")
    assert D("0.555") - D("0.52") > PARAMS.edge_threshold
    assert outcome.reason == "no_edge"


def test_fee_rounding_on_a_small_count_is_checked_after_sizing():
    # one contract: the fee rounds up to 2 cents, more than the marginal 1.75 cents
    params = StrategyParams(default_size=D("0.26"), edge_threshold=D("0.044"))
    outcome = entry(params=params, fair_yes="0.582")
    assert outcome.sizing is not None and outcome.sizing.count == 1
    assert outcome.reason == "no_edge"
    assert outcome.edge == D("0.042")


def test_wide_spread_refused():
    outcome = entry(yes=[("0.30", 100)])
    assert outcome.reason == "wide_spread"
    assert entry(yes=[]).reason == "wide_spread"  # no bid at all: the spread is the whole ask


def test_size_below_the_venue_minimum():
    outcome = entry(balance="5")  # 5 % of $5 = $0.25 < one contract at 0.52
    assert outcome.reason == "size_below_minimum"
    assert outcome.sizing is not None and outcome.sizing.count == 0


def test_fractional_venue_takes_fractional_counts():
    outcome = entry(balance="5", min_count="0.01")  # ¼ Kelly of $5 = $0.16
    assert outcome.ok
    assert outcome.sizing is not None and outcome.sizing.count == D("0.30")


def test_low_confidence_refused():
    outcome = entry(params=StrategyParams(min_confidence=D("0.99")))
    assert outcome.reason == "low_confidence"
    assert outcome.confidence is not None and outcome.confidence.score < D("0.99")


def test_losing_streak_shrinks_the_entry():
    assert entry(losses=2).sizing.count == 19


# ---------------------------------------------------------------------------------------------
# Exit


def exit_(
    pos=None,
    *,
    params=PARAMS,
    g=None,
    w="default",
    fair_yes="0.60",
    fair_known=True,
    in_flight=False,
    status=MarketStatus.OPEN,
    **book,
):
    q = quote(status=status, **book)
    return evaluate_exit(
        params,
        q,
        pos or position(),  # 20 YES at 0.52
        game=g or game(),
        win=win() if w == "default" else w,
        fair_yes=D(fair_yes),
        fair_known=fair_known,
        in_flight=in_flight,
    )


def test_holding_without_a_trigger():
    decision = exit_(yes=[("0.55", 50)])
    assert decision.kind is DecisionKind.HOLD and decision.reason == "holding"
    assert decision.price is None and decision.count is None
    assert decision.detail["entry_price"] == "0.5200"


def test_take_profit():
    decision = exit_(yes=[("0.60", 50)])
    assert decision.kind is DecisionKind.EXIT and decision.reason == "take_profit"
    assert (decision.side, decision.action, decision.price, decision.count) == (
        OutcomeSide.YES,
        Action.SELL,
        D("0.60"),
        D(20),
    )
    assert decision.detail["reference_price"] == "0.60"
    fee = kalshi_taker_fee(D(20), D("0.60"))
    assert D(decision.detail["pnl_per_contract"]) == (D("0.08") - fee / 20).quantize(D("0.0001"))


def test_stop_loss():
    decision = exit_(yes=[("0.42", 50)], fair_yes="0.45")
    assert decision.kind is DecisionKind.EXIT and decision.reason == "stop_loss"
    assert decision.price == D("0.42")


def test_edge_reversal():
    # selling at 0.55 nets 0.5325 after fees; fair 0.50 → holding is worth 0.0325 less
    decision = exit_(yes=[("0.55", 50)], fair_yes="0.50")
    assert decision.kind is DecisionKind.EXIT and decision.reason == "edge_reversal"
    assert decision.edge == D("-0.0325")
    assert exit_(yes=[("0.55", 50)], fair_yes="0.52").reason == "holding"


def test_no_edge_reversal_without_a_model_price():
    decision = exit_(yes=[("0.55", 50)], fair_yes="0.50", w=None, fair_known=False)
    assert decision.kind is DecisionKind.HOLD and decision.reason == "holding"
    assert decision.edge is None


def test_time_exit_in_the_closing_minutes():
    closing = win(seconds_left="100", time_left="0.03", phase=GamePhase.CLOSING)
    decision = exit_(yes=[("0.55", 50)], w=closing)
    assert decision.kind is DecisionKind.EXIT and decision.reason == "time_exit"
    overtime = win(seconds_left="0", time_left="0", phase=GamePhase.OVERTIME)
    assert exit_(yes=[("0.55", 50)], w=overtime).reason == "time_exit"


def test_time_exit_disabled_at_zero_seconds():
    params = StrategyParams(exit_before_end_seconds=0)
    overtime = win(seconds_left="0", time_left="0", phase=GamePhase.OVERTIME)
    assert exit_(params=params, yes=[("0.55", 50)], w=overtime).reason == "holding"


def test_hold_to_settlement_in_the_closing_minutes():
    params = StrategyParams(hold_to_settlement=True)
    closing = win(seconds_left="100", time_left="0.03", phase=GamePhase.CLOSING)
    decision = exit_(params=params, yes=[("0.40", 50)], w=closing)
    assert decision.kind is DecisionKind.HOLD and decision.reason == "hold_to_settlement"


def test_game_end_exits():
    decision = exit_(yes=[("0.98", 50)], g=final_game(), w=None, fair_yes="1")
    assert decision.kind is DecisionKind.EXIT and decision.reason == "game_end"
    assert decision.price == D("0.98")


def test_game_end_holds_to_settlement():
    params = StrategyParams(hold_to_settlement=True)
    decision = exit_(params=params, yes=[("0.98", 50)], g=final_game(), w=None, fair_yes="1")
    assert decision.kind is DecisionKind.HOLD and decision.reason == "hold_to_settlement"


def test_no_bid_holds():
    decision = exit_(yes=[])
    assert decision.kind is DecisionKind.HOLD and decision.reason == "no_liquidity"


def test_market_not_open_holds():
    decision = exit_(yes=[("0.70", 50)], status=MarketStatus.CLOSED)
    assert decision.kind is DecisionKind.HOLD and decision.reason == "market_not_open"


def test_in_flight_holds():
    decision = exit_(yes=[("0.70", 50)], in_flight=True)
    assert decision.kind is DecisionKind.HOLD and decision.reason == "in_flight"


def test_no_position_exits_against_no_bids():
    # 20 NO bought at 0.40 (= YES sold at 0.60): contracts −20, cost −12
    pos = position(contracts="-20", cost="-12")
    decision = exit_(pos, no=[("0.49", 40)], yes=[("0.50", 40)], fair_yes="0.45")
    assert decision.detail["entry_price"] == "0.4000"
    assert decision.reason == "take_profit"
    assert (decision.side, decision.action, decision.price, decision.count) == (
        OutcomeSide.NO,
        Action.SELL,
        D("0.49"),
        D(20),
    )
    assert exit_(pos, no=[("0.30", 40)], fair_yes="0.65").reason == "stop_loss"


# ---------------------------------------------------------------------------------------------
# Windows


def test_closing_window():
    assert not in_closing_window(PARAMS, None)
    assert not in_closing_window(PARAMS, win(seconds_left="120"))
    assert in_closing_window(PARAMS, win(seconds_left="119.9"))


@pytest.mark.parametrize(
    ("exit_ago", "entry_ago", "expected_ago"),
    [(None, None, None), (30, None, 30), (None, 50, 50), (300, 10, 10), (10, 300, 10)],
)
def test_cooldown_until_latest_attempt(exit_ago, entry_ago, expected_ago):
    exits = {} if exit_ago is None else {HOME_TICKER: NOW - timedelta(seconds=exit_ago)}
    entries = {} if entry_ago is None else {"OTHER": NOW - timedelta(seconds=entry_ago)}
    until = cooldown_until(PARAMS, [HOME_TICKER, "OTHER"], exits, entries)
    if expected_ago is None:
        assert until is None
    else:
        assert until == NOW - timedelta(seconds=expected_ago) + timedelta(seconds=PARAMS.cooldown_seconds)
