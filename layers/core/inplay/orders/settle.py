"""Settle one intent from venue evidence: what reconciliation does with an intent no workflow owns.

An intent left behind by a crashed or stopped workflow (or marked UNKNOWN) is settled by what
the venue shows for its client order id (= the intent id):

- PENDING: Place never marked it sent, so nothing reached the venue → REJECTED (``not_sent``).
- the venue has the order and it is finished → its fills are recorded (once each) and the
  intent takes the venue's outcome (FILLED / CANCELLED with the filled count);
- the venue has it resting → it is cancelled (an order no workflow watches must not rest),
  then recorded; with ``cancel_resting=False`` the intent is only moved to RESTING/PARTIAL;
- the venue shows no order: a SUBMITTED/UNKNOWN intent becomes REJECTED (``not_on_venue``) only
  once ``not_found_grace`` has passed since it was last touched (venue reads may lag); before,
  it is left as it is. A RESTING/PARTIAL intent whose order vanished becomes UNKNOWN (alert).

Terminal intents are left as they are. Nothing here guesses: every move follows evidence.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from typing import Final

from inplay.orders.intents import TERMINAL_STATES, ErrorInfo, IntentRecord, IntentState
from inplay.orders.steps import OrderDeps, record_order
from inplay.venues.base import NotFoundError, Order, OrderStatus, Venue

__all__ = ["DEFAULT_NOT_FOUND_GRACE", "SettleOutcome", "Settled", "settle_intent"]

DEFAULT_NOT_FOUND_GRACE: Final = timedelta(minutes=2)
S = IntentState


class SettleOutcome(StrEnum):
    MISSING = "missing"
    ALREADY_SETTLED = "already_settled"
    REJECTED = "rejected"
    RECORDED = "recorded"
    RESTING = "resting"
    WAITING = "waiting"
    """No order on the venue yet, within the grace period: ask again later."""
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class Settled:
    outcome: SettleOutcome
    intent: IntentRecord | None


def _find(venue: Venue, intent: IntentRecord) -> Order | None:
    """The intent's order: by venue order id when known, else by client order id (= intent id)."""
    if intent.venue_order_id is not None:
        with contextlib.suppress(NotFoundError):
            return venue.get_order(intent.venue_order_id)
    return venue.find_order_by_client_id(intent.intent_id, market_ticker=intent.market_ticker)


def settle_intent(
    deps: OrderDeps,
    intent_id: str,
    *,
    cancel_resting: bool = True,
    not_found_grace: timedelta = DEFAULT_NOT_FOUND_GRACE,
) -> Settled:
    intent = deps.ledger.get(intent_id, consistent=True)
    if intent is None:
        return Settled(SettleOutcome.MISSING, None)
    if intent.status in TERMINAL_STATES:
        return Settled(SettleOutcome.ALREADY_SETTLED, intent)
    now = deps.now()
    if intent.status is S.PENDING:
        rejected = deps.ledger.transition(
            intent_id,
            S.PENDING,
            S.REJECTED,
            version=intent.version,
            now=now,
            error=ErrorInfo(code="not_sent", message="settled by reconciliation: never marked sent"),
        )
        return Settled(SettleOutcome.REJECTED, rejected)
    venue = deps.venues.venue_for(intent)
    order = _find(venue, intent)
    if order is None:
        if now - intent.updated_at < not_found_grace:
            return Settled(SettleOutcome.WAITING, intent)
        if intent.status in (S.SUBMITTED, S.UNKNOWN):
            rejected = deps.ledger.transition(
                intent_id,
                intent.status,
                S.REJECTED,
                version=intent.version,
                now=now,
                error=ErrorInfo(code="not_on_venue", message="the venue shows no order with this client id"),
            )
            return Settled(SettleOutcome.REJECTED, rejected)
        vanished = deps.ledger.transition(
            intent_id,
            intent.status,
            S.UNKNOWN,
            version=intent.version,
            now=now,
            error=ErrorInfo(
                code="order_vanished", message=f"order {intent.venue_order_id} is gone from the venue"
            ),
        )
        return Settled(SettleOutcome.UNKNOWN, vanished)
    if order.status is OrderStatus.RESTING:
        if not cancel_resting:
            target = S.PARTIAL if order.filled_count > 0 else S.RESTING
            if intent.status is not target or intent.filled_count != order.filled_count:
                intent = deps.ledger.transition(
                    intent_id,
                    intent.status,
                    target,
                    version=intent.version,
                    now=now,
                    venue_order_id=order.order_id,
                    filled_count=order.filled_count,
                )
            return Settled(SettleOutcome.RESTING, intent)
        with contextlib.suppress(NotFoundError):
            venue.cancel_order(order.order_id, market_ticker=intent.market_ticker)
        order = venue.get_order(order.order_id)
        if order.status is OrderStatus.RESTING:
            return Settled(SettleOutcome.RESTING, intent)
    settled, _ = record_order(deps, intent, venue, order, cancel_reason=None)
    return Settled(SettleOutcome.RECORDED, settled)
