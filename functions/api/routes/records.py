"""Read-only records: GET /api/orders, /api/audit/trades, /api/risk/events."""

from __future__ import annotations

from api.routes.common import new_router

router = new_router()
