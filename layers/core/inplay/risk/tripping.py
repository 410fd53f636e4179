"""The kill switch's actions: trip, enforce (cancel and flatten), reset, emergency stop, evaluate.

Everything a trip does is named after its event id (``kill_event_id``), so running any action
again (a retried Lambda, the minute schedule and the fill stream at once) never acts twice:

- **trip**: one conditional write ACTIVE → TRIPPED (the order workflow's Reserve refuses every
  new order but reduce-only ones from then on). The loser of a race does nothing but
  :func:`enforce`. The winner writes the :class:`~inplay.risk.records.KillSwitchEvent`, enforces,
  then appends the audit record (once per event) and publishes the CRITICAL alert.
- **enforce** (every run while TRIPPED): cancels every RESTING order of the user's venue accounts
  whose client order id is an intent id (ours). Orders placed by a person (no intent id) are left
  alone: the kill switch stops the bot, it does not touch a human's manual orders (the reconciler
  reports them as orphans). When the event says ``close_positions``, each open position gets a
  reduce-only IOC that sells the held side at most ``kill_flatten_max_slippage`` below its best bid
  (never below $0.01), purpose EXIT, reason ``kill_switch``, started as batch order workflows of at
  most :data:`~inplay.orders.workflow.MAX_BATCH_LEGS` legs. The intent of position ``p`` in
  flattening round ``r`` has a fixed id (signal = event id, leg ``kill-flatten-<r>``, decision
  bucket = trip time), so a re-run starts the same batch (Step Functions refuses the duplicate
  name) and the ledger's PENDING → SUBMITTED step lets only one order out. A new round starts only
  when the previous round's intent is settled and the position is still open (a thin book, a fill
  that raced the trip), up to ``kill_flatten_attempts``; then a CRITICAL alert asks for a manual
  close. Positions on a paused or closed market wait (no round is spent).
- **reset**: a person, with a reason; conditional TRIPPED → ACTIVE; resolves the event (with the
  flattening's realized P&L when every flattening order has finished), audits, alerts.

Flattening assumes the store's positions (per bot) add up to the venue's (the reconciler's job):
a reduce-only order cannot sell more than the account holds.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import ROUND_FLOOR, Decimal
from typing import Any, Final, Protocol

from inplay.alerts.model import Alert, AlertField, AlertKind, Mode, Severity
from inplay.alerts.publisher import AlertPublisher
from inplay.audit.chain import AuditKind
from inplay.money import CENT, format_count
from inplay.orders.fills import PositionState
from inplay.orders.intents import IntentLedger, IntentRecord, TradingMode, intent_id_for, is_intent_id
from inplay.orders.workflow import MAX_BATCH_LEGS, BatchRequest, IntentSpec, OrderRequest, Purpose
from inplay.risk.commands import KillSwitchReply, KillSwitchStatus
from inplay.risk.inputs import (
    DEFAULT_ACCOUNTS,
    FLATTEN_META_KEY,
    Account,
    GameFeeds,
    RiskSources,
    TradeQueries,
    gather,
    held_side,
    held_side_bid,
    user_accounts,
)
from inplay.risk.kill_switch import KillSwitch, KillSwitchControl, kill_event_id
from inplay.risk.records import KillSwitchEvent, KillTrigger
from inplay.risk.store import RiskStore
from inplay.risk.triggers import Breach, KillSwitchLimits, evaluate, parse_limits
from inplay.venues.base import (
    Action,
    Market,
    MarketStatus,
    NotFoundError,
    OrderStatus,
    TimeInForce,
    VenueError,
)
from inplay.venues.factory import VenueProvider

__all__ = [
    "FLATTEN_LEG",
    "MAX_REASON_LENGTH",
    "MIN_FLATTEN_PRICE",
    "SYSTEM_BY",
    "BatchStartError",
    "BatchStarter",
    "Enforcement",
    "InvalidReason",
    "KillAuditor",
    "KillSwitchDeps",
    "KillSwitchError",
    "KillSwitchOutcome",
    "ManualTrip",
    "NotTripped",
    "StepFunctionsBatchStarter",
    "SwitchControls",
    "emergency_stop",
    "enforce",
    "evaluate_user",
    "flatten_intent_id",
    "flatten_price",
    "reset",
    "trip",
]

log = logging.getLogger(__name__)

SYSTEM_BY: Final = "system"
"""``by`` of an automatic trip."""
FLATTEN_LEG: Final = "kill-flatten"
MIN_FLATTEN_PRICE: Final = CENT
MAX_FLATTEN_PRICE: Final = Decimal("0.99")
MAX_REASON_LENGTH: Final = 500
RECENT_INTENTS: Final = timedelta(days=1)
"""How far back the intents are read that name venue accounts and decide an alert's mode."""
UNFLATTENED_PREFIX: Final = "unflattened."
"""Event ``values`` key prefix of a position the kill switch gave up flattening (alerted once)."""
_EVENT_ID_TIME: Final = re.compile(r"^ks-(\d{1,20})-")
_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)


class KillSwitchError(Exception):
    """Base of the kill switch's typed errors."""


class NotTripped(KillSwitchError):
    """A reset of a switch that is not TRIPPED (the API answers 409)."""


class InvalidReason(KillSwitchError, ValueError):
    """A reset without a usable reason (empty, or longer than 500 characters)."""


class BatchStartError(KillSwitchError):
    """A flattening batch could not be started (the next enforce run tries again)."""


# ---------------------------------------------------------------------------------------------
# What the actions use


class SwitchControls(KillSwitchControl, Protocol):
    """The bots-table pieces the kill switch uses (``DynamoBotControls`` satisfies it)."""

    def user_settings(self, user_id: str) -> dict[str, str]: ...


class KillAuditor(Protocol):
    """Idempotent audit appends (``inplay.orders.auditing.IdempotentOrderAudit`` satisfies it)."""

    def append_once(self, *, key: str, user_id: str, kind: AuditKind, payload: Any) -> dict[str, Any]: ...


class BatchStarter(Protocol):
    def start_batch(self, request: BatchRequest) -> str:
        """Start the batch order workflow named ``request.batch_id()``; an execution of that name
        that exists already counts as started. Returns the execution ARN; raises
        :class:`BatchStartError`."""
        ...


class StepFunctionsBatchStarter:
    """:class:`BatchStarter` on the batch order state machine (AWS or the local cloud's moto)."""

    def __init__(self, state_machine_arn: str, client: Any = None) -> None:
        self._arn = state_machine_arn
        self._client = client

    def _sfn(self) -> Any:
        if self._client is None:
            import boto3

            self._client = boto3.client("stepfunctions")
        return self._client

    def start_batch(self, request: BatchRequest) -> str:
        from botocore.exceptions import BotoCoreError, ClientError

        sfn = self._sfn()
        name = request.batch_id()
        try:
            response = sfn.start_execution(
                stateMachineArn=self._arn, name=name, input=request.model_dump_json(exclude_none=True)
            )
        except sfn.exceptions.ExecutionAlreadyExists:
            return self._execution_arn(name)
        except (ClientError, BotoCoreError) as exc:
            raise BatchStartError(f"cannot start batch {name}: {exc}") from exc
        return str(response["executionArn"])

    def _execution_arn(self, name: str) -> str:
        prefix, machine = self._arn.split(":stateMachine:", 1)
        return f"{prefix}:execution:{machine}:{name}"


@dataclass(frozen=True, slots=True)
class KillSwitchDeps:
    controls: SwitchControls
    risk: RiskStore
    ledger: IntentLedger
    trades: TradeQueries
    games: GameFeeds
    venues: VenueProvider
    batches: BatchStarter
    audit: KillAuditor
    alerts: AlertPublisher
    accounts: tuple[tuple[str, TradingMode], ...] = DEFAULT_ACCOUNTS

    @property
    def sources(self) -> RiskSources:
        return RiskSources(
            trades=self.trades,
            ledger=self.ledger,
            games=self.games,
            venues=self.venues,
            risk=self.risk,
            accounts=self.accounts,
        )


@dataclass(frozen=True, slots=True)
class ManualTrip:
    """A person's trip (emergency stop)."""

    reason: str = "emergency stop"


@dataclass(frozen=True, slots=True)
class Enforcement:
    """What one enforce run did (ids are venue order ids, position ids and batch ids)."""

    cancelled: tuple[str, ...] = ()
    foreign_resting: tuple[str, ...] = ()
    """Resting orders that are not ours (no intent id): left alone."""
    batches: tuple[str, ...] = ()
    """Flattening batches started (or found already started) by this run."""
    closing: tuple[str, ...] = ()
    """Positions a flattening order was sent for by this run."""
    in_flight: tuple[str, ...] = ()
    """Positions whose flattening order is still working."""
    waiting: tuple[str, ...] = ()
    """Positions whose market does not trade now (paused, closed, unreadable): tried again later."""
    unflattened: tuple[str, ...] = ()
    """Positions still open after every flattening round: a person must close them."""
    problems: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class KillSwitchOutcome:
    """What an action did; :meth:`reply` is the ``kill_switch`` function's answer."""

    status: KillSwitchStatus
    switch: KillSwitch
    event: KillSwitchEvent | None = None
    breaches: tuple[Breach, ...] = ()
    enforcement: Enforcement | None = None
    problems: tuple[str, ...] = ()
    """Things that went wrong without stopping the action (audit or alert failures, bad
    settings, venue errors): log them."""

    def reply(self) -> KillSwitchReply:
        enforcement = self.enforcement or Enforcement()
        return KillSwitchReply(
            status=self.status,
            state="TRIPPED" if self.switch.tripped else "ACTIVE",
            event_id=self.event.event_id if self.event is not None else self.switch.event_id,
            trigger=self.event.trigger.value if self.event is not None else self.switch.trigger,
            reason=(self.event.reason if self.event is not None else self.switch.reason) or None,
            cancelled_orders=len(enforcement.cancelled),
            positions_closing=len(enforcement.closing),
            breaches=tuple(f"{breach.trigger.value}: {breach.message}" for breach in self.breaches),
        )


# ---------------------------------------------------------------------------------------------
# Helpers


def _event_time(event_id: str) -> datetime | None:
    match = _EVENT_ID_TIME.match(event_id)
    return _EPOCH + timedelta(microseconds=int(match.group(1))) if match else None


def _checked_reason(reason: str) -> str:
    text = (reason or "").strip()
    if not text:
        raise InvalidReason("a reason is required to reset the kill switch")
    if len(text) > MAX_REASON_LENGTH:
        raise InvalidReason(f"the reason is {len(text)} characters long; at most {MAX_REASON_LENGTH}")
    return text


def _limits(deps: KillSwitchDeps, user_id: str) -> tuple[KillSwitchLimits, tuple[str, ...]]:
    limits, problems = parse_limits(deps.controls.user_settings(user_id))
    for problem in problems:
        log.warning("kill switch settings of %s: %s (the default applies)", user_id, problem)
    return limits, problems


def _position_account(deps: KillSwitchDeps, user_id: str, position: PositionState) -> str:
    return deps.venues.account_key(user_id, position.venue, position.mode)


def _recent_intents(deps: KillSwitchDeps, user_id: str, now: datetime) -> list[IntentRecord]:
    return deps.ledger.list_by_user(user_id, since=now - RECENT_INTENTS)


def _alert_mode(positions: Sequence[PositionState], intents: Sequence[IntentRecord]) -> Mode:
    live = any(p.mode is TradingMode.LIVE for p in positions) or any(
        i.mode is TradingMode.LIVE for i in intents
    )
    return Mode.LIVE if live else Mode.PAPER


def _field(name: str, value: object, *, inline: bool = True) -> AlertField:
    text = str(value).strip() or "-"
    return AlertField(name=name[:256], value=text[:1024], inline=inline)


def _merged(stored: KillSwitchEvent | None, mine: KillSwitchEvent) -> KillSwitchEvent:
    """``mine`` with what a concurrent run stored meanwhile (lists united, resolution kept)."""
    if stored is None:
        return mine

    def union(first: tuple[str, ...], second: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(dict.fromkeys((*first, *second)))

    update: dict[str, Any] = {
        "cancelled_orders": union(stored.cancelled_orders, mine.cancelled_orders),
        "positions_closed": union(stored.positions_closed, mine.positions_closed),
        "flatten_batch_id": mine.flatten_batch_id or stored.flatten_batch_id,
        "values": {**stored.values, **mine.values},
        "total_pnl": mine.total_pnl if mine.total_pnl is not None else stored.total_pnl,
        "close_positions": stored.close_positions or mine.close_positions,
    }
    if stored.resolved and not mine.resolved:
        update |= {
            "resolved_at": stored.resolved_at,
            "resolved_by": stored.resolved_by,
            "resolution_notes": stored.resolution_notes,
        }
    return mine.model_copy(update=update)


def _save(deps: KillSwitchDeps, event: KillSwitchEvent) -> KillSwitchEvent:
    merged = _merged(deps.risk.kill_event(event.user_id, event.event_id), event)
    deps.risk.put_kill_event(merged)
    return merged


def _event_of(
    deps: KillSwitchDeps, user_id: str, switch: KillSwitch, now: datetime
) -> tuple[KillSwitchEvent, bool]:
    """The tripped switch's event, rebuilt from the switch when the trip's writer died before
    storing it (then ``True``: the trip was never announced)."""
    event_id = switch.event_id or kill_event_id(
        switch.trigger or KillTrigger.MANUAL.value, switch.changed_at or _EPOCH
    )
    stored = deps.risk.kill_event(user_id, event_id)
    if stored is not None:
        return stored, False
    try:
        trigger = KillTrigger(switch.trigger or KillTrigger.MANUAL.value)
    except ValueError:
        trigger = KillTrigger.MANUAL
    event = KillSwitchEvent(
        user_id=user_id,
        event_id=event_id,
        trigger=trigger,
        values=dict(switch.values),
        reason=(switch.reason or "")[:MAX_REASON_LENGTH],
        by=(switch.by or SYSTEM_BY)[:128],
        tripped_at=_event_time(event_id) or switch.changed_at or now,
        close_positions=switch.values.get("close_positions", "true") != "false",
    )
    deps.risk.put_kill_event(event)
    return event, True


# ---------------------------------------------------------------------------------------------
# Flattening


def flatten_intent_id(event: KillSwitchEvent, position: PositionState, attempt: int) -> str:
    """The intent id of ``position``'s flattening order in round ``attempt`` (1-based) of ``event``."""
    return intent_id_for(
        user_id=event.user_id,
        bot_id=position.bot_id,
        market_ticker=position.market_ticker,
        signal_id=event.event_id,
        leg=_leg(attempt, position.mode),
        decision_bucket=event.tripped_at,
    )


def _leg(attempt: int, mode: TradingMode) -> str:
    """``flatten``, ``flatten-2`` …; a paper position's legs end in ``-paper`` (a bot may hold the
    same market on paper and live, and each needs its own intent)."""
    leg = FLATTEN_LEG if attempt == 1 else f"{FLATTEN_LEG}-{attempt}"
    return leg if mode is TradingMode.LIVE else f"{leg}-{mode.value}"


def flatten_price(market: Market, contracts: Decimal, max_slippage: Decimal) -> Decimal:
    """The flattening IOC's limit: the held side's best bid minus ``max_slippage``, down to the
    market's tick, never below $0.01 (an empty book: $0.01, take whatever bid appears)."""
    bid = held_side_bid(market, contracts)
    if bid is None:
        return MIN_FLATTEN_PRICE
    tick = market.tick_size if market.tick_size is not None and market.tick_size > 0 else CENT
    price = ((bid - max_slippage) / tick).to_integral_value(rounding=ROUND_FLOOR) * tick
    return min(max(price, MIN_FLATTEN_PRICE), MAX_FLATTEN_PRICE)


def _flatten_leg(
    event: KillSwitchEvent, position: PositionState, attempt: int, price: Decimal
) -> OrderRequest:
    return OrderRequest(
        intent=IntentSpec(
            user_id=event.user_id,
            bot_id=position.bot_id,
            market_ticker=position.market_ticker,
            signal_id=event.event_id,
            leg=_leg(attempt, position.mode),
            decision_bucket=event.tripped_at,
            venue=position.venue,
            side=held_side(position.contracts),
            action=Action.SELL,
            price=price,
            count=abs(position.contracts),
            mode=position.mode,
            time_in_force=TimeInForce.IOC,
            reduce_only=True,
            signal_meta={
                FLATTEN_META_KEY: event.event_id,
                "position_id": position.position_id,
                "attempt": str(attempt),
            },
        ),
        purpose=Purpose.EXIT,
        reason="kill_switch",
    )


@dataclass(slots=True)
class _FlattenRun:
    batches: list[str] = field(default_factory=list)
    closing: list[str] = field(default_factory=list)
    in_flight: list[str] = field(default_factory=list)
    waiting: list[str] = field(default_factory=list)
    unflattened: list[tuple[PositionState, int]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def _next_attempt(
    deps: KillSwitchDeps, event: KillSwitchEvent, position: PositionState, attempts: int
) -> int | None:
    """The round to send now (``None``: one is working) or ``attempts + 1`` when all were spent."""
    for attempt in range(1, attempts + 1):
        intent = deps.ledger.get(flatten_intent_id(event, position, attempt), consistent=True)
        if intent is None:
            return attempt
        if not intent.terminal:
            return None
    return attempts + 1


def _flatten(
    deps: KillSwitchDeps,
    event: KillSwitchEvent,
    positions: Sequence[PositionState],
    accounts: Mapping[str, Account],
    limits: KillSwitchLimits,
) -> _FlattenRun:
    run = _FlattenRun()
    legs: list[tuple[PositionState, OrderRequest]] = []
    for listed in positions:
        position = deps.trades.position(event.user_id, listed.position_id) or listed
        if position.contracts == 0:
            continue
        attempt = _next_attempt(deps, event, position, limits.flatten_attempts)
        if attempt is None:
            run.in_flight.append(position.position_id)
            continue
        if attempt > limits.flatten_attempts:
            run.unflattened.append((position, attempt - 1))
            continue
        account = accounts.get(_position_account(deps, event.user_id, position))
        if account is None:
            run.waiting.append(position.position_id)
            run.problems.append(f"{position.position_id}: no usable venue account")
            continue
        try:
            market = account.venue.get_market(position.market_ticker)
        except VenueError as exc:
            run.waiting.append(position.position_id)
            run.problems.append(f"{position.position_id}: cannot read market {position.market_ticker}: {exc}")
            continue
        if market.status is not MarketStatus.OPEN:
            run.waiting.append(position.position_id)
            continue
        price = flatten_price(market, position.contracts, limits.flatten_max_slippage)
        legs.append((position, _flatten_leg(event, position, attempt, price)))
    for start in range(0, len(legs), MAX_BATCH_LEGS):
        chunk = legs[start : start + MAX_BATCH_LEGS]
        request = BatchRequest(legs=tuple(leg for _, leg in chunk))
        try:
            deps.batches.start_batch(request)
        except BatchStartError as exc:
            log.error("kill switch %s: %s", event.event_id, exc)
            run.problems.append(str(exc))
            run.waiting.extend(position.position_id for position, _ in chunk)
            continue
        run.batches.append(request.batch_id())
        run.closing.extend(position.position_id for position, _ in chunk)
    return run


def _flatten_pnl(deps: KillSwitchDeps, event: KillSwitchEvent) -> Decimal | None:
    """Realized P&L net of fees of the event's flattening orders, once every one has finished."""
    intents = [
        intent
        for intent in deps.ledger.list_by_user(event.user_id, since=event.tripped_at)
        if intent.signal_meta.get(FLATTEN_META_KEY) == event.event_id
    ]
    if not intents or any(not intent.terminal for intent in intents):
        return None
    total = Decimal(0)
    for intent in intents:
        total += sum(
            (fill.realized_pnl - fill.fee for fill in deps.trades.fills_for_intent(intent.intent_id)),
            Decimal(0),
        )
    return total


# ---------------------------------------------------------------------------------------------
# Cancelling


def _cancel_ours(accounts: Sequence[Account]) -> tuple[list[str], list[str], list[str]]:
    """Cancel every resting order whose client order id is an intent id: (cancelled, foreign, problems)."""
    cancelled: list[str] = []
    foreign: list[str] = []
    problems: list[str] = []
    for account in accounts:
        try:
            orders = account.venue.list_orders(status=OrderStatus.RESTING)
        except VenueError as exc:
            problems.append(f"cannot list resting orders on {account.venue_name}: {exc}")
            continue
        for order in orders:
            if order.status is not OrderStatus.RESTING:
                continue
            if not (order.client_order_id and is_intent_id(order.client_order_id)):
                foreign.append(order.order_id)
                continue
            try:
                account.venue.cancel_order(order.order_id, market_ticker=order.market_ticker)
            except NotFoundError:
                continue  # gone already (filled or cancelled meanwhile)
            except VenueError as exc:
                problems.append(f"cannot cancel order {order.order_id} on {order.market_ticker}: {exc}")
                continue
            cancelled.append(order.order_id)
    return cancelled, foreign, problems


# ---------------------------------------------------------------------------------------------
# Announcing (audit + alert)


def _audit(deps: KillSwitchDeps, event: KillSwitchEvent, action: str, extra: Mapping[str, Any]) -> list[str]:
    payload = {"action": action, "event": event, **extra}
    try:
        deps.audit.append_once(
            key=f"kill-switch:{event.event_id}:{action}",
            user_id=event.user_id,
            kind=AuditKind.KILL_SWITCH,
            payload=payload,
        )
    except Exception as exc:  # the actions already happened; a lost record must not undo them
        log.exception("kill switch %s: audit of %s failed", event.event_id, action)
        return [f"audit ({action}) failed: {type(exc).__name__}: {exc}"]
    return []


def _publish(deps: KillSwitchDeps, alert: Alert) -> list[str]:
    try:
        deps.alerts.publish(alert)
    except Exception as exc:  # reported to the caller; the switch state is what protects money
        log.exception("kill switch: alert %s failed", alert.alert_id)
        return [f"alert {alert.alert_id} failed: {type(exc).__name__}: {exc}"]
    return []


def _trip_alert(event: KillSwitchEvent, enforcement: Enforcement, mode: Mode, now: datetime) -> Alert:
    readings = [
        _field(name, value)
        for name, value in sorted(event.values.items())
        if not name.startswith(UNFLATTENED_PREFIX)
    ][:12]
    closing = "no (positions kept open)" if not event.close_positions else str(len(enforcement.closing))
    return Alert(
        kind=AlertKind.KILL_SWITCH,
        severity=Severity.CRITICAL,
        mode=mode,
        title=f"Kill switch tripped: {event.trigger.value.replace('_', ' ')}",
        description=(event.reason or event.trigger.value)[:4096],
        fields=(
            _field("Trigger", event.trigger.value),
            _field("By", event.by),
            *readings,
            _field("Orders cancelled", len(enforcement.cancelled)),
            _field("Positions closing", closing),
            _field("Foreign orders left", len(enforcement.foreign_resting)),
            _field("Event", event.event_id, inline=False),
        ),
        user_id=event.user_id,
        occurred_at=now,
        alert_id=f"kill-switch:{event.event_id}:trip",
        correlation_id=event.event_id,
    )


def _announce_trip(
    deps: KillSwitchDeps, event: KillSwitchEvent, enforcement: Enforcement, mode: Mode, now: datetime
) -> list[str]:
    summary = {
        "cancelled_orders": list(enforcement.cancelled),
        "positions_closing": list(enforcement.closing),
        "batches": list(enforcement.batches),
    }
    problems = _audit(deps, event, "trip", summary)
    return problems + _publish(deps, _trip_alert(event, enforcement, mode, now))


def _unflattened_alert(
    event: KillSwitchEvent, stuck: Sequence[tuple[PositionState, int]], mode: Mode, now: datetime
) -> Alert:
    ids = sorted(p.position_id for p, _ in stuck)
    digest = hashlib.sha256("\n".join(ids).encode()).hexdigest()[:16]
    names = ", ".join(
        f"{p.market_ticker} ({format_count(abs(p.contracts))} {held_side(p.contracts).value.upper()})"
        for p, _ in stuck
    )
    return Alert(
        kind=AlertKind.KILL_SWITCH,
        severity=Severity.CRITICAL,
        mode=mode,
        title="Kill switch could not close every position: close them by hand",
        description=f"Still open after every flattening attempt: {names}"[:4096],
        fields=(_field("Event", event.event_id, inline=False),),
        user_id=event.user_id,
        occurred_at=now,
        alert_id=f"kill-switch:{event.event_id}:unflattened:{digest}",
        correlation_id=event.event_id,
    )


# ---------------------------------------------------------------------------------------------
# Enforce


def _enforce(
    deps: KillSwitchDeps, event: KillSwitchEvent, now: datetime
) -> tuple[KillSwitchEvent, Enforcement, Mode]:
    user_id = event.user_id
    limits, _ = _limits(deps, user_id)
    positions = sorted(
        (p for p in deps.trades.open_positions(user_id) if p.contracts != 0), key=lambda p: p.position_id
    )
    intents = _recent_intents(deps, user_id, now)
    pairs = [(p.venue, p.mode) for p in positions]
    pairs += [(i.venue, i.mode) for i in intents if not i.terminal]
    accounts, account_problems = user_accounts(deps.venues, user_id, [*pairs, *deps.accounts])
    cancelled, foreign, cancel_problems = _cancel_ours(accounts)
    run = _FlattenRun()
    if event.close_positions:
        run = _flatten(deps, event, positions, {a.key: a for a in accounts}, limits)
    mode = _alert_mode(positions, intents)
    update: dict[str, Any] = {
        "cancelled_orders": tuple(dict.fromkeys((*event.cancelled_orders, *cancelled))),
        "positions_closed": tuple(dict.fromkeys((*event.positions_closed, *run.closing))),
    }
    if run.batches:
        update["flatten_batch_id"] = ",".join(run.batches)
    problems = [*cancel_problems, *run.problems]
    if not accounts:
        problems.extend(account_problems)
    new_stuck = [
        (p, rounds)
        for p, rounds in run.unflattened
        if f"{UNFLATTENED_PREFIX}{p.position_id}" not in event.values
    ]
    if new_stuck:
        update["values"] = {
            **event.values,
            **{f"{UNFLATTENED_PREFIX}{p.position_id}": format_count(p.contracts) for p, _ in new_stuck},
        }
    if event.close_positions and event.total_pnl is None and not positions and event.positions_closed:
        update["total_pnl"] = _flatten_pnl(deps, event)
    changed = event.model_copy(update=update)
    if changed != event:
        changed = _save(deps, changed)
    if new_stuck:
        problems += _publish(deps, _unflattened_alert(changed, new_stuck, mode, now))
    enforcement = Enforcement(
        cancelled=tuple(cancelled),
        foreign_resting=tuple(foreign),
        batches=tuple(run.batches),
        closing=tuple(run.closing),
        in_flight=tuple(run.in_flight),
        waiting=tuple(run.waiting),
        unflattened=tuple(p.position_id for p, _ in run.unflattened),
        problems=tuple(problems),
    )
    for problem in problems:
        log.warning("kill switch %s: %s", event.event_id, problem)
    return changed, enforcement, mode


def enforce(
    deps: KillSwitchDeps, user_id: str, now: datetime, *, switch: KillSwitch | None = None
) -> KillSwitchOutcome:
    """While TRIPPED: cancel our resting orders and flatten (see the module docstring). Safe to
    run any number of times; a switch that is not tripped is left alone (``NOT_TRIPPED``)."""
    switch = switch if switch is not None else deps.controls.kill_switch(user_id)
    if not switch.tripped:
        return KillSwitchOutcome(KillSwitchStatus.NOT_TRIPPED, switch)
    event, unannounced = _event_of(deps, user_id, switch, now)
    event, enforcement, mode = _enforce(deps, event, now)
    problems: list[str] = []
    if unannounced:
        problems = _announce_trip(deps, event, enforcement, mode, now)
    return KillSwitchOutcome(
        KillSwitchStatus.ALREADY_TRIPPED,
        switch,
        event,
        enforcement=enforcement,
        problems=(*enforcement.problems, *problems),
    )


# ---------------------------------------------------------------------------------------------
# Trip, emergency stop, reset, evaluate


def _trip_terms(
    cause: Breach | ManualTrip, also: Sequence[Breach], close_positions: bool
) -> tuple[KillTrigger, dict[str, str], str]:
    if isinstance(cause, ManualTrip):
        reason = cause.reason.strip() or "emergency stop"
        return KillTrigger.MANUAL, {"close_positions": "true" if close_positions else "false"}, reason
    values = dict(cause.values)
    for other in also:
        values.update({f"{other.trigger.value}.{key}": value for key, value in other.values.items()})
    reason = "; ".join([cause.message, *(other.message for other in also)])
    return cause.trigger, values, reason[:MAX_REASON_LENGTH]


def _upgrade_to_close(
    deps: KillSwitchDeps, user_id: str, switch: KillSwitch, by: str, now: datetime
) -> list[str]:
    """A person asked to close positions while the switch was tripped without: do it (never the
    other way round: an automatic or earlier request to close stands)."""
    event, _ = _event_of(deps, user_id, switch, now)
    if event.close_positions:
        return []
    _save(deps, event.model_copy(update={"close_positions": True}))
    return _audit(deps, event.model_copy(update={"close_positions": True}), "close_positions", {"by": by})


def trip(
    deps: KillSwitchDeps,
    user_id: str,
    cause: Breach | ManualTrip,
    *,
    by: str,
    close_positions: bool = True,
    now: datetime,
    also: Sequence[Breach] = (),
) -> KillSwitchOutcome:
    """Trip the switch for ``cause`` (``also``: further breaches, recorded in the values).

    When it was TRIPPED already, the earlier trip stands and this only enforces it (a person's
    request to close positions upgrades a trip that kept them open). Audit and alert failures are
    returned as ``problems``; they never stop the cancelling and flattening.
    """
    trigger, values, reason = _trip_terms(cause, also, close_positions)
    event_id = kill_event_id(trigger.value, now)
    breaches = (cause, *also) if isinstance(cause, Breach) else ()
    switch = deps.controls.trip(
        user_id, trigger=trigger.value, reason=reason, values=values, by=by, event_id=event_id, at=now
    )
    current = deps.controls.kill_switch(user_id) if switch is None else switch
    if switch is None and not current.tripped:
        # Reset between our refused trip and the read: this trip is still wanted.
        switch = deps.controls.trip(
            user_id, trigger=trigger.value, reason=reason, values=values, by=by, event_id=event_id, at=now
        )
        current = deps.controls.kill_switch(user_id) if switch is None else switch
    if switch is None:
        problems: list[str] = []
        if isinstance(cause, ManualTrip) and close_positions and current.tripped:
            problems = _upgrade_to_close(deps, user_id, current, by, now)
        outcome = enforce(deps, user_id, now, switch=current)
        return KillSwitchOutcome(
            KillSwitchStatus.ALREADY_TRIPPED,
            current,
            outcome.event,
            breaches=breaches,
            enforcement=outcome.enforcement,
            problems=(*problems, *outcome.problems),
        )
    event = KillSwitchEvent(
        user_id=user_id,
        event_id=event_id,
        trigger=trigger,
        values=values,
        reason=reason,
        by=by,
        tripped_at=_event_time(event_id) or now,
        close_positions=close_positions,
    )
    deps.risk.put_kill_event(event)
    try:
        event, enforcement, mode = _enforce(deps, event, now)
    except Exception:
        # Announce the trip even when enforcing blew up (the next run enforces again).
        _announce_trip(deps, event, Enforcement(), Mode.LIVE, now)
        raise
    problems = _announce_trip(deps, event, enforcement, mode, now)
    return KillSwitchOutcome(
        KillSwitchStatus.TRIPPED,
        switch,
        event,
        breaches=breaches,
        enforcement=enforcement,
        problems=(*enforcement.problems, *problems),
    )


def emergency_stop(
    deps: KillSwitchDeps, user_id: str, *, by: str, close_positions: bool, reason: str, now: datetime
) -> KillSwitchOutcome:
    """A person's manual trip (``POST /api/bot/emergency-stop``)."""
    return trip(
        deps, user_id, ManualTrip(reason or "emergency stop"), by=by, close_positions=close_positions, now=now
    )


def reset(deps: KillSwitchDeps, user_id: str, *, reason: str, by: str, now: datetime) -> KillSwitchOutcome:
    """TRIPPED → ACTIVE by a person with a reason (``POST /api/bot/kill-switch/reset``).

    Raises :class:`InvalidReason` (empty or > 500 characters) and :class:`NotTripped` (nothing
    to reset, or someone reset it first). The event is resolved (when, who, the reason as notes,
    the flattening's realized P&L when known); audited; alerted (WARNING when real money is
    involved, else INFO). Flattening orders still working keep working.
    """
    text = _checked_reason(reason)
    switch = deps.controls.kill_switch(user_id)
    if not switch.tripped:
        raise NotTripped("the kill switch is not tripped")
    after = deps.controls.reset(user_id, reason=text, by=by, at=now)
    if after is None:
        raise NotTripped("the kill switch is not tripped (it was reset meanwhile)")
    event, _ = _event_of(deps, user_id, switch, now)
    pnl = _flatten_pnl(deps, event) if event.close_positions else None
    resolved = _save(
        deps,
        event.model_copy(
            update={
                "resolved_at": now,
                "resolved_by": by,
                "resolution_notes": text,
                "total_pnl": pnl if pnl is not None else event.total_pnl,
            }
        ),
    )
    positions = list(deps.trades.open_positions(user_id))
    mode = _alert_mode(positions, _recent_intents(deps, user_id, now))
    problems = _audit(deps, resolved, "reset", {"by": by, "reason": text})
    fields = [_field("Reset by", by), _field("Tripped by", f"{event.trigger.value} ({event.by})")]
    if resolved.total_pnl is not None:
        fields.append(_field("Flattening P&L", resolved.total_pnl))
    fields.append(_field("Event", event.event_id, inline=False))
    alert = Alert(
        kind=AlertKind.KILL_SWITCH,
        severity=Severity.WARNING if mode is Mode.LIVE else Severity.INFO,
        mode=mode,
        title="Kill switch reset: trading may resume",
        description=text,
        fields=tuple(fields),
        user_id=user_id,
        occurred_at=now,
        alert_id=f"kill-switch:{event.event_id}:reset",
        correlation_id=event.event_id,
    )
    problems += _publish(deps, alert)
    return KillSwitchOutcome(KillSwitchStatus.RESET, after, resolved, problems=tuple(problems))


def evaluate_user(deps: KillSwitchDeps, user_id: str, now: datetime) -> KillSwitchOutcome:
    """What the minute schedule and the fill stream run per user: enforce a TRIPPED switch, else
    gather the readings, evaluate every trigger and trip on the first breach (all breaches'
    readings are recorded)."""
    switch = deps.controls.kill_switch(user_id)
    if switch.tripped:
        return enforce(deps, user_id, now, switch=switch)
    limits, setting_problems = _limits(deps, user_id)
    inputs = gather(deps.sources, user_id, now=now, limits=limits, reset_at=switch.changed_at)
    breaches = evaluate(inputs, limits)
    if not breaches:
        return KillSwitchOutcome(KillSwitchStatus.EVALUATED, switch, problems=setting_problems)
    outcome = trip(deps, user_id, breaches[0], also=breaches[1:], by=SYSTEM_BY, close_positions=True, now=now)
    return KillSwitchOutcome(
        outcome.status,
        outcome.switch,
        outcome.event,
        breaches=tuple(breaches),
        enforcement=outcome.enforcement,
        problems=(*setting_problems, *outcome.problems),
    )
