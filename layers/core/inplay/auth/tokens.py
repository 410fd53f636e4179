"""Verify a Cognito ID token and name its user.

Every API route (and the WebSocket ``$connect``) calls :meth:`TokenVerifier.verify`, on AWS behind
API Gateway's Cognito authorizer as well (defence in depth: a route never trusts that the
authorizer ran). The checks are the ones AWS documents for Cognito tokens: signature RS256 by a
key of the pool's JWKS (looked up by ``kid``), ``iss`` = the pool, ``token_use`` = ``id``, ``aud``
= the app client, ``exp``/``iat`` within a minute's clock skew. The user id is ``sub``.

The JWKS URL comes from settings, never from the token's ``iss``: locally moto serves the keys at
its own address while ``iss`` still names ``cognito-idp.<region>.amazonaws.com``.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final, Protocol

import httpx
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from inplay.config import AuthSettings
from inplay.risk.records import SYSTEM_USER, USER_ID_PATTERN

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

ALGORITHM: Final = "RS256"
DEFAULT_LEEWAY_SECONDS: Final = 60
MAX_TOKEN_CHARS: Final = 8192
_USER_ID: Final = re.compile(USER_ID_PATTERN)
_BEARER: Final = re.compile(r"^Bearer\s+(\S+)$", re.IGNORECASE)
_BARE_JWT: Final = re.compile(r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$")


class AuthError(Exception):
    """The request is not signed in: the message says why (never echoes the token)."""


@dataclass(frozen=True, slots=True)
class Principal:
    """The signed-in user of one request."""

    user_id: str
    """Cognito ``sub``: every item the user owns is partitioned by it."""
    username: str | None = None


class JwksSource(Protocol):
    def key_set(self, *, refresh: bool = False) -> KeySet:
        """The pool's signing keys; ``refresh`` asks for a fresh copy (a ``kid`` was not found)."""
        ...


class StaticJwks:
    """A fixed JWKS document (tests, and pools whose keys are known in advance)."""

    def __init__(self, document: Mapping[str, Any]) -> None:
        self._keys = KeySet.import_key_set(dict(document))  # type: ignore[arg-type]

    def key_set(self, *, refresh: bool = False) -> KeySet:
        return self._keys


class HttpJwks:
    """The JWKS fetched over HTTPS (HTTP on loopback for the local cloud) and kept for the life of
    the warm function; a refresh (unknown ``kid``: the pool rotated its keys) is allowed at most
    once per ``min_refresh_seconds`` so forged ``kid`` values cannot hammer the endpoint."""

    def __init__(
        self,
        url: str,
        *,
        timeout_seconds: float = 5.0,
        min_refresh_seconds: float = 60.0,
        client: httpx.Client | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.url = url
        self._timeout = timeout_seconds
        self._min_refresh = min_refresh_seconds
        self._client = client
        self._monotonic = monotonic
        self._keys: KeySet | None = None
        self._fetched_at: float | None = None
        self._lock = threading.Lock()

    def key_set(self, *, refresh: bool = False) -> KeySet:
        with self._lock:
            now = self._monotonic()
            stale = refresh and (self._fetched_at is None or now - self._fetched_at >= self._min_refresh)
            if self._keys is None or stale:
                self._keys = self._fetch()
                self._fetched_at = now
            return self._keys

    def _fetch(self) -> KeySet:
        try:
            if self._client is not None:
                response = self._client.get(self.url, timeout=self._timeout)
            else:
                response = httpx.get(self.url, timeout=self._timeout)
            response.raise_for_status()
            return KeySet.import_key_set(response.json())
        except (httpx.HTTPError, ValueError, JoseError) as exc:
            # Not the caller's fault, but nothing can be verified: the request is refused.
            raise AuthError(f"cannot load the sign-in keys ({type(exc).__name__})") from exc


class TokenVerifier:
    def __init__(
        self,
        jwks: JwksSource,
        *,
        issuer: str,
        client_id: str,
        leeway_seconds: int = DEFAULT_LEEWAY_SECONDS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if not issuer or not client_id:
            raise ValueError("the token issuer and the app client id are required")
        self._jwks = jwks
        self._issuer = issuer
        self._client_id = client_id
        self._leeway = leeway_seconds
        self._clock = clock

    def verify(self, token: str) -> Principal:
        """The user of a valid ID token; :class:`AuthError` for anything else."""
        if not token or len(token) > MAX_TOKEN_CHARS or token.count(".") != 2:
            raise AuthError("the token is not a JWT")
        decoded = self._decode(token)
        claims = decoded.claims
        if claims.get("token_use") != "id":
            raise AuthError("an ID token is required (not an access token)")
        registry = jwt.JWTClaimsRegistry(
            now=lambda: int(self._clock()),
            leeway=self._leeway,
            iss={"essential": True, "value": self._issuer},
            aud={"essential": True, "value": self._client_id},
            sub={"essential": True},
            exp={"essential": True},
            iat={"essential": True},
        )
        try:
            registry.validate(claims)
        except JoseError as exc:
            raise AuthError(_claim_problem(exc)) from None
        issued = claims.get("iat")
        if not isinstance(issued, int) or issued > self._clock() + self._leeway:
            raise AuthError("the token was issued in the future")
        user_id = claims.get("sub")
        if not isinstance(user_id, str) or not _USER_ID.fullmatch(user_id) or user_id == SYSTEM_USER:
            raise AuthError("the token names no valid user")
        username = claims.get("cognito:username")
        return Principal(user_id=user_id, username=username if isinstance(username, str) else None)

    def _decode(self, token: str) -> jwt.Token:
        for refresh in (False, True):
            try:
                return jwt.decode(token, self._jwks.key_set(refresh=refresh), algorithms=[ALGORITHM])
            except JoseError as exc:
                if refresh or not _unknown_key(exc):
                    raise AuthError(_token_problem(exc)) from None
            except ValueError:
                raise AuthError("the token is malformed") from None
        raise AuthError("the token is not signed by this user pool")  # pragma: no cover


def _unknown_key(exc: JoseError) -> bool:
    return exc.error in ("invalid_key_id", "missing_key")


def _token_problem(exc: JoseError) -> str:
    if _unknown_key(exc):
        return "the token is not signed by this user pool"
    if exc.error == "bad_signature":
        return "the token's signature is invalid"
    if exc.error == "unsupported_algorithm":
        return f"the token must be signed with {ALGORITHM}"
    return "the token is malformed"


_CLAIM_PROBLEMS: Final = {
    "iss": "the token was issued by another user pool",
    "aud": "the token was issued for another app client",
    "sub": "the token names no user",
    "exp": "the token has no expiry",
    "iat": "the token has no issue time",
}


def _claim_problem(exc: JoseError) -> str:
    if exc.error == "expired_token":
        return "the token has expired; sign in again"
    claim = getattr(exc, "claim", None)
    if claim == "iat":
        return "the token was issued in the future"
    if isinstance(claim, str) and claim in _CLAIM_PROBLEMS:
        return _CLAIM_PROBLEMS[claim]
    return "the token's claims are invalid"


def verifier_for(settings: AuthSettings) -> TokenVerifier:
    """The verifier of a function's user pool (its JWKS fetched over HTTP, kept while warm)."""
    return TokenVerifier(
        HttpJwks(settings.jwks_endpoint), issuer=settings.issuer, client_id=settings.client_id
    )


def bearer_token(headers: Mapping[str, str] | None) -> str:
    """The token of an ``Authorization: Bearer <token>`` header (any case of the header name)."""
    for name, value in (headers or {}).items():
        if name.lower() == "authorization":
            text = value.strip() if isinstance(value, str) else ""
            found = _BEARER.match(text)
            if found is not None:
                return found.group(1)
            if _BARE_JWT.match(text):  # API Gateway's Cognito authorizer takes the bare token too
                return text
            raise AuthError("the Authorization header must be 'Bearer <ID token>'")
    raise AuthError("sign in first: send 'Authorization: Bearer <ID token>' (POST /api/auth/sign-in)")
