"""Live messages from stream records, with images serialized by the stores' own PynamoDB models
(so a change in how the stores write items shows up here)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from inplay.live.messages import (
    LiveMessage,
    MessageType,
    UnreadableRecord,
    decode_records,
    messages_from_record,
)
from inplay.orders.fills import PositionState
from inplay.orders.intents import TradingMode
from inplay.store.bots import _model_for as bots_model
from inplay.store.trades import _models, _position_item

D = Decimal
NOW = datetime(2026, 1, 15, 1, 30, tzinfo=UTC)
OPENED = datetime(2026, 1, 15, 1, 0, tzinfo=UTC)


def position(**changes: Any) -> PositionState:
    base = PositionState(
        user_id="alice",
        position_id="bot-1#kalshi#KXNBAGAME-26JAN15LALBOS-BOS#paper",
        bot_id="bot-1",
        venue="kalshi",
        market_ticker="KXNBAGAME-26JAN15LALBOS-BOS",
        mode=TradingMode.PAPER,
        contracts=D(10),
        cost=D("5.20"),
        realized_pnl=D(0),
        fees=D("0.07"),
        fills=1,
        opened_at=OPENED,
        updated_at=OPENED + timedelta(minutes=1),
        version=1,
    )
    return base.model_copy(update=changes)


def position_image(state: PositionState) -> dict[str, Any]:
    image: dict[str, Any] = _position_item(_models("fills", "positions", None)[1], state).serialize()
    return image


def bots_image(user_id: str, sk: str, **attributes: Any) -> dict[str, Any]:
    image: dict[str, Any] = bots_model("bots", None)(user_id, sk, **attributes).serialize()
    return image


def record(
    new: dict[str, Any] | None, old: dict[str, Any] | None = None, *, keys: tuple[str, ...] | None = None
) -> dict[str, Any]:
    source = new or old or {}
    key_names = keys or (("user_id", "position_id") if "position_id" in source else ("user_id", "sk"))
    change: dict[str, Any] = {
        "Keys": {name: source[name] for name in key_names},
        "ApproximateCreationDateTime": NOW.timestamp(),
        "StreamViewType": "NEW_AND_OLD_IMAGES",
    }
    if new is not None:
        change["NewImage"] = new
    if old is not None:
        change["OldImage"] = old
    name = "REMOVE" if new is None else ("INSERT" if old is None else "MODIFY")
    return {"eventID": "1", "eventName": name, "eventSource": "aws:dynamodb", "dynamodb": change}


def one(rec: dict[str, Any]) -> LiveMessage:
    [message] = messages_from_record(rec, now=NOW)
    return message


# --------------------------------------------------------------------------- positions


def test_an_inserted_position_is_new_and_carries_exact_strings_and_no_user_id() -> None:
    message = one(record(position_image(position())))
    assert message.type is MessageType.NEW_POSITION
    assert message.owner == "alice"
    assert message.at == OPENED + timedelta(minutes=1)
    payload = json.loads(message.encode())
    assert set(payload) == {"type", "at", "data"}
    assert payload["type"] == "NEW_POSITION"
    assert payload["at"] == "2026-01-15T01:01:00Z"
    data = payload["data"]
    assert "user_id" not in data and "alice" not in message.encode().decode()
    assert data["contracts"] == "10"
    assert data["cost"] == "5.20"
    assert data["fees"] == "0.07"
    assert data["average_entry_yes_price"] == "0.520000"
    assert data["status"] == "open"
    assert data["held_side"] == "yes"
    assert data["market_ticker"] == "KXNBAGAME-26JAN15LALBOS-BOS"
    assert data["mode"] == "paper"


def test_a_quantity_change_is_an_update_naming_what_changed() -> None:
    before = position()
    after = position(contracts=D(15), cost=D("7.85"), fills=2, version=2)
    message = one(record(position_image(after), position_image(before)))
    assert message.type is MessageType.POSITION_UPDATE
    assert message.data["changed"] == ["contracts", "cost"]
    assert message.data["contracts"] == "15"
    assert message.data["average_entry_yes_price"] == "0.523333"


def test_a_partial_exit_realizing_pnl_is_an_update() -> None:
    before = position()
    after = position(contracts=D(4), cost=D("2.08"), realized_pnl=D("0.90"), version=2)
    message = one(record(position_image(after), position_image(before)))
    assert message.type is MessageType.POSITION_UPDATE
    assert message.data["changed"] == ["contracts", "cost", "realized_pnl"]
    assert message.data["realized_pnl"] == "0.90"


def test_going_flat_closes_and_reopening_is_new() -> None:
    open_ = position()
    closed = position(contracts=D(0), cost=D(0), realized_pnl=D("1.30"), closed_at=NOW, version=2)
    message = one(record(position_image(closed), position_image(open_)))
    assert message.type is MessageType.POSITION_CLOSED
    assert message.data["status"] == "closed"
    assert message.data["held_side"] is None
    assert message.data["average_entry_yes_price"] is None
    assert message.data["closed_at"] == "2026-01-15T01:30:00Z"

    reopened = position(contracts=D(-3), cost=D("-1.20"), realized_pnl=D("1.30"), version=3)
    message = one(record(position_image(reopened), position_image(closed)))
    assert message.type is MessageType.NEW_POSITION
    assert message.data["held_side"] == "no"


def test_a_write_that_changes_no_quantity_or_pnl_sends_nothing() -> None:
    before = position()
    after = position(updated_at=NOW, version=2, last_intent_id="intent-9")
    assert messages_from_record(record(position_image(after), position_image(before)), now=NOW) == []


def test_removals_and_system_partitions_send_nothing() -> None:
    image = position_image(position())
    assert messages_from_record(record(None, image), now=NOW) == []
    heartbeat = bots_image("__system__", "BOT#x", state="RUNNING")
    assert messages_from_record(record(heartbeat), now=NOW) == []


# --------------------------------------------------------------------------- bots


def test_a_bot_state_change_is_bot_status() -> None:
    old = bots_image("alice", "BOT#default", state="STARTING", changed_at=OPENED, by="alice")
    new = bots_image(
        "alice", "BOT#default", state="RUNNING", changed_at=NOW, by="alice", mode="paper", settings={"a": "1"}
    )
    message = one(record(new, old))
    assert message.type is MessageType.BOT_STATUS
    assert message.owner == "alice"
    assert message.at == NOW
    assert message.data == {
        "bot_id": "default",
        "state": "RUNNING",
        "previous_state": "STARTING",
        "mode": "paper",
        "reason": None,
        "changed_at": "2026-01-15T01:30:00Z",
        "by": "alice",
    }


def test_bot_settings_only_writes_send_nothing() -> None:
    created = bots_image("alice", "BOT#default", settings={"edge_threshold": "0.05"})
    assert messages_from_record(record(created), now=NOW) == []
    running = bots_image("alice", "BOT#default", state="RUNNING", settings={"a": "1"})
    edited = bots_image("alice", "BOT#default", state="RUNNING", settings={"a": "2"})
    assert messages_from_record(record(edited, running), now=NOW) == []
    other = bots_image("alice", "SETTINGS", trading_mode="live")
    assert messages_from_record(record(other), now=NOW) == []


def test_an_unknown_bot_state_reads_as_error() -> None:
    new = bots_image("alice", "BOT#b", state="EXPLODED")
    assert one(record(new)).data["state"] == "ERROR"


# --------------------------------------------------------------------------- kill switch


def test_a_trip_and_a_reset_are_kill_switch_messages() -> None:
    tripped = bots_image(
        "alice",
        "KILL_SWITCH",
        state="TRIPPED",
        reason="daily loss 55.00 > 50.00",
        changed_at=NOW,
        trigger="daily_loss",
        values={"loss": "55.00", "limit": "50.00"},
        by="system",
        event_id="ks-1",
    )
    message = one(record(tripped))
    assert message.type is MessageType.KILL_SWITCH
    assert message.data["state"] == "TRIPPED"
    assert message.data["previous_state"] == "ACTIVE"
    assert message.data["tripped"] is True
    assert message.data["trigger"] == "daily_loss"
    assert message.data["values"] == {"loss": "55.00", "limit": "50.00"}

    reset = bots_image("alice", "KILL_SWITCH", state="ACTIVE", reason="checked", changed_at=NOW, by="alice")
    message = one(record(reset, tripped))
    assert message.data["state"] == "ACTIVE"
    assert message.data["tripped"] is False
    assert message.data["trigger"] is None
    assert message.data["values"] == {}
    assert messages_from_record(record(reset, reset), now=NOW) == []


# --------------------------------------------------------------------------- bad records


def test_unreadable_records_are_reported_and_skipped() -> None:
    good = record(position_image(position()))
    broken_image = position_image(position())
    del broken_image["cost"]
    broken = record(broken_image)
    broken["eventID"] = "bad-1"
    no_change = {"eventID": "bad-2", "eventName": "INSERT"}
    decoded = decode_records([broken, good, no_change], now=NOW)
    assert [m.type for m in decoded.messages] == [MessageType.NEW_POSITION]
    assert decoded.problems == [
        "bad-1: the position image has no 'cost'",
        "bad-2: the record has no dynamodb change",
    ]


def test_a_position_whose_user_differs_from_its_key_is_refused() -> None:
    image = position_image(position())
    rec = record(image)
    rec["dynamodb"]["Keys"]["user_id"] = {"S": "bob"}
    with pytest.raises(UnreadableRecord, match="differs"):
        messages_from_record(rec, now=NOW)


def test_new_images_are_required() -> None:
    rec = record(position_image(position()))
    rec["dynamodb"].pop("NewImage")
    with pytest.raises(UnreadableRecord, match="new image"):
        messages_from_record(rec, now=NOW)
