"""Read-only records: GET /api/orders, /api/orders/{intent_id}, /api/audit/trades, /api/risk/events."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Path, Query

from api import deps
from api.routes.common import new_router
from api.security import user_id
from inplay.api.records import (
    DEFAULT_LIMIT,
    MARKET_PATTERN,
    MAX_CURSOR_CHARS,
    MAX_LIMIT,
    ApiDate,
    ApiDatetime,
    AuditTradesPage,
    OrdersPage,
    OrderView,
    RecordsDeps,
    RiskEventKind,
    RiskEventsPage,
    TradeKind,
    get_order,
    list_audit_trades,
    list_orders,
    list_risk_events,
)
from inplay.orders.intents import IntentState, TradingMode
from inplay.venues.base import CLIENT_ORDER_ID_PATTERN

router = new_router()

Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description=f"page size, 1 to {MAX_LIMIT}")]
Cursor = Annotated[
    str | None,
    Query(min_length=1, max_length=MAX_CURSOR_CHARS, description="the previous page's next_cursor"),
]
Market = Annotated[
    str | None, Query(min_length=1, max_length=200, pattern=MARKET_PATTERN, description="a market ticker")
]


@cache
def records_deps() -> RecordsDeps:
    """The stores the record routes read (built once per warm Lambda)."""
    from inplay.audit.store import DynamoAuditHistory
    from inplay.store.intents import DynamoIntentLedger
    from inplay.store.risk import DynamoRiskStore

    config = deps.settings()
    return RecordsDeps(
        orders=DynamoIntentLedger(config.intents_table),
        audit=DynamoAuditHistory(config.audit_table),
        risk=DynamoRiskStore(config.risk_table),
    )


@router.get("/api/orders")
def orders_route(
    status: Annotated[IntentState | None, Query(description="only orders in this state")] = None,
    market: Market = None,
    mode: Annotated[TradingMode | None, Query(description="paper or live (both when absent)")] = None,
    since: Annotated[
        ApiDatetime | None, Query(description="created at or after (ISO 8601 with offset)")
    ] = None,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> OrdersPage:
    """The caller's orders (intents), newest first."""
    return list_orders(
        records_deps().orders,
        user_id=user_id(router),
        status=status,
        market=market,
        mode=mode,
        since=since,
        limit=limit,
        cursor=cursor,
    )


@router.get(
    "/api/orders/<intent_id>",
    responses={
        200: {"description": "the order"},
        404: {
            "description": "no order with this id for the caller (another user's is not revealed)",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
        },
    },
)
def order_route(
    intent_id: Annotated[str, Path(pattern=CLIENT_ORDER_ID_PATTERN, description="the intent id")],
) -> OrderView:
    """One of the caller's orders; 404 when there is none with that id for this user."""
    return get_order(records_deps().orders, user_id=user_id(router), intent_id=intent_id)


@router.get("/api/audit/trades")
def audit_trades_route(
    start: Annotated[ApiDate | None, Query(description="first UTC day (default: 6 days before end)")] = None,
    end: Annotated[ApiDate | None, Query(description="last UTC day, included (default: today)")] = None,
    market: Market = None,
    kind: Annotated[TradeKind | None, Query(description="only records of this kind")] = None,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> AuditTradesPage:
    """The caller's order audit records in a window of at most 92 days, newest first."""
    return list_audit_trades(
        records_deps().audit,
        user_id=user_id(router),
        now=datetime.now(UTC),
        start=start,
        end=end,
        market=market,
        kind=kind,
        limit=limit,
        cursor=cursor,
    )


@router.get("/api/risk/events")
def risk_events_route(
    kind: Annotated[RiskEventKind | None, Query(description="one kind (all kinds when absent)")] = None,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> RiskEventsPage:
    """The caller's kill-switch events, orphans and reconcile reports, newest first."""
    return list_risk_events(
        records_deps().risk,
        user_id=user_id(router),
        kinds=(kind,) if kind is not None else tuple(RiskEventKind),
        limit=limit,
        cursor=cursor,
    )
