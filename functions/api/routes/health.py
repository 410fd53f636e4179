"""GET /api/health/trading: venue, tables, feed, bot, reconcile, kill switch."""

from __future__ import annotations

from api.routes.common import new_router

router = new_router()
