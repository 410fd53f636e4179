"""``POST /api/bot/emergency-stop``, ``/api/bot/kill-switch/reset`` and ``/api/bot/reconcile``.

The routes validate and then invoke the function that owns the work (``kill_switch``,
``reconciler``) synchronously, so a trip, a reset or a reconcile runs exactly where the scheduled
ones run, with the same permissions and the same audit and alerts. API Gateway cuts a request at
29 s: past :data:`MAX_INVOKE_SECONDS` the route answers ``202`` and the function carries on.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any, Final, Protocol

from pydantic import ValidationError

from inplay.risk.commands import (
    EmergencyStopRequest,
    KillSwitchCommand,
    KillSwitchReply,
    KillSwitchStatus,
    ReconcileCommand,
    ReconcileReply,
    ResetRequest,
)
from inplay.risk.records import ReconcileTrigger

__all__ = [
    "MAX_INVOKE_SECONDS",
    "ApiReply",
    "FunctionInvoker",
    "InvocationFailed",
    "InvocationTimedOut",
    "LambdaInvoker",
    "emergency_stop",
    "reconcile",
    "reset_kill_switch",
]

MAX_INVOKE_SECONDS: Final = 25.0


class InvocationFailed(RuntimeError):
    """The function could not be invoked, or it failed (its error message is kept)."""


class InvocationTimedOut(RuntimeError):
    """No answer within the wait; the function may still be running (and finish its work)."""


class FunctionInvoker(Protocol):
    def invoke(self, function_name: str, payload: Mapping[str, Any], *, wait_seconds: float) -> Any:
        """Invoke synchronously and return the function's JSON result."""
        ...


class LambdaInvoker:
    """:class:`FunctionInvoker` on AWS Lambda (``RequestResponse``, no client retries: a retried
    invocation would run the command twice)."""

    def __init__(self, client: Any = None) -> None:
        self._client = client

    def _lambda(self, wait_seconds: float) -> Any:
        if self._client is None:
            import boto3
            from botocore.config import Config

            self._client = boto3.client(
                "lambda",
                config=Config(
                    read_timeout=wait_seconds,
                    connect_timeout=5,
                    retries={"max_attempts": 1, "mode": "standard"},
                ),
            )
        return self._client

    def invoke(self, function_name: str, payload: Mapping[str, Any], *, wait_seconds: float) -> Any:
        from botocore.exceptions import BotoCoreError, ClientError, ReadTimeoutError

        try:
            response = self._lambda(wait_seconds).invoke(
                FunctionName=function_name,
                InvocationType="RequestResponse",
                Payload=json.dumps(dict(payload)).encode(),
            )
        except ReadTimeoutError as exc:
            raise InvocationTimedOut(f"{function_name} did not answer within {wait_seconds:.0f} s") from exc
        except (BotoCoreError, ClientError) as exc:
            raise InvocationFailed(f"cannot invoke {function_name}: {exc}") from exc
        body = response["Payload"].read()
        try:
            result = json.loads(body) if body else None
        except ValueError as exc:
            raise InvocationFailed(f"{function_name} answered with something that is not JSON") from exc
        if response.get("FunctionError"):
            message = result.get("errorMessage") if isinstance(result, dict) else None
            raise InvocationFailed(f"{function_name} failed: {message or 'no details'}")
        return result


@dataclass(frozen=True, slots=True)
class ApiReply:
    status: HTTPStatus
    body: dict[str, Any]


def _invoke(invoker: FunctionInvoker, function_name: str, payload: Mapping[str, Any]) -> Any:
    return invoker.invoke(function_name, payload, wait_seconds=MAX_INVOKE_SECONDS)


def _kill_switch(
    invoker: FunctionInvoker, function_name: str, command: KillSwitchCommand
) -> ApiReply | KillSwitchReply:
    try:
        raw = _invoke(invoker, function_name, command.model_dump(mode="json"))
    except InvocationTimedOut:
        return ApiReply(
            HTTPStatus.ACCEPTED,
            {
                "status": "pending",
                "message": f"the {command.command.replace('_', ' ')} is still running; "
                "read GET /api/bot/status for the kill switch",
            },
        )
    except InvocationFailed as exc:
        return ApiReply(HTTPStatus.BAD_GATEWAY, {"message": str(exc)})
    try:
        return KillSwitchReply.model_validate(raw)
    except ValidationError:
        return ApiReply(HTTPStatus.BAD_GATEWAY, {"message": "the kill switch answered unexpectedly"})


def emergency_stop(
    request: EmergencyStopRequest, *, user_id: str, invoker: FunctionInvoker, function_name: str
) -> ApiReply:
    """Trip the switch now (trigger ``manual``); with ``close_positions`` also flatten."""
    command = KillSwitchCommand(
        command="emergency_stop",
        user_id=user_id,
        by=user_id,
        reason=request.reason,
        close_positions=request.close_positions,
    )
    reply = _kill_switch(invoker, function_name, command)
    if isinstance(reply, ApiReply):
        return reply
    message = (
        "kill switch tripped"
        if reply.status is KillSwitchStatus.TRIPPED
        else "the kill switch was already tripped; resting orders were cancelled again"
    )
    return ApiReply(HTTPStatus.OK, {"message": message, **reply.model_dump(mode="json")})


def reset_kill_switch(
    request: ResetRequest, *, user_id: str, invoker: FunctionInvoker, function_name: str
) -> ApiReply:
    command = KillSwitchCommand(command="reset", user_id=user_id, by=user_id, reason=request.reason)
    reply = _kill_switch(invoker, function_name, command)
    if isinstance(reply, ApiReply):
        return reply
    if reply.status is KillSwitchStatus.NOT_TRIPPED:
        return ApiReply(
            HTTPStatus.CONFLICT,
            {
                "message": "the kill switch is not tripped; there is nothing to reset",
                **reply.model_dump(mode="json"),
            },
        )
    return ApiReply(HTTPStatus.OK, {"message": "kill switch reset", **reply.model_dump(mode="json")})


def reconcile(*, user_id: str, invoker: FunctionInvoker, function_name: str) -> ApiReply:
    command = ReconcileCommand(user_id=user_id, trigger=ReconcileTrigger.API)
    try:
        raw = _invoke(invoker, function_name, command.model_dump(mode="json"))
    except InvocationTimedOut:
        return ApiReply(
            HTTPStatus.ACCEPTED,
            {"status": "running", "message": "reconciliation is still running; its report will be stored"},
        )
    except InvocationFailed as exc:
        return ApiReply(HTTPStatus.BAD_GATEWAY, {"message": str(exc)})
    try:
        reply = ReconcileReply.model_validate(raw)
    except ValidationError:
        return ApiReply(HTTPStatus.BAD_GATEWAY, {"message": "the reconciler answered unexpectedly"})
    ok = all(report.get("ok") is True for report in reply.reports)
    return ApiReply(HTTPStatus.OK, {"status": "ok" if ok else "aborted", "reports": list(reply.reports)})
