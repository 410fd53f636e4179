"""Sign-in: POST /api/auth/sign-in and /api/auth/refresh (public routes)."""

from __future__ import annotations

from api.routes.common import new_router

router = new_router()
