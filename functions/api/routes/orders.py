"""``POST /api/bot/order``: a manual order through the order workflow."""

from __future__ import annotations

from datetime import UTC, datetime
from http import HTTPStatus
from typing import Any

from aws_lambda_powertools.event_handler import Response

from api import deps
from api.routes.common import new_router
from api.security import user_id
from inplay.api.orders import ManualOrder, place_manual_order

router = new_router()


@router.post("/api/bot/order")
def bot_order(order: ManualOrder) -> Response[dict[str, Any]]:
    outcome = place_manual_order(
        order, user_id=user_id(router), workflow=deps.order_workflow(), now=datetime.now(UTC)
    )
    body: dict[str, Any] = {
        "status": outcome.status,
        "intent_id": outcome.intent_id,
        "execution_arn": outcome.execution_arn,
        "result": outcome.result.model_dump(mode="json") if outcome.result else None,
    }
    if outcome.http_status == HTTPStatus.BAD_REQUEST and outcome.result and outcome.result.error:
        body["message"] = "invalid request"
        body["errors"] = [f"market_ticker: unknown market ({outcome.result.error.message})"]
    return Response(status_code=outcome.http_status, content_type="application/json", body=body)
