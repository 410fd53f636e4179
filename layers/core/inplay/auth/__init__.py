"""Sign-in: Cognito ID tokens (RS256 JWTs) verified against the user pool's JWKS."""

from inplay.auth.tokens import (
    AuthError,
    HttpJwks,
    JwksSource,
    Principal,
    StaticJwks,
    TokenVerifier,
    bearer_token,
    verifier_for,
)

__all__ = [
    "AuthError",
    "HttpJwks",
    "JwksSource",
    "Principal",
    "StaticJwks",
    "TokenVerifier",
    "bearer_token",
    "verifier_for",
]
