"""Kalshi API keys a user brings: shape checks, and the live check that proves a key works.

The live check is one signed ``GET /portfolio/balance`` at the deployment's Kalshi base URL with
the signing code the venues use (:mod:`inplay.venues.kalshi`). Nothing here ever puts the private
key or the full key id into a message, a log line or an exception: errors say what kind of
problem the key has, and the key id is shown as :func:`key_id_hint` at most.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final, Literal, Protocol

from inplay.venues.base import AuthenticationError, PermissionDeniedError, VenueError

if TYPE_CHECKING:
    import httpx

    from inplay.venues.base import Balance
    from inplay.venues.kalshi.auth import KalshiCredentials

__all__ = [
    "KEY_ID_PATTERN",
    "MAX_PEM_CHARS",
    "MIN_PEM_CHARS",
    "CheckUnavailableError",
    "CredentialsRejectedError",
    "CredentialsShapeError",
    "KalshiBalanceCheck",
    "KalshiCheck",
    "KalshiEnvironment",
    "kalshi_environment",
    "key_id_hint",
    "normalize_pem",
    "parse_credentials",
]

log = logging.getLogger(__name__)

KEY_ID_PATTERN: Final = r"^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$"
"""A Kalshi API key id is a UUID (the ``KALSHI-ACCESS-KEY`` header)."""
MAX_PEM_CHARS: Final = 8192
"""An RSA-4096 PKCS#8 PEM is ~3.3 KB; anything past 8 KB is not a single Kalshi key."""
MIN_PEM_CHARS: Final = 100
"""An Ed25519 PKCS#8 PEM, the smallest key Kalshi takes, is 119 characters."""
MIN_RSA_BITS: Final = 2048
CHECK_MAX_ATTEMPTS: Final = 2
"""A connect failure is retried once; a user is waiting for the answer."""

KalshiEnvironment = Literal["production", "demo", "local", "custom"]
_PRIVATE_MARKERS: Final = ("-----BEGIN RSA PRIVATE KEY-----", "-----BEGIN PRIVATE KEY-----")
_SAFE_CODE: Final = re.compile(r"[a-z][a-z0-9_]{0,63}")


class CredentialsShapeError(ValueError):
    """The key id or the PEM is not a usable Kalshi key; ``field`` names which. No key material."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


class CredentialsRejectedError(Exception):
    """Kalshi refused the key (401/403). ``reason`` is our own wording, never Kalshi's text."""

    def __init__(self, status: int | None, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


class CheckUnavailableError(Exception):
    """Kalshi could not be asked (network, timeout, 5xx, 429, a malformed answer)."""

    def __init__(self, reason: str, status: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status


def key_id_hint(key_id: str) -> str:
    """What may be shown of a key id: its last four characters (``…608c``)."""
    return f"…{key_id[-4:]}" if len(key_id) > 8 else "…"


def kalshi_environment(base_url: str) -> KalshiEnvironment:
    """Which Kalshi a base URL is: demo and production keys are separate accounts."""
    from urllib.parse import urlsplit

    from inplay.venues.kalshi.client import LOOPBACK_HOSTS, is_production_url

    host = (urlsplit(base_url).hostname or "").lower().rstrip(".")
    if is_production_url(base_url):
        return "production"
    if host == "kalshi.co" or host.endswith(".kalshi.co"):
        return "demo"
    if host in LOOPBACK_HOSTS:
        return "local"
    return "custom"


def normalize_pem(text: str) -> str:
    """The PEM as pasted, tidied: surrounding blanks dropped, CRLF and literal ``\\n`` made newlines."""
    pem = text.strip().replace("\r\n", "\n").replace("\r", "\n")
    if "\n" not in pem and "\\n" in pem:  # pasted from a .env file or a JSON string
        pem = pem.replace("\\n", "\n")
    return pem + "\n"


def parse_credentials(key_id: str, private_key_pem: str) -> KalshiCredentials:
    """Load the key (RSA PKCS#1/PKCS#8 ≥ 2048 bits, or Ed25519 PKCS#8; unencrypted) for ``key_id``.

    Raises :class:`CredentialsShapeError`; its message describes the problem, never the key.
    """
    from inplay.venues.kalshi.auth import KalshiCredentials, KeyLoadError

    if re.fullmatch(KEY_ID_PATTERN, key_id) is None:
        raise CredentialsShapeError("key_id", "the key id must be the UUID Kalshi shows for the API key")
    if len(private_key_pem) > MAX_PEM_CHARS:
        raise CredentialsShapeError("private_key_pem", f"the PEM is longer than {MAX_PEM_CHARS} characters")
    if "PUBLIC KEY-----" in private_key_pem and "PRIVATE KEY-----" not in private_key_pem:
        raise CredentialsShapeError(
            "private_key_pem", "this is a public key; paste the private key file Kalshi gave you"
        )
    if "-----BEGIN ENCRYPTED PRIVATE KEY-----" in private_key_pem:
        raise CredentialsShapeError(
            "private_key_pem", "the private key is encrypted; Kalshi keys are used unencrypted"
        )
    if not any(marker in private_key_pem for marker in _PRIVATE_MARKERS):
        raise CredentialsShapeError(
            "private_key_pem",
            "expected a PEM private key starting with '-----BEGIN RSA PRIVATE KEY-----' "
            "or '-----BEGIN PRIVATE KEY-----'",
        )
    try:
        credentials = KalshiCredentials.from_pem(key_id, private_key_pem)
    except KeyLoadError as exc:  # its message carries no key material (see KeyLoadError)
        raise CredentialsShapeError("private_key_pem", str(exc)) from None
    key_size = getattr(credentials.private_key, "key_size", None)
    if isinstance(key_size, int) and key_size < MIN_RSA_BITS:
        raise CredentialsShapeError(
            "private_key_pem", f"the RSA key has {key_size} bits; Kalshi keys have at least {MIN_RSA_BITS}"
        )
    return credentials


class KalshiCheck(Protocol):
    def check(self, credentials: KalshiCredentials) -> Balance:
        """The account's balance read with ``credentials``; raises :class:`CredentialsRejectedError`
        or :class:`CheckUnavailableError`."""
        ...


def _rejection_reason(error: AuthenticationError) -> str:
    """Why Kalshi said no, in our words (its text is not echoed: it is not ours to vouch for)."""
    text = " ".join(filter(None, (error.code, error.message, error.details))).upper()
    if isinstance(error, PermissionDeniedError):
        return "the key may not read the portfolio balance (check the key's scopes or subaccount)"
    if "TIMESTAMP" in text:
        return "Kalshi refused the request time: check this machine's clock"
    if "SIGNATURE" in text:
        return "the signature did not verify: the private key does not belong to this key id"
    if "API_KEY" in text or "KEY ID" in text:
        return "Kalshi does not know this key id (demo and production keys are separate)"
    return "Kalshi did not accept the key id and private key together"


@dataclass(frozen=True, slots=True)
class KalshiBalanceCheck:
    """:class:`KalshiCheck` with the venues' own client: one signed ``GET /portfolio/balance``."""

    base_url: str
    timeout_seconds: float = 10.0
    max_attempts: int = CHECK_MAX_ATTEMPTS
    transport: httpx.BaseTransport | None = None
    """Tests only."""

    def check(self, credentials: KalshiCredentials) -> Balance:
        from inplay.venues.kalshi import BASIC_LIMITS, KalshiClient, RetryPolicy

        retry = RetryPolicy(max_attempts=max(1, self.max_attempts), base_delay=0.2, max_delay=1.0)
        # Basic-tier pacing: asking GET /account/limits first would be a second signed call.
        with KalshiClient(
            self.base_url,
            credentials=credentials,
            transport=self.transport,
            timeout=self.timeout_seconds,
            retry=retry,
            rate_limits=BASIC_LIMITS,
        ) as client:
            try:
                return client.get_balance()
            except AuthenticationError as exc:
                code = exc.code if exc.code and _SAFE_CODE.fullmatch(exc.code) else None
                log.info("kalshi credentials check: rejected (HTTP %s, code %s)", exc.status, code)
                raise CredentialsRejectedError(exc.status, _rejection_reason(exc)) from None
            except VenueError as exc:
                kind = type(exc).__name__
                log.warning("kalshi credentials check: Kalshi unavailable (%s, HTTP %s)", kind, exc.status)
                status = f"HTTP {exc.status}" if exc.status is not None else "no answer"
                raise CheckUnavailableError(f"Kalshi could not be asked ({status})", exc.status) from None
