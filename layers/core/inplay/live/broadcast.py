"""Deliver live messages to their owner's open connections, and only to those.

Messages are grouped by owner; each owner's connections are read once per batch. A connection
API Gateway reports gone (410) is deleted and gets nothing more; any other send failure skips
that connection for the rest of the batch (logged by the caller, never retried: the next change
sends fresh state, and the dashboard reloads everything when it reconnects). A failed read of the
connections table raises (the stream retries the batch).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from inplay.live.connections import ConnectionStore
from inplay.live.gateway import ConnectionGateway, ConnectionGone, GatewayError
from inplay.live.messages import LiveMessage

__all__ = ["BroadcastReport", "broadcast"]


@dataclass(slots=True)
class BroadcastReport:
    messages: int = 0
    delivered: int = 0
    """Messages handed to API Gateway (one per message and connection)."""
    gone: list[str] = field(default_factory=list)
    """Connections found gone (and deleted)."""
    failed: dict[str, str] = field(default_factory=dict)
    """Connection id → why sending to it failed."""


def broadcast(
    messages: Iterable[LiveMessage],
    *,
    connections: ConnectionStore,
    gateway: ConnectionGateway,
    now: datetime,
) -> BroadcastReport:
    by_owner: dict[str, list[LiveMessage]] = {}
    for message in messages:
        by_owner.setdefault(message.owner, []).append(message)
    report = BroadcastReport(messages=sum(len(batch) for batch in by_owner.values()))
    for owner, batch in by_owner.items():
        encoded = [message.encode() for message in batch]
        for connection in connections.of_user(owner, now=now):
            if connection.user_id != owner:  # the index answered for someone else: never send
                continue
            for data in encoded:
                try:
                    gateway.send(connection.connection_id, data)
                except ConnectionGone:
                    connections.remove(connection.connection_id)
                    report.gone.append(connection.connection_id)
                    break
                except GatewayError as exc:
                    report.failed[connection.connection_id] = str(exc)
                    break
                report.delivered += 1
    return report
