"""Who the safety core looks after: every user with bots or with Kalshi credentials.

The reconciler and the kill switch evaluate each user of the deployment. A user is anyone with an
item in the bots table, or with a Kalshi credentials secret (``<prefix><user_id>``): a user who
never created a bot may still hold orders and positions placed with those credentials.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Final, Protocol

import boto3
from botocore.exceptions import BotoCoreError, ClientError
from pynamodb.exceptions import PynamoDBException

from inplay.config import KALSHI_SECRET_PREFIX
from inplay.risk.records import SYSTEM_USER, USER_ID_PATTERN

if TYPE_CHECKING:
    from mypy_boto3_secretsmanager import SecretsManagerClient

__all__ = ["USER_ID_PATTERN", "DeploymentUsers", "UserDirectory", "UserDirectoryError", "is_user_id"]

_USER_ID: Final = re.compile(USER_ID_PATTERN)


def is_user_id(value: str) -> bool:
    """A user id: 1–128 letters, digits, ``_`` or ``-``, and never the system partition."""
    return bool(_USER_ID.fullmatch(value)) and value != SYSTEM_USER


class UserDirectoryError(RuntimeError):
    """The users could not be listed (bots table or Secrets Manager failed); callers alert."""


class UserDirectory(Protocol):
    def users(self) -> list[str]:
        """Every user of the deployment, sorted, without duplicates."""
        ...


class _BotUsers(Protocol):
    def users(self) -> list[str]: ...


class DeploymentUsers:
    """:class:`UserDirectory`: the bots table's users ∪ the users with a Kalshi secret.

    ``bots`` is a :class:`~inplay.store.bots.DynamoBotControls` (or anything with ``users()``).
    Secret names are listed with a ``name`` filter on the prefix (a case-insensitive prefix match
    in AWS, so each name is checked again exactly); names that do not end in a valid user id are
    ignored. Needs ``secretsmanager:ListSecrets``.
    """

    def __init__(
        self,
        bots: _BotUsers,
        *,
        secret_prefix: str = KALSHI_SECRET_PREFIX,
        client: SecretsManagerClient | Any = None,
        page_size: int = 100,
    ) -> None:
        if not secret_prefix:
            raise ValueError("the Kalshi secret prefix is empty")
        self._bots = bots
        self._prefix = secret_prefix
        self._client = client
        self._page_size = page_size

    def _secrets(self) -> SecretsManagerClient:
        if self._client is None:
            self._client = boto3.client("secretsmanager")
        client: SecretsManagerClient = self._client
        return client

    def secret_users(self) -> list[str]:
        """The users with a Kalshi credentials secret (sorted)."""
        found: set[str] = set()
        token: str | None = None
        try:
            while True:
                request: dict[str, Any] = {
                    "Filters": [{"Key": "name", "Values": [self._prefix]}],
                    "MaxResults": self._page_size,
                }
                if token:
                    request["NextToken"] = token
                response = self._secrets().list_secrets(**request)
                for secret in response.get("SecretList", []):
                    name = str(secret.get("Name", ""))
                    if name.startswith(self._prefix) and is_user_id(name[len(self._prefix) :]):
                        found.add(name[len(self._prefix) :])
                token = response.get("NextToken")
                if not token:
                    break
        except (ClientError, BotoCoreError) as exc:
            raise UserDirectoryError(f"cannot list the secrets under {self._prefix!r}: {exc}") from exc
        return sorted(found)

    def bot_users(self) -> list[str]:
        """The users with an item in the bots table (sorted)."""
        try:
            users = self._bots.users()
        except PynamoDBException as exc:
            raise UserDirectoryError(f"cannot list the users of the bots table: {exc}") from exc
        return sorted(user for user in users if is_user_id(user))

    def users(self) -> list[str]:
        return sorted(set(self.bot_users()) | set(self.secret_users()))
