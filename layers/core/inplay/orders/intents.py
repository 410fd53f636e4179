"""The order-intent ledger: deterministic intent ids, the intent state machine, the ledger protocol.

An intent is written (conditional put) **before** any venue call. Its id is derived from what the
strategy decided — (user, bot, market, signal, leg, decision bucket) — so a retried decision gets
the same id. The id is sent as the venue's ``client_order_id`` and used as the Step Functions
execution name: a duplicate start is refused by AWS itself and a re-sent order is recognised by
the venue (Kalshi answers 409 ``order_already_exists``: look it up, it is not a failure).

State machine (the whole table is :data:`ALLOWED_TRANSITIONS`; nothing else decides):

- PENDING → SUBMITTED, or straight to what the venue's answer shows (RESTING, PARTIAL, FILLED,
  CANCELLED), or REJECTED, or UNKNOWN;
- SUBMITTED → RESTING | PARTIAL | FILLED | CANCELLED | TIMED_OUT | REJECTED | UNKNOWN;
- RESTING → PARTIAL | FILLED | CANCELLED | TIMED_OUT | UNKNOWN;
- PARTIAL → PARTIAL (more fills) | FILLED | CANCELLED | TIMED_OUT | UNKNOWN;
- UNKNOWN → RESTING | PARTIAL (the venue shows it live) | any terminal state (reconciliation);
- FILLED, CANCELLED, TIMED_OUT, REJECTED are terminal. Nothing ever moves back to PENDING or
  SUBMITTED, and ``filled_count`` never decreases nor exceeds ``count``.

Every transition is a conditional write on (state ∈ allowed-from AND version == expected) that
increments the version: a lost update or a backwards move is impossible, and a refused write says
what the intent is now (:class:`TransitionRefused`).
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import threading
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Final, Protocol, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from inplay.money import Count, Dollars, parse_count, parse_dollars
from inplay.venues.base import (
    CLIENT_ORDER_ID_PATTERN,
    Action,
    OrderIntent,
    OutcomeSide,
    TimeInForce,
    UtcDatetime,
)

__all__ = [
    "ALLOWED_TRANSITIONS",
    "EXECUTION_NAME_PATTERN",
    "INTENT_ID_PATTERN",
    "TERMINAL_STATES",
    "ErrorInfo",
    "ForbiddenTransition",
    "InMemoryIntentLedger",
    "IntentInputError",
    "IntentLedger",
    "IntentNotFound",
    "IntentRecord",
    "IntentState",
    "LedgerError",
    "TradingMode",
    "TransitionRefused",
    "apply_transition",
    "can_transition",
    "check_creatable",
    "check_transition",
    "decision_bucket",
    "intent_id_for",
    "is_intent_id",
    "new_intent",
    "validate_transition_request",
]


class IntentState(StrEnum):
    PENDING = "PENDING"
    """Written, not yet handed to the venue."""
    SUBMITTED = "SUBMITTED"
    """Handed to the venue (acknowledged, or the place call is in flight)."""
    RESTING = "RESTING"
    """On the book, nothing filled."""
    PARTIAL = "PARTIAL"
    """Partly filled; the rest may still be resting."""
    FILLED = "FILLED"
    CANCELLED = "CANCELLED"
    """Cancelled by us or by the venue (an IOC remainder); ``filled_count`` may be > 0."""
    TIMED_OUT = "TIMED_OUT"
    """The workflow's deadline passed; the rest was cancelled and the cancel verified."""
    REJECTED = "REJECTED"
    """Refused (by the venue, or by a pre-trade check before any venue call); nothing filled."""
    UNKNOWN = "UNKNOWN"
    """Ambiguous outcome (timeout, lost response, crash): the order MAY exist. Reconciliation
    settles it from venue evidence; never read it as "failed"."""


class TradingMode(StrEnum):
    PAPER = "paper"
    LIVE = "live"


_S = IntentState
TERMINAL_STATES: Final = frozenset({_S.FILLED, _S.CANCELLED, _S.TIMED_OUT, _S.REJECTED})
_SETTLED_BY_VENUE: Final = frozenset({_S.FILLED, _S.CANCELLED, _S.TIMED_OUT})

ALLOWED_TRANSITIONS: Final[Mapping[IntentState, frozenset[IntentState]]] = {
    _S.PENDING: frozenset(
        {_S.SUBMITTED, _S.RESTING, _S.PARTIAL, _S.FILLED, _S.CANCELLED, _S.REJECTED, _S.UNKNOWN}
    ),
    _S.SUBMITTED: frozenset({_S.RESTING, _S.PARTIAL, _S.REJECTED, _S.UNKNOWN} | _SETTLED_BY_VENUE),
    _S.RESTING: frozenset({_S.PARTIAL, _S.UNKNOWN} | _SETTLED_BY_VENUE),
    # PARTIAL → PARTIAL records more fills (the version still moves on).
    _S.PARTIAL: frozenset({_S.PARTIAL, _S.UNKNOWN} | _SETTLED_BY_VENUE),
    # Reconciliation: the venue shows the order live, or settled, or it never existed (REJECTED).
    _S.UNKNOWN: frozenset({_S.RESTING, _S.PARTIAL} | TERMINAL_STATES),
    **{state: frozenset[IntentState]() for state in TERMINAL_STATES},
}
"""Every legal move. A pair not listed here is refused before any write."""


INTENT_ID_PREFIX: Final = "ip-"
_ID_SCHEME: Final = "inplay-intent-v1"
_ID_DIGEST_BYTES: Final = 20
INTENT_ID_PATTERN: Final = r"^ip-[a-z2-7]{32}$"
"""``ip-`` + lowercase RFC 4648 base32 of the first 160 bits of a SHA-256: 35 characters."""
EXECUTION_NAME_PATTERN: Final = r"^[A-Za-z0-9_-]{1,80}$"
"""A Step Functions execution name that is also safe in logs and URLs (AWS allows more)."""
_INTENT_ID_RE: Final = re.compile(INTENT_ID_PATTERN)


class LedgerError(Exception):
    """Base of the ledger's errors."""


class IntentInputError(LedgerError, ValueError):
    """An argument that cannot make an intent or a transition (empty id part, naive time, …)."""


class ForbiddenTransition(LedgerError, ValueError):
    """A move the state machine never allows (a programming error: nothing was written)."""

    def __init__(self, from_state: IntentState, to_state: IntentState) -> None:
        allowed = sorted(ALLOWED_TRANSITIONS[from_state])
        super().__init__(
            f"intent state {from_state} cannot move to {to_state}"
            + (f" (allowed: {', '.join(allowed)})" if allowed else f" ({from_state} is terminal)")
        )
        self.from_state = from_state
        self.to_state = to_state


class IntentNotFound(LedgerError, LookupError):
    def __init__(self, intent_id: str) -> None:
        super().__init__(f"no intent {intent_id}")
        self.intent_id = intent_id


class TransitionRefused(LedgerError):
    """The conditional write lost: the intent is not where the caller thought it was.

    ``current_state``/``current_version`` are what the ledger holds now (read right after the
    refusal); ``reason`` says which condition failed.
    """

    def __init__(
        self,
        intent_id: str,
        *,
        to_state: IntentState,
        from_states: frozenset[IntentState],
        expected_version: int,
        current_state: IntentState,
        current_version: int,
        reason: str,
    ) -> None:
        super().__init__(
            f"intent {intent_id}: refused move to {to_state}: {reason} "
            f"(now {current_state} v{current_version}; expected {'|'.join(sorted(from_states))} "
            f"v{expected_version})"
        )
        self.intent_id = intent_id
        self.to_state = to_state
        self.from_states = from_states
        self.expected_version = expected_version
        self.current_state = current_state
        self.current_version = current_version
        self.reason = reason


def can_transition(from_state: IntentState, to_state: IntentState) -> bool:
    return to_state in ALLOWED_TRANSITIONS[from_state]


def check_transition(from_state: IntentState, to_state: IntentState) -> None:
    """Raise :class:`ForbiddenTransition` unless ``from_state → to_state`` is in the table."""
    if not can_transition(from_state, to_state):
        raise ForbiddenTransition(from_state, to_state)


# ---------------------------------------------------------------------------------------------
# Ids


def _utc(moment: datetime, what: str) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise IntentInputError(f"{what} must be timezone-aware (UTC), got naive {moment.isoformat()}")
    return moment.astimezone(UTC)


_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)


def decision_bucket(decided_at: datetime, width: timedelta) -> datetime:
    """``decided_at`` floored to a multiple of ``width`` since the Unix epoch (UTC).

    The bucket is what makes a retried decision idempotent: the same signal in the same bucket
    yields the same intent id. Use the strategy's cycle as ``width`` and take ``decided_at`` from
    the *triggering event's* time (EventBridge ``time``), not the wall clock at run time, so a
    retried invocation lands in the same bucket even when it runs after the boundary.
    """
    if width <= timedelta(0) or width % timedelta(seconds=1):
        raise IntentInputError(f"bucket width must be a positive whole number of seconds, got {width}")
    elapsed = _utc(decided_at, "decided_at") - _EPOCH
    return _EPOCH + (elapsed // width) * width


def _bucket_text(moment: datetime) -> str:
    return _utc(moment, "decision_bucket").strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def intent_id_for(
    *,
    user_id: str,
    bot_id: str,
    market_ticker: str,
    signal_id: str,
    leg: str,
    decision_bucket: datetime,
) -> str:
    """The deterministic intent id: ``ip-`` + base32(SHA-256(parts)[:20]), 35 characters.

    Valid as a Kalshi ``client_order_id`` (``[A-Za-z0-9_-]``, ≤ 64) and as a Step Functions
    execution name (≤ 80, no special characters). The parts are JSON-encoded (so ``("a|b", "c")``
    and ``("a", "b|c")`` differ) together with a scheme tag; ``decision_bucket`` is normalized to
    UTC with microseconds. 160 bits: among 10¹² intents the chance of any collision is below 10⁻²⁴.
    """
    parts = {
        "user_id": user_id,
        "bot_id": bot_id,
        "market_ticker": market_ticker,
        "signal_id": signal_id,
        "leg": leg,
    }
    for name, value in parts.items():
        if not isinstance(value, str) or not value:
            raise IntentInputError(f"{name} must be a non-empty string, got {value!r}")
    material = [_ID_SCHEME, *parts.values(), _bucket_text(decision_bucket)]
    digest = hashlib.sha256(json.dumps(material, ensure_ascii=False, separators=(",", ":")).encode())
    return INTENT_ID_PREFIX + base64.b32encode(digest.digest()[:_ID_DIGEST_BYTES]).decode().lower()


def is_intent_id(value: str) -> bool:
    return bool(_INTENT_ID_RE.fullmatch(value))


# ---------------------------------------------------------------------------------------------
# The record


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ErrorInfo(_Model):
    """Why an intent ended badly: a stable machine ``code`` and a human ``message``."""

    code: Annotated[str, Field(min_length=1, max_length=200)]
    message: Annotated[str, Field(max_length=2000)] = ""


class IntentRecord(_Model):
    """One intent as the ledger stores it. ``price`` is the limit price of ``side`` (dollars)."""

    intent_id: Annotated[str, Field(pattern=CLIENT_ORDER_ID_PATTERN)]
    user_id: Annotated[str, Field(min_length=1)]
    bot_id: Annotated[str, Field(min_length=1)]
    market_ticker: Annotated[str, Field(min_length=1, max_length=200)]
    venue: Annotated[str, Field(min_length=1)]
    side: OutcomeSide
    action: Action
    price: Dollars
    count: Count
    time_in_force: TimeInForce = TimeInForce.GTC
    post_only: bool = False
    reduce_only: bool = False
    mode: TradingMode
    status: IntentState = IntentState.PENDING
    version: Annotated[int, Field(ge=1)] = 1
    created_at: UtcDatetime
    updated_at: UtcDatetime
    signal_id: Annotated[str, Field(min_length=1)]
    leg: Annotated[str, Field(min_length=1)]
    decision_bucket: UtcDatetime
    signal_meta: dict[str, str] = Field(default_factory=dict)
    """Free-form strategy context (reason, fair value, confidence …) as strings."""
    venue_order_id: str | None = None
    filled_count: Count = Decimal(0)
    average_fill_price: Dollars | None = None
    fees: Dollars = Decimal(0)
    error: ErrorInfo | None = None
    execution_arn: str | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if not Decimal(0) < self.price < Decimal(1):
            raise ValueError(f"price must be strictly between 0 and 1 dollars, got {self.price}")
        if self.count <= 0:
            raise ValueError(f"count must be positive, got {self.count}")
        if not Decimal(0) <= self.filled_count <= self.count:
            raise ValueError(f"filled_count {self.filled_count} must be within 0..count ({self.count})")
        if self.fees < 0:
            raise ValueError(f"fees must not be negative, got {self.fees}")
        return self

    @property
    def terminal(self) -> bool:
        return self.status in TERMINAL_STATES

    def to_order_intent(self) -> OrderIntent:
        """What the venue receives; ``client_order_id`` is this intent's id."""
        return OrderIntent(
            market_ticker=self.market_ticker,
            side=self.side,
            action=self.action,
            price=self.price,
            count=self.count,
            client_order_id=self.intent_id,
            time_in_force=self.time_in_force,
            post_only=self.post_only,
            reduce_only=self.reduce_only,
        )


def new_intent(
    *,
    user_id: str,
    bot_id: str,
    market_ticker: str,
    signal_id: str,
    leg: str,
    decision_bucket: datetime,
    venue: str,
    side: OutcomeSide,
    action: Action,
    price: Decimal,
    count: Decimal,
    mode: TradingMode,
    now: datetime | None = None,
    time_in_force: TimeInForce = TimeInForce.GTC,
    post_only: bool = False,
    reduce_only: bool = False,
    signal_meta: Mapping[str, str] | None = None,
    execution_arn: str | None = None,
) -> IntentRecord:
    """A PENDING, version-1 intent whose id is :func:`intent_id_for` of its decision parts."""
    moment = _utc(now, "now") if now is not None else datetime.now(UTC)
    intent_id = intent_id_for(
        user_id=user_id,
        bot_id=bot_id,
        market_ticker=market_ticker,
        signal_id=signal_id,
        leg=leg,
        decision_bucket=decision_bucket,
    )
    return IntentRecord(
        intent_id=intent_id,
        user_id=user_id,
        bot_id=bot_id,
        market_ticker=market_ticker,
        venue=venue,
        side=side,
        action=action,
        price=price,
        count=count,
        time_in_force=time_in_force,
        post_only=post_only,
        reduce_only=reduce_only,
        mode=mode,
        created_at=moment,
        updated_at=moment,
        signal_id=signal_id,
        leg=leg,
        decision_bucket=_utc(decision_bucket, "decision_bucket"),
        signal_meta=dict(signal_meta or {}),
        execution_arn=execution_arn,
    )


# ---------------------------------------------------------------------------------------------
# Transitions


def normalize_from_states(from_states: IntentState | Iterable[IntentState]) -> frozenset[IntentState]:
    states = (
        frozenset({from_states})
        if isinstance(from_states, IntentState)
        else frozenset(IntentState(s) for s in from_states)
    )
    if not states:
        raise IntentInputError("from_states must name at least one state")
    return states


def validate_transition_request(
    from_states: IntentState | Iterable[IntentState],
    to_state: IntentState,
    version: int,
    *,
    filled_count: Decimal | None = None,
    average_fill_price: Decimal | None = None,
    fees: Decimal | None = None,
) -> frozenset[IntentState]:
    """Check a transition before any I/O; return the normalized ``from_states``.

    Every ``from → to`` pair must be in :data:`ALLOWED_TRANSITIONS`, else :class:`ForbiddenTransition`.
    """
    states = normalize_from_states(from_states)
    for state in sorted(states):
        check_transition(state, to_state)
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise IntentInputError(f"version must be a positive int, got {version!r}")
    try:
        if filled_count is not None and parse_count(filled_count) < 0:
            raise IntentInputError(f"filled_count must not be negative, got {filled_count}")
        if fees is not None and parse_dollars(fees) < 0:
            raise IntentInputError(f"fees must not be negative, got {fees}")
        if average_fill_price is not None and not Decimal(0) < parse_dollars(average_fill_price) < 1:
            raise IntentInputError(f"average_fill_price must be within (0, 1), got {average_fill_price}")
    except ValueError as exc:
        if isinstance(exc, IntentInputError):
            raise
        raise IntentInputError(str(exc)) from exc
    return states


def apply_transition(
    current: IntentRecord,
    from_states: IntentState | Iterable[IntentState],
    to_state: IntentState,
    *,
    version: int,
    now: datetime | None = None,
    venue_order_id: str | None = None,
    filled_count: Decimal | None = None,
    average_fill_price: Decimal | None = None,
    fees: Decimal | None = None,
    error: ErrorInfo | None = None,
    execution_arn: str | None = None,
) -> IntentRecord:
    """The pure form of :meth:`IntentLedger.transition`: the next record, or a typed refusal.

    ``None`` fields are left unchanged. ``filled_count`` may never decrease nor exceed ``count``.
    """
    states = validate_transition_request(
        from_states,
        to_state,
        version,
        filled_count=filled_count,
        average_fill_price=average_fill_price,
        fees=fees,
    )

    def refuse(reason: str) -> TransitionRefused:
        return TransitionRefused(
            current.intent_id,
            to_state=to_state,
            from_states=states,
            expected_version=version,
            current_state=current.status,
            current_version=current.version,
            reason=reason,
        )

    if current.status not in states:
        raise refuse(f"state is {current.status}")
    if current.version != version:
        raise refuse(f"version is {current.version}")
    if filled_count is not None and not current.filled_count <= filled_count <= current.count:
        raise refuse(
            f"filled_count {filled_count} outside {current.filled_count}..{current.count} "
            "(fills never decrease nor exceed the order)"
        )
    moment = _utc(now, "now") if now is not None else datetime.now(UTC)
    changes: dict[str, object] = {
        "status": to_state,
        "version": current.version + 1,
        "updated_at": moment,
    }
    optional = {
        "venue_order_id": venue_order_id,
        "filled_count": filled_count,
        "average_fill_price": average_fill_price,
        "fees": fees,
        "error": error,
        "execution_arn": execution_arn,
    }
    changes.update({name: value for name, value in optional.items() if value is not None})
    return IntentRecord.model_validate(current.model_dump() | changes)


class IntentLedger(Protocol):
    """What the order workflow and the reconciler need from intent storage."""

    def create(self, intent: IntentRecord) -> bool:
        """Store a PENDING intent if its id is new; False when it exists (adopt it; never overwritten)."""
        ...

    def get(self, intent_id: str, *, consistent: bool = True) -> IntentRecord | None: ...

    def transition(
        self,
        intent_id: str,
        from_states: IntentState | Iterable[IntentState],
        to_state: IntentState,
        *,
        version: int,
        now: datetime | None = None,
        venue_order_id: str | None = None,
        filled_count: Decimal | None = None,
        average_fill_price: Decimal | None = None,
        fees: Decimal | None = None,
        error: ErrorInfo | None = None,
        execution_arn: str | None = None,
    ) -> IntentRecord:
        """Move the intent iff its state ∈ ``from_states`` and its version == ``version``.

        Returns the new record (version + 1). Raises :class:`ForbiddenTransition` (before any
        write), :class:`IntentNotFound`, or :class:`TransitionRefused` (with the current state).
        """
        ...

    def list_by_status(self, status: IntentState, *, limit: int | None = None) -> list[IntentRecord]:
        """Intents in ``status``, least recently updated first (e.g. UNKNOWN for reconciliation).

        Served from an index, so eventually consistent: re-``get`` before acting on one.
        """
        ...

    def list_by_user(
        self, user_id: str, *, since: datetime | None = None, limit: int | None = None
    ) -> list[IntentRecord]:
        """A user's intents created at or after ``since``, newest first (eventually consistent)."""
        ...


def check_creatable(intent: IntentRecord) -> None:
    if intent.status is not IntentState.PENDING or intent.version != 1:
        raise IntentInputError(
            f"an intent enters the ledger PENDING at version 1, got {intent.status} v{intent.version}"
        )


class InMemoryIntentLedger:
    """:class:`IntentLedger` in a dict, with the same semantics (for tests and offline tools)."""

    def __init__(self) -> None:
        self._items: dict[str, IntentRecord] = {}
        self._lock = threading.Lock()

    def create(self, intent: IntentRecord) -> bool:
        check_creatable(intent)
        with self._lock:
            if intent.intent_id in self._items:
                return False
            self._items[intent.intent_id] = intent.model_copy(deep=True)
            return True

    def get(self, intent_id: str, *, consistent: bool = True) -> IntentRecord | None:
        with self._lock:
            found = self._items.get(intent_id)
        return found.model_copy(deep=True) if found is not None else None

    def transition(
        self,
        intent_id: str,
        from_states: IntentState | Iterable[IntentState],
        to_state: IntentState,
        *,
        version: int,
        now: datetime | None = None,
        venue_order_id: str | None = None,
        filled_count: Decimal | None = None,
        average_fill_price: Decimal | None = None,
        fees: Decimal | None = None,
        error: ErrorInfo | None = None,
        execution_arn: str | None = None,
    ) -> IntentRecord:
        validate_transition_request(
            from_states,
            to_state,
            version,
            filled_count=filled_count,
            average_fill_price=average_fill_price,
            fees=fees,
        )
        with self._lock:
            current = self._items.get(intent_id)
            if current is None:
                raise IntentNotFound(intent_id)
            updated = apply_transition(
                current,
                from_states,
                to_state,
                version=version,
                now=now,
                venue_order_id=venue_order_id,
                filled_count=filled_count,
                average_fill_price=average_fill_price,
                fees=fees,
                error=error,
                execution_arn=execution_arn,
            )
            self._items[intent_id] = updated
        return updated.model_copy(deep=True)

    def list_by_status(self, status: IntentState, *, limit: int | None = None) -> list[IntentRecord]:
        with self._lock:
            found = [item for item in self._items.values() if item.status is status]
        found.sort(key=lambda item: (item.updated_at, item.intent_id))
        return found[:limit] if limit is not None else found

    def list_by_user(
        self, user_id: str, *, since: datetime | None = None, limit: int | None = None
    ) -> list[IntentRecord]:
        with self._lock:
            found = [
                item
                for item in self._items.values()
                if item.user_id == user_id and (since is None or item.created_at >= since)
            ]
        found.sort(key=lambda item: (item.created_at, item.intent_id), reverse=True)
        return found[:limit] if limit is not None else found
