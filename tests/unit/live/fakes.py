"""In-memory connections and gateway for the live-update tests."""

from __future__ import annotations

from datetime import datetime

from inplay.live.connections import CONNECTION_LIFETIME, Connection
from inplay.live.gateway import ConnectionGone, GatewayError


class MemoryConnections:
    def __init__(self) -> None:
        self.items: dict[str, Connection] = {}

    def add(self, connection_id: str, user_id: str, *, now: datetime) -> Connection:
        connection = Connection(connection_id, user_id, now, now + CONNECTION_LIFETIME)
        self.items[connection_id] = connection
        return connection

    def remove(self, connection_id: str) -> None:
        self.items.pop(connection_id, None)

    def of_user(self, user_id: str, *, now: datetime) -> list[Connection]:
        return [c for c in self.items.values() if c.user_id == user_id and c.expires_at > now]


class RecordingGateway:
    def __init__(self, *, gone: frozenset[str] = frozenset(), failing: frozenset[str] = frozenset()) -> None:
        self.sent: list[tuple[str, bytes]] = []
        self.gone = gone
        self.failing = failing

    def send(self, connection_id: str, data: bytes) -> None:
        if connection_id in self.gone:
            raise ConnectionGone(connection_id)
        if connection_id in self.failing:
            raise GatewayError("posting to a connection failed: LimitExceededException")
        self.sent.append((connection_id, data))

    def to(self, connection_id: str) -> list[bytes]:
        return [data for cid, data in self.sent if cid == connection_id]
