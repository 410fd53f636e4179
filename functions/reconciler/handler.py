"""The reconciler (see ``inplay.reconcile``): every 5 minutes for every user of the deployment, and
on demand for one user (``inplay.risk.commands.ReconcileCommand`` from the API, bot start/stop).

A user whose run fails does not stop the others; the invocation fails at the end (after its
heartbeat) so the Errors alarm fires. A run that could not read the venue is not a failure here:
it is stored as an aborted report and alerted by the reconciler itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import ValidationError

from inplay.alerts.publisher import SnsAlertPublisher
from inplay.audit.store import DynamoAuditLog
from inplay.config import PaperExecution, ReconcilerSettings, cached_settings
from inplay.observability import logger, metrics, tracer
from inplay.orders.auditing import IdempotentOrderAudit
from inplay.orders.intents import TradingMode
from inplay.reconcile import ReconcileAlertError, ReconcileDeps, ReconcileSettings, reconcile_user
from inplay.risk.commands import ReconcileCommand, ReconcileReply
from inplay.risk.heartbeats import record_heartbeat
from inplay.risk.records import ReconcileReport, ReconcileTrigger
from inplay.store.bots import DynamoBotControls
from inplay.store.intents import DynamoIntentLedger
from inplay.store.risk import DynamoRiskStore
from inplay.store.trades import DynamoTradeStore
from inplay.store.users import DeploymentUsers, UserDirectory
from inplay.venues.counting import CountingVenues
from inplay.venues.factory import trading_venues
from inplay.venues.kalshi.client import is_production_url

COMPONENT = "reconciler"


class ReconcileRunError(RuntimeError):
    """Some users could not be reconciled (each is logged); raised after the others were done."""


@dataclass(frozen=True, slots=True)
class Runtime:
    deps: ReconcileDeps
    audit: IdempotentOrderAudit
    venues: CountingVenues
    risk: DynamoRiskStore
    users: UserDirectory


@cache
def runtime() -> Runtime:
    from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer

    settings = cached_settings(ReconcilerSettings)
    risk = DynamoRiskStore(settings.risk_table)
    controls = DynamoBotControls(settings.bots_table)
    venues = CountingVenues(trading_venues(settings), risk)
    audit_log = DynamoAuditLog(settings.audit_table)
    audit = IdempotentOrderAudit(audit_log, DynamoDBPersistenceLayer(table_name=settings.idempotency_table))
    # Every user's Kalshi account is probed even when the store holds nothing there, so an order
    # placed behind the bot's back is found: the production account (LIVE), or the demo/simulator
    # account PAPER orders go to with paper_execution=exchange. A simulated paper account only ever
    # holds inplay's own orders; it is compared whenever the store has positions there.
    probes: tuple[tuple[str, TradingMode], ...] = ()
    if is_production_url(settings.kalshi_base_url):
        probes = (("kalshi", TradingMode.LIVE),)
    elif settings.paper_execution is PaperExecution.EXCHANGE:
        probes = (("kalshi", TradingMode.PAPER),)
    deps = ReconcileDeps(
        ledger=DynamoIntentLedger(settings.intents_table),
        trades=DynamoTradeStore(settings.fills_table, settings.positions_table),
        controls=controls,
        risk=risk,
        audit=audit,
        audit_log=audit_log,
        alerts=SnsAlertPublisher(settings.alerts_topic_arn),
        venues=venues,
        settings=ReconcileSettings(
            stale_after=timedelta(seconds=settings.stale_intent_seconds),
            default_accounts=probes,
        ),
    )
    return Runtime(
        deps, audit, venues, risk, DeploymentUsers(controls, secret_prefix=settings.kalshi_secret_prefix)
    )


def _summary(report: ReconcileReport) -> dict[str, Any]:
    return {
        "user_id": report.user_id,
        "report_id": report.report_id,
        "ok": report.ok,
        "findings": len(report.findings),
        "critical": report.critical,
        "aborted_reason": report.aborted_reason,
    }


def _reconcile(run: Runtime, user_id: str, trigger: ReconcileTrigger) -> list[ReconcileReport]:
    try:
        reports = reconcile_user(run.deps, user_id, trigger=trigger, now=datetime.now(UTC))
    except ReconcileAlertError as exc:  # the runs finished and are stored; an alert did not go out
        logger.error("reconcile alerts not published", extra={"user_id": user_id, "error": str(exc)})
        reports = exc.reports
        metrics.add_metric(name="ReconcileAlertFailed", unit=MetricUnit.Count, value=1)
    for report in reports:
        logger.info("reconciled", extra=_summary(report))
        if not report.ok:
            metrics.add_metric(name="ReconcileAborted", unit=MetricUnit.Count, value=1)
    return reports


@logger.inject_lambda_context
@metrics.log_metrics
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    run = runtime()
    run.audit.register_context(context)
    try:
        if isinstance(event, dict) and event.get("command") == "reconcile":
            try:
                command = ReconcileCommand.model_validate(event)
            except ValidationError as exc:
                raise ValueError(f"invalid reconcile command: {exc.errors()[:3]}") from None
            reports = _reconcile(run, command.user_id, command.trigger)
            return ReconcileReply(reports=tuple(r.model_dump(mode="json") for r in reports)).model_dump(
                mode="json"
            )
        users = run.users.users()
        failures: dict[str, str] = {}
        aborted = 0
        for user_id in users:
            try:
                aborted += sum(
                    not report.ok for report in _reconcile(run, user_id, ReconcileTrigger.SCHEDULE)
                )
            except Exception as exc:  # one user's problem must not stop the others' reconciliation
                logger.exception("reconcile failed", extra={"user_id": user_id})
                failures[user_id] = f"{type(exc).__name__}: {exc}"
        record_heartbeat(
            run.risk,
            COMPONENT,
            ok=not failures and not aborted,
            details={"users": len(users), "failed": len(failures), "aborted": aborted},
        )
        if failures:
            raise ReconcileRunError(f"reconcile failed for {sorted(failures)}: {failures}")
        return {"users": users, "aborted": aborted}
    finally:
        run.venues.flush()
