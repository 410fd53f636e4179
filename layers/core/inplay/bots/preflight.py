"""The checks a bot must pass before it trades, each reported by name with what was found.

- ``kill_switch``: the user's kill switch is not tripped.
- ``credentials``: the venue account can be built (Kalshi: the user's key is stored and parses) and
  the venue accepts it (an authenticated balance read). A simulated paper account needs none.
- ``venue``: the exchange answers and is trading.
- ``balance``: the account has more than $0 available.
- ``orphans``: a reconcile (by the reconciler function, trigger ``bot_start``) finished and the
  user has no unresolved orphaned order or position on the venue.
- ``feed``: every league the bot trades had a successful ESPN poll within ``feed_max_age``.

Every check runs (so the user sees all that is wrong at once), except that the reconcile is not
attempted when the venue account is not usable.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any, Final, Protocol

from pydantic import ValidationError

from inplay.api.safety import FunctionInvoker, InvocationFailed, InvocationTimedOut
from inplay.money import format_dollars
from inplay.orders.intents import TradingMode
from inplay.risk.commands import ReconcileCommand, ReconcileReply
from inplay.risk.kill_switch import KillSwitch
from inplay.risk.records import OrphanRecord, ReconcileTrigger
from inplay.sports.models import League
from inplay.store.games import FeedHeartbeat
from inplay.venues.base import AuthenticationError, Venue, VenueError
from inplay.venues.factory import SecretUnavailableError, VenueConfigError, VenueProvider

__all__ = [
    "PAPER_VENUE_NAME",
    "PREFLIGHT_RECONCILE_WAIT_SECONDS",
    "Check",
    "CheckName",
    "FeedReader",
    "KillSwitchReader",
    "OrphanReader",
    "PreflightDeps",
    "PreflightReport",
    "ReconcilerFunction",
    "StartReconciler",
    "run_preflight",
]

VENUE: Final = "kalshi"
PAPER_VENUE_NAME: Final = "paper"
PREFLIGHT_RECONCILE_WAIT_SECONDS: Final = 15.0
"""How long a start waits for the reconciler (API Gateway answers within 29 s in all)."""


class CheckName(StrEnum):
    KILL_SWITCH = "kill_switch"
    CREDENTIALS = "credentials"
    VENUE = "venue"
    BALANCE = "balance"
    ORPHANS = "orphans"
    FEED = "feed"


@dataclass(frozen=True, slots=True)
class Check:
    name: CheckName
    ok: bool
    detail: str

    def as_json(self) -> dict[str, Any]:
        return {"name": self.name.value, "ok": self.ok, "detail": self.detail}


@dataclass(frozen=True, slots=True)
class PreflightReport:
    checks: tuple[Check, ...]

    @property
    def ok(self) -> bool:
        return all(check.ok for check in self.checks)

    @property
    def failures(self) -> tuple[Check, ...]:
        return tuple(check for check in self.checks if not check.ok)

    def summary(self) -> str:
        """One line naming every failing check (empty when all pass)."""
        return "; ".join(f"{c.name.value}: {c.detail}" for c in self.failures)


class KillSwitchReader(Protocol):
    def kill_switch(self, user_id: str) -> KillSwitch: ...


class FeedReader(Protocol):
    def feed_status(self, leagues: Iterable[League]) -> Sequence[FeedHeartbeat]: ...


class OrphanReader(Protocol):
    def orphans(self, user_id: str, *, unresolved_only: bool = False) -> list[OrphanRecord]: ...


class StartReconciler(Protocol):
    def reconcile_for_start(self, user_id: str) -> Check:
        """Reconcile the user now; the ``orphans`` check from what it found."""
        ...


@dataclass(frozen=True, slots=True)
class PreflightDeps:
    controls: KillSwitchReader
    venues: VenueProvider
    feed: FeedReader
    reconciler: StartReconciler
    feed_max_age: timedelta


class ReconcilerFunction:
    """:class:`StartReconciler` through the reconciler function (where scheduled runs happen,
    with its permissions, audit and alerts), then the user's unresolved orphans from the risk table."""

    def __init__(
        self,
        invoker: FunctionInvoker,
        function_name: str,
        risk: OrphanReader,
        *,
        wait_seconds: float = PREFLIGHT_RECONCILE_WAIT_SECONDS,
    ) -> None:
        self._invoker = invoker
        self._function = function_name
        self._risk = risk
        self._wait = wait_seconds

    def reconcile_for_start(self, user_id: str) -> Check:
        command = ReconcileCommand(user_id=user_id, trigger=ReconcileTrigger.BOT_START)
        try:
            raw = self._invoker.invoke(
                self._function, command.model_dump(mode="json"), wait_seconds=self._wait
            )
            reply = ReconcileReply.model_validate(raw)
        except InvocationTimedOut:
            return _fail(CheckName.ORPHANS, "the reconcile is still running; start again in a minute")
        except InvocationFailed as exc:
            return _fail(CheckName.ORPHANS, f"the venue could not be reconciled: {exc}")
        except ValidationError:
            return _fail(CheckName.ORPHANS, "the reconciler answered unexpectedly")
        aborted = [r for r in reply.reports if r.get("ok") is not True]
        if aborted:
            reason = aborted[0].get("aborted_reason") or "aborted"
            return _fail(CheckName.ORPHANS, f"the venue could not be reconciled: {reason}")
        orphans = [o for o in self._risk.orphans(user_id, unresolved_only=True) if not o.resolved]
        if orphans:
            markets = ", ".join(sorted({o.market_ticker for o in orphans}))
            return _fail(
                CheckName.ORPHANS,
                f"{len(orphans)} unresolved orphaned order(s)/position(s) on the venue ({markets}): "
                "close or cancel them on the venue, then start again",
            )
        return Check(CheckName.ORPHANS, True, f"reconciled {len(reply.reports)} account(s); no orphans")


def _fail(name: CheckName, detail: str) -> Check:
    return Check(name, False, detail)


def _kill_switch(deps: PreflightDeps, user_id: str) -> Check:
    switch = deps.controls.kill_switch(user_id)
    if switch.tripped:
        return _fail(
            CheckName.KILL_SWITCH,
            f"the kill switch is tripped ({switch.reason or switch.trigger or 'no reason'}); "
            "reset it with POST /api/bot/kill-switch/reset first",
        )
    return Check(CheckName.KILL_SWITCH, True, "not tripped")


def _venue_checks(deps: PreflightDeps, user_id: str, mode: TradingMode) -> tuple[list[Check], bool]:
    """credentials, venue and balance; and whether the account is usable for a reconcile."""
    not_checked = "not checked: the venue account is not usable"
    try:
        venue: Venue = deps.venues.account(user_id, VENUE, mode)
    except VenueConfigError as exc:
        return [
            _fail(CheckName.CREDENTIALS, f"{exc} ({exc.code})"),
            _fail(CheckName.VENUE, not_checked),
            _fail(CheckName.BALANCE, not_checked),
        ], False
    except (SecretUnavailableError, VenueError) as exc:
        return [
            _fail(CheckName.CREDENTIALS, f"the venue account cannot be opened now: {exc}"),
            _fail(CheckName.VENUE, not_checked),
            _fail(CheckName.BALANCE, not_checked),
        ], False
    paper = getattr(venue, "name", "") == PAPER_VENUE_NAME
    checks: list[Check] = []
    try:
        status = venue.exchange_status()
    except VenueError as exc:
        venue_check = _fail(CheckName.VENUE, f"the venue did not answer: {exc}")
    else:
        if status.exchange_active and status.trading_active:
            venue_check = Check(CheckName.VENUE, True, "reachable and trading")
        else:
            resume = status.estimated_resume_time
            venue_check = _fail(
                CheckName.VENUE,
                "the exchange is not trading now" + (f" (resumes {resume.isoformat()})" if resume else ""),
            )
    try:
        balance = venue.get_balance()
    except AuthenticationError as exc:
        checks.append(_fail(CheckName.CREDENTIALS, f"the venue refused the credentials: {exc}"))
        checks.append(venue_check)
        checks.append(_fail(CheckName.BALANCE, "not checked: the credentials were refused"))
        return checks, False
    except VenueError as exc:
        credentials = "the key could not be tried" if not paper else "paper account: none needed"
        checks.append(Check(CheckName.CREDENTIALS, paper, credentials))
        checks.append(venue_check)
        checks.append(_fail(CheckName.BALANCE, f"the balance could not be read: {exc}"))
        return checks, venue_check.ok
    if paper:
        checks.append(Check(CheckName.CREDENTIALS, True, "paper account (simulated fills): none needed"))
    else:
        checks.append(Check(CheckName.CREDENTIALS, True, "the venue accepted the API key"))
    checks.append(venue_check)
    available = balance.available
    if available > Decimal(0):
        checks.append(Check(CheckName.BALANCE, True, f"${format_dollars(available)} available"))
    else:
        checks.append(_fail(CheckName.BALANCE, f"${format_dollars(available)} available; fund the account"))
    return checks, True


def _last_success(beat: FeedHeartbeat) -> datetime | None:
    if beat.last_ok_at is not None:
        return beat.last_ok_at
    return beat.polled_at if beat.ok else None


def _feed(deps: PreflightDeps, leagues: Sequence[League], now: datetime) -> Check:
    if not leagues:
        return _fail(CheckName.FEED, "the bot trades no league")
    beats = {beat.league: beat for beat in deps.feed.feed_status(leagues)}
    stale: list[str] = []
    fresh: list[str] = []
    limit = int(deps.feed_max_age.total_seconds())
    for league in leagues:
        beat = beats.get(league)
        last = _last_success(beat) if beat is not None else None
        if last is None:
            stale.append(f"{league.value} has not been polled successfully")
            continue
        age = int((now - last).total_seconds())
        if age > limit:
            stale.append(f"{league.value} last polled {age} s ago (limit {limit} s)")
        else:
            fresh.append(f"{league.value} {max(age, 0)} s ago")
    if stale:
        return _fail(CheckName.FEED, "game feed stale: " + "; ".join(stale))
    return Check(CheckName.FEED, True, "fresh: " + ", ".join(fresh))


def run_preflight(
    deps: PreflightDeps,
    user_id: str,
    *,
    mode: TradingMode,
    leagues: Sequence[League],
    now: datetime,
) -> PreflightReport:
    """Every check for starting a bot of ``user_id`` trading ``leagues`` in ``mode``."""
    checks = [_kill_switch(deps, user_id)]
    venue_checks, usable = _venue_checks(deps, user_id, mode)
    checks.extend(venue_checks)
    if usable:
        checks.append(deps.reconciler.reconcile_for_start(user_id))
    else:
        checks.append(_fail(CheckName.ORPHANS, "not checked: the venue account is not usable"))
    checks.append(_feed(deps, leagues, now))
    return PreflightReport(tuple(checks))
