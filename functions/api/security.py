"""Who is calling: every route requires a valid Cognito ID token except :data:`PUBLIC_ROUTES`.

The check is a global middleware, so a new route is authenticated unless it is listed here (fail
closed); a route reads its caller with :func:`user_id`. On AWS, API Gateway's Cognito authorizer
checks the token first; this check runs anyway, so a misconfigured authorizer cannot open the API.
"""

from __future__ import annotations

from functools import cache
from typing import Any, Final

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.exceptions import UnauthorizedError
from aws_lambda_powertools.event_handler.middlewares import NextMiddleware

from inplay.auth import AuthError, HttpJwks, TokenVerifier, bearer_token
from inplay.config import ApiSettings, cached_settings

__all__ = ["PUBLIC_ROUTES", "USER_CONTEXT_KEY", "authenticate", "token_verifier", "user_id"]

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
    settings = cached_settings(ApiSettings)
    return TokenVerifier(
        HttpJwks(settings.jwks_endpoint), issuer=settings.issuer, client_id=settings.client_id
    )


def authenticate(app: APIGatewayRestResolver, next_middleware: NextMiddleware) -> Response[Any]:
    """Global middleware: verify the bearer token and put its user into the request context."""
    route = app.context.get("_route")
    key = (str(getattr(route, "method", "")).upper(), str(getattr(route, "path", "")))
    if key not in PUBLIC_ROUTES:
        try:
            principal = token_verifier().verify(bearer_token(app.current_event.headers))
        except AuthError as exc:
            raise UnauthorizedError(str(exc)) from None
        app.context[USER_CONTEXT_KEY] = principal.user_id
    return next_middleware(app)


def user_id(router: Router | APIGatewayRestResolver) -> str:
    """The signed-in user of the current request (set by :func:`authenticate`)."""
    value = router.context.get(USER_CONTEXT_KEY)
    if not isinstance(value, str) or not value:
        raise UnauthorizedError("sign in first")  # the middleware did not run: fail closed
    return value
