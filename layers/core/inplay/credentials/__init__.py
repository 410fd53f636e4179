"""Users' venue credentials: shape checks, the live check, and their Secrets Manager store.

The API routes (``inplay.api.credentials``) save a key only after Kalshi accepted it, and never
return or log the private key or the full key id.
"""

from __future__ import annotations

from inplay.credentials.kalshi import (
    CheckUnavailableError,
    CredentialsRejectedError,
    CredentialsShapeError,
    KalshiBalanceCheck,
    KalshiCheck,
    kalshi_environment,
    key_id_hint,
    normalize_pem,
    parse_credentials,
)
from inplay.credentials.store import (
    RECOVERY_WINDOW_DAYS,
    CredentialStore,
    CredentialStoreError,
    InMemoryCredentialStore,
    SecretsManagerCredentialStore,
    StoredCredentials,
)

__all__ = [
    "RECOVERY_WINDOW_DAYS",
    "CheckUnavailableError",
    "CredentialStore",
    "CredentialStoreError",
    "CredentialsRejectedError",
    "CredentialsShapeError",
    "InMemoryCredentialStore",
    "KalshiBalanceCheck",
    "KalshiCheck",
    "SecretsManagerCredentialStore",
    "StoredCredentials",
    "kalshi_environment",
    "key_id_hint",
    "normalize_pem",
    "parse_credentials",
]
