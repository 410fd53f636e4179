"""Venue credentials: save (validated live), status, delete; never returned."""

from __future__ import annotations

from api.routes.common import new_router

router = new_router()
