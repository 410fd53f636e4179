"""The reconciler's alerts (pure): one per newly found orphan, one summary per run that needs a person.

Every alert is :attr:`~inplay.alerts.model.AlertKind.RECONCILE`, CRITICAL, and carries a
deterministic id (``reconcile:orphan:<orphan_id>``, ``reconcile:<report_id>``), so a repeated
publish of the same event can be recognised by any consumer.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from datetime import datetime
from typing import Final

from inplay.alerts.model import Alert, AlertField, AlertKind, Mode, Severity
from inplay.orders.intents import TradingMode
from inplay.risk.records import Finding, OrphanKind, OrphanRecord, ReconcileReport

__all__ = ["critical_keys", "finding_key", "new_report_id", "orphan_alert", "summary_alert"]

_UNSAFE: Final = re.compile(r"[^A-Za-z0-9:_.-]")
_LISTED: Final = 10


def _alert_id(raw: str) -> str:
    return _UNSAFE.sub("_", raw)[:128]


def alert_mode(mode: TradingMode) -> Mode:
    return Mode.PAPER if mode is TradingMode.PAPER else Mode.LIVE


def new_report_id(started_at: datetime, account_key: str) -> str:
    """``rc-<start time>-<account digest>-<random>``: sortable, one per run and account."""
    digest = hashlib.sha256(account_key.encode()).hexdigest()[:8]
    return f"rc-{started_at:%Y%m%dT%H%M%S%fZ}-{digest}-{uuid.uuid4().hex[:6]}"


def orphan_alert(orphan: OrphanRecord, *, at: datetime) -> Alert:
    what = "order" if orphan.kind is OrphanKind.ORDER else "position"
    terms = " ".join(
        part
        for part in (
            orphan.action.value if orphan.action else None,
            f"{orphan.size}",
            orphan.side.value.upper(),
            f"@ {orphan.price}" if orphan.price is not None else None,
        )
        if part
    )
    fields = [AlertField(name="Market", value=orphan.market_ticker), AlertField(name="Size", value=terms)]
    if orphan.order_id:
        fields.append(AlertField(name="Venue order", value=orphan.order_id, inline=False))
    return Alert(
        kind=AlertKind.RECONCILE,
        severity=Severity.CRITICAL,
        mode=alert_mode(orphan.mode),
        title=f"Orphaned {what} on {orphan.venue}: {orphan.market_ticker} ({terms})"[:256],
        description=(
            f"The venue holds an {what} no inplay intent accounts for. New entries on "
            f"{orphan.market_ticker} are blocked until it is gone (inplay never cancels or closes it "
            "by itself: it may be your own manual trade). " + (orphan.notes or "")
        ).strip()[:4096],
        fields=tuple(fields),
        user_id=orphan.user_id,
        occurred_at=at,
        alert_id=_alert_id(f"reconcile:orphan:{orphan.orphan_id}"),
        correlation_id=orphan.detected_by[:128] or None,
    )


def finding_key(finding: Finding) -> str:
    """What identifies a problem across runs (a persisting one is alerted once)."""
    return ":".join(
        str(part or "")
        for part in (finding.kind.value, finding.market_ticker, finding.intent_id, finding.order_id)
    )


def critical_keys(report: ReconcileReport) -> frozenset[str]:
    keys = {finding_key(f) for f in report.findings if f.critical}
    if not report.ok:
        keys.add("aborted")
    return frozenset(keys)


def _line(finding: Finding) -> str:
    parts = [finding.kind.value, finding.market_ticker or finding.intent_id or ""]
    if finding.store is not None or finding.venue is not None:
        parts.append(f"store {finding.store or '-'} / venue {finding.venue or '-'}")
    if finding.action:
        parts.append(finding.action)
    return " · ".join(part for part in parts if part)


def summary_alert(report: ReconcileReport, findings: list[Finding], *, at: datetime) -> Alert:
    """The run's one summary: why it aborted, or its critical ``findings``."""
    mode = alert_mode(report.mode)
    if not report.ok:
        title = f"Reconcile aborted ({report.venue}): nothing was concluded"
        description = (report.aborted_reason or "unknown reason")[:4096]
    else:
        title = f"Reconcile ({report.venue}): {len(findings)} critical finding(s)"
        lines = [f"- {_line(f)}" for f in findings[:_LISTED]]
        if len(findings) > _LISTED:
            lines.append(f"… and {len(findings) - _LISTED} more (see report {report.report_id})")
        description = "\n".join(lines)[:4096]
    return Alert(
        kind=AlertKind.RECONCILE,
        severity=Severity.CRITICAL,
        mode=mode,
        title=title[:256],
        description=description or None,
        fields=(
            AlertField(name="Report", value=report.report_id, inline=False),
            AlertField(name="Trigger", value=report.trigger.value),
            AlertField(name="Venue orders", value=str(report.venue_orders)),
            AlertField(name="Venue positions", value=str(report.venue_positions)),
            AlertField(name="Store positions", value=str(report.store_positions)),
        ),
        user_id=report.user_id,
        occurred_at=at,
        alert_id=_alert_id(f"reconcile:{report.report_id}"),
        correlation_id=report.report_id[:128],
    )
