"""The kill switch (see ``inplay.risk.tripping``). Three kinds of event reach it:

- the minute schedule: evaluate every user of the deployment (and re-enforce tripped switches);
- the Fills table's stream: evaluate the users whose fills were just recorded, within a second;
- a direct invocation from the API (``inplay.risk.commands.KillSwitchCommand``): emergency stop,
  reset, evaluate. Its answer is a ``KillSwitchReply``.

A user whose evaluation fails does not stop the others; the invocation fails at the end (after its
heartbeat) so the Errors alarm fires and, for the stream, the batch is retried.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import ValidationError

from inplay.alerts.publisher import SnsAlertPublisher
from inplay.audit.store import DynamoAuditLog
from inplay.config import KillSwitchSettings, cached_settings
from inplay.observability import logger, metrics, tracer
from inplay.orders.auditing import IdempotentOrderAudit
from inplay.risk.commands import KillSwitchCommand, KillSwitchReply, KillSwitchStatus
from inplay.risk.heartbeats import record_heartbeat
from inplay.risk.tripping import (
    KillSwitchDeps,
    KillSwitchOutcome,
    NotTripped,
    StepFunctionsBatchStarter,
    emergency_stop,
    evaluate_user,
    reset,
)
from inplay.store.bots import DynamoBotControls
from inplay.store.games import GamesStore
from inplay.store.intents import DynamoIntentLedger
from inplay.store.risk import DynamoRiskStore
from inplay.store.trades import DynamoTradeStore
from inplay.store.users import DeploymentUsers, UserDirectory, is_user_id
from inplay.venues.counting import CountingVenues
from inplay.venues.factory import trading_venues

COMPONENT = "kill_switch"


class KillSwitchRunError(RuntimeError):
    """Some users could not be evaluated (each is logged); raised after the others were done."""


@dataclass(frozen=True, slots=True)
class Runtime:
    deps: KillSwitchDeps
    venues: CountingVenues
    risk: DynamoRiskStore
    users: UserDirectory


@cache
def runtime() -> Runtime:
    from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer

    settings = cached_settings(KillSwitchSettings)
    risk = DynamoRiskStore(settings.risk_table)
    controls = DynamoBotControls(settings.bots_table)
    venues = CountingVenues(trading_venues(settings), risk)
    deps = KillSwitchDeps(
        controls=controls,
        risk=risk,
        ledger=DynamoIntentLedger(settings.intents_table),
        trades=DynamoTradeStore(settings.fills_table, settings.positions_table),
        games=GamesStore(settings.games_table),
        venues=venues,
        batches=StepFunctionsBatchStarter(settings.order_batch_state_machine_arn),
        audit=IdempotentOrderAudit(
            DynamoAuditLog(settings.audit_table),
            DynamoDBPersistenceLayer(table_name=settings.idempotency_table),
        ),
        alerts=SnsAlertPublisher(settings.alerts_topic_arn),
    )
    return Runtime(deps, venues, risk, DeploymentUsers(controls, secret_prefix=settings.kalshi_secret_prefix))


def _now() -> datetime:
    return datetime.now(UTC)


def _log_outcome(user_id: str, outcome: KillSwitchOutcome) -> None:
    reply = outcome.reply()
    if outcome.status is KillSwitchStatus.TRIPPED:
        metrics.add_metric(name="KillSwitchTripped", unit=MetricUnit.Count, value=1)
        logger.critical("kill switch tripped", extra={"user_id": user_id, **reply.model_dump(mode="json")})
    for problem in outcome.problems:
        logger.warning("kill switch problem", extra={"user_id": user_id, "problem": problem})


def _evaluate(run: Runtime, users: list[str]) -> dict[str, str]:
    """Evaluate each user; returns the failures by user (the others are done regardless)."""
    failures: dict[str, str] = {}
    for user_id in users:
        try:
            _log_outcome(user_id, evaluate_user(run.deps, user_id, _now()))
        except Exception as exc:  # one user's outage must not stop the others' kill switches
            logger.exception("kill switch evaluation failed", extra={"user_id": user_id})
            failures[user_id] = f"{type(exc).__name__}: {exc}"
    return failures


def _stream_users(event: dict[str, Any]) -> list[str]:
    users: dict[str, None] = {}
    for record in event.get("Records") or ():
        image = (record.get("dynamodb") or {}).get("NewImage") or {}
        user = (image.get("user_id") or {}).get("S")
        if isinstance(user, str) and is_user_id(user):
            users[user] = None
    return list(users)


def _command(run: Runtime, command: KillSwitchCommand) -> KillSwitchReply:
    now = _now()
    if command.command == "emergency_stop":
        outcome = emergency_stop(
            run.deps,
            command.user_id,
            by=command.by,
            close_positions=command.close_positions,
            reason=command.reason or "emergency stop",
            now=now,
        )
    elif command.command == "reset":
        try:
            outcome = reset(run.deps, command.user_id, reason=command.reason, by=command.by, now=now)
        except NotTripped:
            switch = run.deps.controls.kill_switch(command.user_id)
            return KillSwitchReply(
                status=KillSwitchStatus.NOT_TRIPPED,
                state="TRIPPED" if switch.tripped else "ACTIVE",
                reason=switch.reason,
            )
    else:
        outcome = evaluate_user(run.deps, command.user_id, now)
    _log_outcome(command.user_id, outcome)
    return outcome.reply()


@logger.inject_lambda_context
@metrics.log_metrics
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    run = runtime()
    try:
        if isinstance(event, dict) and "command" in event:
            try:
                command = KillSwitchCommand.model_validate(event)
            except ValidationError as exc:
                raise ValueError(f"invalid kill-switch command: {exc.errors()[:3]}") from None
            return _command(run, command).model_dump(mode="json")
        if isinstance(event, dict) and "Records" in event:
            users = _stream_users(event)
            failures = _evaluate(run, users)
            if failures:  # the stream retries the batch (then its dead-letter queue)
                raise KillSwitchRunError(f"kill switch failed for {sorted(failures)}: {failures}")
            return {"source": "fills", "users": users}
        users = run.users.users()
        failures = _evaluate(run, users)
        record_heartbeat(
            run.risk, COMPONENT, ok=not failures, details={"users": len(users), "failed": len(failures)}
        )
        if failures:
            raise KillSwitchRunError(f"kill switch failed for {sorted(failures)}: {failures}")
        return {"source": "schedule", "users": users}
    finally:
        run.venues.flush()
