"""The record queries (orders, trade audit records, risk events) on in-memory readers."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from pydantic import TypeAdapter, ValidationError

from inplay.api import records
from inplay.api.errors import BadRequest, NotFound
from inplay.api.records import (
    ApiDate,
    ApiDatetime,
    RiskEventKind,
    TradeKind,
    get_order,
    list_audit_trades,
    list_orders,
    list_risk_events,
)
from inplay.audit.chain import AuditKind, AuditRecord
from inplay.audit.store import InMemoryAuditLog
from inplay.orders.intents import IntentRecord, IntentState, TradingMode, new_intent
from inplay.risk.records import (
    KillSwitchEvent,
    KillTrigger,
    OrphanKind,
    OrphanRecord,
    ReconcileReport,
    ReconcileTrigger,
)
from inplay.venues.base import Action, OutcomeSide

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def intent(
    user: str, n: int, *, market: str = "KXNBA-A", mode: TradingMode = TradingMode.PAPER
) -> IntentRecord:
    return new_intent(
        user_id=user,
        bot_id="default",
        market_ticker=market,
        signal_id=f"sig-{n}",
        leg="entry",
        decision_bucket=T0 + timedelta(minutes=n),
        venue="kalshi",
        side=OutcomeSide.YES,
        action=Action.BUY,
        price=Decimal("0.55"),
        count=Decimal(3),
        mode=mode,
        now=T0 + timedelta(minutes=n),
    )


class FakeOrders:
    """The by_user index: newest first by (created_at, intent_id), resumed after a position."""

    def __init__(self, *intents: IntentRecord) -> None:
        self.items = {i.intent_id: i for i in intents}
        self.read = 0

    def get(self, intent_id: str, *, consistent: bool = True) -> IntentRecord | None:
        return self.items.get(intent_id)

    def by_user_newest(
        self,
        user_id: str,
        *,
        since: datetime | None = None,
        after: tuple[datetime, str] | None = None,
        page_size: int = 100,
    ) -> Iterator[IntentRecord]:
        mine = sorted(
            (i for i in self.items.values() if i.user_id == user_id),
            key=lambda i: (i.created_at, i.intent_id),
            reverse=True,
        )
        for item in mine:
            if since is not None and item.created_at < since:
                return
            if after is not None and (item.created_at, item.intent_id) >= after:
                continue
            self.read += 1
            yield item


def all_pages(fetch, **kwargs):  # type: ignore[no-untyped-def]
    pages = [fetch(cursor=None, **kwargs)]
    while pages[-1].next_cursor is not None:
        assert len(pages) < 50
        pages.append(fetch(cursor=pages[-1].next_cursor, **kwargs))
    return pages


# ---- orders


def test_orders_newest_first_paged_without_gaps_or_repeats() -> None:
    reader = FakeOrders(*(intent("alice", n) for n in range(7)), intent("bob", 99))
    pages = all_pages(lambda **kw: list_orders(reader, user_id="alice", limit=3, **kw))
    seen = [o.intent_id for page in pages for o in page.orders]
    expected = [i.intent_id for i in sorted(reader.items.values(), key=lambda i: i.created_at, reverse=True)]
    assert seen == [e for e in expected if reader.items[e].user_id == "alice"]
    assert [len(p.orders) for p in pages] == [3, 3, 1]
    assert pages[-1].next_cursor is None


def test_last_full_page_has_no_cursor() -> None:
    reader = FakeOrders(*(intent("alice", n) for n in range(4)))
    page = list_orders(reader, user_id="alice", limit=4)
    assert len(page.orders) == 4
    assert page.next_cursor is None


def test_order_filters() -> None:
    reader = FakeOrders(
        intent("alice", 1, market="KXNBA-A"),
        intent("alice", 2, market="KXNBA-B", mode=TradingMode.LIVE),
        intent("alice", 3, market="KXNBA-B"),
    )
    assert [o.signal_id for o in list_orders(reader, user_id="alice", market="kxnba-b").orders] == [
        "sig-3",
        "sig-2",
    ]
    assert [o.signal_id for o in list_orders(reader, user_id="alice", mode=TradingMode.LIVE).orders] == [
        "sig-2"
    ]
    assert list_orders(reader, user_id="alice", status=IntentState.FILLED).orders == []
    assert [o.signal_id for o in list_orders(reader, user_id="alice", status=IntentState.PENDING).orders] == [
        "sig-3",
        "sig-2",
        "sig-1",
    ]
    since = T0 + timedelta(minutes=2)
    assert [o.signal_id for o in list_orders(reader, user_id="alice", since=since).orders] == [
        "sig-3",
        "sig-2",
    ]


def test_order_view_hides_internal_fields_and_keeps_decimals_exact() -> None:
    record = intent("alice", 1)
    view = get_order(FakeOrders(record), user_id="alice", intent_id=record.intent_id)
    body = view.model_dump(mode="json")
    assert body["price"] == "0.5500" and body["count"] == "3.00"
    assert "user_id" not in body and "execution_arn" not in body


def test_another_users_order_is_not_found_like_a_missing_one() -> None:
    record = intent("bob", 1)
    reader = FakeOrders(record)
    with pytest.raises(NotFound) as theirs:
        get_order(reader, user_id="alice", intent_id=record.intent_id)
    with pytest.raises(NotFound) as missing:
        get_order(reader, user_id="alice", intent_id="ip-" + "a" * 32)
    assert theirs.value.message.replace(record.intent_id, "X") == missing.value.message.replace(
        "ip-" + "a" * 32, "X"
    )


def test_a_page_reads_a_bounded_number_of_items(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(records, "SCAN_BUDGET", 5)
    reader = FakeOrders(*(intent("alice", n) for n in range(12)))
    page = list_orders(reader, user_id="alice", status=IntentState.FILLED, limit=10)
    assert page.orders == [] and page.next_cursor is not None
    assert reader.read == 6  # the budget and one look-ahead
    pages = all_pages(lambda **kw: list_orders(reader, user_id="alice", status=IntentState.FILLED, **kw))
    assert [len(p.orders) for p in pages] == [0, 0, 0]


# ---- cursors


def test_cursor_of_another_user_is_refused() -> None:
    reader = FakeOrders(*(intent("alice", n) for n in range(3)), *(intent("bob", n) for n in range(3)))
    bobs = list_orders(reader, user_id="bob", limit=1).next_cursor
    assert bobs is not None
    with pytest.raises(BadRequest) as refused:
        list_orders(reader, user_id="alice", cursor=bobs)
    assert refused.value.errors and refused.value.errors[0].startswith("cursor:")


def test_cursor_of_another_listing_is_refused() -> None:
    history = History()
    for n in range(3):
        history.log.append("alice", AuditKind.ENTRY, {"n": n}, at=T0)
    audit_cursor = list_audit_trades(history, user_id="alice", now=T0, limit=1).next_cursor
    assert audit_cursor is not None
    with pytest.raises(BadRequest):
        list_orders(FakeOrders(), user_id="alice", cursor=audit_cursor)


@pytest.mark.parametrize(
    "cursor",
    [
        "not base64 !!",
        base64.urlsafe_b64encode(b"[1,2]").decode(),
        base64.urlsafe_b64encode(b"\xff\xfe").decode(),
        "x" * 2000,
    ],
)
def test_malformed_cursors_are_400(cursor: str) -> None:
    with pytest.raises(BadRequest) as refused:
        list_orders(FakeOrders(), user_id="alice", cursor=cursor)
    assert refused.value.message == "invalid cursor"


def test_tampered_position_is_400_and_owner_cannot_be_forged() -> None:
    reader = FakeOrders(*(intent("alice", n) for n in range(3)))
    cursor = list_orders(reader, user_id="alice", limit=1).next_cursor
    assert cursor is not None
    envelope = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    assert "alice" not in json.dumps(envelope)  # only a digest of the owner
    for change in (
        {"p": {"created_at": "yesterday", "intent_id": "x"}},
        {"p": {"intent_id": "a b"}},
        {"o": "x"},
    ):
        forged = base64.urlsafe_b64encode(json.dumps(envelope | change).encode()).decode()
        with pytest.raises(BadRequest):
            list_orders(reader, user_id="alice", cursor=forged)


def test_cursor_past_since_ends_the_listing() -> None:
    reader = FakeOrders(*(intent("alice", n) for n in range(5)))
    cursor = list_orders(reader, user_id="alice", limit=4).next_cursor
    page = list_orders(reader, user_id="alice", cursor=cursor, since=T0 + timedelta(minutes=3))
    assert page.orders == [] and page.next_cursor is None


def test_limit_out_of_range_is_400() -> None:
    for limit in (0, records.MAX_LIMIT + 1):
        with pytest.raises(BadRequest):
            list_orders(FakeOrders(), user_id="alice", limit=limit)


def test_times_and_days_out_of_range_are_refused() -> None:
    with pytest.raises(ValidationError):
        TypeAdapter(ApiDatetime).validate_python("0001-01-01T00:00:00+05:00")
    with pytest.raises(ValidationError):
        TypeAdapter(ApiDatetime).validate_python("2025-01-01T00:00:00")  # no offset
    with pytest.raises(ValidationError):
        TypeAdapter(ApiDate).validate_python("9999-12-31")
    assert TypeAdapter(ApiDatetime).validate_python("2025-01-01T05:00:00+05:00") == datetime(
        2025, 1, 1, tzinfo=UTC
    )


# ---- trade audit records


def trade_payload(market: str, n: int) -> dict[str, object]:
    return {"intent": {"market_ticker": market, "intent_id": f"ip-{n}"}, "reason": "edge"}


class History:
    """Newest-first reads over an in-memory chain (``DynamoAuditHistory`` on the table), counted."""

    def __init__(self) -> None:
        self.log = InMemoryAuditLog()
        self.read: list[int] = []

    def newest(
        self, user_id: str, *, before_seq: int | None = None, page_size: int = 100
    ) -> Iterator[AuditRecord]:
        for record in reversed(list(self.log.records(user_id))):
            if before_seq is None or record.seq < before_seq:
                self.read.append(record.seq)
                yield record


def audit_log(*entries: tuple[datetime, AuditKind, str]) -> History:
    history = History()
    for n, (at, kind, market) in enumerate(entries):
        history.log.append("alice", kind, trade_payload(market, n), at=at)
    return history


def test_audit_trades_default_window_is_the_last_seven_days() -> None:
    now = datetime(2025, 3, 10, 15, tzinfo=UTC)
    log = audit_log(
        (datetime(2025, 3, 3, 23, 59, tzinfo=UTC), AuditKind.ENTRY, "M"),  # outside (day 8)
        (datetime(2025, 3, 4, 0, 0, tzinfo=UTC), AuditKind.ENTRY, "M"),
        (datetime(2025, 3, 5, tzinfo=UTC), AuditKind.MODE_CHANGE, "M"),  # not a trade kind
        (datetime(2025, 3, 10, 14, tzinfo=UTC), AuditKind.EXIT, "M"),
    )
    page = list_audit_trades(log, user_id="alice", now=now)
    assert (page.start, page.end) == (date(2025, 3, 4), date(2025, 3, 10))
    assert [(t.seq, t.kind) for t in page.trades] == [(4, TradeKind.EXIT), (2, TradeKind.ENTRY)]
    assert page.trades[0].market_ticker == "M" and page.trades[0].intent_id == "ip-3"
    assert page.trades[0].payload["reason"] == "edge"
    assert page.next_cursor is None


def test_audit_trades_filters_and_pages() -> None:
    log = audit_log(*[(T0 + timedelta(minutes=n), AuditKind.ENTRY, "A" if n % 2 else "B") for n in range(9)])
    kwargs = {"user_id": "alice", "now": T0, "start": T0.date(), "end": T0.date()}
    pages = all_pages(lambda **kw: list_audit_trades(log, market="a", limit=2, **kwargs, **kw))
    assert [t.seq for p in pages for t in p.trades] == [8, 6, 4, 2]
    assert list_audit_trades(log, kind=TradeKind.EXIT, **kwargs).trades == []  # type: ignore[arg-type]


def test_audit_listing_stops_before_reading_the_whole_history() -> None:
    old = [(T0 - timedelta(days=30, minutes=n), AuditKind.ENTRY, "M") for n in range(50)]
    log = audit_log(*reversed(old), (T0, AuditKind.EXIT, "M"))
    page = list_audit_trades(log, user_id="alice", now=T0)
    assert [t.seq for t in page.trades] == [51] and page.next_cursor is None
    assert log.read == [51, 50]


@pytest.mark.parametrize(
    ("start", "end", "error"),
    [
        (date(2025, 3, 5), date(2025, 3, 4), "end: must not be before start"),
        (date(2025, 1, 1), date(2025, 4, 3), "end: the window start..end is at most 92 days"),
    ],
)
def test_audit_window_is_validated(start: date, end: date, error: str) -> None:
    with pytest.raises(BadRequest) as refused:
        list_audit_trades(History(), user_id="alice", now=T0, start=start, end=end)
    assert refused.value.errors == (error,)


def test_audit_window_of_exactly_92_days_and_start_only() -> None:
    page = list_audit_trades(History(), user_id="alice", now=T0, start=date(2025, 1, 1), end=date(2025, 4, 2))
    assert page.trades == []
    future = list_audit_trades(History(), user_id="alice", now=T0, start=date(2025, 6, 1))
    assert (future.start, future.end) == (date(2025, 6, 1), date(2025, 6, 1))


def test_another_users_audit_records_are_not_listed() -> None:
    history = History()
    history.log.append("bob", AuditKind.ENTRY, trade_payload("M", 1), at=T0)
    assert list_audit_trades(history, user_id="alice", now=T0).trades == []


# ---- risk events


def kill(user: str, at: datetime) -> KillSwitchEvent:
    return KillSwitchEvent(
        user_id=user,
        event_id=f"ks-{int(at.timestamp() * 1_000_000):017d}-manual",
        trigger=KillTrigger.MANUAL,
        by=user,
        tripped_at=at,
    )


def orphan(user: str, at: datetime, order_id: str) -> OrphanRecord:
    return OrphanRecord(
        user_id=user,
        orphan_id=f"order:{order_id}",
        kind=OrphanKind.ORDER,
        venue="kalshi",
        mode=TradingMode.PAPER,
        market_ticker="M",
        order_id=order_id,
        side=OutcomeSide.YES,
        size=Decimal(1),
        detected_at=at,
    )


def report(user: str, at: datetime, n: int) -> ReconcileReport:
    return ReconcileReport(
        user_id=user,
        report_id=f"r{n}",
        trigger=ReconcileTrigger.SCHEDULE,
        venue="kalshi",
        mode=TradingMode.PAPER,
        started_at=at,
        finished_at=at,
        ok=True,
    )


class FakeRisk:
    """Each kind in its key order (kill, reconcile: by time; orphans: by (time, id)), like the store."""

    def __init__(self, *items: KillSwitchEvent | OrphanRecord | ReconcileReport) -> None:
        self.items = list(items)

    def events_newest(
        self, user_id: str, kind: str, *, before: tuple[datetime, str] | None = None, page_size: int = 100
    ) -> Iterator[KillSwitchEvent | OrphanRecord | ReconcileReport]:
        types = {"kill_switch": KillSwitchEvent, "orphan": OrphanRecord, "reconcile": ReconcileReport}
        mine = [i for i in self.items if i.user_id == user_id and isinstance(i, types[kind])]

        def key(i: KillSwitchEvent | OrphanRecord | ReconcileReport) -> tuple[datetime, str]:
            if isinstance(i, KillSwitchEvent):
                return i.tripped_at, i.event_id
            if isinstance(i, OrphanRecord):
                return i.detected_at, i.orphan_id
            return i.started_at, i.report_id

        return iter([i for i in sorted(mine, key=key, reverse=True) if before is None or key(i) < before])


def test_risk_events_merge_kinds_newest_first_across_pages() -> None:
    minute = timedelta(minutes=1)
    reader = FakeRisk(
        kill("alice", T0),
        report("alice", T0 + minute, 1),
        orphan("alice", T0 + 2 * minute, "z"),
        orphan("alice", T0 + 3 * minute, "a"),
        report("alice", T0 + 4 * minute, 2),
        kill("alice", T0 + 5 * minute),
        kill("bob", T0 + 6 * minute),
    )
    pages = all_pages(lambda **kw: list_risk_events(reader, user_id="alice", limit=2, **kw))
    kinds = [e.kind.value for p in pages for e in p.events]
    assert kinds == ["kill_switch", "reconcile", "orphan", "orphan", "reconcile", "kill_switch"]
    ats = [e.at for p in pages for e in p.events]
    assert ats == sorted(ats, reverse=True)
    assert [len(p.events) for p in pages] == [2, 2, 2]
    event = pages[0].events[0]
    assert event.kill_switch is not None and event.orphan is None and event.id == event.kill_switch.event_id


def test_risk_events_of_one_kind() -> None:
    reader = FakeRisk(
        kill("alice", T0), report("alice", T0, 1), report("alice", T0 + timedelta(seconds=1), 2)
    )
    page = list_risk_events(reader, user_id="alice", kinds=(RiskEventKind.RECONCILE,))
    assert [e.id for e in page.events] == ["r2", "r1"]
    assert page.next_cursor is None


def test_risk_cursor_is_bound_to_its_owner() -> None:
    reader = FakeRisk(*(kill("bob", T0 + timedelta(seconds=n)) for n in range(3)))
    cursor = list_risk_events(reader, user_id="bob", limit=1).next_cursor
    assert cursor is not None
    with pytest.raises(BadRequest):
        list_risk_events(reader, user_id="alice", cursor=cursor)
