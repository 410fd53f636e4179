"""Open WebSocket connections and the user each one signed in as (the connections table).

An item per connection (partition ``connection_id``): ``user_id``, ``connected_at`` and
``expires_at`` (epoch seconds, the table's TTL). API Gateway ends every WebSocket connection after
two hours, so an item whose ``$disconnect`` never arrived expires soon after; reads skip expired
items because DynamoDB deletes them late. The ``by_user`` index finds a user's connections.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Final, Protocol

from pynamodb.attributes import NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from inplay.store.pynamo import bind
from inplay.store.schema import CONNECTIONS

__all__ = ["CONNECTION_LIFETIME", "Connection", "ConnectionStore", "DynamoConnectionStore"]

CONNECTION_LIFETIME: Final = timedelta(hours=2, minutes=5)
"""API Gateway's maximum WebSocket connection duration (2 h), plus a margin."""


@dataclass(frozen=True, slots=True)
class Connection:
    connection_id: str
    user_id: str
    connected_at: datetime
    expires_at: datetime


class ConnectionStore(Protocol):
    def add(self, connection_id: str, user_id: str, *, now: datetime) -> Connection:
        """Remember a connection of ``user_id`` (replaces an item with the same id)."""
        ...

    def remove(self, connection_id: str) -> None:
        """Forget a connection (nothing happens when it is unknown)."""
        ...

    def of_user(self, user_id: str, *, now: datetime) -> list[Connection]:
        """The user's connections that have not expired at ``now``."""
        ...


class _ByUser(GlobalSecondaryIndex["_ConnectionItem"]):  # type: ignore[no-untyped-call]
    class Meta:
        index_name = CONNECTIONS.gsis[0].name
        projection = AllProjection()

    user_id = UnicodeAttribute(hash_key=True)


class _ConnectionItem(Model):
    class Meta:
        table_name = "unbound"

    connection_id = UnicodeAttribute(hash_key=True)
    user_id = UnicodeAttribute()
    connected_at = UTCDateTimeAttribute()
    expires_at = NumberAttribute()

    by_user = _ByUser()


@cache
def _model_for(table_name: str, host: str | None) -> type[_ConnectionItem]:
    return bind(_ConnectionItem, table_name, host)


class DynamoConnectionStore:
    """:class:`ConnectionStore` on the connections table."""

    def __init__(self, table_name: str, *, host: str | None = None) -> None:
        self._model = _model_for(table_name, host)

    def add(self, connection_id: str, user_id: str, *, now: datetime) -> Connection:
        connection = Connection(
            connection_id=connection_id,
            user_id=user_id,
            connected_at=now.astimezone(UTC),
            expires_at=(now + CONNECTION_LIFETIME).astimezone(UTC),
        )
        self._model(
            connection_id,
            user_id=user_id,
            connected_at=connection.connected_at,
            expires_at=int(connection.expires_at.timestamp()),
        ).save()
        return connection

    def remove(self, connection_id: str) -> None:
        self._model(connection_id).delete()

    def of_user(self, user_id: str, *, now: datetime) -> list[Connection]:
        cutoff = now.timestamp()
        found = [
            Connection(
                connection_id=item.connection_id,
                user_id=item.user_id,
                connected_at=item.connected_at,
                expires_at=datetime.fromtimestamp(float(item.expires_at), UTC),
            )
            for item in self._model.by_user.query(user_id)
        ]
        return sorted(
            (c for c in found if c.expires_at.timestamp() > cutoff and c.user_id == user_id),
            key=lambda c: (c.connected_at, c.connection_id),
        )
