"""The bots table, as the order workflow reads it: the kill switch and a bot's order settings.

Items (partition ``user_id``, sort ``sk``):

- ``sk = "KILL_SWITCH"``: ``state`` (``ACTIVE``/``TRIPPED``), ``reason``, ``changed_at``. Absent =
  never tripped. A state this code does not know is read as TRIPPED (fail safe).
  While TRIPPED also ``trigger``, ``values`` (map of strings), ``by`` and ``event_id``. Written only
  by conditional updates (:meth:`DynamoBotControls.trip`, :meth:`DynamoBotControls.reset`).
- ``sk = "BOT#<bot_id>"``: ``settings``, a map of strings (``max_contracts_per_order``,
  ``max_cost_per_order``, ``slippage_tolerance``, ``max_wait_seconds``, ``poll_seconds``,
  ``partial_fill_threshold``, and the strategy's keys; other keys are ignored). Absent keys take
  the documented defaults. The bot's lifecycle (``inplay.bots.lifecycle``): ``state`` (absent =
  STOPPED), ``reason``, ``changed_at``, ``by``, ``mode`` (the trading mode it was started in);
  ``state`` changes only by conditional updates (:meth:`DynamoBotControls.transition_bot`).
- ``sk = "SETTINGS"``: the user's own ``settings`` map (kill-switch thresholds …) and
  ``trading_mode`` (``paper``/``live``; absent = paper), changed only while every bot of the user
  is STOPPED or ERROR (:meth:`DynamoBotControls.set_trading_mode`, one transaction).
- ``sk = "BLOCK#<market_ticker>"``: new entries on that market are refused (``reason``): the
  reconciler found an order or position there that is not ours. Reduce-only orders still pass.

All are read with consistent reads: a trip blocks the very next order.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from datetime import UTC, datetime
from decimal import Decimal
from functools import cache
from typing import Any, Final, Protocol

from pydantic import ValidationError
from pynamodb.attributes import Attribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.connection import Connection
from pynamodb.constants import MAP
from pynamodb.exceptions import TransactWriteError, UpdateError
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from inplay.bots.lifecycle import ACTIVE_STATES, BotRecord, BotState, BotStateConflict, sources_of
from inplay.orders.intents import TradingMode
from inplay.orders.workflow import BotConfig, ExecutionPolicy
from inplay.risk.kill_switch import KILL_SWITCH_SK, KillSwitch, KillSwitchState
from inplay.risk.limits import PreTradeLimits
from inplay.store.pynamo import bind

__all__ = [
    "DEFAULT_TRADING_MODE",
    "BotControls",
    "DynamoBotControls",
    "InvalidBotSettings",
    "ModeChangeConflict",
    "SettingsConflict",
    "bot_sk",
    "config_from_settings",
]


class InvalidBotSettings(ValueError):
    """A bot's stored settings do not validate; the message names the bad keys."""


class SettingsConflict(Exception):
    """A settings map changed between its read and a conditional write of it (another save, a
    bot start with settings); nothing was written."""


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
BOT_PREFIX: Final = "BOT#"
DEFAULT_TRADING_MODE: Final = TradingMode.PAPER
_IDLE_STATES: Final = frozenset({BotState.STOPPED, BotState.ERROR})


class ModeChangeConflict(Exception):
    """The trading mode cannot change now: a bot is not STOPPED/ERROR, or the mode moved meanwhile.

    ``bots`` are the user's bots as read after the refusal; ``mode`` the stored mode then."""

    def __init__(self, message: str, *, bots: list[BotRecord], mode: TradingMode) -> None:
        super().__init__(message)
        self.bots = bots
        self.mode = mode


def bot_sk(bot_id: str) -> str:
    return f"{BOT_PREFIX}{bot_id}"


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
    mode = UnicodeAttribute(null=True)
    trading_mode = UnicodeAttribute(null=True)


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


def _transaction_failures(exc: TransactWriteError) -> list[bool]:
    """Per item of a cancelled transaction: did its condition fail."""
    return [bool(r and r.code == "ConditionalCheckFailed") for r in exc.cancellation_reasons or ()]


def _parse_mode(value: str | None) -> TradingMode:
    """The stored trading mode; absent or unreadable = PAPER (never real money by accident)."""
    try:
        return TradingMode(value) if value else DEFAULT_TRADING_MODE
    except ValueError:
        return DEFAULT_TRADING_MODE


def _bot_record(user_id: str, bot_id: str, item: _BotItem | None) -> BotRecord:
    if item is None:
        return BotRecord(user_id=user_id, bot_id=bot_id, stored=False)
    try:
        state = BotState(item.state) if item.state else BotState.STOPPED
        reason = item.reason
    except ValueError:  # a state this code does not know: never trade on it
        state, reason = BotState.ERROR, f"unreadable bot state {item.state!r}"
    mode: TradingMode | None
    try:
        mode = TradingMode(item.mode) if item.mode else None
    except ValueError:
        mode = None
    return BotRecord(
        user_id=user_id,
        bot_id=bot_id,
        state=state,
        settings=dict(item.settings or {}),
        reason=reason,
        changed_at=item.changed_at,
        by=item.by,
        mode=mode,
    )


class DynamoBotControls:
    """:class:`BotControls` on the bots table (plus the writes tests and operators need)."""

    def __init__(self, table_name: str, *, host: str | None = None) -> None:
        self._model = _model_for(table_name, host)
        self._host = host

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

    # ---- bot lifecycle

    def bot(self, user_id: str, bot_id: str) -> BotRecord:
        """The bot as stored (STOPPED and ``stored=False`` when it has no record); consistent read."""
        return _bot_record(user_id, bot_id, self._get(user_id, bot_sk(bot_id)))

    def bots(self, user_id: str) -> list[BotRecord]:
        """Every bot of the user, by id; consistent read."""
        items = self._model.query(user_id, self._model.sk.startswith(BOT_PREFIX), consistent_read=True)
        return [_bot_record(user_id, item.sk[len(BOT_PREFIX) :], item) for item in items]

    def active_bots(self) -> list[BotRecord]:
        """RUNNING and PAUSED bots of every user (a scan: self-hosted deployments are small)."""
        model = self._model
        condition = model.sk.startswith(BOT_PREFIX) & model.state.is_in(*(s.value for s in ACTIVE_STATES))
        records = [
            _bot_record(item.user_id, item.sk[len(BOT_PREFIX) :], item)
            for item in model.scan(condition, consistent_read=True)
        ]
        return sorted((r for r in records if r.active), key=lambda r: (r.user_id, r.bot_id))

    def _state_condition(self, states: Iterable[BotState]) -> Condition:
        model = self._model
        wanted = sorted(s.value for s in states)
        condition: Condition = model.state.is_in(*wanted)
        if BotState.STOPPED.value in wanted:  # no record, or a record without a state, is STOPPED
            condition = condition | model.state.does_not_exist()
        return condition

    def transition_bot(
        self,
        user_id: str,
        bot_id: str,
        target: BotState,
        *,
        by: str,
        at: datetime,
        reason: str | None = None,
        from_states: Collection[BotState] | None = None,
        settings: Mapping[str, str] | None = None,
        mode: TradingMode | None = None,
        expect_mode: TradingMode | None = None,
    ) -> BotRecord:
        """Move the bot to ``target`` if it is in one of ``from_states`` (default: every state
        ``target`` may be entered from), in one conditional write; returns the bot as written.

        ``settings`` replaces the bot's settings; ``mode`` records its trading mode. With
        ``expect_mode`` the write happens only while the user's trading mode is still that one
        (a transaction with the SETTINGS item). Raises :class:`BotStateConflict` (with the bot as
        stored now) when the bot was not in an allowed state, or the mode had changed.
        """
        allowed = frozenset(from_states) if from_states is not None else sources_of(target)
        if not allowed <= sources_of(target):
            raise ValueError(f"{target.value} cannot be entered from {sorted(allowed - sources_of(target))}")
        model = self._model
        actions: list[Action] = [
            model.state.set(target.value),
            model.changed_at.set(at.astimezone(UTC)),
            model.by.set(by[:128]),
            model.reason.set(reason[:1000]) if reason else model.reason.remove(),
        ]
        if settings is not None:
            actions.append(model.settings.set(dict(settings)))
        if mode is not None:
            actions.append(model.mode.set(mode.value))
        condition = self._state_condition(allowed)
        item = model(user_id, bot_sk(bot_id))
        try:
            if expect_mode is None:
                item.update(actions=actions, condition=condition)
            else:
                self._update_if_mode(item, actions, condition, target, expect_mode)
        except UpdateError as exc:
            if _condition_failed(exc):
                raise BotStateConflict(self.bot(user_id, bot_id), target) from None
            raise
        return self.bot(user_id, bot_id)

    def _update_if_mode(
        self,
        item: _BotItem,
        actions: list[Action],
        condition: Condition,
        target: BotState,
        mode: TradingMode,
    ) -> None:
        model = self._model
        user_id, bot_id = item.user_id, item.sk[len(BOT_PREFIX) :]
        mode_condition = model.trading_mode == mode.value
        if mode is DEFAULT_TRADING_MODE:
            mode_condition = mode_condition | model.trading_mode.does_not_exist()
        try:
            with TransactWrite(connection=Connection(host=self._host)) as transaction:
                transaction.update(item, actions=actions, condition=condition)
                transaction.condition_check(model, user_id, SETTINGS_SK, condition=mode_condition)
        except TransactWriteError as exc:
            # PynamoDB sends condition checks before updates: [mode check, bot update].
            failed = _transaction_failures(exc)
            if failed[1:2] == [True]:
                raise BotStateConflict(self.bot(user_id, bot_id), target) from None
            if failed[:1] == [True]:
                now = self.trading_mode(user_id)
                raise BotStateConflict(
                    self.bot(user_id, bot_id),
                    target,
                    f"the trading mode changed to {now.value} meanwhile; start the bot again",
                ) from None
            raise

    def mark_error(
        self, user_id: str, bot_id: str, reason: str, at: datetime, *, by: str = "strategy"
    ) -> bool:
        """Move a RUNNING/PAUSED bot to ERROR; True when this call moved it."""
        try:
            self.transition_bot(
                user_id,
                bot_id,
                BotState.ERROR,
                by=by,
                at=at,
                reason=reason,
                from_states=ACTIVE_STATES,
            )
        except BotStateConflict:
            return False
        return True

    # ---- trading mode

    def trading_mode(self, user_id: str) -> TradingMode:
        """The user's trading mode (PAPER unless switched); consistent read."""
        item = self._get(user_id, SETTINGS_SK)
        return _parse_mode(item.trading_mode if item is not None else None)

    def set_trading_mode(
        self, user_id: str, mode: TradingMode, *, expected: TradingMode, bots: Iterable[BotRecord]
    ) -> None:
        """Switch the user's mode from ``expected`` to ``mode`` while every bot in ``bots`` (the
        user's bots as read by the caller) is still STOPPED or ERROR: one transaction, so no bot
        can start in between. Raises :class:`ModeChangeConflict` otherwise."""
        model = self._model
        expected_condition = model.trading_mode == expected.value
        if expected is DEFAULT_TRADING_MODE:
            expected_condition = expected_condition | model.trading_mode.does_not_exist()
        bots = list(bots)
        busy = [b for b in bots if b.state not in _IDLE_STATES]
        if busy:
            raise self._mode_conflict(user_id, "a bot is not stopped")
        try:
            with TransactWrite(connection=Connection(host=self._host)) as transaction:
                transaction.update(
                    model(user_id, SETTINGS_SK),
                    actions=[model.trading_mode.set(mode.value)],
                    condition=expected_condition,
                )
                for record in bots:
                    transaction.condition_check(
                        model, user_id, bot_sk(record.bot_id), condition=self._state_condition(_IDLE_STATES)
                    )
        except TransactWriteError as exc:
            if any(_transaction_failures(exc)):
                raise self._mode_conflict(user_id, "a bot or the mode changed meanwhile") from None
            raise

    def _mode_conflict(self, user_id: str, message: str) -> ModeChangeConflict:
        return ModeChangeConflict(message, bots=self.bots(user_id), mode=self.trading_mode(user_id))

    def replace_settings(
        self,
        user_id: str,
        bot_id: str,
        *,
        user_settings: Mapping[str, str],
        bot_settings: Mapping[str, str],
        expected_user: Mapping[str, str],
        expected_bot: Mapping[str, str],
    ) -> None:
        """Write the user's settings map and a bot's settings map in one transaction that applies
        only while both still hold what the caller read (``expected_*``; empty = none stored). A
        map equal to its expected one is checked, not written (no bot item is created for it).
        The items' other attributes are kept. Raises :class:`SettingsConflict` otherwise."""
        model = self._model

        def unchanged(expected: Mapping[str, str]) -> Condition:
            condition: Condition = model.settings == dict(expected)
            if not expected:
                condition = condition | model.settings.does_not_exist()
            return condition

        try:
            with TransactWrite(connection=Connection(host=self._host)) as transaction:
                for sk, new, expected in (
                    (SETTINGS_SK, user_settings, expected_user),
                    (bot_sk(bot_id), bot_settings, expected_bot),
                ):
                    if dict(new) == dict(expected):
                        transaction.condition_check(model, user_id, sk, condition=unchanged(expected))
                    else:
                        transaction.update(
                            model(user_id, sk),
                            actions=[model.settings.set(dict(new))],
                            condition=unchanged(expected),
                        )
        except TransactWriteError as exc:
            reasons = {r.code for r in exc.cancellation_reasons or () if r is not None}
            if any(_transaction_failures(exc)) or "TransactionConflict" in reasons:
                # Another write to these items won (or is in flight): read again and retry.
                raise SettingsConflict("the settings changed meanwhile") from None
            raise

    def put_bot_settings(self, user_id: str, bot_id: str, settings: Mapping[str, str]) -> None:
        """Store a bot's settings map (validated first; the item's other attributes are kept)."""
        config_from_settings(settings)
        model = self._model
        model(user_id, bot_sk(bot_id)).update(actions=[model.settings.set(dict(settings))])
