"""The bots table, as the order workflow reads it: the kill switch and a bot's order settings.

Items (partition ``user_id``, sort ``sk``):

- ``sk = "KILL_SWITCH"``: ``state`` (``ACTIVE``/``TRIPPED``), ``reason``, ``changed_at``. Absent =
  never tripped. A state this code does not know is read as TRIPPED (fail safe).
- ``sk = "BOT#<bot_id>"``: ``settings``, a map of strings (``max_contracts_per_order``,
  ``max_cost_per_order``, ``slippage_tolerance``, ``max_wait_seconds``, ``poll_seconds``,
  ``partial_fill_threshold``; other keys are ignored). Absent keys take the documented defaults.

Both are read with consistent reads: a trip blocks the very next order.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal
from functools import cache
from typing import Any, Protocol

from pydantic import ValidationError
from pynamodb.attributes import Attribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.constants import MAP
from pynamodb.models import Model

from inplay.orders.workflow import BotConfig, ExecutionPolicy
from inplay.risk.kill_switch import KILL_SWITCH_SK, KillSwitch, KillSwitchState
from inplay.risk.limits import PreTradeLimits
from inplay.store.pynamo import bind

__all__ = ["BotControls", "DynamoBotControls", "InvalidBotSettings", "bot_sk", "config_from_settings"]


class InvalidBotSettings(ValueError):
    """A bot's stored settings do not validate; the message names the bad keys."""


class BotControls(Protocol):
    def kill_switch(self, user_id: str) -> KillSwitch:
        """The user's kill switch, read consistently."""
        ...

    def bot_config(self, user_id: str, bot_id: str) -> BotConfig:
        """The bot's limits and execution policy (defaults when it has none); consistent read."""
        ...


def bot_sk(bot_id: str) -> str:
    return f"BOT#{bot_id}"


class _StringMap(Attribute[dict[str, str]]):
    """A DynamoDB map of strings (numbers are accepted and read as their exact text)."""

    attr_type = MAP

    def serialize(self, value: dict[str, str]) -> dict[str, Any]:
        return {key: {"S": str(item)} for key, item in value.items()}

    def deserialize(self, value: dict[str, Any]) -> dict[str, str]:
        out: dict[str, str] = {}
        for key, item in value.items():
            if "S" in item:
                out[key] = item["S"]
            elif "N" in item:
                out[key] = item["N"]
        return out


class _BotItem(Model):
    class Meta:
        table_name = "unbound"

    user_id = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    state = UnicodeAttribute(null=True)
    reason = UnicodeAttribute(null=True)
    changed_at = UTCDateTimeAttribute(null=True)
    settings = _StringMap(null=True)


@cache
def _model_for(table_name: str, host: str | None) -> type[_BotItem]:
    return bind(_BotItem, table_name, host)


_LIMIT_KEYS = frozenset(PreTradeLimits.model_fields)
_POLICY_KEYS = frozenset(ExecutionPolicy.model_fields)


def config_from_settings(settings: Mapping[str, str] | None) -> BotConfig:
    """A :class:`BotConfig` from a stored settings map (strings); unknown keys are ignored."""
    values = dict(settings or {})
    try:
        limits = PreTradeLimits.model_validate({k: v for k, v in values.items() if k in _LIMIT_KEYS})
        policy = ExecutionPolicy.model_validate(
            {
                k: (Decimal(v) if k == "partial_fill_threshold" else v)
                for k, v in values.items()
                if k in _POLICY_KEYS
            }
        )
    except (ValidationError, ArithmeticError, ValueError) as exc:
        raise InvalidBotSettings(f"invalid bot settings: {exc}") from exc
    return BotConfig(limits=limits, policy=policy)


class DynamoBotControls:
    """:class:`BotControls` on the bots table (plus the writes tests and operators need)."""

    def __init__(self, table_name: str, *, host: str | None = None) -> None:
        self._model = _model_for(table_name, host)

    def _get(self, user_id: str, sk: str) -> _BotItem | None:
        try:
            return self._model.get(user_id, sk, consistent_read=True)
        except self._model.DoesNotExist:
            return None

    def kill_switch(self, user_id: str) -> KillSwitch:
        item = self._get(user_id, KILL_SWITCH_SK)
        if item is None or item.state is None:
            return KillSwitch()
        try:
            state = KillSwitchState(item.state)
        except ValueError:
            return KillSwitch(KillSwitchState.TRIPPED, reason=f"unreadable kill-switch state {item.state!r}")
        return KillSwitch(state, reason=item.reason, changed_at=item.changed_at)

    def bot_config(self, user_id: str, bot_id: str) -> BotConfig:
        item = self._get(user_id, bot_sk(bot_id))
        return config_from_settings(item.settings if item is not None else None)

    def set_kill_switch(
        self, user_id: str, state: KillSwitchState, *, reason: str, at: datetime | None = None
    ) -> None:
        """Write the switch (the kill-switch function and operators; tests)."""
        model = self._model
        model(user_id, KILL_SWITCH_SK).update(
            actions=[
                model.state.set(state.value),
                model.reason.set(reason),
                model.changed_at.set((at or datetime.now(UTC)).astimezone(UTC)),
            ]
        )

    def put_bot_settings(self, user_id: str, bot_id: str, settings: Mapping[str, str]) -> None:
        """Store a bot's settings map (validated first; the item's other attributes are kept)."""
        config_from_settings(settings)
        model = self._model
        model(user_id, bot_sk(bot_id)).update(actions=[model.settings.set(dict(settings))])
