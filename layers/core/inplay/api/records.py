"""The caller's own records, read only: orders (intents), trade audit records and risk events.

Every query reads only the caller's partition (the user id comes from the token, never from the
request). Lists are newest first and paged: a page holds at most ``limit`` items and reads at most
:data:`SCAN_BUDGET` stored items, so a filtered page may be short, even empty, and still carry a
``next_cursor``; keep following ``next_cursor`` until it is ``null``.

A cursor is opaque to the client (base64url JSON). It names the listing it belongs to and a digest
of its owner, and holds only the position inside that owner's partition: a cursor of another user
or another listing, or one that was tampered with, is ``400``. The partition queried is always
the caller's, whatever a cursor says.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Annotated, Any, Final, Literal, Protocol

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, ValidationError

from inplay.api.errors import BadRequest, NotFound
from inplay.audit.chain import AuditKind, AuditRecord
from inplay.money import Count, Dollars
from inplay.orders.intents import ErrorInfo, IntentRecord, IntentState, TradingMode
from inplay.risk.records import KillSwitchEvent, OrphanRecord, ReconcileReport
from inplay.venues.base import CLIENT_ORDER_ID_PATTERN, Action, OutcomeSide, TimeInForce

__all__ = [
    "AUDIT_CLOCK_SLACK",
    "AUDIT_DEFAULT_DAYS",
    "AUDIT_MAX_DAYS",
    "DEFAULT_LIMIT",
    "MARKET_PATTERN",
    "MAX_CURSOR_CHARS",
    "MAX_LIMIT",
    "SCAN_BUDGET",
    "ApiDate",
    "ApiDatetime",
    "AuditReader",
    "AuditTrade",
    "AuditTradesPage",
    "OrderReader",
    "OrderView",
    "OrdersPage",
    "RecordsDeps",
    "RiskEvent",
    "RiskEventKind",
    "RiskEventReader",
    "RiskEventsPage",
    "TradeKind",
    "get_order",
    "list_audit_trades",
    "list_orders",
    "list_risk_events",
]

MAX_LIMIT: Final = 200
DEFAULT_LIMIT: Final = 50
SCAN_BUDGET: Final = 1000
"""Most stored items one request reads; past it the page ends early with a cursor."""
MAX_CURSOR_CHARS: Final = 1024
AUDIT_DEFAULT_DAYS: Final = 7
AUDIT_MAX_DAYS: Final = 92
AUDIT_CLOCK_SLACK: Final = timedelta(hours=1)
"""Audit records are appended in time order, give or take clock skew between writers: reading
newest first stops at the first record this much older than the window's start."""
MARKET_PATTERN: Final = r"^[A-Za-z0-9][A-Za-z0-9._-]*$"
_EARLIEST: Final = datetime(2000, 1, 1, tzinfo=UTC)
_LATEST: Final = datetime(9000, 1, 1, tzinfo=UTC)


def _in_range(moment: datetime) -> datetime:
    try:
        utc = moment.astimezone(UTC)
    except OverflowError:
        raise ValueError("must be between the years 2000 and 9000") from None
    if not _EARLIEST <= utc < _LATEST:
        raise ValueError("must be between the years 2000 and 9000")
    return utc


def _day_in_range(day: date) -> date:
    if not _EARLIEST.date() <= day < _LATEST.date():
        raise ValueError("must be between the years 2000 and 9000")
    return day


ApiDatetime = Annotated[AwareDatetime, AfterValidator(_in_range)]
"""An ISO 8601 time with a UTC offset (normalized to UTC), years 2000 to 9000."""
ApiDate = Annotated[date, AfterValidator(_day_in_range)]
"""An ISO 8601 date (a UTC day), years 2000 to 9000."""


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


# ---- response models


class OrderView(_Model):
    """One order intent as the dashboard shows it."""

    intent_id: str
    bot_id: str
    market_ticker: str
    venue: str
    side: OutcomeSide
    action: Action
    price: Dollars
    """Limit price of ``side``, dollars."""
    count: Count
    time_in_force: TimeInForce
    post_only: bool
    reduce_only: bool
    mode: TradingMode
    status: IntentState
    created_at: datetime
    updated_at: datetime
    signal_id: str
    leg: str
    signal_meta: dict[str, str]
    venue_order_id: str | None
    filled_count: Count
    average_fill_price: Dollars | None
    fees: Dollars
    error: ErrorInfo | None

    @classmethod
    def of(cls, intent: IntentRecord) -> OrderView:
        return cls.model_validate(
            intent.model_dump(exclude={"user_id", "version", "decision_bucket", "execution_arn"})
        )


class OrdersPage(_Model):
    orders: list[OrderView]
    next_cursor: str | None = None
    """Pass as ``cursor`` for the next page; ``null`` at the end."""


class TradeKind(StrEnum):
    """The audit kinds of order records."""

    ENTRY = AuditKind.ENTRY.value
    EXIT = AuditKind.EXIT.value
    CANCEL = AuditKind.CANCEL.value
    ERROR = AuditKind.ERROR.value


class AuditTrade(_Model):
    """One order audit record: its place in the user's hash chain and its payload (the intent,
    the market, the game and the risk picture at decision time; Decimals as strings)."""

    seq: int
    kind: TradeKind
    at: datetime
    market_ticker: str | None
    intent_id: str | None
    hash: str
    prev_hash: str
    payload: dict[str, Any]


class AuditTradesPage(_Model):
    start: date
    end: date
    """The window: UTC days ``start`` through ``end``, both included."""
    trades: list[AuditTrade]
    next_cursor: str | None = None


class RiskEventKind(StrEnum):
    KILL_SWITCH = "kill_switch"
    ORPHAN = "orphan"
    RECONCILE = "reconcile"


class RiskEvent(_Model):
    """A kill-switch trip, an orphaned order or position, or a reconcile report; the field
    named after ``kind`` holds the record."""

    kind: RiskEventKind
    id: str
    at: datetime
    kill_switch: KillSwitchEvent | None = None
    orphan: OrphanRecord | None = None
    reconcile: ReconcileReport | None = None


class RiskEventsPage(_Model):
    events: list[RiskEvent]
    next_cursor: str | None = None


# ---- what the queries read

RiskRecord = KillSwitchEvent | OrphanRecord | ReconcileReport


class OrderReader(Protocol):
    def get(self, intent_id: str, *, consistent: bool = True) -> IntentRecord | None: ...

    def by_user_newest(
        self,
        user_id: str,
        *,
        since: datetime | None = None,
        after: tuple[datetime, str] | None = None,
        page_size: int = 100,
    ) -> Iterator[IntentRecord]: ...


class AuditReader(Protocol):
    def newest(
        self, user_id: str, *, before_seq: int | None = None, page_size: int = 100
    ) -> Iterator[AuditRecord]: ...


class RiskEventReader(Protocol):
    def events_newest(
        self, user_id: str, kind: str, *, before: tuple[datetime, str] | None = None, page_size: int = 100
    ) -> Iterator[RiskRecord]: ...


@dataclass(frozen=True, slots=True)
class RecordsDeps:
    orders: OrderReader
    audit: AuditReader
    risk: RiskEventReader


# ---- cursors

Listing = Literal["orders", "audit", "risk"]


class _Envelope(_Model):
    v: Literal[1]
    q: Listing
    o: Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{22}$")]
    """Digest of the owner's user id."""
    p: dict[str, Any]


class _OrdersPosition(_Model):
    created_at: ApiDatetime
    intent_id: Annotated[str, Field(pattern=CLIENT_ORDER_ID_PATTERN)]


class _AuditPosition(_Model):
    seq: Annotated[int, Field(ge=1, le=2**53)]


_RISK_ID_PATTERN: Final = r"^[^\x00-\x1f]{1,300}$"


class _StreamPosition(_Model):
    at: ApiDatetime
    id: Annotated[str, Field(pattern=_RISK_ID_PATTERN)]


class _RiskPosition(_Model):
    after: dict[RiskEventKind, _StreamPosition] = Field(default_factory=dict)
    done: list[RiskEventKind] = Field(default_factory=list, max_length=3)


_INVALID_CURSOR: Final = "cursor: not a cursor of this listing (start again without a cursor)"


def _owner(user_id: str) -> str:
    digest = hashlib.sha256(f"inplay-cursor:{user_id}".encode()).digest()
    return base64.urlsafe_b64encode(digest).decode()[:22]


def _encode(listing: Listing, user_id: str, position: BaseModel) -> str:
    envelope = {"v": 1, "q": listing, "o": _owner(user_id), "p": position.model_dump(mode="json")}
    raw = json.dumps(envelope, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode[M: BaseModel](cursor: str, listing: Listing, user_id: str, position: type[M]) -> M:
    """The position in ``cursor``; 400 unless it is a well-formed cursor of ``user_id``'s ``listing``."""
    if len(cursor) > MAX_CURSOR_CHARS:
        raise BadRequest("invalid cursor", errors=[f"cursor: longer than {MAX_CURSOR_CHARS} characters"])
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        envelope = _Envelope.model_validate_json(raw)
    except (binascii.Error, ValueError):
        raise BadRequest("invalid cursor", errors=["cursor: malformed"]) from None
    if envelope.q != listing or envelope.o != _owner(user_id):
        raise BadRequest("invalid cursor", errors=[_INVALID_CURSOR])
    try:
        return position.model_validate(envelope.p)
    except ValidationError:
        raise BadRequest("invalid cursor", errors=["cursor: malformed position"]) from None


# ---- paging


def _take[T](
    items: Iterator[T],
    *,
    limit: int,
    keep: Callable[[T], bool] = lambda _: True,
    stop: Callable[[T], bool] = lambda _: False,
) -> tuple[list[T], T | None]:
    """Up to ``limit`` kept items, reading at most :data:`SCAN_BUDGET`; and the last item read
    when more may follow (the position of the next page), else ``None``."""
    kept: list[T] = []
    for examined, item in enumerate(items, 1):
        if stop(item):
            return kept, None
        if keep(item):
            kept.append(item)
        if len(kept) >= limit or examined >= SCAN_BUDGET:
            following = next(items, None)
            return kept, (item if following is not None and not stop(following) else None)
    return kept, None


def _check_limit(limit: int) -> int:
    if not 1 <= limit <= MAX_LIMIT:
        raise BadRequest("invalid request", errors=[f"limit: must be between 1 and {MAX_LIMIT}"])
    return limit


# ---- orders


def list_orders(
    reader: OrderReader,
    *,
    user_id: str,
    status: IntentState | None = None,
    market: str | None = None,
    mode: TradingMode | None = None,
    since: datetime | None = None,
    limit: int = DEFAULT_LIMIT,
    cursor: str | None = None,
) -> OrdersPage:
    """The caller's orders newest first, filtered by status, market, mode and creation time."""
    limit = _check_limit(limit)
    after = _decode(cursor, "orders", user_id, _OrdersPosition) if cursor else None
    if after is not None and since is not None and after.created_at < since:
        return OrdersPage(orders=[])  # the cursor is past the window
    ticker = market.upper() if market else None

    def keep(intent: IntentRecord) -> bool:
        return (
            (status is None or intent.status is status)
            and (ticker is None or intent.market_ticker == ticker)
            and (mode is None or intent.mode is mode)
        )

    filtered = status is not None or ticker is not None or mode is not None
    items = reader.by_user_newest(
        user_id,
        since=since,
        after=(after.created_at, after.intent_id) if after else None,
        page_size=min(SCAN_BUDGET, 250) if filtered else limit + 1,
    )
    kept, last = _take(items, limit=limit, keep=keep)
    next_cursor = None
    if last is not None:
        next_cursor = _encode(
            "orders", user_id, _OrdersPosition(created_at=last.created_at, intent_id=last.intent_id)
        )
    return OrdersPage(orders=[OrderView.of(intent) for intent in kept], next_cursor=next_cursor)


def get_order(reader: OrderReader, *, user_id: str, intent_id: str) -> OrderView:
    """One of the caller's orders; another user's is 404 exactly like one that does not exist."""
    intent = reader.get(intent_id)
    if intent is None or intent.user_id != user_id:
        raise NotFound(f"no order {intent_id}")
    return OrderView.of(intent)


# ---- trade audit records


def _window(start: date | None, end: date | None, *, today: date) -> tuple[date, date]:
    if end is None:
        end = max(today, start) if start is not None else today
    if start is None:
        start = end - timedelta(days=AUDIT_DEFAULT_DAYS - 1)
    if end < start:
        raise BadRequest("invalid request", errors=["end: must not be before start"])
    if (end - start).days + 1 > AUDIT_MAX_DAYS:
        raise BadRequest(
            "invalid request", errors=[f"end: the window start..end is at most {AUDIT_MAX_DAYS} days"]
        )
    return start, end


def _payload(record: AuditRecord) -> dict[str, Any]:
    try:
        data = record.data()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _intent_field(payload: dict[str, Any], name: str) -> str | None:
    intent = payload.get("intent")
    value = intent.get(name) if isinstance(intent, dict) else None
    return value if isinstance(value, str) else None


def _moment(record: AuditRecord) -> datetime | None:
    try:
        return record.moment
    except ValueError:
        return None  # a tampered time: `inplay audit verify` reports it; a listing skips it


def list_audit_trades(
    reader: AuditReader,
    *,
    user_id: str,
    now: datetime,
    start: date | None = None,
    end: date | None = None,
    market: str | None = None,
    kind: TradeKind | None = None,
    limit: int = DEFAULT_LIMIT,
    cursor: str | None = None,
) -> AuditTradesPage:
    """The caller's order audit records (ENTRY, EXIT, CANCEL, ERROR) in the UTC days ``start``
    through ``end`` (default: the last :data:`AUDIT_DEFAULT_DAYS` days), newest first."""
    limit = _check_limit(limit)
    start, end = _window(start, end, today=now.astimezone(UTC).date())
    after = _decode(cursor, "audit", user_id, _AuditPosition) if cursor else None
    lower = datetime.combine(start, time.min, UTC)
    upper = datetime.combine(end, time.min, UTC) + timedelta(days=1)
    kinds = {kind.value} if kind is not None else {member.value for member in TradeKind}
    ticker = market.upper() if market else None

    def keep(record: AuditRecord) -> bool:
        moment = _moment(record)
        if record.kind not in kinds or moment is None or not lower <= moment < upper:
            return False
        return ticker is None or _intent_field(_payload(record), "market_ticker") == ticker

    def stop(record: AuditRecord) -> bool:
        moment = _moment(record)
        return moment is not None and moment < lower - AUDIT_CLOCK_SLACK

    items = reader.newest(user_id, before_seq=after.seq if after else None, page_size=min(SCAN_BUDGET, 250))
    kept, last = _take(items, limit=limit, keep=keep, stop=stop)
    trades = []
    for record in kept:
        payload = _payload(record)
        trades.append(
            AuditTrade(
                seq=record.seq,
                kind=TradeKind(record.kind),
                at=record.moment,
                market_ticker=_intent_field(payload, "market_ticker"),
                intent_id=_intent_field(payload, "intent_id"),
                hash=record.hash,
                prev_hash=record.prev_hash,
                payload=payload,
            )
        )
    next_cursor = _encode("audit", user_id, _AuditPosition(seq=last.seq)) if last is not None else None
    return AuditTradesPage(start=start, end=end, trades=trades, next_cursor=next_cursor)


# ---- risk events


def _event(record: RiskRecord) -> RiskEvent:
    if isinstance(record, KillSwitchEvent):
        return RiskEvent(
            kind=RiskEventKind.KILL_SWITCH, id=record.event_id, at=record.tripped_at, kill_switch=record
        )
    if isinstance(record, OrphanRecord):
        return RiskEvent(kind=RiskEventKind.ORPHAN, id=record.orphan_id, at=record.detected_at, orphan=record)
    return RiskEvent(
        kind=RiskEventKind.RECONCILE, id=record.report_id, at=record.started_at, reconcile=record
    )


def list_risk_events(
    reader: RiskEventReader,
    *,
    user_id: str,
    kinds: Sequence[RiskEventKind] = tuple(RiskEventKind),
    limit: int = DEFAULT_LIMIT,
    cursor: str | None = None,
) -> RiskEventsPage:
    """The caller's kill-switch events, orphans and reconcile reports of ``kinds``, newest first
    across kinds (each kind is read in its own key order and the streams are merged by time)."""
    limit = _check_limit(limit)
    position = _decode(cursor, "risk", user_id, _RiskPosition) if cursor else _RiskPosition()
    after = dict(position.after)
    done = set(position.done)
    streams: dict[RiskEventKind, Iterator[RiskEvent]] = {}
    heads: dict[RiskEventKind, RiskEvent] = {}
    for kind in dict.fromkeys(kinds):
        if kind in done:
            continue
        start = after.get(kind)
        stream = (
            _event(record)
            for record in reader.events_newest(
                user_id, kind.value, before=(start.at, start.id) if start else None, page_size=limit + 1
            )
        )
        head = next(stream, None)
        if head is None:
            done.add(kind)
        else:
            streams[kind], heads[kind] = stream, head
    events: list[RiskEvent] = []
    while heads and len(events) < limit:
        kind = max(heads, key=lambda k: (heads[k].at, k.value, heads[k].id))
        event = heads[kind]
        events.append(event)
        after[kind] = _StreamPosition(at=event.at, id=event.id)
        following = next(streams[kind], None)
        if following is None:
            del heads[kind]
            done.add(kind)
        else:
            heads[kind] = following
    next_cursor = None
    if heads:
        next_cursor = _encode("risk", user_id, _RiskPosition(after=after, done=sorted(done & set(kinds))))
    return RiskEventsPage(events=events, next_cursor=next_cursor)
