"""Pre-trade limits and the slippage check, pure (the order workflow's Reserve step applies them).

Defaults apply when a bot has no settings of its own (its ``BOT#<bot_id>`` item in the bots table
carries a ``settings`` map; see :mod:`inplay.store.bots`):

- at most 100 contracts and $100 worst-case cost per order (a buy costs ``count × price``; a sell
  can cost ``count × (1 − price)``);
- slippage tolerance $0.02: the executable price on the venue's book (best ask of the side for a
  buy, best bid for a sell) may be at most this much worse than the decision's reference price
  (the market snapshot's ``reference_price``, else the intent's limit price).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Final

from pydantic import BaseModel, ConfigDict, Field

from inplay.money import Count, Dollars
from inplay.venues.base import Action, OrderBook, OutcomeSide

__all__ = [
    "DEFAULT_MAX_CONTRACTS_PER_ORDER",
    "DEFAULT_MAX_COST_PER_ORDER",
    "DEFAULT_SLIPPAGE_TOLERANCE",
    "LimitBreach",
    "PreTradeLimits",
    "adverse_move",
    "check_limits",
    "check_slippage",
    "executable_price",
    "worst_case_cost",
]

DEFAULT_MAX_CONTRACTS_PER_ORDER: Final = Decimal(100)
DEFAULT_MAX_COST_PER_ORDER: Final = Decimal(100)
DEFAULT_SLIPPAGE_TOLERANCE: Final = Decimal("0.02")


class PreTradeLimits(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    max_contracts_per_order: Annotated[Count, Field(gt=0)] = DEFAULT_MAX_CONTRACTS_PER_ORDER
    max_cost_per_order: Annotated[Dollars, Field(gt=0)] = DEFAULT_MAX_COST_PER_ORDER
    slippage_tolerance: Annotated[Dollars, Field(ge=0, lt=1)] = DEFAULT_SLIPPAGE_TOLERANCE


@dataclass(frozen=True, slots=True)
class LimitBreach:
    """Why an order is refused before any venue call: a stable ``code`` and a readable message."""

    code: str
    message: str


def worst_case_cost(action: Action, price: Decimal, count: Decimal) -> Decimal:
    """Most the order can cost: a buy pays ``price``; a sell may have to fund ``1 − price``."""
    return count * (price if action is Action.BUY else Decimal(1) - price)


def check_limits(
    limits: PreTradeLimits, *, action: Action, price: Decimal, count: Decimal
) -> LimitBreach | None:
    if count > limits.max_contracts_per_order:
        return LimitBreach(
            "limit_max_contracts",
            f"{count} contracts exceed the bot's limit of {limits.max_contracts_per_order} per order",
        )
    cost = worst_case_cost(action, price, count)
    if cost > limits.max_cost_per_order:
        return LimitBreach(
            "limit_max_cost",
            f"worst-case cost ${cost} exceeds the bot's limit of ${limits.max_cost_per_order} per order",
        )
    return None


def executable_price(book: OrderBook, side: OutcomeSide, action: Action) -> Decimal | None:
    """The price an order of ``side``/``action`` would trade at now: best ask (buy), best bid (sell)."""
    if action is Action.BUY:
        asks = book.asks(side)
        return asks[0].price if asks else None
    return book.best_yes_bid if side is OutcomeSide.YES else book.best_no_bid


def adverse_move(action: Action, reference: Decimal, executable: Decimal) -> Decimal:
    """How much worse ``executable`` is than ``reference`` for this action (negative = better)."""
    return executable - reference if action is Action.BUY else reference - executable


def check_slippage(
    limits: PreTradeLimits,
    book: OrderBook,
    *,
    side: OutcomeSide,
    action: Action,
    reference: Decimal,
) -> tuple[Decimal | None, LimitBreach | None]:
    """``(executable price, breach)``. An empty side of the book has no price and is no breach (a
    limit order may rest); a price that moved against the order beyond the tolerance is."""
    price = executable_price(book, side, action)
    if price is None:
        return None, None
    moved = adverse_move(action, reference, price)
    if moved > limits.slippage_tolerance:
        return price, LimitBreach(
            "slippage",
            f"the {side.value} {'ask' if action is Action.BUY else 'bid'} is {price}, {moved} worse than "
            f"the decision price {reference} (tolerance {limits.slippage_tolerance})",
        )
    return price, None
