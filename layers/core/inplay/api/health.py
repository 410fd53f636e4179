"""``GET /api/health/trading``: can the signed-in user's bots trade right now, and if not, why.

Each component is ``{status: ok | degraded | down, detail, ...}``:

============  ==========================================  ==============================================
component     down                                        degraded
============  ==========================================  ==============================================
venue         no usable account (credentials missing or   answered slower than 3 s, or $0 available
              refused), no answer, or none within 8 s
dynamodb      a table the API reads failed a consistent   —
              read
feed          —                                           a league the user's bots trade has had no
                                                          good ESPN poll within ``feed_max_age_seconds``
bots          —                                           a bot is in ERROR
reconcile     —                                           none yet, the last one aborted or found
                                                          critical issues, or it is older than 15 min
kill_switch   tripped                                     —
============  ==========================================  ==============================================

A component whose check itself fails (an exception) is ``down``. Overall: ``unhealthy`` when any
component is down, ``degraded`` when any is degraded, else ``healthy``. The report is always the
answer (200): a failing check never becomes a 5xx.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Final, Protocol

from pydantic import BaseModel, ConfigDict, Field

from inplay.bots.lifecycle import BotRecord, BotState
from inplay.config import Env
from inplay.money import Dollars, format_dollars
from inplay.orders.intents import TradingMode
from inplay.risk.kill_switch import KillSwitch, KillSwitchState
from inplay.risk.records import ReconcileReport
from inplay.sports.models import League
from inplay.store.games import FeedHeartbeat
from inplay.store.schema import KeyType, TableSpec, table_spec
from inplay.strategy.model import InvalidStrategyParams, params_from_settings
from inplay.venues.base import AuthenticationError, Balance, Venue, VenueError
from inplay.venues.factory import SecretUnavailableError, VenueConfigError, VenueProvider

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

__all__ = [
    "RECONCILE_MAX_AGE",
    "VENUE_SLOW_MS",
    "VENUE_TIMEOUT_SECONDS",
    "BotsHealth",
    "ComponentStatus",
    "DatabaseHealth",
    "DynamoTableProbe",
    "FeedHealth",
    "HealthComponents",
    "HealthControls",
    "HealthDeps",
    "KillSwitchHealth",
    "Overall",
    "ReconcileHealth",
    "ReconcileReports",
    "TableProbe",
    "TradingHealth",
    "VenueHealth",
    "not_checked",
    "table_probes",
    "trading_health",
]

log = logging.getLogger(__name__)

VENUE: Final = "kalshi"
VENUE_TIMEOUT_SECONDS: Final = 8.0
"""The venue check's budget (API Gateway answers within 29 s; the venue client may retry)."""
VENUE_SLOW_MS: Final = 3000
RECONCILE_MAX_AGE: Final = timedelta(minutes=15)
"""The reconciler runs every 5 minutes; three missed runs is news."""
PROBE_KEY: Final = "inplay-health-probe"


class ComponentStatus(StrEnum):
    OK = "ok"
    DEGRADED = "degraded"
    DOWN = "down"


class Overall(StrEnum):
    HEALTHY = "healthy"
    DEGRADED = "degraded"
    UNHEALTHY = "unhealthy"


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True)


class _Component(_Model):
    status: ComponentStatus
    detail: str


class VenueHealth(_Component):
    """The venue account of the user's current trading mode: one timed balance read."""

    mode: TradingMode | None = None
    account: str | None = Field(default=None, description="paper (simulated fills) or kalshi")
    available: Dollars | None = None
    latency_ms: int | None = None


class TableHealth(_Model):
    table: str
    status: ComponentStatus
    latency_ms: int | None = None
    error: str | None = None


class DatabaseHealth(_Component):
    """One consistent read per table the API reads."""

    tables: list[TableHealth] = Field(default_factory=list)


class LeagueFeed(_Model):
    league: League
    status: ComponentStatus
    last_ok_at: datetime | None = None
    age_seconds: int | None = None
    live_games: int | None = None
    error: str | None = Field(default=None, description="Why the latest poll failed, if it did")


class FeedHealth(_Component):
    """The ESPN feed of every league the user's bots trade (every league without bots)."""

    max_age_seconds: int | None = None
    leagues: list[LeagueFeed] = Field(default_factory=list)


class BotHealth(_Model):
    bot_id: str
    state: BotState
    mode: TradingMode | None = None
    reason: str | None = None
    changed_at: datetime | None = None


class BotsHealth(_Component):
    bots: list[BotHealth] = Field(default_factory=list)


class ReconcileHealth(_Component):
    """The user's latest reconcile report."""

    max_age_seconds: int = int(RECONCILE_MAX_AGE.total_seconds())
    finished_at: datetime | None = None
    age_seconds: int | None = None
    ok: bool | None = None
    trigger: str | None = None
    findings: int | None = None
    critical: bool | None = None


class KillSwitchHealth(_Component):
    state: KillSwitchState | None = None
    trigger: str | None = None
    reason: str | None = None
    changed_at: datetime | None = None


class HealthComponents(_Model):
    venue: VenueHealth
    dynamodb: DatabaseHealth
    feed: FeedHealth
    bots: BotsHealth
    reconcile: ReconcileHealth
    kill_switch: KillSwitchHealth


class TradingHealth(_Model):
    """``unhealthy`` when a component is down, ``degraded`` when one is degraded, else ``healthy``."""

    status: Overall
    summary: str = Field(description="Every component that is not ok, with why")
    checked_at: datetime
    components: HealthComponents


# ---------------------------------------------------------------------------------------------
# What the checks read


class HealthControls(Protocol):
    """The bots table (``inplay.store.bots.DynamoBotControls``)."""

    def trading_mode(self, user_id: str) -> TradingMode: ...

    def kill_switch(self, user_id: str) -> KillSwitch: ...

    def bots(self, user_id: str) -> list[BotRecord]: ...


class FeedStatus(Protocol):
    def feed_status(self, leagues: Iterable[League]) -> Sequence[FeedHeartbeat]: ...


class ReconcileReports(Protocol):
    def reports(self, user_id: str, *, limit: int = 20) -> list[ReconcileReport]:
        """Newest first."""
        ...


class TableProbe(Protocol):
    def probe(self) -> None:
        """One cheap consistent read of the table; raises when it fails."""
        ...


@dataclass(frozen=True, slots=True)
class HealthDeps:
    controls: HealthControls
    venues: VenueProvider
    feed: FeedStatus
    reports: ReconcileReports
    tables: Mapping[str, TableProbe]
    """Label (``bots``, ``games`` …) → probe."""
    feed_max_age: timedelta
    venue_timeout_seconds: float = VENUE_TIMEOUT_SECONDS
    monotonic: Callable[[], float] = time.monotonic


class DynamoTableProbe:
    """:class:`TableProbe`: a consistent ``GetItem`` of a key no item has (one read unit)."""

    def __init__(self, client: DynamoDBClient, table_name: str, spec: TableSpec) -> None:
        self._client = client
        self._table = table_name
        self._key: dict[str, Any] = {spec.partition_key: _probe_value(spec.partition_type)}
        if spec.sort_key is not None:
            self._key[spec.sort_key] = _probe_value(spec.sort_type)
        self._projection = spec.partition_key

    def probe(self) -> None:
        self._client.get_item(
            TableName=self._table,
            Key=self._key,
            ConsistentRead=True,
            ProjectionExpression="#k",
            ExpressionAttributeNames={"#k": self._projection},
        )


def _probe_value(kind: KeyType) -> dict[str, str]:
    return {"N": "-1"} if kind is KeyType.NUMBER else {"S": PROBE_KEY}


def table_probes(settings: BaseModel, tables: Iterable[Env], client: DynamoDBClient) -> dict[str, TableProbe]:
    """A probe per table (by its env var) whose name ``settings`` carries; labelled ``bots`` etc."""
    by_alias = {info.alias: name for name, info in type(settings).model_fields.items() if info.alias}
    probes: dict[str, TableProbe] = {}
    for env in tables:
        field = by_alias.get(env.value)
        if field is None:
            continue
        label = env.value.removeprefix("INPLAY_").removesuffix("_TABLE").lower()
        probes[label] = DynamoTableProbe(client, str(getattr(settings, field)), table_spec(env))
    return probes


# ---------------------------------------------------------------------------------------------
# The checks


def _error(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:300]


def _ms(seconds: float) -> int:
    return max(0, round(seconds * 1000))


class _TimedOut(Exception):
    pass


def _within[T](seconds: float, call: Callable[[], T]) -> T:
    """``call()`` in a daemon thread, waiting at most ``seconds`` (then :class:`_TimedOut`; the
    call finishes in the background)."""
    outcome: list[T] = []
    failure: list[BaseException] = []
    done = threading.Event()

    def run() -> None:
        try:
            outcome.append(call())
        except BaseException as exc:
            failure.append(exc)
        finally:
            done.set()

    threading.Thread(target=run, name="health-check", daemon=True).start()
    if not done.wait(seconds):
        raise _TimedOut
    if failure:
        raise failure[0]
    return outcome[0]


def _venue(deps: HealthDeps, user_id: str) -> VenueHealth:
    mode = deps.controls.trading_mode(user_id)

    def balance() -> tuple[Venue, Balance]:
        venue = deps.venues.account(user_id, VENUE, mode)
        return venue, venue.get_balance()

    def down(detail: str, **extra: Any) -> VenueHealth:
        return VenueHealth(status=ComponentStatus.DOWN, detail=detail, mode=mode, **extra)

    started = deps.monotonic()
    try:
        venue, read = _within(deps.venue_timeout_seconds, balance)
    except _TimedOut:
        return down(f"the venue did not answer within {deps.venue_timeout_seconds:g} s")
    except VenueConfigError as exc:
        return down(f"{exc} ({exc.code})")
    except SecretUnavailableError as exc:
        return down(f"the venue account cannot be opened now: {exc}")
    except AuthenticationError as exc:
        return down(f"the venue refused the credentials: {exc}")
    except VenueError as exc:
        return down(f"the venue did not answer: {exc}")
    latency = _ms(deps.monotonic() - started)
    account = str(getattr(venue, "name", VENUE))
    text = f"${format_dollars(read.available)} available"

    def answer(status: ComponentStatus, detail: str) -> VenueHealth:
        return VenueHealth(
            status=status,
            detail=detail,
            mode=mode,
            account=account,
            available=read.available,
            latency_ms=latency,
        )

    if latency > VENUE_SLOW_MS:
        return answer(ComponentStatus.DEGRADED, f"slow: {latency} ms for a balance read; {text}")
    if read.available <= Decimal(0):
        return answer(ComponentStatus.DEGRADED, f"{text}: fund the account")
    return answer(ComponentStatus.OK, f"{account} answered in {latency} ms; {text}")


def _dynamodb(deps: HealthDeps) -> DatabaseHealth:
    rows: list[TableHealth] = []
    for label, probe in sorted(deps.tables.items()):
        started = deps.monotonic()
        try:
            probe.probe()
        except Exception as exc:
            rows.append(TableHealth(table=label, status=ComponentStatus.DOWN, error=_error(exc)))
        else:
            rows.append(
                TableHealth(
                    table=label, status=ComponentStatus.OK, latency_ms=_ms(deps.monotonic() - started)
                )
            )
    failed = [row.table for row in rows if row.status is ComponentStatus.DOWN]
    if failed:
        return DatabaseHealth(
            status=ComponentStatus.DOWN,
            detail=f"{len(failed)} of {len(rows)} tables could not be read: {', '.join(failed)}",
            tables=rows,
        )
    return DatabaseHealth(
        status=ComponentStatus.OK, detail=f"{len(rows)} tables answered a consistent read", tables=rows
    )


def _traded_leagues(bots: Sequence[BotRecord] | None) -> tuple[League, ...]:
    """The leagues the user's bots trade (a bot with invalid settings trades none); every league
    when that is none (no bots yet: the feed a first bot would need)."""
    leagues: dict[League, None] = {}
    for bot in bots or ():
        try:
            leagues.update(dict.fromkeys(params_from_settings(bot.settings).leagues))
        except InvalidStrategyParams:
            continue
    return tuple(sorted(leagues)) if leagues else tuple(League)


def _last_success(beat: FeedHeartbeat) -> datetime | None:
    if beat.last_ok_at is not None:
        return beat.last_ok_at
    return beat.polled_at if beat.ok else None


def _feed(deps: HealthDeps, leagues: Sequence[League], now: datetime) -> FeedHealth:
    limit = int(deps.feed_max_age.total_seconds())
    beats = {beat.league: beat for beat in deps.feed.feed_status(leagues)}
    rows: list[LeagueFeed] = []
    stale: list[str] = []
    for league in leagues:
        beat = beats.get(league)
        last = _last_success(beat) if beat is not None else None
        if last is None:
            stale.append(f"{league.value} never polled successfully")
            rows.append(
                LeagueFeed(
                    league=league,
                    status=ComponentStatus.DEGRADED,
                    error=beat.error if beat is not None else None,
                )
            )
            continue
        age = max(0, int((now - last).total_seconds()))
        fresh = age <= limit
        if not fresh:
            stale.append(f"{league.value} {age} s ago")
        rows.append(
            LeagueFeed(
                league=league,
                status=ComponentStatus.OK if fresh else ComponentStatus.DEGRADED,
                last_ok_at=last,
                age_seconds=age,
                live_games=beat.live_games if beat is not None else None,
                error=None if beat is None or beat.ok else beat.error,
            )
        )
    if stale:
        return FeedHealth(
            status=ComponentStatus.DEGRADED,
            detail=f"stale (limit {limit} s): " + "; ".join(stale),
            max_age_seconds=limit,
            leagues=rows,
        )
    return FeedHealth(
        status=ComponentStatus.OK,
        detail=f"{len(rows)} league(s) polled within {limit} s",
        max_age_seconds=limit,
        leagues=rows,
    )


def _bots(bots: Sequence[BotRecord]) -> BotsHealth:
    rows = [
        BotHealth(bot_id=b.bot_id, state=b.state, mode=b.mode, reason=b.reason, changed_at=b.changed_at)
        for b in bots
    ]
    errored = [b for b in bots if b.state is BotState.ERROR]
    if errored:
        detail = "; ".join(f"bot {b.bot_id} is in ERROR: {b.reason or 'no reason'}" for b in errored)
        return BotsHealth(status=ComponentStatus.DEGRADED, detail=detail, bots=rows)
    if not bots:
        return BotsHealth(status=ComponentStatus.OK, detail="no bots yet", bots=rows)
    counts: dict[str, int] = {}
    for bot in bots:
        counts[bot.state.value.lower()] = counts.get(bot.state.value.lower(), 0) + 1
    return BotsHealth(
        status=ComponentStatus.OK, detail=", ".join(f"{n} {state}" for state, n in counts.items()), bots=rows
    )


def _reconcile(deps: HealthDeps, user_id: str, now: datetime) -> ReconcileHealth:
    latest = deps.reports.reports(user_id, limit=1)
    if not latest:
        return ReconcileHealth(
            status=ComponentStatus.DEGRADED,
            detail="no reconcile has run for you yet (the reconciler runs every 5 minutes once you have "
            "a bot or credentials)",
        )
    report = latest[0]
    age = max(0, int((now - report.finished_at).total_seconds()))
    critical = [f for f in report.findings if f.critical]
    found: dict[str, Any] = {
        "finished_at": report.finished_at,
        "age_seconds": age,
        "ok": report.ok,
        "trigger": report.trigger.value,
        "findings": len(report.findings),
        "critical": report.critical,
    }
    if not report.ok:
        detail = f"the last reconcile aborted: {report.aborted_reason or 'no reason given'}"
    elif critical:
        detail = f"the last reconcile found {len(critical)} critical issue(s); see GET /api/risk/events"
    elif now - report.finished_at > RECONCILE_MAX_AGE:
        detail = (
            f"the last reconcile finished {age} s ago (more than {int(RECONCILE_MAX_AGE.total_seconds())} s)"
        )
    else:
        return ReconcileHealth(
            status=ComponentStatus.OK,
            detail=f"reconciled {age} s ago; {len(report.findings)} finding(s)",
            **found,
        )
    return ReconcileHealth(status=ComponentStatus.DEGRADED, detail=detail, **found)


def _kill_switch(deps: HealthDeps, user_id: str) -> KillSwitchHealth:
    switch = deps.controls.kill_switch(user_id)
    found: dict[str, Any] = {
        "state": switch.state,
        "trigger": switch.trigger,
        "reason": switch.reason,
        "changed_at": switch.changed_at,
    }
    if switch.tripped:
        why = switch.reason or switch.trigger or "no reason"
        return KillSwitchHealth(
            status=ComponentStatus.DOWN,
            detail=f"tripped ({why}); nothing trades until it is reset (POST /api/bot/kill-switch/reset)",
            **found,
        )
    return KillSwitchHealth(status=ComponentStatus.OK, detail="armed, not tripped", **found)


def _checked[C: _Component](kind: type[C], name: str, check: Callable[[], C]) -> C:
    """``check()``, or a ``down`` component saying why the check itself failed."""
    try:
        return check()
    except Exception as exc:
        log.warning("health check %s failed: %s", name, _error(exc))
        return kind.model_validate(
            {"status": ComponentStatus.DOWN, "detail": f"the check failed: {_error(exc)}"}
        )


def overall(components: HealthComponents) -> Overall:
    statuses = {getattr(components, name).status for name in HealthComponents.model_fields}
    if ComponentStatus.DOWN in statuses:
        return Overall.UNHEALTHY
    if ComponentStatus.DEGRADED in statuses:
        return Overall.DEGRADED
    return Overall.HEALTHY


def trading_health(deps: HealthDeps, *, user_id: str, now: datetime) -> TradingHealth:
    """Every component's check for ``user_id`` and the overall verdict (never raises)."""
    bots: list[BotRecord] | None = None
    bots_error: Exception | None = None
    try:
        bots = deps.controls.bots(user_id)
    except Exception as exc:
        bots_error = exc

    def bots_check() -> BotsHealth:
        if bots_error is not None:
            raise bots_error
        return _bots(bots or [])

    components = HealthComponents(
        venue=_checked(VenueHealth, "venue", lambda: _venue(deps, user_id)),
        dynamodb=_checked(DatabaseHealth, "dynamodb", lambda: _dynamodb(deps)),
        feed=_checked(FeedHealth, "feed", lambda: _feed(deps, _traded_leagues(bots), now)),
        bots=_checked(BotsHealth, "bots", bots_check),
        reconcile=_checked(ReconcileHealth, "reconcile", lambda: _reconcile(deps, user_id, now)),
        kill_switch=_checked(KillSwitchHealth, "kill_switch", lambda: _kill_switch(deps, user_id)),
    )
    failing = [
        f"{name}: {getattr(components, name).detail}"
        for name in HealthComponents.model_fields
        if getattr(components, name).status is not ComponentStatus.OK
    ]
    return TradingHealth(
        status=overall(components),
        summary="; ".join(failing) or "every check passed",
        checked_at=now,
        components=components,
    )


def not_checked(exc: Exception, *, now: datetime) -> TradingHealth:
    """The report when the checks could not even be set up (every component ``down``, saying why)."""
    detail = f"the health check could not start: {_error(exc)}"
    down = {"status": ComponentStatus.DOWN, "detail": detail}
    components = HealthComponents.model_validate(dict.fromkeys(HealthComponents.model_fields, down))
    return TradingHealth(status=Overall.UNHEALTHY, summary=detail, checked_at=now, components=components)
