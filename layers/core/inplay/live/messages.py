"""Live-update messages from DynamoDB stream records (positions and bots tables).

Each message is ``{"type", "at", "data"}`` JSON: ``at`` is when the change happened (ISO 8601 UTC),
money and contract counts are strings (exact decimals), and no user id is ever in it. The owner
(the item's ``user_id``) only picks the connections it goes to.

- positions item: ``NEW_POSITION`` (inserted, or a closed position reopened), ``POSITION_CLOSED``
  (contracts went to zero), ``POSITION_UPDATE`` (contracts, cost or realized P&L changed while the
  status stayed). ``data`` is the position as ``GET /api/positions`` shows it, plus
  ``average_entry_yes_price`` (and ``changed`` for an update).
- bots item ``BOT#<bot_id>``: ``BOT_STATUS`` when its state or mode changed.
- bots item ``KILL_SWITCH``: ``KILL_SWITCH`` when its state changed.

Anything else (settings, market blocks, heartbeat-only writes, deletions) produces no message.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, Final

from boto3.dynamodb.types import TypeDeserializer
from pydantic import ValidationError

from inplay.bots.lifecycle import BotState
from inplay.orders.fills import PositionState, PositionStatus
from inplay.risk.kill_switch import KILL_SWITCH_SK, KillSwitchState
from inplay.store.users import is_user_id

__all__ = [
    "Decoded",
    "LiveMessage",
    "MessageType",
    "UnreadableRecord",
    "decode_records",
    "messages_from_record",
]

BOT_PREFIX: Final = "BOT#"
_POSITION_FIELDS: Final = ("contracts", "cost", "realized_pnl")
_deserializer: Final = TypeDeserializer()


class MessageType(StrEnum):
    NEW_POSITION = "NEW_POSITION"
    POSITION_UPDATE = "POSITION_UPDATE"
    POSITION_CLOSED = "POSITION_CLOSED"
    BOT_STATUS = "BOT_STATUS"
    KILL_SWITCH = "KILL_SWITCH"


class UnreadableRecord(ValueError):
    """A stream record this code cannot read; the message says what is wrong (no item values)."""


@dataclass(frozen=True, slots=True)
class LiveMessage:
    owner: str
    """The user whose connections get the message (never part of it)."""
    type: MessageType
    at: datetime
    data: Mapping[str, Any]
    """JSON-ready: strings, booleans, ``None``, lists and maps of them."""

    def payload(self) -> dict[str, Any]:
        return {"type": self.type.value, "at": _iso(self.at), "data": dict(self.data)}

    def encode(self) -> bytes:
        """The message as sent on a connection (compact JSON, UTF-8)."""
        return json.dumps(self.payload(), separators=(",", ":"), sort_keys=True).encode()


@dataclass(frozen=True, slots=True)
class Decoded:
    messages: list[LiveMessage] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    """One line per record that could not be read (its event id and why)."""


def decode_records(records: Iterable[Mapping[str, Any]], *, now: datetime) -> Decoded:
    """The messages of a batch of stream records, in record order; an unreadable record is reported
    in ``problems`` and skipped (a live update is never worth blocking the stream for)."""
    decoded = Decoded()
    for record in records:
        try:
            decoded.messages.extend(messages_from_record(record, now=now))
        except UnreadableRecord as exc:
            decoded.problems.append(f"{record.get('eventID', '?')}: {exc}")
    return decoded


def messages_from_record(record: Mapping[str, Any], *, now: datetime) -> list[LiveMessage]:
    """The messages one stream record produces (usually zero or one)."""
    change = record.get("dynamodb")
    if not isinstance(change, Mapping):
        raise UnreadableRecord("the record has no dynamodb change")
    if record.get("eventName") == "REMOVE":
        return []
    keys = _image(change.get("Keys"), "Keys")
    new = _image(change.get("NewImage"), "NewImage")
    old = _image(change.get("OldImage"), "OldImage") if change.get("OldImage") else None
    if not keys or not new:
        raise UnreadableRecord("the record has no keys or no new image (the stream must show new images)")
    owner = keys.get("user_id")
    if not isinstance(owner, str) or not is_user_id(owner):
        return []  # system partitions (heartbeats …) belong to no user
    fallback = _approximate_time(change) or now
    if "position_id" in keys:
        return _position_messages(owner, old, new)
    sort_key = keys.get("sk")
    if isinstance(sort_key, str) and sort_key.startswith(BOT_PREFIX):
        return _bot_messages(owner, sort_key[len(BOT_PREFIX) :], old, new, fallback)
    if sort_key == KILL_SWITCH_SK:
        return _kill_switch_messages(owner, old, new, fallback)
    return []


# --------------------------------------------------------------------------- positions


def _position_messages(
    owner: str, old_image: dict[str, Any] | None, new_image: dict[str, Any]
) -> list[LiveMessage]:
    new = _position(new_image)
    if new.user_id != owner:
        raise UnreadableRecord("the position's user_id differs from its key")
    old = _position(old_image) if old_image is not None else None
    at = new.updated_at
    data = _position_data(new)
    if new.status is PositionStatus.OPEN and (old is None or old.status is PositionStatus.CLOSED):
        return [LiveMessage(owner, MessageType.NEW_POSITION, at, data)]
    if new.status is PositionStatus.CLOSED and (old is None or old.status is PositionStatus.OPEN):
        return [LiveMessage(owner, MessageType.POSITION_CLOSED, at, data)]
    assert old is not None
    changed = [name for name in _POSITION_FIELDS if getattr(old, name) != getattr(new, name)]
    if not changed:
        return []
    return [LiveMessage(owner, MessageType.POSITION_UPDATE, at, {**data, "changed": changed})]


def _position(image: Mapping[str, Any]) -> PositionState:
    try:
        return PositionState.model_validate(
            {
                "user_id": image["user_id"],
                "position_id": image["position_id"],
                "bot_id": image["bot_id"],
                "venue": image["venue"],
                "market_ticker": image["market_ticker"],
                "mode": image["mode"],
                "contracts": _decimal(image["contracts"]),
                "cost": _decimal(image["cost"]),
                "realized_pnl": _decimal(image["realized_pnl"]),
                "fees": _decimal(image.get("fees", "0")),
                "fills": int(image.get("fills", 0)),
                "opened_at": _time(image["opened_at"]),
                "updated_at": _time(image["updated_at"]),
                "closed_at": _time(image["closed_at"]) if image.get("closed_at") else None,
                "last_fill_id": image.get("last_fill_id"),
                "last_intent_id": image.get("last_intent_id"),
                "version": int(image.get("version", 0)),
            }
        )
    except KeyError as exc:
        raise UnreadableRecord(f"the position image has no {exc.args[0]!r}") from None
    except (ValidationError, ValueError, ArithmeticError, TypeError) as exc:
        raise UnreadableRecord(f"the position image does not validate ({type(exc).__name__})") from None


def _position_data(position: PositionState) -> dict[str, Any]:
    """As ``inplay.api.bots.position_json`` (the REST API's position), plus the average entry."""
    body: dict[str, Any] = position.model_dump(mode="json", exclude={"version", "user_id"})
    body["status"] = position.status.value.lower()
    body["held_side"] = None if position.contracts == 0 else ("yes" if position.contracts > 0 else "no")
    average = position.average_entry_yes_price
    body["average_entry_yes_price"] = None if average is None else str(average)
    return body


# --------------------------------------------------------------------------- bots


def _bot_state(image: Mapping[str, Any] | None) -> tuple[str, str | None]:
    """``(state, mode)``; no item or no state = STOPPED; a state this code does not know = ERROR
    (as the bots store reads it)."""
    if image is None:
        return BotState.STOPPED.value, None
    raw, mode = image.get("state"), image.get("mode")
    mode = mode if isinstance(mode, str) else None
    if not raw:
        return BotState.STOPPED.value, mode
    try:
        return BotState(raw).value, mode
    except ValueError:
        return BotState.ERROR.value, mode


def _bot_messages(
    owner: str, bot_id: str, old: dict[str, Any] | None, new: dict[str, Any], fallback: datetime
) -> list[LiveMessage]:
    (before, before_mode), (after, after_mode) = _bot_state(old), _bot_state(new)
    if (before, before_mode) == (after, after_mode):
        return []
    at = _optional_time(new.get("changed_at")) or fallback
    data = {
        "bot_id": bot_id,
        "state": after,
        "previous_state": before,
        "mode": after_mode,
        "reason": _text(new.get("reason")),
        "changed_at": _iso(at),
        "by": _text(new.get("by")),
    }
    return [LiveMessage(owner, MessageType.BOT_STATUS, at, data)]


def _switch_state(image: Mapping[str, Any] | None) -> str:
    """No item = ACTIVE (never tripped); a state this code does not know = TRIPPED (fail safe)."""
    if image is None or not image.get("state"):
        return KillSwitchState.ACTIVE.value
    try:
        return KillSwitchState(image["state"]).value
    except ValueError:
        return KillSwitchState.TRIPPED.value


def _kill_switch_messages(
    owner: str, old: dict[str, Any] | None, new: dict[str, Any], fallback: datetime
) -> list[LiveMessage]:
    before, after = _switch_state(old), _switch_state(new)
    if before == after:
        return []
    at = _optional_time(new.get("changed_at")) or fallback
    values = new.get("values")
    data = {
        "state": after,
        "previous_state": before,
        "tripped": after == KillSwitchState.TRIPPED.value,
        "reason": _text(new.get("reason")),
        "trigger": _text(new.get("trigger")) if after == KillSwitchState.TRIPPED.value else None,
        "values": (
            {str(k): _text(v) for k, v in values.items()}
            if isinstance(values, Mapping) and after == KillSwitchState.TRIPPED.value
            else {}
        ),
        "changed_at": _iso(at),
        "by": _text(new.get("by")),
        "event_id": _text(new.get("event_id")),
    }
    return [LiveMessage(owner, MessageType.KILL_SWITCH, at, data)]


# --------------------------------------------------------------------------- values


def _image(value: object, name: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise UnreadableRecord(f"{name} is not a map")
    try:
        return {key: _deserializer.deserialize(item) for key, item in value.items()}
    except (TypeError, ValueError, KeyError, ArithmeticError) as exc:
        raise UnreadableRecord(f"{name} is not DynamoDB JSON ({type(exc).__name__})") from None


def _decimal(value: object) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, Decimal | int | str):
        raise TypeError("not a number")
    return Decimal(value)


def _time(value: object) -> datetime:
    """ISO 8601 text as the stores write it (``…Z`` or ``…+0000``), as aware UTC."""
    if not isinstance(value, str):
        raise TypeError("not a timestamp")
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        raise ValueError("a timestamp without a time zone")
    return moment.astimezone(UTC)


def _optional_time(value: object) -> datetime | None:
    try:
        return _time(value) if value else None
    except (TypeError, ValueError):
        return None


def _approximate_time(change: Mapping[str, Any]) -> datetime | None:
    value = change.get("ApproximateCreationDateTime")
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool) and value > 0:
        return datetime.fromtimestamp(float(value), UTC)
    return None


def _text(value: object) -> str | None:
    if value is None:
        return None
    return str(value)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
