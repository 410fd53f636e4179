"""Sign-in: POST /api/auth/sign-in and /api/auth/refresh (public routes: they hand out the token)."""

from __future__ import annotations

from functools import cache
from typing import Final

from aws_lambda_powertools.event_handler import Response

from api.routes.common import new_router
from inplay.api.auth import CognitoSignIn, RefreshRequest, SignIn, SignInRequest, TokenResponse
from inplay.config import ApiSettings, cached_settings

router = new_router()
NO_STORE: Final = {"Cache-Control": "no-store", "Pragma": "no-cache"}
"""Tokens must not be kept by a browser or proxy cache."""


@cache
def sign_in_service() -> SignIn:
    """The user pool's app client (one per warm function)."""
    settings = cached_settings(ApiSettings)
    return CognitoSignIn(settings.client_id, settings.region)


@router.post("/api/auth/sign-in")
def sign_in(request: SignInRequest) -> Response[TokenResponse]:
    """Username and password → tokens; send ``id_token`` as ``Authorization: Bearer <id_token>``."""
    tokens = sign_in_service().sign_in(request.username, request.password.get_secret_value())
    return _answer(tokens.response())


@router.post("/api/auth/refresh")
def refresh(request: RefreshRequest) -> Response[TokenResponse]:
    """A refresh token (from sign-in) → a new ID token, before the old one expires."""
    return _answer(sign_in_service().refresh(request.refresh_token.get_secret_value()).response())


def _answer(tokens: TokenResponse) -> Response[TokenResponse]:
    return Response(status_code=200, content_type="application/json", body=tokens, headers=dict(NO_STORE))
