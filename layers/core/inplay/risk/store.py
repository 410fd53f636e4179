"""What the safety core needs from the risk table, and an in-memory version for tests.

The DynamoDB implementation is :class:`inplay.store.risk.DynamoRiskStore`. Item layout (partition
``user_id``, sort ``sk``; ``kind`` + ``at`` feed the ``by_kind`` index):

- ``KILL#<event_id>``: a :class:`KillSwitchEvent` (kind ``kill_switch``);
- ``ORPHAN#<orphan_id>``: an :class:`OrphanRecord` (kind ``orphan``), created once per orphan;
- ``RECON#<started_at>#<report_id>``: a :class:`ReconcileReport` (kind ``reconcile``); the start
  time (ISO 8601 UTC, microseconds) leads so the newest reports are one query away;
- ``EQUITY``: the user's :class:`EquityMarks` (peak equity, the day's opening balance);
- ``APISTATS#<YYYY-MM-DDTHH:MM>``: venue calls and errors counted per minute (kind ``api_stats``);
- partition :data:`SYSTEM_USER`, ``HEARTBEAT#<component>``: a :class:`Heartbeat`;
- partition :data:`SYSTEM_USER`, ``PAGE#<component>``: the watchdog's open :class:`WatchdogPage`.

Each record is stored whole as JSON (``doc``) next to ``kind`` and ``at`` (ISO 8601 UTC text with
microseconds: sortable) and the few attributes conditions and counters need.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from typing import Protocol

from inplay.risk.records import (
    Heartbeat,
    KillSwitchEvent,
    OrphanRecord,
    OrphanResolution,
    ReconcileReport,
)

__all__ = ["ApiStats", "EquityMarks", "InMemoryRiskStore", "RiskStore", "WatchdogPage"]


@dataclass(frozen=True, slots=True)
class EquityMarks:
    """What the drawdown and balance-drop triggers compare against."""

    peak_equity: Decimal
    peak_at: datetime
    day: date
    """The US-Eastern trading day ``day_open_balance`` belongs to."""
    day_open_balance: Decimal
    """The first balance (available cash + portfolio value) seen that day: the baseline."""
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class ApiStats:
    calls: int = 0
    errors: int = 0


@dataclass(frozen=True, slots=True)
class WatchdogPage:
    """A component the watchdog has paged about and not yet seen recover."""

    component: str
    first_paged_at: datetime
    """When the first page of this outage went out."""
    last_paged_at: datetime
    pages: int = 1


class RiskStore(Protocol):
    # kill-switch events
    def put_kill_event(self, event: KillSwitchEvent) -> None:
        """Store (or replace) one event; the trip writes it, the actions and the reset update it."""
        ...

    def kill_event(self, user_id: str, event_id: str) -> KillSwitchEvent | None: ...

    def kill_events(self, user_id: str, *, limit: int = 50) -> list[KillSwitchEvent]:
        """Newest first."""
        ...

    # orphans
    def record_orphan(self, orphan: OrphanRecord) -> bool:
        """Create the record if this orphan id is new for the user; False when it exists."""
        ...

    def orphan(self, user_id: str, orphan_id: str) -> OrphanRecord | None: ...

    def orphans(self, user_id: str, *, unresolved_only: bool = False) -> list[OrphanRecord]:
        """Oldest first."""
        ...

    def resolve_orphan(
        self, user_id: str, orphan_id: str, *, resolution: OrphanResolution, notes: str, at: datetime
    ) -> OrphanRecord | None:
        """Mark it resolved (once; a resolved record is returned unchanged). None: no such orphan."""
        ...

    # reconcile reports
    def put_report(self, report: ReconcileReport) -> None: ...

    def reports(self, user_id: str, *, limit: int = 20) -> list[ReconcileReport]:
        """Newest first."""
        ...

    # equity marks and venue-call statistics
    def equity_marks(self, user_id: str) -> EquityMarks | None: ...

    def put_equity_marks(self, user_id: str, marks: EquityMarks) -> None: ...

    def count_api_calls(self, user_id: str, *, at: datetime, calls: int, errors: int) -> None:
        """Add to the minute's counters (atomic increments; many writers at once are fine)."""
        ...

    def api_stats(self, user_id: str, *, since: datetime, until: datetime) -> ApiStats:
        """Totals over the minutes in ``[since, until]``."""
        ...

    # heartbeats (system-wide)
    def beat(self, heartbeat: Heartbeat) -> None: ...

    def heartbeats(self) -> dict[str, Heartbeat]: ...

    # the watchdog's open pages (system-wide)
    def watchdog_pages(self) -> dict[str, WatchdogPage]:
        """Every open page, by component."""
        ...

    def swap_watchdog_page(
        self, component: str, *, expected: WatchdogPage | None, new: WatchdogPage | None
    ) -> bool:
        """Compare-and-set the component's open page: store ``new`` (None: remove it) only if the
        stored page is still ``expected`` (None: there is none), compared by ``last_paged_at``.
        False, and nothing written, when another writer changed it first."""
        ...


def _minute(at: datetime) -> datetime:
    return at.replace(second=0, microsecond=0)


class InMemoryRiskStore:
    """:class:`RiskStore` in memory (unit tests, benchmarks)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._events: dict[tuple[str, str], KillSwitchEvent] = {}
        self._orphans: dict[tuple[str, str], OrphanRecord] = {}
        self._reports: dict[tuple[str, str], ReconcileReport] = {}
        self._marks: dict[str, EquityMarks] = {}
        self._stats: dict[tuple[str, datetime], ApiStats] = {}
        self._beats: dict[str, Heartbeat] = {}
        self._pages: dict[str, WatchdogPage] = {}

    def put_kill_event(self, event: KillSwitchEvent) -> None:
        with self._lock:
            self._events[(event.user_id, event.event_id)] = event

    def kill_event(self, user_id: str, event_id: str) -> KillSwitchEvent | None:
        return self._events.get((user_id, event_id))

    def kill_events(self, user_id: str, *, limit: int = 50) -> list[KillSwitchEvent]:
        mine = [event for (user, _), event in self._events.items() if user == user_id]
        return sorted(mine, key=lambda event: event.event_id, reverse=True)[:limit]

    def record_orphan(self, orphan: OrphanRecord) -> bool:
        with self._lock:
            key = (orphan.user_id, orphan.orphan_id)
            if key in self._orphans:
                return False
            self._orphans[key] = orphan
            return True

    def orphan(self, user_id: str, orphan_id: str) -> OrphanRecord | None:
        return self._orphans.get((user_id, orphan_id))

    def orphans(self, user_id: str, *, unresolved_only: bool = False) -> list[OrphanRecord]:
        mine = [
            orphan
            for (user, _), orphan in self._orphans.items()
            if user == user_id and not (unresolved_only and orphan.resolved)
        ]
        return sorted(mine, key=lambda orphan: (orphan.detected_at, orphan.orphan_id))

    def resolve_orphan(
        self, user_id: str, orphan_id: str, *, resolution: OrphanResolution, notes: str, at: datetime
    ) -> OrphanRecord | None:
        with self._lock:
            current = self._orphans.get((user_id, orphan_id))
            if current is None or current.resolved:
                return current
            resolved = OrphanRecord.model_validate(
                current.model_dump()
                | {"resolved": True, "resolved_at": at, "resolution": resolution, "notes": notes}
            )
            self._orphans[(user_id, orphan_id)] = resolved
            return resolved

    def put_report(self, report: ReconcileReport) -> None:
        with self._lock:
            self._reports[(report.user_id, report.report_id)] = report

    def reports(self, user_id: str, *, limit: int = 20) -> list[ReconcileReport]:
        mine = [report for (user, _), report in self._reports.items() if user == user_id]
        return sorted(mine, key=lambda report: (report.started_at, report.report_id), reverse=True)[:limit]

    def equity_marks(self, user_id: str) -> EquityMarks | None:
        return self._marks.get(user_id)

    def put_equity_marks(self, user_id: str, marks: EquityMarks) -> None:
        with self._lock:
            self._marks[user_id] = marks

    def count_api_calls(self, user_id: str, *, at: datetime, calls: int, errors: int) -> None:
        with self._lock:
            key = (user_id, _minute(at))
            current = self._stats.get(key, ApiStats())
            self._stats[key] = replace(current, calls=current.calls + calls, errors=current.errors + errors)

    def api_stats(self, user_id: str, *, since: datetime, until: datetime) -> ApiStats:
        first, last = _minute(since), _minute(until)
        picked: Iterable[ApiStats] = (
            stats
            for (user, minute), stats in self._stats.items()
            if user == user_id and first <= minute <= last
        )
        total = ApiStats()
        for stats in picked:
            total = ApiStats(total.calls + stats.calls, total.errors + stats.errors)
        return total

    def beat(self, heartbeat: Heartbeat) -> None:
        with self._lock:
            self._beats[heartbeat.component] = heartbeat

    def heartbeats(self) -> dict[str, Heartbeat]:
        return dict(self._beats)

    def watchdog_pages(self) -> dict[str, WatchdogPage]:
        return dict(self._pages)

    def swap_watchdog_page(
        self, component: str, *, expected: WatchdogPage | None, new: WatchdogPage | None
    ) -> bool:
        with self._lock:
            current = self._pages.get(component)
            unchanged = (
                current is None
                if expected is None
                else current is not None and current.last_paged_at == expected.last_paged_at
            )
            if not unchanged:
                return False
            if new is None:
                self._pages.pop(component, None)
            else:
                self._pages[component] = replace(new, component=component)
            return True
