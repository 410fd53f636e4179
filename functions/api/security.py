"""Who is calling: every request needs a valid Cognito ID token except :data:`PUBLIC_ROUTES`.

``api.handler`` calls :func:`authenticate` before the resolver parses or validates anything (as
API Gateway's authorizer does), so a new route is authenticated unless it is listed here (fail
closed), and an unknown path without a token is 401, not 404. A route reads its caller with
:func:`user_id`. On AWS the Cognito authorizer checks the token first; this check runs anyway, so
a misconfigured authorizer cannot open the API.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any, Final

from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.exceptions import UnauthorizedError

from inplay.auth import Principal, TokenVerifier, bearer_token, verifier_for
from inplay.config import ApiSettings, cached_settings

__all__ = ["PUBLIC_ROUTES", "USER_CONTEXT_KEY", "authenticate", "is_public", "token_verifier", "user_id"]

PUBLIC_ROUTES: Final = frozenset(
    {
        ("GET", "/api/health"),
        ("POST", "/api/auth/sign-in"),
        ("POST", "/api/auth/refresh"),
    }
)
"""(method, path) of the only routes that answer without a token: liveness and signing in."""
USER_CONTEXT_KEY: Final = "user_id"


@cache
def token_verifier() -> TokenVerifier:
    return verifier_for(cached_settings(ApiSettings))


def is_public(event: Mapping[str, Any]) -> bool:
    method = str(event.get("httpMethod") or "").upper()
    path = str(event.get("path") or "")
    return (method, path) in PUBLIC_ROUTES


def authenticate(event: Mapping[str, Any]) -> Principal | None:
    """The caller of a proxy event (``None`` for a public route); :class:`AuthError` when a
    non-public request carries no valid ID token."""
    if is_public(event):
        return None
    headers = event.get("headers")
    return token_verifier().verify(bearer_token(headers if isinstance(headers, Mapping) else None))


def user_id(router: Router | APIGatewayRestResolver) -> str:
    """The signed-in user of the current request (``api.handler`` put it there)."""
    value = router.context.get(USER_CONTEXT_KEY)
    if not isinstance(value, str) or not value:
        raise UnauthorizedError("sign in first")  # authentication did not run: fail closed
    return value
