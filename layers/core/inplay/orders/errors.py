"""The errors an order-workflow step raises. Their CLASS NAMES are the ``ErrorEquals`` names in
``infra/workflows/order.asl.json``: Step Functions matches a Lambda error by the exception's type.

- Retried by the workflow (the step is idempotent, a later attempt may succeed):
  :class:`VenueUnavailable`, :class:`RateLimited`, :class:`StoreUnavailable`,
  :class:`FillsNotVisible` (Record), :class:`CancelNotConfirmed` (VerifyCancel),
  :class:`AlertPublishFailed` (Alert), :class:`AuditBusy` (Audit).
- Never retried; caught and routed to MarkUnknown: :class:`AmbiguousOutcome` (the order MAY
  exist), :class:`VenueFailure`, :class:`IntentConflict`, :class:`InvalidStepInput`, and anything
  else (``States.ALL``).
"""

from __future__ import annotations

from typing import Final

__all__ = [
    "CAUGHT_ERRORS",
    "RETRIED_ERRORS",
    "AlertPublishFailed",
    "AmbiguousOutcome",
    "AuditBusy",
    "CancelNotConfirmed",
    "FillsNotVisible",
    "IntentConflict",
    "InvalidStepInput",
    "OrderStepError",
    "RateLimited",
    "StoreUnavailable",
    "VenueFailure",
    "VenueUnavailable",
]


class OrderStepError(Exception):
    """Base of every error a step raises on purpose."""


class VenueUnavailable(OrderStepError):
    """The venue did not answer usably (5xx, network, maintenance) on a call that proved nothing
    happened or is safe to repeat."""


class RateLimited(OrderStepError):
    """The venue refused the call for pacing (429); nothing happened."""


class StoreUnavailable(OrderStepError):
    """DynamoDB (or another AWS store) failed or throttled; the step wrote nothing it cannot redo."""


class FillsNotVisible(OrderStepError):
    """The venue reports more filled contracts than its fill list shows yet (its reads lag)."""


class CancelNotConfirmed(OrderStepError):
    """After a cancel the order still rests on the venue; the cancel was sent again."""


class AlertPublishFailed(OrderStepError):
    """The alert could not be handed to SNS."""


class AuditBusy(OrderStepError):
    """The audit append for this outcome is in progress elsewhere, or lost the race for its seq."""


class AmbiguousOutcome(OrderStepError):
    """A placement whose result is unknown: the order may exist. The intent becomes UNKNOWN."""


class VenueFailure(OrderStepError):
    """The venue answered something that makes the step impossible (not transient)."""


class IntentConflict(OrderStepError):
    """The intent is not where this execution left it (someone else moved it)."""


class InvalidStepInput(OrderStepError):
    """The step's input does not validate (a caller or definition bug); the message says why."""


RETRIED_ERRORS: Final = frozenset(
    cls.__name__
    for cls in (
        VenueUnavailable,
        RateLimited,
        StoreUnavailable,
        FillsNotVisible,
        CancelNotConfirmed,
        AlertPublishFailed,
        AuditBusy,
    )
)
CAUGHT_ERRORS: Final = frozenset(
    cls.__name__ for cls in (AmbiguousOutcome, VenueFailure, IntentConflict, InvalidStepInput)
)
