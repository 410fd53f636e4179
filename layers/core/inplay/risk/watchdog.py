"""The watchdog: pages when a component stops beating, and says so when it beats again.

It runs as its own function, so a component that dies cannot swallow its own alarm. Each watched
component records a :class:`~inplay.risk.records.Heartbeat` (named after its function) at least
every ``period`` seconds; it is **stale** once its last beat is older than
``max(2 × period, period + 60 s)`` (one missed run, plus a minute of slack for a slow run and
clock skew). A beat with ``ok=False`` still counts as alive (the component ran), but a page
quotes it.

A component never seen beating is measured from when the watchdog started watching (kept in its
own heartbeat), so a fresh deployment is not paged before its components had a chance to run.

While a component stays stale it is paged again every ``repage_seconds``, not every run; the
open page lives in the risk store and is claimed by compare-and-set, so two overlapping watchdog
runs page once. When a paged component beats again an INFO recovery alert follows.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Final

from inplay.alerts.model import Alert, AlertField, AlertKind, Mode, Severity
from inplay.alerts.publisher import AlertPublisher, AlertPublishError
from inplay.config import FunctionSpec
from inplay.risk.records import Heartbeat
from inplay.risk.store import RiskStore, WatchdogPage

__all__ = [
    "SLACK",
    "WATCHDOG_COMPONENT",
    "Stale",
    "WatchdogAlertError",
    "WatchdogRun",
    "check",
    "expected_heartbeats",
    "run_watchdog",
    "stale_after",
]

WATCHDOG_COMPONENT: Final = "watchdog"
"""The watchdog's own heartbeat (it carries ``watching_since``)."""
SLACK: Final = timedelta(seconds=60)
WATCHING_SINCE: Final = "watching_since"


def stale_after(period_seconds: int) -> timedelta:
    """How old the last beat of a component beating every ``period_seconds`` may get."""
    period = timedelta(seconds=period_seconds)
    return max(2 * period, period + SLACK)


def expected_heartbeats(functions: Iterable[FunctionSpec]) -> dict[str, int]:
    """Component → period (seconds) for every function that declares ``heartbeat_seconds``."""
    return {spec.name: spec.heartbeat_seconds for spec in functions if spec.heartbeat_seconds}


@dataclass(frozen=True, slots=True)
class Stale:
    component: str
    period_seconds: int
    allowed: timedelta
    """How old the last beat may be (:func:`stale_after`)."""
    last_beat: Heartbeat | None
    """None: never seen beating."""
    age: timedelta
    """Since the last beat (or, never seen, since the watchdog started watching)."""


def _aware(moment: datetime, what: str) -> datetime:
    if moment.tzinfo is None:
        raise ValueError(f"{what} must be timezone-aware (UTC), got naive {moment.isoformat()}")
    return moment.astimezone(UTC)


def check(
    heartbeats: Mapping[str, Heartbeat],
    expected: Mapping[str, int],
    now: datetime,
    *,
    watching_since: datetime | None = None,
) -> list[Stale]:
    """The expected components that are stale at ``now``, sorted by name.

    A component with no heartbeat is stale when ``watching_since`` is None or more than its
    allowed age ago.
    """
    now = _aware(now, "now")
    stale: list[Stale] = []
    for component in sorted(expected):
        period = expected[component]
        if period <= 0:
            raise ValueError(f"the heartbeat period of {component} must be positive, got {period}")
        allowed = stale_after(period)
        beat = heartbeats.get(component)
        if beat is not None:
            age = now - beat.at
            if age > allowed:
                stale.append(Stale(component, period, allowed, beat, age))
        else:
            since = now if watching_since is None else _aware(watching_since, "watching_since")
            age = now - since
            if watching_since is None or age > allowed:
                stale.append(Stale(component, period, allowed, None, age))
    return stale


@dataclass(frozen=True, slots=True)
class WatchdogRun:
    at: datetime
    stale: tuple[Stale, ...]
    paged: tuple[str, ...]
    """Components paged by this run (the rest of ``stale`` were paged recently)."""
    recovered: tuple[str, ...]
    failures: tuple[str, ...] = field(default=())
    """Alerts that could not be published (the open page was restored: the next run retries)."""


class WatchdogAlertError(RuntimeError):
    """Some alerts could not be published; everything else was done. Fail the invocation, so the
    function's error alarm fires and the next run tries again."""

    def __init__(self, run: WatchdogRun) -> None:
        super().__init__("; ".join(run.failures))
        self.run = run


def _watching_since(own: Heartbeat | None, now: datetime) -> datetime:
    raw = own.details.get(WATCHING_SINCE) if own is not None else None
    if raw:
        try:
            return _aware(datetime.fromisoformat(raw), WATCHING_SINCE)
        except ValueError:
            pass
    return now


def _duration(span: timedelta) -> str:
    seconds = max(0, int(span.total_seconds()))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h {minutes:02d}m"
    return f"{minutes}m {secs:02d}s" if minutes else f"{secs}s"


def _alert_id(component: str, what: str, at: datetime) -> str:
    safe = re.sub(r"[^A-Za-z0-9_.-]", "_", component)[:64]
    return f"watchdog-{what}-{safe}-{int(at.timestamp())}"


def _stale_alert(item: Stale, page: WatchdogPage, mode: Mode, now: datetime) -> Alert:
    beat = item.last_beat
    fields = [
        AlertField(name="Component", value=item.component),
        AlertField(name="Expected every", value=_duration(timedelta(seconds=item.period_seconds))),
        AlertField(name="Allowed age", value=_duration(item.allowed)),
    ]
    if beat is None:
        title = f"{item.component} has never sent a heartbeat"
        description = (
            f"No heartbeat from {item.component} in the {_duration(item.age)} the watchdog has been "
            "watching. It may not be deployed, scheduled or able to start."
        )
    else:
        title = f"{item.component} stopped beating"
        description = f"The last heartbeat of {item.component} is {_duration(item.age)} old."
        fields.append(AlertField(name="Last beat", value=beat.at.isoformat()))
        if not beat.ok:
            description += " That last run reported a failure."
            details = ", ".join(f"{key}={value}" for key, value in sorted(beat.details.items()))
            if details:
                fields.append(AlertField(name="Last run", value=details[:1024]))
    if page.pages > 1:
        description += f" Page {page.pages}; stale since the first page at {page.first_paged_at.isoformat()}."
    return Alert(
        kind=AlertKind.WATCHDOG,
        severity=Severity.CRITICAL,
        mode=mode,
        title=title,
        description=description,
        fields=tuple(fields),
        occurred_at=now,
        alert_id=_alert_id(item.component, "stale", now),
        correlation_id=f"watchdog:{item.component}"[:128],
    )


def _recovery_alert(
    component: str, page: WatchdogPage, beat: Heartbeat | None, *, watched: bool, mode: Mode, now: datetime
) -> Alert:
    if not watched:
        title = f"{component} is no longer watched"
        description = f"{component} was paged about but is no longer an expected component."
    elif beat is None:
        title = f"{component} is no longer stale"
        description = f"{component} is within its allowed age again (the watchdog restarted watching)."
    else:
        title = f"{component} is beating again"
        description = (
            f"{component} sent a heartbeat at {beat.at.isoformat()}, "
            f"{_duration(beat.at - page.first_paged_at)} after the first page."
        )
    return Alert(
        kind=AlertKind.WATCHDOG,
        severity=Severity.INFO,
        mode=mode,
        title=title,
        description=description,
        fields=(
            AlertField(name="Component", value=component),
            AlertField(name="Pages sent", value=str(page.pages)),
        ),
        occurred_at=now,
        alert_id=_alert_id(component, "recovered", now),
        correlation_id=f"watchdog:{component}"[:128],
    )


def run_watchdog(
    store: RiskStore,
    alerts: AlertPublisher,
    *,
    expected: Mapping[str, int],
    now: datetime,
    repage_seconds: int,
    mode: Mode,
    component: str = WATCHDOG_COMPONENT,
) -> WatchdogRun:
    """One watchdog run: page stale components, announce recoveries, record its own heartbeat.

    ``mode`` is the mode every watchdog alert carries: the handler passes LIVE when the deployment
    may trade real money (a stale safety component matters most then), else PAPER.
    Raises :class:`WatchdogAlertError` (after its heartbeat) when an alert could not be published.
    """
    now = _aware(now, "now")
    if repage_seconds <= 0:
        raise ValueError(f"repage_seconds must be positive, got {repage_seconds}")
    beats = store.heartbeats()
    watching_since = _watching_since(beats.get(component), now)
    stale = check(beats, expected, now, watching_since=watching_since)
    pages = store.watchdog_pages()
    repage = timedelta(seconds=repage_seconds)
    paged: list[str] = []
    recovered: list[str] = []
    failures: list[str] = []

    for item in stale:
        previous = pages.get(item.component)
        if previous is not None and now - previous.last_paged_at < repage:
            continue
        page = WatchdogPage(
            component=item.component,
            first_paged_at=previous.first_paged_at if previous is not None else now,
            last_paged_at=now,
            pages=previous.pages + 1 if previous is not None else 1,
        )
        if not store.swap_watchdog_page(item.component, expected=previous, new=page):
            continue  # another run paged it just now
        try:
            alerts.publish(_stale_alert(item, page, mode, now))
        except AlertPublishError as exc:
            store.swap_watchdog_page(item.component, expected=page, new=previous)
            failures.append(f"page for {item.component}: {exc}")
            continue
        paged.append(item.component)

    still_stale = {item.component for item in stale}
    for name, page in sorted(pages.items()):
        if name in still_stale:
            continue
        if not store.swap_watchdog_page(name, expected=page, new=None):
            continue
        try:
            alerts.publish(
                _recovery_alert(name, page, beats.get(name), watched=name in expected, mode=mode, now=now)
            )
        except AlertPublishError as exc:
            store.swap_watchdog_page(name, expected=None, new=page)
            failures.append(f"recovery of {name}: {exc}")
            continue
        recovered.append(name)

    store.beat(
        Heartbeat(
            component=component,
            at=now,
            ok=not failures,
            details={
                WATCHING_SINCE: watching_since.isoformat(),
                "stale": ",".join(item.component for item in stale),
                "paged": ",".join(paged),
                "recovered": ",".join(recovered),
            },
        )
    )
    run = WatchdogRun(now, tuple(stale), tuple(paged), tuple(recovered), tuple(failures))
    if failures:
        raise WatchdogAlertError(run)
    return run
