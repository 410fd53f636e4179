"""The risk table: :class:`~inplay.risk.store.RiskStore` on DynamoDB through PynamoDB.

Item layout as documented in :mod:`inplay.risk.store`. Records (kill-switch events, orphans,
reports, heartbeats, watchdog pages, equity marks) are stored whole as JSON text in ``doc``
(Decimals as exact strings, times ISO 8601 UTC), next to the attributes DynamoDB itself must see:
``kind`` and ``at`` (the ``by_kind`` index; ``at`` is ISO 8601 UTC text with microseconds),
``resolved`` (orphans: the conditional resolve), ``calls``/``errors`` (per-minute counters, atomic
``ADD``), ``last_paged_at`` (the watchdog's compare-and-set) and ``expires_at`` (epoch seconds on
the per-minute counters, for a TTL on the table).

Every read is consistent: the kill switch and the reconciler act on what they read.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import cache
from typing import Final

from pynamodb.attributes import BooleanAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import DeleteError, PutError, UpdateError
from pynamodb.models import Model
from pynamodb.pagination import ResultIterator

from inplay.risk.records import (
    SYSTEM_USER,
    Heartbeat,
    KillSwitchEvent,
    OrphanRecord,
    OrphanResolution,
    ReconcileReport,
)
from inplay.risk.store import ApiStats, EquityMarks, WatchdogPage
from inplay.store.pynamo import bind

__all__ = [
    "API_STATS_RETENTION",
    "KIND_API_STATS",
    "KIND_KILL_SWITCH",
    "KIND_ORPHAN",
    "KIND_RECONCILE",
    "DynamoRiskStore",
    "iso_at",
]

KIND_KILL_SWITCH: Final = "kill_switch"
KIND_ORPHAN: Final = "orphan"
KIND_RECONCILE: Final = "reconcile"
KIND_API_STATS: Final = "api_stats"

KILL_PREFIX: Final = "KILL#"
ORPHAN_PREFIX: Final = "ORPHAN#"
RECON_PREFIX: Final = "RECON#"
API_STATS_PREFIX: Final = "APISTATS#"
HEARTBEAT_PREFIX: Final = "HEARTBEAT#"
PAGE_PREFIX: Final = "PAGE#"
EQUITY_SK: Final = "EQUITY"

API_STATS_RETENTION: Final = timedelta(days=2)
"""``expires_at`` of a per-minute counter: the API-error-rate trigger looks back minutes, not days."""

_CONDITION_FAILED: Final = "ConditionalCheckFailedException"


class _RiskItem(Model):
    """Persistence shape of every risk-table item. Bound to a table name at run time."""

    class Meta:
        table_name = "unbound"

    user_id = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    kind = UnicodeAttribute(null=True)
    at = UnicodeAttribute(null=True)
    doc = UnicodeAttribute(null=True)
    resolved = BooleanAttribute(null=True)
    calls = NumberAttribute(null=True)
    errors = NumberAttribute(null=True)
    last_paged_at = UnicodeAttribute(null=True)
    expires_at = NumberAttribute(null=True)


@cache
def _model_for(table_name: str, host: str | None) -> type[_RiskItem]:
    return bind(_RiskItem, table_name, host)


def _utc(moment: datetime, what: str) -> datetime:
    if moment.tzinfo is None:
        raise ValueError(f"{what} must be timezone-aware (UTC), got naive {moment.isoformat()}")
    return moment.astimezone(UTC)


def iso_at(moment: datetime) -> str:
    """The ``at`` text: ISO 8601 UTC with microseconds, fixed width, so it sorts as time does."""
    return _utc(moment, "at").strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _minute_key(moment: datetime) -> str:
    return API_STATS_PREFIX + _utc(moment, "at").strftime("%Y-%m-%dT%H:%M")


def _condition_failed(exc: PutError | UpdateError | DeleteError) -> bool:
    return getattr(exc, "cause_response_code", None) == _CONDITION_FAILED


def _marks_doc(marks: EquityMarks) -> str:
    return json.dumps(
        {
            "peak_equity": str(marks.peak_equity),
            "peak_at": _utc(marks.peak_at, "peak_at").isoformat(),
            "day": marks.day.isoformat(),
            "day_open_balance": str(marks.day_open_balance),
            "updated_at": _utc(marks.updated_at, "updated_at").isoformat(),
        }
    )


def _marks_from(doc: str) -> EquityMarks:
    raw = json.loads(doc)
    return EquityMarks(
        peak_equity=Decimal(raw["peak_equity"]),
        peak_at=datetime.fromisoformat(raw["peak_at"]),
        day=date.fromisoformat(raw["day"]),
        day_open_balance=Decimal(raw["day_open_balance"]),
        updated_at=datetime.fromisoformat(raw["updated_at"]),
    )


def _page_doc(page: WatchdogPage) -> str:
    return json.dumps(
        {
            "component": page.component,
            "first_paged_at": _utc(page.first_paged_at, "first_paged_at").isoformat(),
            "last_paged_at": _utc(page.last_paged_at, "last_paged_at").isoformat(),
            "pages": page.pages,
        }
    )


def _page_from(doc: str) -> WatchdogPage:
    raw = json.loads(doc)
    return WatchdogPage(
        component=str(raw["component"]),
        first_paged_at=datetime.fromisoformat(raw["first_paged_at"]),
        last_paged_at=datetime.fromisoformat(raw["last_paged_at"]),
        pages=int(raw["pages"]),
    )


def _doc(item: _RiskItem) -> str:
    if item.doc is None:
        raise ValueError(f"risk item {item.user_id}/{item.sk} has no doc")
    return item.doc


class DynamoRiskStore:
    """:class:`~inplay.risk.store.RiskStore` on the risk table."""

    def __init__(self, table_name: str, *, host: str | None = None) -> None:
        self._model = _model_for(table_name, host)

    def _get(self, user_id: str, sk: str) -> _RiskItem | None:
        try:
            return self._model.get(user_id, sk, consistent_read=True)
        except self._model.DoesNotExist:
            return None

    def _with_prefix(
        self, user_id: str, prefix: str, *, newest_first: bool = False, limit: int | None = None
    ) -> ResultIterator[_RiskItem]:
        return self._model.query(
            user_id,
            self._model.sk.startswith(prefix),
            consistent_read=True,
            scan_index_forward=not newest_first,
            limit=limit,
        )

    # kill-switch events
    def put_kill_event(self, event: KillSwitchEvent) -> None:
        self._model(
            event.user_id,
            KILL_PREFIX + event.event_id,
            kind=KIND_KILL_SWITCH,
            at=iso_at(event.tripped_at),
            doc=event.model_dump_json(),
        ).save()

    def kill_event(self, user_id: str, event_id: str) -> KillSwitchEvent | None:
        item = self._get(user_id, KILL_PREFIX + event_id)
        return KillSwitchEvent.model_validate_json(_doc(item)) if item is not None else None

    def kill_events(self, user_id: str, *, limit: int = 50) -> list[KillSwitchEvent]:
        """Newest first: event ids lead with the trip time (fixed width), so the key order is time order."""
        if limit <= 0:
            return []
        items = self._with_prefix(user_id, KILL_PREFIX, newest_first=True, limit=limit)
        return [KillSwitchEvent.model_validate_json(_doc(item)) for item in items]

    # orphans
    def record_orphan(self, orphan: OrphanRecord) -> bool:
        model = self._model
        item = model(
            orphan.user_id,
            ORPHAN_PREFIX + orphan.orphan_id,
            kind=KIND_ORPHAN,
            at=iso_at(orphan.detected_at),
            doc=orphan.model_dump_json(),
            resolved=orphan.resolved,
        )
        try:
            item.save(condition=model.sk.does_not_exist())
        except PutError as exc:
            if _condition_failed(exc):
                return False
            raise
        return True

    def orphan(self, user_id: str, orphan_id: str) -> OrphanRecord | None:
        item = self._get(user_id, ORPHAN_PREFIX + orphan_id)
        return OrphanRecord.model_validate_json(_doc(item)) if item is not None else None

    def orphans(self, user_id: str, *, unresolved_only: bool = False) -> list[OrphanRecord]:
        records = [
            OrphanRecord.model_validate_json(_doc(item)) for item in self._with_prefix(user_id, ORPHAN_PREFIX)
        ]
        if unresolved_only:
            records = [record for record in records if not record.resolved]
        return sorted(records, key=lambda record: (record.detected_at, record.orphan_id))

    def resolve_orphan(
        self, user_id: str, orphan_id: str, *, resolution: OrphanResolution, notes: str, at: datetime
    ) -> OrphanRecord | None:
        """One conditional update (``resolved = false``): of concurrent resolvers one wins, the
        others get the record it wrote."""
        current = self.orphan(user_id, orphan_id)
        if current is None or current.resolved:
            return current
        resolved = OrphanRecord.model_validate(
            current.model_dump()
            | {"resolved": True, "resolved_at": at, "resolution": resolution, "notes": notes}
        )
        model = self._model
        try:
            model(user_id, ORPHAN_PREFIX + orphan_id).update(
                actions=[model.doc.set(resolved.model_dump_json()), model.resolved.set(True)],
                condition=model.resolved == False,  # noqa: E712 (a PynamoDB condition, not a test)
            )
        except UpdateError as exc:
            if _condition_failed(exc):
                return self.orphan(user_id, orphan_id)
            raise
        return resolved

    # reconcile reports
    def put_report(self, report: ReconcileReport) -> None:
        at = iso_at(report.started_at)
        self._model(
            report.user_id,
            f"{RECON_PREFIX}{at}#{report.report_id}",
            kind=KIND_RECONCILE,
            at=at,
            doc=report.model_dump_json(),
        ).save()

    def reports(self, user_id: str, *, limit: int = 20) -> list[ReconcileReport]:
        if limit <= 0:
            return []
        items = self._with_prefix(user_id, RECON_PREFIX, newest_first=True, limit=limit)
        return [ReconcileReport.model_validate_json(_doc(item)) for item in items]

    # the API's listing of one kind of event, newest first
    def events_newest(
        self, user_id: str, kind: str, *, before: tuple[datetime, str] | None = None, page_size: int = 100
    ) -> Iterator[KillSwitchEvent | OrphanRecord | ReconcileReport]:
        """``user_id``'s kill-switch events, orphans or reconcile reports (``kind``), newest first,
        strictly after ``before`` (the time and id of the last one seen). Kill-switch and reconcile
        keys sort as time does, so they are read lazily by key; orphans are keyed by order id, so
        they are read whole (a handful per user) and sorted by ``(detected_at, orphan_id)``."""
        if kind == KIND_ORPHAN:
            records = self.orphans(user_id)
            if before is not None:
                records = [r for r in records if (r.detected_at, r.orphan_id) < before]
            return iter(records[::-1])
        record_type: type[KillSwitchEvent] | type[ReconcileReport]
        if kind == KIND_KILL_SWITCH:
            prefix, record_type = KILL_PREFIX, KillSwitchEvent
            upper = None if before is None else KILL_PREFIX + before[1]
        elif kind == KIND_RECONCILE:
            prefix, record_type = RECON_PREFIX, ReconcileReport
            upper = None if before is None else f"{RECON_PREFIX}{iso_at(before[0])}#{before[1]}"
        else:
            raise ValueError(f"unknown risk event kind {kind!r}")
        condition = (
            self._model.sk.startswith(prefix) if upper is None else self._model.sk.between(prefix, upper)
        )
        items = self._model.query(
            user_id, condition, consistent_read=True, scan_index_forward=False, page_size=page_size
        )
        return (record_type.model_validate_json(_doc(item)) for item in items if item.sk != upper)

    # equity marks and venue-call statistics
    def equity_marks(self, user_id: str) -> EquityMarks | None:
        item = self._get(user_id, EQUITY_SK)
        return _marks_from(_doc(item)) if item is not None else None

    def put_equity_marks(self, user_id: str, marks: EquityMarks) -> None:
        self._model(user_id, EQUITY_SK, doc=_marks_doc(marks)).save()

    def count_api_calls(self, user_id: str, *, at: datetime, calls: int, errors: int) -> None:
        """One ``UpdateItem`` with ``ADD``: concurrent writers never lose a count."""
        model = self._model
        minute = _utc(at, "at").replace(second=0, microsecond=0)
        model(user_id, _minute_key(minute)).update(
            actions=[
                model.calls.add(calls),
                model.errors.add(errors),
                model.kind.set(KIND_API_STATS),
                model.at.set(iso_at(minute)),
                model.expires_at.set(int((minute + API_STATS_RETENTION).timestamp())),
            ]
        )

    def api_stats(self, user_id: str, *, since: datetime, until: datetime) -> ApiStats:
        first, last = _minute_key(since), _minute_key(until)
        if first > last:
            return ApiStats()
        calls = errors = 0
        for item in self._model.query(user_id, self._model.sk.between(first, last), consistent_read=True):
            calls += int(item.calls or 0)
            errors += int(item.errors or 0)
        return ApiStats(calls=calls, errors=errors)

    # heartbeats
    def beat(self, heartbeat: Heartbeat) -> None:
        self._model(
            SYSTEM_USER,
            HEARTBEAT_PREFIX + heartbeat.component,
            at=iso_at(heartbeat.at),
            doc=heartbeat.model_dump_json(),
        ).save()

    def heartbeats(self) -> dict[str, Heartbeat]:
        beats = (
            Heartbeat.model_validate_json(_doc(item))
            for item in self._with_prefix(SYSTEM_USER, HEARTBEAT_PREFIX)
        )
        return {beat.component: beat for beat in beats}

    # the watchdog's open pages
    def watchdog_pages(self) -> dict[str, WatchdogPage]:
        pages = (_page_from(_doc(item)) for item in self._with_prefix(SYSTEM_USER, PAGE_PREFIX))
        return {page.component: page for page in pages}

    def swap_watchdog_page(
        self, component: str, *, expected: WatchdogPage | None, new: WatchdogPage | None
    ) -> bool:
        model = self._model
        condition = (
            model.sk.does_not_exist()
            if expected is None
            else model.last_paged_at == iso_at(expected.last_paged_at)
        )
        try:
            if new is None:
                model(SYSTEM_USER, PAGE_PREFIX + component).delete(condition=condition)
            else:
                model(
                    SYSTEM_USER,
                    PAGE_PREFIX + component,
                    doc=_page_doc(WatchdogPage(component, new.first_paged_at, new.last_paged_at, new.pages)),
                    last_paged_at=iso_at(new.last_paged_at),
                ).save(condition=condition)
        except (PutError, DeleteError) as exc:
            if _condition_failed(exc):
                return False
            raise
        return True
