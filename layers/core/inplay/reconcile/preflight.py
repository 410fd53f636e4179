"""The bot-start pre-flight: a bot does not start while venue orders or positions it cannot account
for exist, nor when the venue could not even be checked.

:func:`start_check` reconciles first (trigger ``bot_start``: an orphan resolved on the venue since
the last scheduled run is resolved now), then refuses while any orphan of the user is unresolved
or any account's run aborted. Ghosts and mismatches do not block a start (they are alerted; the
store holding too much or too little never makes the venue hold something unaccounted for).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from inplay.reconcile.model import ReconcileAlertError, ReconcileDeps
from inplay.reconcile.reconciler import reconcile_user
from inplay.risk.records import OrphanRecord, ReconcileReport, ReconcileTrigger
from inplay.risk.store import RiskStore

__all__ = ["StartCheck", "start_check", "unresolved_orphans"]


def unresolved_orphans(
    risk: RiskStore, user_id: str, *, market_ticker: str | None = None
) -> list[OrphanRecord]:
    """The user's orphans nobody resolved yet (oldest first), optionally in one market only."""
    found = risk.orphans(user_id, unresolved_only=True)
    return [
        o for o in found if not o.resolved and (market_ticker is None or o.market_ticker == market_ticker)
    ]


@dataclass(frozen=True, slots=True)
class StartCheck:
    ok: bool
    reason: str | None
    """Why the bot may not start (None when ``ok``)."""
    reports: tuple[ReconcileReport, ...]
    orphans: tuple[OrphanRecord, ...]


def start_check(deps: ReconcileDeps, user_id: str, *, now: datetime | None = None) -> StartCheck:
    """Reconcile the user now, then say whether a bot may start."""
    try:
        reports = reconcile_user(deps, user_id, trigger=ReconcileTrigger.BOT_START, now=now)
    except ReconcileAlertError as exc:  # the runs finished; only an alert is missing
        reports = exc.reports
    orphans = tuple(unresolved_orphans(deps.risk, user_id))
    aborted = [r for r in reports if not r.ok]
    reason: str | None = None
    if aborted:
        reason = f"the venue could not be reconciled: {aborted[0].aborted_reason or 'aborted'}"
    elif orphans:
        markets = ", ".join(sorted({o.market_ticker for o in orphans}))
        reason = (
            f"{len(orphans)} unresolved orphaned order(s)/position(s) on the venue ({markets}): "
            "close or cancel them on the venue, then start again"
        )
    return StartCheck(ok=reason is None, reason=reason, reports=tuple(reports), orphans=orphans)
