"""One bot, one game, one tick: a decision per market. Pure and allocation-light (it runs for
every running bot on every tick).

One position per game per bot: holding a position in one of the game's markets, the bot only
manages its exit (the other market is skipped with ``one_per_game``; the two markets mirror each
other). Flat, it evaluates buying YES and NO on each market and enters at most once, on the
largest edge that passes every rule. Cooldowns and intents still working also apply per game.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Final

from inplay.orders.fills import PositionState
from inplay.sports.models import GameState
from inplay.strategy.model import Decision, MarketQuote, StrategyParams, WinProbability
from inplay.strategy.rules import (
    EntryOutcome,
    cooldown_until,
    entry_decision,
    evaluate_entry,
    evaluate_exit,
    in_closing_window,
    skip_decision,
)
from inplay.venues.base import MarketStatus, OutcomeSide

__all__ = ["BotContext", "decide_game", "fair_yes_for"]

ZERO: Final = Decimal(0)
ONE: Final = Decimal(1)
HALF: Final = Decimal("0.5")
_SIDES: Final = (OutcomeSide.YES, OutcomeSide.NO)


@dataclass(frozen=True, slots=True)
class BotContext:
    """What a decision needs to know about the bot beyond its positions."""

    balance: Decimal
    """Available balance in the bot's trading mode, dollars."""
    loss_streak: int = 0
    in_flight: frozenset[str] = frozenset()
    """Market tickers with an intent still working."""
    last_exit_at: Mapping[str, datetime] = field(default_factory=dict)
    last_entry_at: Mapping[str, datetime] = field(default_factory=dict)


def fair_yes_for(quote: MarketQuote, game: GameState, win: WinProbability | None) -> tuple[Decimal, str]:
    """``(fair YES probability, source)``: ``model`` from ``win``; ``result`` from the final score;
    otherwise ``market`` (the book's mid, or 0.5 without one) as a labelled stand-in."""
    if win is not None:
        return (win.home if quote.yes_is_home else ONE - win.home), "model"
    home, away = game.home.score, game.away.score
    if game.is_final and home is not None and away is not None:
        home_fair = ONE if home > away else ZERO if home < away else HALF
        return (home_fair if quote.yes_is_home else ONE - home_fair), "result"
    bid, ask = quote.book.best_yes_bid, quote.book.best_yes_ask
    return ((bid + ask) / 2 if bid is not None and ask is not None else HALF), "market"


def _with_source(decision: Decision, source: str) -> Decision:
    if source == "model":
        return decision
    detail = dict(decision.detail)
    detail["fair_source"] = source
    return Decision(
        kind=decision.kind,
        reason=decision.reason,
        market_ticker=decision.market_ticker,
        fair_yes=decision.fair_yes,
        side=decision.side,
        action=decision.action,
        price=decision.price,
        count=decision.count,
        edge=decision.edge,
        confidence=decision.confidence,
        detail=detail,
    )


def _manage(
    params: StrategyParams,
    game: GameState,
    win: WinProbability | None,
    quotes: Sequence[MarketQuote],
    fairs: Sequence[tuple[Decimal, str]],
    held: Mapping[str, PositionState],
    context: BotContext,
) -> list[Decision]:
    decisions = []
    for quote, (fair, source) in zip(quotes, fairs, strict=True):
        position = held.get(quote.ticker)
        if position is None:
            decision = skip_decision(quote, fair, "one_per_game")
        else:
            decision = evaluate_exit(
                params,
                quote,
                position,
                game=game,
                win=win,
                fair_yes=fair,
                fair_known=source != "market",
                in_flight=quote.ticker in context.in_flight,
            )
        decisions.append(_with_source(decision, source))
    return decisions


def _entry_gate(
    params: StrategyParams,
    game: GameState,
    win: WinProbability | None,
    quotes: Sequence[MarketQuote],
    context: BotContext,
    now: datetime,
) -> tuple[str, dict[str, str]] | None:
    if not game.is_live:
        return "game_not_live", {}
    if win is None:
        return "no_fair_value", {}
    tickers = [quote.ticker for quote in quotes]
    if any(ticker in context.in_flight for ticker in tickers):
        return "in_flight", {}
    until = cooldown_until(params, tickers, context.last_exit_at, context.last_entry_at)
    if until is not None and now < until:
        return "cooldown", {"cooldown_until": until.isoformat()}
    if not params.hold_to_settlement and in_closing_window(params, win):
        return "too_late", {"seconds_left": f"{win.seconds_left:f}"}
    return None


def _better(candidate: EntryOutcome, best: EntryOutcome | None) -> bool:
    if best is None:
        return True
    if candidate.ok != best.ok:
        return candidate.ok
    if candidate.edge is None:
        return False
    return best.edge is None or candidate.edge > best.edge


def decide_game(
    *,
    params: StrategyParams,
    game: GameState,
    win: WinProbability | None,
    quotes: Sequence[MarketQuote],
    positions: Mapping[str, PositionState],
    context: BotContext,
    now: datetime,
) -> list[Decision]:
    """One decision per quote, in the quotes' order (see the module docstring)."""
    fairs = [fair_yes_for(quote, game, win) for quote in quotes]
    held = {}
    for quote in quotes:
        position = positions.get(quote.ticker)
        if position is not None and position.contracts != 0:
            held[quote.ticker] = position
    if held:
        return _manage(params, game, win, quotes, fairs, held, context)
    gate = _entry_gate(params, game, win, quotes, context, now)
    if gate is not None or win is None:
        reason, detail = gate or ("no_fair_value", {})
        return [
            _with_source(skip_decision(quote, fair, reason, detail), source)
            for quote, (fair, source) in zip(quotes, fairs, strict=True)
        ]
    outcomes: list[EntryOutcome | None] = []
    best_index = -1
    best: EntryOutcome | None = None
    for index, (quote, (fair, _)) in enumerate(zip(quotes, fairs, strict=True)):
        if quote.status is not MarketStatus.OPEN:
            outcomes.append(None)
            continue
        shown: EntryOutcome | None = None
        for side in _SIDES:
            outcome = evaluate_entry(
                params,
                quote,
                side,
                fair_yes=fair,
                win=win,
                balance=context.balance,
                losses=context.loss_streak,
            )
            if _better(outcome, shown):
                shown = outcome
        outcomes.append(shown)
        if shown is not None and shown.ok and (best is None or _better(shown, best)):
            best, best_index = shown, index
    decisions = []
    for index, (quote, (fair, _)) in enumerate(zip(quotes, fairs, strict=True)):
        shown = outcomes[index]
        if shown is None:
            decisions.append(skip_decision(quote, fair, "market_not_open"))
        elif shown.ok and index != best_index:
            decisions.append(skip_decision(quote, fair, "one_per_game", shown.detail()))
        else:
            decisions.append(entry_decision(quote, fair, shown))
    return decisions
