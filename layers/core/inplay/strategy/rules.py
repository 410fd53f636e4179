"""Entry and exit rules for one market, pure.

Entry (flat): buy ``side`` at its best ask when the edge after fees,
``fair − ask − fee(count, ask) / count``, exceeds ``edge_threshold``, the spread is within
``max_spread``, the size reaches the venue minimum and the confidence meets ``min_confidence``.

Exit (holding), first match wins: market not open or an intent still working → hold; game over
or the closing minutes with ``hold_to_settlement`` → hold; no bid → hold; game over → exit
(``game_end``); ``stop_loss``; ``take_profit``; ``edge_reversal`` (selling at the bid, after its
fee, beats the fair value by more than ``edge_reversal``); ``time_exit`` (less than
``exit_before_end_seconds`` of regulation left, overtime included); otherwise hold. Exits sell
the whole position at the best bid.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Final

from inplay.money import kalshi_taker_fee
from inplay.orders.fills import PositionState
from inplay.sports.models import GameState, Phase
from inplay.strategy.confidence import confidence
from inplay.strategy.model import (
    PROB_PLACES,
    Confidence,
    Decision,
    DecisionKind,
    MarketQuote,
    StrategyParams,
    WinProbability,
)
from inplay.strategy.sizing import Sizing, count_step, size_entry
from inplay.venues.base import Action, MarketStatus, OutcomeSide

__all__ = [
    "EntryOutcome",
    "cooldown_until",
    "entry_decision",
    "evaluate_entry",
    "evaluate_exit",
    "fair_on_side",
    "in_closing_window",
    "skip_decision",
]

ZERO: Final = Decimal(0)
ONE: Final = Decimal(1)
EDGE_REASON: Final = "edge"


def _prob(value: Decimal) -> Decimal:
    return value.quantize(PROB_PLACES, rounding=ROUND_HALF_EVEN)


def fair_on_side(fair_yes: Decimal, side: OutcomeSide) -> Decimal:
    return fair_yes if side is OutcomeSide.YES else ONE - fair_yes


def in_closing_window(params: StrategyParams, win: WinProbability | None) -> bool:
    """Less regulation time left than ``exit_before_end_seconds`` (overtime counts as none left)."""
    return win is not None and win.seconds_left < params.exit_before_end_seconds


def cooldown_until(
    params: StrategyParams,
    tickers: Iterable[str],
    last_exit_at: Mapping[str, datetime],
    last_entry_at: Mapping[str, datetime],
) -> datetime | None:
    """When entries on these markets may resume: ``cooldown_seconds`` after the latest exit or
    entry attempt on any of them (None when there was none)."""
    latest: datetime | None = None
    for ticker in tickers:
        for seen in (last_exit_at.get(ticker), last_entry_at.get(ticker)):
            if seen is not None and (latest is None or seen > latest):
                latest = seen
    return None if latest is None else latest + timedelta(seconds=params.cooldown_seconds)


# ---------------------------------------------------------------------------------------------
# Entry


@dataclass(frozen=True, slots=True)
class EntryOutcome:
    """Buying ``side`` of one market, evaluated: ``reason == "edge"`` means enter."""

    side: OutcomeSide
    reason: str
    fair: Decimal
    """Fair probability of ``side``."""
    edge: Decimal | None = None
    ask: Decimal | None = None
    bid: Decimal | None = None
    depth: Decimal | None = None
    fee: Decimal | None = None
    sizing: Sizing | None = None
    confidence: Confidence | None = None

    @property
    def ok(self) -> bool:
        return self.reason == EDGE_REASON

    def detail(self) -> dict[str, str]:
        detail = {"side": self.side.value, "fair_side": f"{self.fair:f}"}
        if self.ask is not None:
            detail["reference_price"] = f"{self.ask:f}"
            detail["ask"] = f"{self.ask:f}"
        if self.bid is not None:
            detail["bid"] = f"{self.bid:f}"
        if self.depth is not None:
            detail["ask_depth"] = f"{self.depth:f}"
        if self.fee is not None:
            detail["fee"] = f"{self.fee:f}"
        if self.sizing is not None:
            detail.update(self.sizing.steps())
        return detail


def evaluate_entry(
    params: StrategyParams,
    quote: MarketQuote,
    side: OutcomeSide,
    *,
    fair_yes: Decimal,
    win: WinProbability,
    balance: Decimal,
    losses: int,
) -> EntryOutcome:
    """Whether (and how many) ``side`` contracts to buy at the best ask."""
    book = quote.book
    fair = fair_on_side(fair_yes, side)
    offers, bids = (book.no_bids, book.yes_bids) if side is OutcomeSide.YES else (book.yes_bids, book.no_bids)
    if not offers:
        return EntryOutcome(side, "no_liquidity", fair)
    ask = ONE - offers[0].price
    depth = offers[0].count
    bid = bids[0].price if bids else ZERO
    marginal_fee = quote.fee_multiplier * ask * (ONE - ask)
    estimate = _prob(fair - ask - marginal_fee)
    if estimate <= params.edge_threshold:
        return EntryOutcome(side, "no_edge", fair, estimate, ask, bid, depth)
    spread = ask - bid
    if spread > params.max_spread:
        return EntryOutcome(side, "wide_spread", fair, estimate, ask, bid, depth)
    sizing = size_entry(
        params,
        balance=balance,
        prob=fair,
        price=ask,
        fee_per_contract=marginal_fee,
        losses=losses,
        step=count_step(quote.min_count),
    )
    count = sizing.count
    if count <= ZERO or count < quote.min_count:
        return EntryOutcome(side, "size_below_minimum", fair, estimate, ask, bid, depth, sizing=sizing)
    fee = kalshi_taker_fee(count, ask, quote.fee_multiplier)
    edge = _prob(fair - ask - fee / count)
    if edge <= params.edge_threshold:
        return EntryOutcome(side, "no_edge", fair, edge, ask, bid, depth, fee, sizing)
    conf = confidence(
        edge=edge, win=win, spread=spread, max_spread=params.max_spread, depth=depth, count=count
    )
    reason = EDGE_REASON if conf.score >= params.min_confidence else "low_confidence"
    return EntryOutcome(side, reason, fair, edge, ask, bid, depth, fee, sizing, conf)


def entry_decision(quote: MarketQuote, fair_yes: Decimal, outcome: EntryOutcome) -> Decision:
    """ENTER for an ``ok`` outcome (a GTC buy at the best ask), else SKIP with its reason."""
    if outcome.ok and outcome.sizing is not None and outcome.ask is not None:
        return Decision(
            kind=DecisionKind.ENTER,
            reason=outcome.reason,
            market_ticker=quote.ticker,
            fair_yes=fair_yes,
            side=outcome.side,
            action=Action.BUY,
            price=outcome.ask,
            count=outcome.sizing.count,
            edge=outcome.edge,
            confidence=outcome.confidence,
            detail=outcome.detail(),
        )
    return Decision(
        kind=DecisionKind.SKIP,
        reason=outcome.reason,
        market_ticker=quote.ticker,
        fair_yes=fair_yes,
        side=outcome.side,
        edge=outcome.edge,
        confidence=outcome.confidence,
        detail=outcome.detail(),
    )


def skip_decision(
    quote: MarketQuote, fair_yes: Decimal, reason: str, detail: Mapping[str, str] | None = None
) -> Decision:
    return Decision(
        kind=DecisionKind.SKIP,
        reason=reason,
        market_ticker=quote.ticker,
        fair_yes=fair_yes,
        detail=dict(detail) if detail else {},
    )


# ---------------------------------------------------------------------------------------------
# Exit


def evaluate_exit(
    params: StrategyParams,
    quote: MarketQuote,
    position: PositionState,
    *,
    game: GameState,
    win: WinProbability | None,
    fair_yes: Decimal,
    fair_known: bool,
    in_flight: bool,
) -> Decision:
    """EXIT (sell the whole position at the best bid) or HOLD, per the module's rule order.
    ``fair_known`` is false when ``fair_yes`` is only a stand-in (no model price): the edge
    reversal rule then does not run."""
    contracts = position.contracts
    side = OutcomeSide.YES if contracts > 0 else OutcomeSide.NO
    count = abs(contracts)
    average_yes = position.cost / contracts
    entry = average_yes if side is OutcomeSide.YES else ONE - average_yes
    fair = fair_on_side(fair_yes, side)
    bids = quote.book.yes_bids if side is OutcomeSide.YES else quote.book.no_bids
    detail = {
        "side": side.value,
        "contracts": f"{count:f}",
        "entry_price": f"{_prob(entry):f}",
        "fair_side": f"{fair:f}",
    }

    def decide(kind: DecisionKind, reason: str, edge: Decimal | None = None) -> Decision:
        trades = kind is DecisionKind.EXIT
        return Decision(
            kind=kind,
            reason=reason,
            market_ticker=quote.ticker,
            fair_yes=fair_yes,
            side=side,
            action=Action.SELL if trades else None,
            price=bid if trades else None,
            count=count if trades else None,
            edge=edge,
            detail=detail,
        )

    bid = bids[0].price if bids else None
    if quote.status is not MarketStatus.OPEN:
        return decide(DecisionKind.HOLD, "market_not_open")
    if in_flight:
        return decide(DecisionKind.HOLD, "in_flight")
    ended = game.state is Phase.POST
    closing = ended or in_closing_window(params, win)
    if closing and params.hold_to_settlement:
        return decide(DecisionKind.HOLD, "hold_to_settlement")
    if bid is None:
        return decide(DecisionKind.HOLD, "no_liquidity")
    fee = kalshi_taker_fee(count, bid, quote.fee_multiplier)
    proceeds = bid - fee / count
    hold_edge = _prob(fair - proceeds) if fair_known else None
    detail["reference_price"] = f"{bid:f}"
    detail["bid"] = f"{bid:f}"
    detail["fee"] = f"{fee:f}"
    detail["pnl_per_contract"] = f"{_prob(proceeds - entry):f}"
    if ended:
        return decide(DecisionKind.EXIT, "game_end", hold_edge)
    if entry - bid >= params.stop_loss:
        return decide(DecisionKind.EXIT, "stop_loss", hold_edge)
    if bid - entry >= params.take_profit:
        return decide(DecisionKind.EXIT, "take_profit", hold_edge)
    if hold_edge is not None and hold_edge < -params.edge_reversal:
        return decide(DecisionKind.EXIT, "edge_reversal", hold_edge)
    if closing:
        return decide(DecisionKind.EXIT, "time_exit", hold_edge)
    return decide(DecisionKind.HOLD, "holding", hold_edge)
