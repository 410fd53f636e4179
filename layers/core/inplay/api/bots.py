"""The bot routes: start (with pre-flight), stop, pause, resume, the paper/live switch, status and
positions. Validation errors are ``400`` naming the field; a change the bot's state does not allow
is ``409`` with the state it is in; a refused start is ``409`` with every failing check.

Every lifecycle transition is audited (``BOT_STATE``); a refused start and a start that failed
(ERROR) are also alerted. Stopping reconciles (trigger ``bot_stop``) and keeps the positions open.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from http import HTTPStatus
from typing import Annotated, Any, Final, Protocol

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from inplay.alerts import Alert, AlertField, AlertKind, AlertPublisher, Severity
from inplay.api.safety import ApiReply, FunctionInvoker, InvocationFailed, InvocationTimedOut
from inplay.audit import AuditKind, AuditLog
from inplay.bots.lifecycle import BOT_ID_PATTERN, DEFAULT_BOT_ID, BotRecord, BotState, BotStateConflict
from inplay.bots.mode import (
    CriticalLogger,
    LiveConfirmationRequired,
    PaperTradingRequest,
    alert_mode,
    switch_trading_mode,
)
from inplay.bots.preflight import VENUE, PreflightDeps, PreflightReport, run_preflight
from inplay.money import format_dollars
from inplay.orders.fills import FillRecord, PositionState
from inplay.orders.intents import TradingMode
from inplay.risk.commands import ReconcileCommand, ReconcileReply
from inplay.risk.inputs import day_start, trading_day
from inplay.risk.kill_switch import KillSwitch
from inplay.risk.records import ReconcileTrigger
from inplay.store.bots import InvalidBotSettings, ModeChangeConflict, config_from_settings
from inplay.strategy.model import InvalidStrategyParams, params_from_settings
from inplay.venues.factory import VenueProvider

__all__ = [
    "MAX_CLOSED_POSITIONS",
    "BotApiDeps",
    "BotRequest",
    "BotStore",
    "PositionStatus",
    "PositionsReader",
    "StartRequest",
    "StopReconciler",
    "bot_status",
    "list_positions",
    "pause_bot",
    "resume_bot",
    "set_paper_trading",
    "start_bot",
    "stop_bot",
]

MAX_CLOSED_POSITIONS: Final = 1000
STOP_RECONCILE_WAIT_SECONDS: Final = 15.0

log = logging.getLogger(__name__)

SettingValue = str | int | bool | list[str]


def _setting_text(key: str, value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return ",".join(item.strip() for item in value)
    if isinstance(value, float):
        raise ValueError(f'{key}: write decimal numbers as strings (e.g. "0.03") so they stay exact')
    raise ValueError(f"{key}: must be a string, an integer, a boolean or a list of strings")


class BotRequest(BaseModel):
    """Body of ``POST /api/bot/stop``, ``/pause`` and ``/resume``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    bot_id: Annotated[str, Field(pattern=BOT_ID_PATTERN)] = DEFAULT_BOT_ID


class StartRequest(BotRequest):
    """Body of ``POST /api/bot/start``. ``settings``, when given, replace the bot's stored settings
    (absent keys take their defaults); without them the stored settings are used."""

    settings: dict[str, Any] | None = None

    @field_validator("settings", mode="before")
    @classmethod
    def _as_strings(cls, value: object) -> object:
        if value is None:
            return None
        if not isinstance(value, dict):
            raise ValueError("must be an object of setting names to values")
        problems: list[str] = []
        out: dict[str, str] = {}
        for key, item in value.items():
            try:
                out[str(key)] = _setting_text(str(key), item)
            except ValueError as exc:
                problems.append(str(exc))
        if problems:
            raise ValueError("; ".join(problems))
        return out


class PositionStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class BotStore(Protocol):
    """What the routes need from the bots table (``inplay.store.bots.DynamoBotControls``)."""

    def bot(self, user_id: str, bot_id: str) -> BotRecord: ...

    def bots(self, user_id: str) -> list[BotRecord]: ...

    def transition_bot(
        self,
        user_id: str,
        bot_id: str,
        target: BotState,
        *,
        by: str,
        at: datetime,
        reason: str | None = None,
        from_states: Collection[BotState] | None = None,
        settings: Mapping[str, str] | None = None,
        mode: TradingMode | None = None,
        expect_mode: TradingMode | None = None,
    ) -> BotRecord: ...

    def trading_mode(self, user_id: str) -> TradingMode: ...

    def set_trading_mode(
        self, user_id: str, mode: TradingMode, *, expected: TradingMode, bots: list[BotRecord]
    ) -> None: ...

    def kill_switch(self, user_id: str) -> KillSwitch: ...


class PositionsReader(Protocol):
    def open_positions(self, user_id: str) -> Iterable[PositionState]: ...

    def closed_positions(self, user_id: str, *, limit: int) -> list[PositionState]: ...

    def fills_since(self, user_id: str, since: datetime) -> list[FillRecord]: ...


class StopReconciler(Protocol):
    def reconcile_for_stop(self, user_id: str) -> dict[str, Any]:
        """Reconcile the user as a bot stops: ``{"ok": bool, "detail": str}`` (never raises for
        a reconcile that could not run: the stop goes on)."""
        ...


class ReconcilerOnStop:
    """:class:`StopReconciler` through the reconciler function (trigger ``bot_stop``)."""

    def __init__(
        self,
        invoker: FunctionInvoker,
        function_name: str,
        *,
        wait_seconds: float = STOP_RECONCILE_WAIT_SECONDS,
    ) -> None:
        self._invoker = invoker
        self._function = function_name
        self._wait = wait_seconds

    def reconcile_for_stop(self, user_id: str) -> dict[str, Any]:
        command = ReconcileCommand(user_id=user_id, trigger=ReconcileTrigger.BOT_STOP)
        try:
            raw = self._invoker.invoke(
                self._function, command.model_dump(mode="json"), wait_seconds=self._wait
            )
            reply = ReconcileReply.model_validate(raw)
        except InvocationTimedOut:
            return {"ok": False, "detail": "the reconcile is still running; its report will be stored"}
        except InvocationFailed as exc:
            return {"ok": False, "detail": f"the reconcile could not run: {exc}"}
        except ValidationError:
            return {"ok": False, "detail": "the reconciler answered unexpectedly"}
        aborted = [r for r in reply.reports if r.get("ok") is not True]
        if aborted:
            return {
                "ok": False,
                "detail": f"reconcile aborted: {aborted[0].get('aborted_reason') or 'aborted'}",
            }
        findings = sum(len(r.get("findings") or ()) for r in reply.reports)
        return {"ok": True, "detail": f"reconciled {len(reply.reports)} account(s); {findings} finding(s)"}


@dataclass(frozen=True, slots=True)
class BotApiDeps:
    store: BotStore
    preflight: PreflightDeps
    stop_reconciler: StopReconciler
    trades: PositionsReader
    audit: AuditLog
    alerts: AlertPublisher
    logger: CriticalLogger | None = None

    @property
    def venues(self) -> VenueProvider:
        return self.preflight.venues


# ---------------------------------------------------------------------------------------------
# Replies, audit, alerts


def _conflict(error: BotStateConflict) -> ApiReply:
    return ApiReply(
        HTTPStatus.CONFLICT,
        {
            "message": str(error),
            "bot_id": error.current.bot_id,
            "state": error.current.state.value,
            "bot": error.current.as_json(),
        },
    )


def _bad_request(message: str, errors: Sequence[str]) -> ApiReply:
    return ApiReply(HTTPStatus.BAD_REQUEST, {"message": message, "errors": list(errors)})


def _audit(deps: BotApiDeps, before: BotRecord, after: BotRecord, at: datetime, **extra: Any) -> None:
    payload = {
        "bot_id": after.bot_id,
        "from": before.state.value,
        "to": after.state.value,
        "by": after.by,
        "reason": after.reason,
        "mode": after.mode.value if after.mode else None,
        **extra,
    }
    try:
        deps.audit.append(after.user_id, AuditKind.BOT_STATE, payload, at=at)
    except Exception:  # the transition stands; a lost record is logged (the reconciler re-audits orders only)
        log.exception("bot transition audit failed for %s/%s", after.user_id, after.bot_id)


def _publish(deps: BotApiDeps, alert: Alert) -> None:
    try:
        deps.alerts.publish(alert)
    except Exception:
        log.exception("bot alert %s failed", alert.alert_id)


def _bot_alert(
    bot: BotRecord, mode: TradingMode, *, severity: Severity, title: str, description: str, at: datetime
) -> Alert:
    return Alert(
        kind=AlertKind.INFO,
        severity=severity,
        mode=alert_mode(mode),
        title=title,
        description=description[:4000],
        fields=(AlertField(name="Bot", value=bot.bot_id), AlertField(name="State", value=bot.state.value)),
        user_id=bot.user_id,
        bot_id=bot.bot_id,
        occurred_at=at,
        alert_id=f"bot:{bot.user_id}:{bot.bot_id}:{bot.state.value}:{int(at.timestamp() * 1_000_000)}"[:128],
    )


def _move(
    deps: BotApiDeps,
    before: BotRecord,
    target: BotState,
    *,
    user_id: str,
    at: datetime,
    reason: str | None = None,
    from_states: Collection[BotState] | None = None,
    settings: Mapping[str, str] | None = None,
    mode: TradingMode | None = None,
    expect_mode: TradingMode | None = None,
    **audit_extra: Any,
) -> BotRecord:
    after = deps.store.transition_bot(
        before.user_id,
        before.bot_id,
        target,
        by=user_id,
        at=at,
        reason=reason,
        from_states=from_states,
        settings=settings,
        mode=mode,
        expect_mode=expect_mode,
    )
    _audit(deps, before, after, at, **audit_extra)
    return after


# ---------------------------------------------------------------------------------------------
# Start


def _validate_settings(settings: Mapping[str, str]) -> list[str]:
    problems: list[str] = []
    try:
        config_from_settings(settings)
    except InvalidBotSettings as exc:
        problems.append(f"settings: {exc}")
    try:
        params_from_settings(settings)
    except InvalidStrategyParams as exc:
        problems.append(f"settings: {exc}")
    return problems


def start_bot(deps: BotApiDeps, request: StartRequest, *, user_id: str, now: datetime) -> ApiReply:
    """STOPPED/ERROR → STARTING → pre-flight → RUNNING, or back to STOPPED with the failing checks."""
    current = deps.store.bot(user_id, request.bot_id)
    settings = request.settings if request.settings is not None else dict(current.settings)
    problems = _validate_settings(settings)
    if problems:
        return _bad_request("invalid bot settings", problems)
    params = params_from_settings(settings)
    mode = deps.store.trading_mode(user_id)
    try:
        starting = _move(
            deps,
            current,
            BotState.STARTING,
            user_id=user_id,
            at=now,
            reason="pre-flight checks running",
            settings=settings,
            mode=mode,
        )
    except BotStateConflict as exc:
        return _conflict(exc)
    try:
        report = run_preflight(deps.preflight, user_id, mode=mode, leagues=params.leagues, now=now)
    except Exception as exc:  # an unexpected failure: the bot must not stay STARTING
        log.exception("pre-flight failed for %s/%s", user_id, request.bot_id)
        return _start_failed(deps, starting, mode, f"pre-flight failed: {type(exc).__name__}: {exc}", now)
    checks = [check.as_json() for check in report.checks]
    if not report.ok:
        return _refuse(deps, starting, mode, report, now)
    try:
        running = _move(
            deps,
            starting,
            BotState.RUNNING,
            user_id=user_id,
            at=now,
            reason=None,
            from_states=(BotState.STARTING,),
            expect_mode=mode,
            checks=checks,
        )
    except BotStateConflict as exc:
        if exc.current.state is BotState.STARTING:  # the mode changed under the start
            try:
                _move(
                    deps,
                    exc.current,
                    BotState.STOPPED,
                    user_id=user_id,
                    at=now,
                    reason=str(exc),
                    from_states=(BotState.STARTING,),
                )
            except BotStateConflict as again:
                return _conflict(again)
            return _conflict(
                BotStateConflict(deps.store.bot(user_id, request.bot_id), BotState.RUNNING, str(exc))
            )
        return _conflict(exc)
    return ApiReply(
        HTTPStatus.OK,
        {
            "message": f"bot {running.bot_id} started ({mode.value} trading)",
            "mode": mode.value,
            "bot": running.as_json(),
            "checks": checks,
        },
    )


def _refuse(
    deps: BotApiDeps, starting: BotRecord, mode: TradingMode, report: PreflightReport, now: datetime
) -> ApiReply:
    summary = report.summary()
    checks = [check.as_json() for check in report.checks]
    try:
        stopped = _move(
            deps,
            starting,
            BotState.STOPPED,
            user_id=starting.by or starting.user_id,
            at=now,
            reason=f"start refused: {summary}",
            from_states=(BotState.STARTING,),
            checks=checks,
        )
    except BotStateConflict as exc:
        return _conflict(exc)
    _publish(
        deps,
        _bot_alert(
            stopped,
            mode,
            severity=Severity.WARNING,
            title=f"Bot {stopped.bot_id} did not start: pre-flight checks failed",
            description="\n".join(f"• {c.name.value}: {c.detail}" for c in report.failures),
            at=now,
        ),
    )
    return ApiReply(
        HTTPStatus.CONFLICT,
        {
            "message": "pre-flight checks failed; the bot was not started",
            "bot_id": stopped.bot_id,
            "state": stopped.state.value,
            "failed": [c.name.value for c in report.failures],
            "checks": checks,
        },
    )


def _start_failed(
    deps: BotApiDeps, starting: BotRecord, mode: TradingMode, reason: str, now: datetime
) -> ApiReply:
    try:
        errored = _move(
            deps,
            starting,
            BotState.ERROR,
            user_id=starting.by or starting.user_id,
            at=now,
            reason=reason,
            from_states=(BotState.STARTING,),
        )
    except BotStateConflict as exc:
        return _conflict(exc)
    _publish(
        deps,
        _bot_alert(
            errored,
            mode,
            severity=Severity.CRITICAL,
            title=f"Bot {errored.bot_id} failed to start",
            description=reason,
            at=now,
        ),
    )
    return ApiReply(
        HTTPStatus.BAD_GATEWAY,
        {"message": reason, "bot_id": errored.bot_id, "state": errored.state.value},
    )


# ---------------------------------------------------------------------------------------------
# Stop, pause, resume


def stop_bot(deps: BotApiDeps, request: BotRequest, *, user_id: str, now: datetime) -> ApiReply:
    """→ STOPPING, reconcile, → STOPPED. Open positions are kept (close them with an emergency
    stop, or let them settle)."""
    current = deps.store.bot(user_id, request.bot_id)
    if current.state is BotState.STOPPED:
        return ApiReply(
            HTTPStatus.OK,
            {
                "message": f"bot {current.bot_id} is already stopped",
                "changed": False,
                "bot": current.as_json(),
            },
        )
    try:
        stopping = _move(deps, current, BotState.STOPPING, user_id=user_id, at=now, reason="stop requested")
    except BotStateConflict as exc:
        return _conflict(exc)
    reconcile = deps.stop_reconciler.reconcile_for_stop(user_id)
    try:
        stopped = _move(
            deps,
            stopping,
            BotState.STOPPED,
            user_id=user_id,
            at=now,
            reason="stopped by user",
            from_states=(BotState.STOPPING,),
            reconcile=reconcile,
        )
    except BotStateConflict as exc:
        return _conflict(exc)
    held = [p for p in deps.trades.open_positions(user_id) if p.bot_id == stopped.bot_id and p.contracts != 0]
    return ApiReply(
        HTTPStatus.OK,
        {
            "message": f"bot {stopped.bot_id} stopped; its open positions are kept",
            "changed": True,
            "bot": stopped.as_json(),
            "reconcile": reconcile,
            "open_positions": len(held),
        },
    )


def _pause_or_resume(
    deps: BotApiDeps, request: BotRequest, *, user_id: str, now: datetime, target: BotState, source: BotState
) -> ApiReply:
    current = deps.store.bot(user_id, request.bot_id)
    verb = "paused" if target is BotState.PAUSED else "resumed"
    if current.state is target:
        return ApiReply(
            HTTPStatus.OK,
            {
                "message": f"bot {current.bot_id} is already {target.value}",
                "changed": False,
                "bot": current.as_json(),
            },
        )
    if current.state is not source:
        return _conflict(
            BotStateConflict(
                current,
                target,
                f"bot {current.bot_id} is {current.state.value}; only a {source.value} bot can be {verb}",
            )
        )
    try:
        moved = _move(
            deps,
            current,
            target,
            user_id=user_id,
            at=now,
            reason=f"{verb} by user",
            from_states=(source,),
        )
    except BotStateConflict as exc:
        return _conflict(exc)
    return ApiReply(
        HTTPStatus.OK, {"message": f"bot {moved.bot_id} {verb}", "changed": True, "bot": moved.as_json()}
    )


def pause_bot(deps: BotApiDeps, request: BotRequest, *, user_id: str, now: datetime) -> ApiReply:
    """RUNNING → PAUSED: no new entries; exits still run."""
    return _pause_or_resume(
        deps, request, user_id=user_id, now=now, target=BotState.PAUSED, source=BotState.RUNNING
    )


def resume_bot(deps: BotApiDeps, request: BotRequest, *, user_id: str, now: datetime) -> ApiReply:
    """PAUSED → RUNNING."""
    return _pause_or_resume(
        deps, request, user_id=user_id, now=now, target=BotState.RUNNING, source=BotState.PAUSED
    )


# ---------------------------------------------------------------------------------------------
# Paper / live


def set_paper_trading(
    deps: BotApiDeps, request: PaperTradingRequest, *, user_id: str, now: datetime
) -> ApiReply:
    try:
        switch = switch_trading_mode(
            request,
            user_id=user_id,
            store=deps.store,
            audit=deps.audit,
            alerts=deps.alerts,
            now=now,
            logger=deps.logger,
        )
    except LiveConfirmationRequired as exc:
        return _bad_request(str(exc), ["confirmed: must be true to switch to live trading"])
    except ModeChangeConflict as exc:
        busy = [b for b in exc.bots if b.state not in (BotState.STOPPED, BotState.ERROR)]
        return ApiReply(
            HTTPStatus.CONFLICT,
            {
                "message": "stop every bot before switching between paper and live trading",
                "mode": exc.mode.value,
                "bots": [{"bot_id": b.bot_id, "state": b.state.value} for b in busy or exc.bots],
            },
        )
    body: dict[str, Any] = {
        "mode": switch.current.value,
        "paper_trading": switch.current is TradingMode.PAPER,
        "changed": switch.changed,
        "message": (
            f"switched from {switch.previous.value} to {switch.current.value} trading"
            if switch.changed
            else f"already in {switch.current.value} trading"
        ),
    }
    if switch.problems:
        body["problems"] = list(switch.problems)
    return ApiReply(HTTPStatus.OK, body)


# ---------------------------------------------------------------------------------------------
# Status and positions


def position_json(position: PositionState) -> dict[str, Any]:
    body: dict[str, Any] = position.model_dump(mode="json", exclude={"version", "user_id"})
    body["status"] = position.status.value.lower()
    body["held_side"] = None if position.contracts == 0 else ("yes" if position.contracts > 0 else "no")
    return body


def _balance(venues: VenueProvider, user_id: str, mode: TradingMode) -> dict[str, Any]:
    try:
        balance = venues.account(user_id, VENUE, mode).get_balance()
    except Exception as exc:  # a missing key or an outage is shown, not raised: status must answer
        return {"available": None, "error": f"{type(exc).__name__}: {exc}"[:300]}
    return {
        "available": format_dollars(balance.available),
        "portfolio_value": (
            format_dollars(balance.portfolio_value) if balance.portfolio_value is not None else None
        ),
    }


def _pnl_today(fills: Sequence[FillRecord]) -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    for mode in TradingMode:
        mine = [f for f in fills if f.mode is mode]
        realized = sum((f.realized_pnl for f in mine), Decimal(0))
        fees = sum((f.fee for f in mine), Decimal(0))
        out[mode.value] = {
            "realized": format_dollars(realized),
            "fees": format_dollars(fees),
            "net": format_dollars(realized - fees),
            "fills": str(len(mine)),
        }
    return out


def bot_status(deps: BotApiDeps, *, user_id: str, now: datetime) -> ApiReply:
    """The user's mode, bots, balance per mode, open positions, today's P&L and kill switch."""
    mode = deps.store.trading_mode(user_id)
    switch = deps.store.kill_switch(user_id)
    since = day_start(trading_day(now))
    open_positions = [p for p in deps.trades.open_positions(user_id) if p.contracts != 0]
    return ApiReply(
        HTTPStatus.OK,
        {
            "as_of": now.isoformat(),
            "mode": mode.value,
            "paper_trading": mode is TradingMode.PAPER,
            "bots": [bot.as_json() for bot in deps.store.bots(user_id)],
            "balances": {m.value: _balance(deps.venues, user_id, m) for m in TradingMode},
            "open_positions": [position_json(p) for p in sorted(open_positions, key=lambda p: p.opened_at)],
            "pnl_today": {"since": since.isoformat(), **_pnl_today(deps.trades.fills_since(user_id, since))},
            "kill_switch": {
                "state": switch.state.value,
                "tripped": switch.tripped,
                "reason": switch.reason,
                "trigger": switch.trigger,
                "changed_at": switch.changed_at.isoformat() if switch.changed_at else None,
            },
        },
    )


def list_positions(
    deps: BotApiDeps,
    *,
    user_id: str,
    status: PositionStatus,
    mode: TradingMode | None,
    limit: int,
) -> ApiReply:
    """Open (or closed, newest first, up to ``limit``) positions, of one mode or both."""
    if status is PositionStatus.OPEN:
        found = sorted(deps.trades.open_positions(user_id), key=lambda p: p.opened_at)
    else:
        found = deps.trades.closed_positions(user_id, limit=min(limit, MAX_CLOSED_POSITIONS))
    if mode is not None:
        found = [p for p in found if p.mode is mode]
    return ApiReply(
        HTTPStatus.OK,
        {
            "status": status.value,
            "mode": mode.value if mode else None,
            "positions": [position_json(p) for p in found[:limit]],
        },
    )
