"""Build the venue an intent trades on (Kalshi for now; the paper venue comes later).

Credentials are per user, in Secrets Manager: the secret named ``<prefix><user_id>`` (default
prefix ``inplay/kalshi/``) holds ``{"key_id": "...", "private_key_pem": "-----BEGIN ..."}``.
They are never logged. A client is kept per user for a few minutes (a warm Lambda reuses its
connections and rate-limit state), then rebuilt so a rotated key is picked up.

Safety: a PAPER intent is never sent to Kalshi production (``kalshi.com``); only LIVE intents may
reach real money.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, Protocol

from inplay.orders.intents import IntentRecord, TradingMode

if TYPE_CHECKING:
    from inplay.config import KalshiSettings
    from inplay.venues.base import Venue
    from inplay.venues.kalshi.client import KalshiClient, RecoveryPolicy
    from inplay.venues.paper.ledger import PaperLedger
    from inplay.venues.paper.market_data import MarketData

__all__ = [
    "DEFAULT_KALSHI_SECRET_PREFIX",
    "KalshiVenues",
    "SecretReader",
    "SecretUnavailableError",
    "SecretsManagerReader",
    "VenueConfigError",
    "VenueProvider",
    "kalshi_secret_name",
    "kalshi_venues",
    "recovery_policy",
    "trading_venues",
]

DEFAULT_KALSHI_SECRET_PREFIX: Final = "inplay/kalshi/"
CLIENT_MAX_AGE_SECONDS: Final = 300.0


class VenueConfigError(Exception):
    """The intent cannot be sent: no or bad credentials, unsupported venue, paper on production.

    Nothing was sent; ``code`` is stable (``credentials_missing``, ``credentials_invalid``,
    ``venue_unsupported``, ``paper_on_production``).
    """

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class SecretUnavailableError(RuntimeError):
    """Secrets Manager failed (throttled, unreachable); a later attempt may succeed."""


class VenueProvider(Protocol):
    def venue_for(self, intent: IntentRecord) -> Venue:
        """The venue account ``intent`` trades on."""
        ...

    def account(self, user_id: str, venue: str, mode: TradingMode) -> Venue:
        """A user's account on ``venue`` for ``mode`` (reconciliation, the kill switch); the same
        checks as :meth:`venue_for` (unsupported venue, paper on production) apply."""
        ...

    def account_key(self, user_id: str, venue: str, mode: TradingMode) -> str:
        """Equal for two (venue, mode) pairs served by the same venue account: reconciliation
        compares that account once, against the store's positions of every such pair."""
        ...


class SecretReader(Protocol):
    def secret_string(self, name: str) -> str | None:
        """The secret's value, or None when no such secret exists."""
        ...


class SecretsManagerReader:
    def __init__(self, client: Any = None) -> None:
        self._client = client

    def secret_string(self, name: str) -> str | None:
        import boto3
        from botocore.exceptions import BotoCoreError, ClientError

        if self._client is None:
            self._client = boto3.client("secretsmanager")
        try:
            response = self._client.get_secret_value(SecretId=name)
        except ClientError as exc:
            # InvalidRequestException: the user deleted their key (scheduled for deletion).
            if exc.response.get("Error", {}).get("Code") in (
                "ResourceNotFoundException",
                "InvalidRequestException",
            ):
                return None
            raise SecretUnavailableError(f"cannot read secret {name}: {exc}") from exc
        except BotoCoreError as exc:
            raise SecretUnavailableError(f"cannot read secret {name}: {exc}") from exc
        value = response.get("SecretString")
        return str(value) if value is not None else None


def kalshi_secret_name(prefix: str, user_id: str) -> str:
    return f"{prefix}{user_id}"


@dataclass(slots=True)
class _Cached:
    client: KalshiClient
    built_at: float


class KalshiVenues:
    """:class:`VenueProvider` for Kalshi: one signed client per user, credentials from secrets."""

    def __init__(
        self,
        *,
        base_url: str,
        secrets: SecretReader,
        secret_prefix: str = DEFAULT_KALSHI_SECRET_PREFIX,
        client_options: dict[str, Any] | None = None,
        max_age_seconds: float = CLIENT_MAX_AGE_SECONDS,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        from inplay.venues.kalshi.client import normalize_base_url

        self.base_url = normalize_base_url(base_url)
        self._secrets = secrets
        self._prefix = secret_prefix
        self._options = dict(client_options or {})
        self._max_age = max_age_seconds
        self._monotonic = monotonic
        self._clients: dict[str, _Cached] = {}
        self._lock = threading.Lock()

    def venue_for(self, intent: IntentRecord) -> Venue:
        return self.account(intent.user_id, intent.venue, intent.mode)

    def account(self, user_id: str, venue: str, mode: TradingMode) -> Venue:
        from inplay.venues.kalshi.client import is_production_url

        if venue != "kalshi":
            raise VenueConfigError("venue_unsupported", f"venue {venue!r} is not supported yet")
        if mode is TradingMode.PAPER and is_production_url(self.base_url):
            raise VenueConfigError(
                "paper_on_production",
                "a PAPER intent would go to Kalshi production (real money); refusing",
            )
        return self.client_for(user_id)

    def account_key(self, user_id: str, venue: str, mode: TradingMode) -> str:
        """Both modes share one Kalshi account per deployment (one base URL), so one key."""
        return f"{venue}:{self.base_url}:{user_id}"

    def client_for(self, user_id: str) -> KalshiClient:
        now = self._monotonic()
        with self._lock:
            cached = self._clients.get(user_id)
            if cached is not None and now - cached.built_at < self._max_age:
                return cached.client
        client = self._build(user_id)
        loser: KalshiClient | None
        with self._lock:
            previous = self._clients.get(user_id)
            if previous is not None and now - previous.built_at < self._max_age:
                # Another thread built one meanwhile and may be using it: keep that one, drop ours.
                winner, loser = previous.client, client
            else:
                self._clients[user_id] = _Cached(client, now)
                winner, loser = client, (previous.client if previous is not None else None)
        if loser is not None:
            loser.close()
        return winner

    def _build(self, user_id: str) -> KalshiClient:
        from inplay.venues.kalshi.auth import KalshiCredentials, KeyLoadError
        from inplay.venues.kalshi.client import KalshiClient

        name = kalshi_secret_name(self._prefix, user_id)
        raw = self._secrets.secret_string(name)
        if raw is None:
            raise VenueConfigError("credentials_missing", f"no Kalshi credentials secret {name}")
        try:
            data = json.loads(raw)
            key_id, pem = data["key_id"], data["private_key_pem"]
            if not isinstance(key_id, str) or not isinstance(pem, str):
                raise TypeError("key_id and private_key_pem must be strings")
            credentials = KalshiCredentials.from_pem(key_id, pem)
        except (ValueError, KeyError, TypeError, KeyLoadError) as exc:
            # Never echo the secret: only what kind of problem it has.
            raise VenueConfigError(
                "credentials_invalid",
                f"secret {name} must hold JSON {{key_id, private_key_pem}} with a usable key "
                f"({type(exc).__name__})",
            ) from None
        return KalshiClient(self.base_url, credentials=credentials, **self._options)

    def forget(self, user_id: str) -> bool:
        """Drop the user's cached client (their credentials changed); True when one was cached.

        The next call builds a new one from the secret. A caller still holding the old client
        keeps a working connection until it is done with it.
        """
        with self._lock:
            cached = self._clients.pop(user_id, None)
        return cached is not None

    def close(self) -> None:
        with self._lock:
            cached, self._clients = list(self._clients.values()), {}
        for entry in cached:
            entry.client.close()


def recovery_policy(lag_seconds: float, max_wait_seconds: float) -> RecoveryPolicy:
    """How a placement looks for a lost order: polls start at a quarter of the lag window and never
    grow past it, so the look-up keeps pace with the venue's lag (and a short lag in tests)."""
    from inplay.venues.kalshi.client import RecoveryPolicy

    first = min(0.5, max(0.05, lag_seconds / 4))
    return RecoveryPolicy(
        lag_window=lag_seconds,
        max_wait=max_wait_seconds,
        poll_interval=first,
        max_poll_interval=max(first, min(4.0, lag_seconds)),
    )


def kalshi_venues(settings: KalshiSettings, secrets: SecretReader | None = None) -> KalshiVenues:
    """The Kalshi accounts of a function whose settings include :class:`KalshiSettings`."""
    from inplay.venues.kalshi import RetryPolicy

    return KalshiVenues(
        base_url=settings.kalshi_base_url,
        secrets=secrets or SecretsManagerReader(),
        secret_prefix=settings.kalshi_secret_prefix,
        client_options={
            "timeout": settings.kalshi_timeout_seconds,
            "retry": RetryPolicy(max_attempts=settings.kalshi_max_attempts),
            "recovery": recovery_policy(
                settings.kalshi_recovery_lag_seconds, settings.kalshi_recovery_max_wait_seconds
            ),
        },
    )


def trading_venues(
    settings: KalshiSettings,
    *,
    secrets: SecretReader | None = None,
    paper_ledger: PaperLedger | None = None,
    market_data: MarketData | None = None,
) -> VenueProvider:
    """The venue accounts of a trading function (settings with Kalshi AND paper settings).

    LIVE intents go to Kalshi. PAPER intents go to inplay's paper venue (filled against the
    Kalshi book and tape read from ``kalshi_base_url``, no credentials) when ``paper_execution``
    is ``simulated``; with ``exchange`` they go to Kalshi too, which refuses production for PAPER.
    ``paper_ledger``/``market_data`` replace the DynamoDB ledger and the public Kalshi data (tests).
    """
    from inplay.config import PaperExecution, PaperSettings

    if not isinstance(settings, PaperSettings):
        raise TypeError(f"{type(settings).__name__} has no paper settings (mix in PaperSettings)")
    live = kalshi_venues(settings, secrets)
    if settings.paper_execution is PaperExecution.EXCHANGE:
        return live
    from inplay.venues.paper import KalshiMarketData, ModeRoutedVenues, PaperVenues

    if paper_ledger is None:
        from inplay.store.paper import DynamoPaperLedger

        paper_ledger = DynamoPaperLedger(settings.paper_table)
    if market_data is None:
        from inplay.venues.kalshi import BASIC_LIMITS, RetryPolicy
        from inplay.venues.kalshi.client import KalshiClient

        market_data = KalshiMarketData(
            KalshiClient(
                settings.kalshi_base_url,
                timeout=settings.kalshi_timeout_seconds,
                retry=RetryPolicy(max_attempts=settings.kalshi_max_attempts),
                # Public market data needs no account: pace at the Basic tier instead of asking
                # the (authenticated) limits endpoint.
                rate_limits=BASIC_LIMITS,
            )
        )
    paper = PaperVenues(
        ledger=paper_ledger,
        market_data={"kalshi": market_data},
        starting_balance=settings.paper_starting_balance,
    )
    return ModeRoutedVenues(live=live, paper=paper)
