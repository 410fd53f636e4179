"""GET/PUT /api/settings: risk limits, sizing, thresholds, leagues."""

from __future__ import annotations

from api.routes.common import new_router

router = new_router()
