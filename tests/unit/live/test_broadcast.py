"""Messages reach their owner's connections only; gone connections are deleted."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from inplay.live.broadcast import broadcast
from inplay.live.messages import LiveMessage, MessageType
from tests.unit.live.fakes import MemoryConnections, RecordingGateway

NOW = datetime(2026, 1, 15, 1, 30, tzinfo=UTC)


def message(owner: str, kind: MessageType = MessageType.BOT_STATUS, **data: str) -> LiveMessage:
    return LiveMessage(owner, kind, NOW, data or {"bot_id": "default", "state": "RUNNING"})


def test_each_message_goes_to_every_connection_of_its_owner_and_nobody_else() -> None:
    connections = MemoryConnections()
    connections.add("a1", "alice", now=NOW)
    connections.add("a2", "alice", now=NOW)
    connections.add("b1", "bob", now=NOW)
    gateway = RecordingGateway()
    report = broadcast(
        [message("alice", state="RUNNING"), message("alice", MessageType.KILL_SWITCH, state="TRIPPED")],
        connections=connections,
        gateway=gateway,
        now=NOW,
    )
    assert report.messages == 2 and report.delivered == 4
    for connection_id in ("a1", "a2"):
        assert [json.loads(d)["type"] for d in gateway.to(connection_id)] == ["BOT_STATUS", "KILL_SWITCH"]
    assert gateway.to("b1") == []


def test_a_user_without_connections_gets_nothing_sent() -> None:
    connections = MemoryConnections()
    connections.add("b1", "bob", now=NOW)
    gateway = RecordingGateway()
    report = broadcast([message("alice")], connections=connections, gateway=gateway, now=NOW)
    assert report.delivered == 0 and gateway.sent == []


def test_expired_connections_are_not_used() -> None:
    connections = MemoryConnections()
    connections.add("old", "alice", now=NOW - timedelta(hours=3))
    gateway = RecordingGateway()
    broadcast([message("alice")], connections=connections, gateway=gateway, now=NOW)
    assert gateway.sent == []


def test_a_gone_connection_is_deleted_and_the_others_still_get_theirs() -> None:
    connections = MemoryConnections()
    connections.add("gone", "alice", now=NOW)
    connections.add("live", "alice", now=NOW)
    connections.add("slow", "alice", now=NOW)
    gateway = RecordingGateway(gone=frozenset({"gone"}), failing=frozenset({"slow"}))
    report = broadcast(
        [message("alice"), message("alice")], connections=connections, gateway=gateway, now=NOW
    )
    assert report.gone == ["gone"]
    assert "gone" not in connections.items
    assert set(report.failed) == {"slow"} and "LimitExceeded" in report.failed["slow"]
    assert "slow" in connections.items  # a failure other than 410 keeps the connection
    assert len(gateway.to("live")) == 2
    assert report.delivered == 2
