"""Where users' venue credentials live: one Secrets Manager secret per user.

The secret is the one the venues read (:func:`inplay.venues.factory.kalshi_secret_name`:
``<prefix><user_id>``), holding ``{"key_id", "private_key_pem"}``. Saving creates it (tagged
``inplay:user``), puts a new version, or restores one scheduled for deletion first; deleting
schedules the deletion with a recovery window. Errors name the operation and AWS's error code,
never a value: botocore's own messages can quote request parameters.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Final, Protocol

from inplay.venues.factory import DEFAULT_KALSHI_SECRET_PREFIX, kalshi_secret_name

__all__ = [
    "RECOVERY_WINDOW_DAYS",
    "USER_TAG",
    "CredentialStore",
    "CredentialStoreError",
    "InMemoryCredentialStore",
    "SecretsManagerCredentialStore",
    "StoredCredentials",
]

log = logging.getLogger(__name__)

USER_TAG: Final = "inplay:user"
RECOVERY_WINDOW_DAYS: Final = 7
"""A deleted key can be restored (``aws secretsmanager restore-secret``) for a week."""
_NOT_FOUND: Final = "ResourceNotFoundException"
_EXISTS: Final = "ResourceExistsException"
_INVALID_REQUEST: Final = "InvalidRequestException"
"""What Secrets Manager answers for a secret scheduled for deletion."""


class CredentialStoreError(RuntimeError):
    """Secrets Manager failed (throttled, unreachable, denied); nothing is known to have changed."""


@dataclass(frozen=True, slots=True)
class StoredCredentials:
    """What is saved for a user, without the private key."""

    key_id: str | None
    """None when the secret does not hold the expected JSON (it cannot be used)."""
    updated_at: datetime | None
    """When this version was written (UTC)."""
    has_private_key: bool

    @property
    def usable(self) -> bool:
        return self.key_id is not None and self.has_private_key


def stored_from_json(raw: str | None, updated_at: datetime | None) -> StoredCredentials:
    """Read the key id out of a secret value (the private key stays where it is)."""
    try:
        data = json.loads(raw or "")
    except ValueError:
        return StoredCredentials(key_id=None, updated_at=updated_at, has_private_key=False)
    if not isinstance(data, dict):
        return StoredCredentials(key_id=None, updated_at=updated_at, has_private_key=False)
    key_id = data.get("key_id")
    pem = data.get("private_key_pem")
    return StoredCredentials(
        key_id=key_id if isinstance(key_id, str) and key_id else None,
        updated_at=updated_at,
        has_private_key=isinstance(pem, str) and "PRIVATE KEY" in pem,
    )


def secret_value(key_id: str, private_key_pem: str) -> str:
    """The secret's JSON, exactly the fields the venues read."""
    return json.dumps({"key_id": key_id, "private_key_pem": private_key_pem})


class CredentialStore(Protocol):
    def save(self, user_id: str, key_id: str, private_key_pem: str) -> bool:
        """Store the user's key (replacing any); True when a saved key was replaced."""
        ...

    def load(self, user_id: str) -> StoredCredentials | None:
        """The user's saved key, or None (none saved, or deleted)."""
        ...

    def delete(self, user_id: str) -> datetime | None:
        """Schedule the user's key for deletion; when it goes for good, or None when none was saved."""
        ...


def _utc(value: Any) -> datetime | None:
    return value.astimezone(UTC) if isinstance(value, datetime) else None


def _code(exc: Exception) -> str:
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        return str(response.get("Error", {}).get("Code", ""))
    return ""


class SecretsManagerCredentialStore:
    """:class:`CredentialStore` on Secrets Manager (boto3; ``client`` for tests)."""

    def __init__(
        self,
        prefix: str = DEFAULT_KALSHI_SECRET_PREFIX,
        *,
        client: Any = None,
        recovery_window_days: int = RECOVERY_WINDOW_DAYS,
    ) -> None:
        self.prefix = prefix
        self.recovery_window_days = recovery_window_days
        self._client = client

    def name(self, user_id: str) -> str:
        return kalshi_secret_name(self.prefix, user_id)

    @property
    def client(self) -> Any:
        if self._client is None:
            import boto3

            self._client = boto3.client("secretsmanager")
        return self._client

    def _call(self, operation: str, allowed: frozenset[str], **params: Any) -> dict[str, Any] | str:
        """Call ``operation``; an error whose code is in ``allowed`` is returned as that code."""
        from botocore.exceptions import BotoCoreError, ClientError

        method = getattr(self.client, operation)
        try:
            answer: dict[str, Any] = method(**params)
        except ClientError as exc:
            code = _code(exc)
            if code in allowed:
                return code
            log.warning("secrets manager %s failed for %s (%s)", operation, params.get("SecretId"), code)
            raise CredentialStoreError(f"Secrets Manager {operation} failed ({code or 'error'})") from None
        except BotoCoreError as exc:  # its text may quote parameters: keep only the class
            log.warning("secrets manager %s failed (%s)", operation, type(exc).__name__)
            raise CredentialStoreError(f"Secrets Manager {operation} failed ({type(exc).__name__})") from None
        return answer

    def save(self, user_id: str, key_id: str, private_key_pem: str) -> bool:
        name = self.name(user_id)
        value = secret_value(key_id, private_key_pem)
        tags = [{"Key": USER_TAG, "Value": user_id}]
        described = self._call("describe_secret", frozenset({_NOT_FOUND}), SecretId=name)
        if described == _NOT_FOUND:
            created = self._call(
                "create_secret",
                frozenset({_EXISTS}),
                Name=name,
                SecretString=value,
                Description="Kalshi API key of one inplay user (written by the api)",
                Tags=tags,
            )
            if created != _EXISTS:
                return False
            replaced = True  # created meanwhile by a concurrent save: overwrite it
        else:
            assert isinstance(described, dict)
            replaced = described.get("DeletedDate") is None
            if not replaced:
                self._call("restore_secret", frozenset(), SecretId=name)
            self._call("tag_resource", frozenset(), SecretId=name, Tags=tags)
        self._call("put_secret_value", frozenset(), SecretId=name, SecretString=value)
        return replaced

    def load(self, user_id: str) -> StoredCredentials | None:
        answer = self._call(
            "get_secret_value", frozenset({_NOT_FOUND, _INVALID_REQUEST}), SecretId=self.name(user_id)
        )
        if isinstance(answer, str):
            return None
        return stored_from_json(answer.get("SecretString"), _utc(answer.get("CreatedDate")))

    def delete(self, user_id: str) -> datetime | None:
        answer = self._call(
            "delete_secret",
            frozenset({_NOT_FOUND, _INVALID_REQUEST}),
            SecretId=self.name(user_id),
            RecoveryWindowInDays=self.recovery_window_days,
        )
        if isinstance(answer, str):
            return None  # never saved, or already scheduled for deletion
        return _utc(answer.get("DeletionDate"))


class InMemoryCredentialStore:
    """:class:`CredentialStore` in a dict (tests, the paper-only demo)."""

    def __init__(self, *, now: Callable[[], datetime] | None = None) -> None:
        self._now = now or (lambda: datetime.now(UTC))
        self._lock = threading.Lock()
        self.secrets: dict[str, tuple[str, datetime]] = {}

    def save(self, user_id: str, key_id: str, private_key_pem: str) -> bool:
        with self._lock:
            replaced = user_id in self.secrets
            self.secrets[user_id] = (secret_value(key_id, private_key_pem), self._now())
        return replaced

    def load(self, user_id: str) -> StoredCredentials | None:
        with self._lock:
            found = self.secrets.get(user_id)
        return None if found is None else stored_from_json(found[0], found[1])

    def delete(self, user_id: str) -> datetime | None:
        with self._lock:
            found = self.secrets.pop(user_id, None)
        return None if found is None else self._now() + timedelta(days=RECOVERY_WINDOW_DAYS)
