"""The safety routes: emergency stop, kill-switch reset and a manual reconcile."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import Response

from api import deps
from api.routes.common import new_router, reply
from api.security import user_id
from inplay.api.safety import emergency_stop, reconcile, reset_kill_switch
from inplay.risk.commands import EmergencyStopRequest, ResetRequest

router = new_router()


@router.post("/api/bot/emergency-stop")
def bot_emergency_stop(request: EmergencyStopRequest) -> Response[dict[str, Any]]:
    return reply(
        emergency_stop(
            request,
            user_id=user_id(router),
            invoker=deps.invoker(),
            function_name=deps.settings().kill_switch_function,
        )
    )


@router.post("/api/bot/kill-switch/reset")
def bot_kill_switch_reset(request: ResetRequest) -> Response[dict[str, Any]]:
    return reply(
        reset_kill_switch(
            request,
            user_id=user_id(router),
            invoker=deps.invoker(),
            function_name=deps.settings().kill_switch_function,
        )
    )


@router.post("/api/bot/reconcile")
def bot_reconcile() -> Response[dict[str, Any]]:
    return reply(
        reconcile(
            user_id=user_id(router), invoker=deps.invoker(), function_name=deps.settings().reconciler_function
        )
    )
