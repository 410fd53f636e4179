from datetime import timedelta
from decimal import Decimal

from inplay.sports.models import GameStatus, Phase
from inplay.strategy.decide import BotContext, decide_game
from inplay.strategy.model import DecisionKind, GamePhase, StrategyParams
from inplay.venues.base import Action, MarketStatus, OutcomeSide
from tests.unit.strategy.strategy_builders import (
    AWAY_TICKER,
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


def home_quote(**kw):
    # home YES ask 0.52 (bid 0.50): at a fair 0.60 the edge after fees is 0.0624
    return quote(HOME_TICKER, yes_is_home=True, yes=[("0.50", 100)], no=[("0.48", 100)], **kw)


def away_quote(yes_bid="0.46", **kw):
    # away NO ask = 1 − away YES bid; away YES ask 0.54
    return quote(AWAY_TICKER, yes_is_home=False, yes=[(yes_bid, 100)], no=[("0.46", 100)], **kw)


def decide(
    *,
    params=PARAMS,
    g=None,
    w="default",
    quotes=None,
    positions=None,
    context=None,
):
    return decide_game(
        params=params,
        game=g or game(),
        win=win() if w == "default" else w,
        quotes=quotes if quotes is not None else [home_quote(), away_quote()],
        positions=positions or {},
        context=context or BotContext(balance=D(1000)),
        now=NOW,
    )


def kinds(decisions):
    return [(d.market_ticker, d.kind, d.reason) for d in decisions]


def test_one_decision_per_quote_and_a_single_entry_on_the_best_edge():
    decisions = decide()
    assert kinds(decisions) == [
        (HOME_TICKER, DecisionKind.ENTER, "edge"),
        (AWAY_TICKER, DecisionKind.SKIP, "one_per_game"),  # its NO side also had an edge
    ]
    enter = decisions[0]
    assert (enter.side, enter.action, enter.price, enter.count) == (
        OutcomeSide.YES,
        Action.BUY,
        D("0.52"),
        D(38),
    )
    assert enter.edge == D("0.0624")
    assert enter.fair_yes == D("0.60")
    assert decisions[1].fair_yes == D("0.40")
    meta = enter.signal_meta()
    assert meta["reference_price"] == "0.52"
    assert meta["decision"] == "enter" and meta["reason"] == "edge"
    assert {
        "confidence",
        "conf_edge",
        "conf_agreement",
        "conf_time_left",
        "conf_liquidity",
        "conf_phase",
    } <= set(meta)
    assert {"size_binding", "size_kelly_dollars", "size_multiplier", "size_count"} <= set(meta)


def test_the_better_edge_on_the_other_market_wins():
    decisions = decide(quotes=[home_quote(), away_quote(yes_bid="0.50")])  # away NO ask 0.50
    assert kinds(decisions) == [
        (HOME_TICKER, DecisionKind.SKIP, "one_per_game"),
        (AWAY_TICKER, DecisionKind.ENTER, "edge"),
    ]
    assert decisions[1].side is OutcomeSide.NO and decisions[1].price == D("0.50")


def test_no_edge_anywhere_skips_with_the_reason():
    decisions = decide(w=win("0.51"))
    assert [d.kind for d in decisions] == [DecisionKind.SKIP, DecisionKind.SKIP]
    assert {d.reason for d in decisions} == {"no_edge"}
    assert all(d.edge is not None for d in decisions)


def test_holding_only_manages_the_exit():
    held = {HOME_TICKER: position(HOME_TICKER, "20", "10.40")}
    decisions = decide(positions=held, quotes=[home_quote(), away_quote(yes_bid="0.50")])
    assert kinds(decisions) == [
        (HOME_TICKER, DecisionKind.HOLD, "holding"),
        (AWAY_TICKER, DecisionKind.SKIP, "one_per_game"),
    ]


def test_holding_exits_on_a_rule():
    held = {HOME_TICKER: position(HOME_TICKER, "20", "10.40")}
    decisions = decide(positions=held, w=win("0.30"))
    assert kinds(decisions)[0] == (HOME_TICKER, DecisionKind.EXIT, "edge_reversal")
    assert decisions[0].count == 20 and decisions[0].price == D("0.50")


def test_a_closed_position_row_is_flat():
    decisions = decide(positions={HOME_TICKER: position(HOME_TICKER, "0", "0")})
    assert decisions[0].kind is DecisionKind.ENTER


def test_an_intent_in_flight_on_either_market_blocks_entries():
    context = BotContext(balance=D(1000), in_flight=frozenset({AWAY_TICKER}))
    assert {d.reason for d in decide(context=context)} == {"in_flight"}
    assert {d.kind for d in decide(context=context)} == {DecisionKind.SKIP}


def test_cooldown_after_an_exit_covers_the_game():
    recent = BotContext(balance=D(1000), last_exit_at={AWAY_TICKER: NOW - timedelta(seconds=60)})
    decisions = decide(context=recent)
    assert {d.reason for d in decisions} == {"cooldown"}
    assert decisions[0].detail["cooldown_until"] == (NOW + timedelta(seconds=60)).isoformat()
    later = BotContext(balance=D(1000), last_exit_at={AWAY_TICKER: NOW - timedelta(seconds=121)})
    assert decide(context=later)[0].kind is DecisionKind.ENTER


def test_cooldown_after_an_entry_attempt():
    context = BotContext(balance=D(1000), last_entry_at={HOME_TICKER: NOW - timedelta(seconds=30)})
    assert {d.reason for d in decide(context=context)} == {"cooldown"}
    no_cooldown = StrategyParams(cooldown_seconds=0)
    assert decide(params=no_cooldown, context=context)[0].kind is DecisionKind.ENTER


def test_no_entry_before_or_after_the_game():
    pre = game(state=Phase.PRE, status=GameStatus.SCHEDULED)
    assert {d.reason for d in decide(g=pre)} == {"game_not_live"}
    assert {d.reason for d in decide(g=final_game())} == {"game_not_live"}


def test_no_fair_value_uses_the_market_as_a_labelled_stand_in():
    decisions = decide(w=None)
    assert {d.reason for d in decisions} == {"no_fair_value"}
    assert decisions[0].fair_yes == D("0.51")  # mid of 0.50 / 0.52
    assert decisions[0].detail["fair_source"] == "market"


def test_no_entry_in_the_closing_minutes():
    closing = win(seconds_left="90", time_left="0.03", phase=GamePhase.CLOSING)
    assert {d.reason for d in decide(w=closing)} == {"too_late"}
    holder = StrategyParams(hold_to_settlement=True, min_confidence=D(0))
    assert decide(params=holder, w=closing)[0].kind is DecisionKind.ENTER


def test_market_not_open_is_skipped_and_the_other_market_still_trades():
    decisions = decide(quotes=[home_quote(status=MarketStatus.PAUSED), away_quote()])
    assert kinds(decisions) == [
        (HOME_TICKER, DecisionKind.SKIP, "market_not_open"),
        (AWAY_TICKER, DecisionKind.ENTER, "edge"),
    ]
    assert decisions[1].side is OutcomeSide.NO


def test_loss_streak_shrinks_the_entry():
    context = BotContext(balance=D(1000), loss_streak=2)
    enter = decide(context=context)[0]
    assert enter.count == 19
    assert enter.detail["size_multiplier"] == "0.50"


def test_final_game_without_a_model_exits_at_the_result():
    held = {HOME_TICKER: position(HOME_TICKER, "20", "10.40")}
    decisions = decide(g=final_game(101, 99), w=None, positions=held)
    assert kinds(decisions)[0] == (HOME_TICKER, DecisionKind.EXIT, "game_end")
    assert decisions[0].fair_yes == 1
    assert decisions[0].detail["fair_source"] == "result"
    assert decisions[1].fair_yes == 0


def test_final_game_held_to_settlement():
    held = {AWAY_TICKER: position(AWAY_TICKER, "-10", "-5.40")}
    params = StrategyParams(hold_to_settlement=True)
    decisions = decide(params=params, g=final_game(), w=None, positions=held)
    assert kinds(decisions) == [
        (HOME_TICKER, DecisionKind.SKIP, "one_per_game"),
        (AWAY_TICKER, DecisionKind.HOLD, "hold_to_settlement"),
    ]
