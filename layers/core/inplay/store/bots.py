"""The bots table, as the order workflow reads it: the kill switch and a bot's order settings.

Items (partition ``user_id``, sort ``sk``):

- ``sk = "KILL_SWITCH"``: ``state`` (``ACTIVE``/``TRIPPED``), ``reason``, ``changed_at``. Absent =
  never tripped. A state this code does not know is read as TRIPPED (fail safe).
  While TRIPPED also ``trigger``, ``values`` (map of strings), ``by`` and ``event_id``. Written only
  by conditional updates (:meth:`DynamoBotControls.trip`, :meth:`DynamoBotControls.reset`).
- ``sk = "BOT#<bot_id>"``: ``settings``, a map of strings (``max_contracts_per_order``,
  ``max_cost_per_order``, ``slippage_tolerance``, ``max_wait_seconds``, ``poll_seconds``,
  ``partial_fill_threshold``; other keys are ignored). Absent keys take the documented defaults.
- ``sk = "SETTINGS"``: the user's own ``settings`` map (kill-switch thresholds …).
- ``sk = "BLOCK#<market_ticker>"``: new entries on that market are refused (``reason``): the
  reconciler found an order or position there that is not ours. Reduce-only orders still pass.

All are read with consistent reads: a trip blocks the very next order.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal
from functools import cache
from typing import Any, Final, Protocol

from pydantic import ValidationError
from pynamodb.attributes import Attribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.constants import MAP
from pynamodb.exceptions import UpdateError
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

    def market_block(self, user_id: str, market_ticker: str) -> str | None:
        """Why new entries on this market are blocked for the user, or None; consistent read."""
        ...


SETTINGS_SK: Final = "SETTINGS"


def bot_sk(bot_id: str) -> str:
    return f"BOT#{bot_id}"


def block_sk(market_ticker: str) -> str:
    return f"BLOCK#{market_ticker}"


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
    trigger = UnicodeAttribute(null=True)
    values = _StringMap(null=True)
    by = UnicodeAttribute(null=True)
    event_id = UnicodeAttribute(null=True)


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


def _condition_failed(exc: UpdateError) -> bool:
    cause = exc.cause_response_code if hasattr(exc, "cause_response_code") else None
    return cause == "ConditionalCheckFailedException"


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
        return KillSwitch(
            state,
            reason=item.reason,
            changed_at=item.changed_at,
            trigger=item.trigger,
            values=dict(item.values or {}),
            by=item.by,
            event_id=item.event_id,
        )

    def trip(
        self,
        user_id: str,
        *,
        trigger: str,
        reason: str,
        values: Mapping[str, str],
        by: str,
        event_id: str,
        at: datetime,
    ) -> KillSwitch | None:
        model = self._model
        condition = model.state.does_not_exist() | (model.state == KillSwitchState.ACTIVE.value)
        try:
            model(user_id, KILL_SWITCH_SK).update(
                actions=[
                    model.state.set(KillSwitchState.TRIPPED.value),
                    model.reason.set(reason[:500] or trigger),
                    model.changed_at.set(at.astimezone(UTC)),
                    model.trigger.set(trigger),
                    model.values.set(dict(values)),
                    model.by.set(by),
                    model.event_id.set(event_id),
                ],
                condition=condition,
            )
        except UpdateError as exc:
            if _condition_failed(exc):
                return None
            raise
        return self.kill_switch(user_id)

    def reset(self, user_id: str, *, reason: str, by: str, at: datetime) -> KillSwitch | None:
        model = self._model
        try:
            model(user_id, KILL_SWITCH_SK).update(
                actions=[
                    model.state.set(KillSwitchState.ACTIVE.value),
                    model.reason.set(reason[:500]),
                    model.changed_at.set(at.astimezone(UTC)),
                    model.by.set(by),
                    model.trigger.remove(),
                    model.values.remove(),
                ],
                condition=model.state == KillSwitchState.TRIPPED.value,
            )
        except UpdateError as exc:
            if _condition_failed(exc):
                return None
            raise
        return self.kill_switch(user_id)

    def market_block(self, user_id: str, market_ticker: str) -> str | None:
        item = self._get(user_id, block_sk(market_ticker))
        return (item.reason or "blocked") if item is not None else None

    def block_market(self, user_id: str, market_ticker: str, *, reason: str, at: datetime) -> None:
        model = self._model
        model(user_id, block_sk(market_ticker)).update(
            actions=[model.reason.set(reason[:500]), model.changed_at.set(at.astimezone(UTC))]
        )

    def unblock_market(self, user_id: str, market_ticker: str) -> None:
        self._model(user_id, block_sk(market_ticker)).delete()

    def market_blocks(self, user_id: str) -> dict[str, str]:
        """Every blocked market of the user and why."""
        prefix = block_sk("")
        items = self._model.query(user_id, self._model.sk.startswith(prefix), consistent_read=True)
        return {item.sk[len(prefix) :]: item.reason or "blocked" for item in items}

    def user_settings(self, user_id: str) -> dict[str, str]:
        """The user's own settings map (empty when none is stored)."""
        item = self._get(user_id, SETTINGS_SK)
        return dict(item.settings or {}) if item is not None and item.settings else {}

    def put_user_settings(self, user_id: str, settings: Mapping[str, str]) -> None:
        model = self._model
        model(user_id, SETTINGS_SK).update(actions=[model.settings.set(dict(settings))])

    def users(self) -> list[str]:
        """Every user with an item in the bots table (a scan: self-hosted deployments are small)."""
        return sorted({item.user_id for item in self._model.scan(attributes_to_get=["user_id"])})

    def bot_config(self, user_id: str, bot_id: str) -> BotConfig:
        item = self._get(user_id, bot_sk(bot_id))
        return config_from_settings(item.settings if item is not None else None)

    def put_bot_settings(self, user_id: str, bot_id: str, settings: Mapping[str, str]) -> None:
        """Store a bot's settings map (validated first; the item's other attributes are kept)."""
        config_from_settings(settings)
        model = self._model
        model(user_id, bot_sk(bot_id)).update(actions=[model.settings.set(dict(settings))])
