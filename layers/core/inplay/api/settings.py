"""``GET``/``PUT /api/settings``: one document of a user's risk limits, sizing, thresholds and leagues.

Each part is stored exactly where the code that acts on it reads it, so a change is picked up on
that code's next run (the kill switch's next check, the strategy's next evaluation, the next order):

- ``risk.kill_switch`` → the user's settings map (bots table, ``SETTINGS`` item, keys ``kill_<name>``):
  per user, for every bot (:class:`inplay.risk.triggers.KillSwitchLimits`);
- ``risk.order_limits``, ``risk.execution``, ``sizing``, ``thresholds``, ``leagues`` → the bot's settings
  map (``BOT#<bot_id>``): per bot (:class:`~inplay.risk.limits.PreTradeLimits`,
  :class:`~inplay.orders.workflow.ExecutionPolicy`, :class:`~inplay.strategy.model.StrategyParams`).

Every field validates exactly like the field it is stored for (:class:`_Like`: one source of truth for
ranges); decimals are JSON strings (``"0.03"``) and a JSON float is refused (not exact). ``PUT`` replaces
the document: an absent field takes its default (its key leaves the stored map); stored keys this
document does not manage are kept. The write is one transaction that applies only if neither map
changed since it was read (else ``409``), and is audited (``SETTINGS_CHANGED``: every changed setting
with its old and new value).
"""

from __future__ import annotations

import logging
import types
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Final, Protocol, Self, Union, get_args, get_origin

import annotated_types
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic.fields import FieldInfo
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, PydanticCustomError, core_schema

from inplay.api.errors import BadRequest, Conflict
from inplay.audit import AuditKind, AuditLog
from inplay.bots.lifecycle import BotRecord
from inplay.orders.workflow import ExecutionPolicy
from inplay.risk.limits import PreTradeLimits
from inplay.risk.triggers import (
    SETTINGS_PREFIX,
    InvalidKillSwitchSettings,
    KillSwitchLimits,
    parse_limits,
    setting_key,
)
from inplay.sports.models import League
from inplay.store.bots import InvalidBotSettings, SettingsConflict, config_from_settings
from inplay.strategy.model import InvalidStrategyParams, StrategyParams, params_from_settings

__all__ = [
    "BOT_SETTING_KEYS",
    "ExecutionSettings",
    "KillSwitchSettings",
    "OrderLimitsSettings",
    "RiskSettings",
    "SettingsDeps",
    "SettingsDocument",
    "SettingsSaved",
    "SettingsStore",
    "SettingsView",
    "SizingSettings",
    "ThresholdSettings",
    "bot_settings_map",
    "effective_settings",
    "kill_settings_map",
    "read_settings",
    "save_settings",
]

log = logging.getLogger(__name__)

DECIMAL_PATTERN: Final = r"^-?\d+(\.\d+)?$"
MAX_PLACES: Final = 10
_FLOAT_REFUSED: Final = 'write decimal numbers as strings (e.g. "0.03") so they stay exact'
_KILL: Final = KillSwitchLimits()
_LIMITS: Final = PreTradeLimits()
_POLICY: Final = ExecutionPolicy()
_STRATEGY: Final = StrategyParams()


# ---------------------------------------------------------------------------------------------
# Fields that validate like the field they are stored for


def _refuse_float(value: object) -> object:
    if isinstance(value, float):
        raise PydanticCustomError("float_refused", _FLOAT_REFUSED)
    return value


def _few_places(value: object) -> object:
    """A decimal with at most :data:`MAX_PLACES` places once trailing zeros go (``1E-999999`` is a
    valid fraction but not a setting: stored as text it would not fit an item)."""
    if isinstance(value, Decimal):
        exponent = value.normalize().as_tuple().exponent
        if isinstance(exponent, int) and exponent < -MAX_PLACES:
            raise PydanticCustomError(
                "too_many_places", "use at most {places} decimal places", {"places": MAX_PLACES}
            )
    return value


_BOUND_TEXT: Final = (
    (annotated_types.Gt, "gt", ">"),
    (annotated_types.Ge, "ge", "≥"),
    (annotated_types.Lt, "lt", "<"),
    (annotated_types.Le, "le", "≤"),
)


def _walk(annotation: Any) -> Iterator[Any]:
    """Every type and metadata item inside ``annotation`` (through ``Annotated`` and unions)."""
    origin = get_origin(annotation)
    if origin is Annotated:
        base, *metadata = get_args(annotation)
        for item in metadata:
            yield from item.metadata if isinstance(item, FieldInfo) else (item,)
        yield from _walk(base)
    elif origin is Union or origin is types.UnionType:
        for arg in get_args(annotation):
            yield from _walk(arg)
    else:
        yield annotation


class _Like:
    """``Annotated`` marker: validate a field exactly as ``model.<name>`` validates it (its type,
    range and parsing), refuse a JSON float, and document it (a decimal as a string, its range).

    The static type beside the marker is for the type checker; the schema comes from the source.
    """

    __slots__ = ("_annotation", "_decimal", "_description", "_range")

    def __init__(self, model: type[BaseModel], name: str, description: str) -> None:
        self._annotation = model.model_fields[name].rebuild_annotation()
        parts = list(_walk(self._annotation))
        self._decimal = Decimal in parts
        bounds = [
            f"{symbol} {getattr(item, attribute)}"
            for item in parts
            for kind, attribute, symbol in _BOUND_TEXT
            if isinstance(item, kind)
        ]
        self._range = " and ".join(bounds)
        self._description = description

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        schema = handler.generate_schema(self._annotation)
        if self._decimal:
            schema = core_schema.no_info_after_validator_function(_few_places, schema)
        return core_schema.no_info_before_validator_function(_refuse_float, schema)

    def __get_pydantic_json_schema__(
        self, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        generated = handler(schema)
        text = self._description + (f" Range: {self._range}." if self._range else "")
        if not self._decimal:
            return {**generated, "description": text}
        decimal = {"type": "string", "pattern": DECIMAL_PATTERN}
        if type(None) in _walk(self._annotation):
            return {"anyOf": [decimal, {"type": "null"}], "description": f"{text} null turns it off."}
        return {**decimal, "description": text}


def _like(model: type[BaseModel], name: str, description: str) -> _Like:
    return _Like(model, name, description)


# ---------------------------------------------------------------------------------------------
# The document


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class KillSwitchSettings(_Section):
    """Kill-switch thresholds. Per user: they guard every bot. ``null`` turns a trigger off."""

    daily_loss_limit: Annotated[
        Decimal | None,
        _like(KillSwitchLimits, "daily_loss_limit", "Trip when today's P&L reaches minus this many dollars."),
    ] = _KILL.daily_loss_limit
    consecutive_losses: Annotated[
        int | None,
        _like(
            KillSwitchLimits,
            "consecutive_losses",
            "Trip when this many of the last consecutive_window closed positions lost money.",
        ),
    ] = _KILL.consecutive_losses
    consecutive_window: Annotated[
        int, _like(KillSwitchLimits, "consecutive_window", "Closed positions the losses are counted over.")
    ] = _KILL.consecutive_window
    max_drawdown: Annotated[
        Decimal | None,
        _like(KillSwitchLimits, "max_drawdown", "Trip when equity falls this fraction below its peak."),
    ] = _KILL.max_drawdown
    api_error_rate: Annotated[
        Decimal | None,
        _like(KillSwitchLimits, "api_error_rate", "Trip when this fraction of venue calls failed."),
    ] = _KILL.api_error_rate
    api_min_calls: Annotated[
        int, _like(KillSwitchLimits, "api_min_calls", "Venue calls needed before the error rate counts.")
    ] = _KILL.api_min_calls
    api_window_seconds: Annotated[
        int, _like(KillSwitchLimits, "api_window_seconds", "Seconds the venue error rate looks back.")
    ] = _KILL.api_window_seconds
    slippage_spike: Annotated[
        Decimal | None,
        _like(
            KillSwitchLimits,
            "slippage_spike",
            "Trip when one recent order filled this many dollars per contract worse than decided.",
        ),
    ] = _KILL.slippage_spike
    slippage_average: Annotated[
        Decimal | None,
        _like(
            KillSwitchLimits,
            "slippage_average",
            "Trip when the recent orders' average slippage (dollars per contract) reaches this.",
        ),
    ] = _KILL.slippage_average
    slippage_window: Annotated[
        int, _like(KillSwitchLimits, "slippage_window", "Recent filled orders the slippage triggers read.")
    ] = _KILL.slippage_window
    balance_drop: Annotated[
        Decimal | None,
        _like(
            KillSwitchLimits,
            "balance_drop",
            "Trip when equity is this fraction below the day's opening balance.",
        ),
    ] = _KILL.balance_drop
    stale_feed_seconds: Annotated[
        int | None,
        _like(
            KillSwitchLimits,
            "stale_feed_seconds",
            "Trip when a held game is live and its league's feed is this many seconds old.",
        ),
    ] = _KILL.stale_feed_seconds
    market_paused: Annotated[
        bool,
        _like(KillSwitchLimits, "market_paused", "Trip when a held market is paused or the exchange stops."),
    ] = _KILL.market_paused
    flatten_max_slippage: Annotated[
        Decimal,
        _like(
            KillSwitchLimits,
            "flatten_max_slippage",
            "Closing after a trip sells at most this many dollars below the bid.",
        ),
    ] = _KILL.flatten_max_slippage
    flatten_attempts: Annotated[
        int,
        _like(
            KillSwitchLimits,
            "flatten_attempts",
            "Closing rounds per position before alerting for a manual close.",
        ),
    ] = _KILL.flatten_attempts

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        try:
            KillSwitchLimits.model_validate(dict(self))
        except ValidationError as exc:
            problems = "; ".join(str(e["msg"]).removeprefix("Value error, ") for e in exc.errors())
            raise PydanticCustomError("kill_switch", "{problems}", {"problems": problems}) from None
        return self


class OrderLimitsSettings(_Section):
    """Per-order limits of the bot: an order over them is refused before it reaches the venue."""

    max_contracts_per_order: Annotated[
        Decimal, _like(PreTradeLimits, "max_contracts_per_order", "Most contracts in one order.")
    ] = _LIMITS.max_contracts_per_order
    max_cost_per_order: Annotated[
        Decimal, _like(PreTradeLimits, "max_cost_per_order", "Most dollars one order can cost (worst case).")
    ] = _LIMITS.max_cost_per_order
    slippage_tolerance: Annotated[
        Decimal,
        _like(
            PreTradeLimits,
            "slippage_tolerance",
            "Refuse an order when the book moved this many dollars against the decision price.",
        ),
    ] = _LIMITS.slippage_tolerance


class ExecutionSettings(_Section):
    """How the bot's orders wait for fills."""

    max_wait_seconds: Annotated[
        int, _like(ExecutionPolicy, "max_wait_seconds", "Seconds an order may rest before it is cancelled.")
    ] = _POLICY.max_wait_seconds
    poll_seconds: Annotated[int, _like(ExecutionPolicy, "poll_seconds", "Seconds between fill checks.")] = (
        _POLICY.poll_seconds
    )
    partial_fill_threshold: Annotated[
        Decimal,
        _like(
            ExecutionPolicy,
            "partial_fill_threshold",
            "Fraction of an order that, once filled, is enough (the rest is cancelled).",
        ),
    ] = _POLICY.partial_fill_threshold


class RiskSettings(_Section):
    kill_switch: KillSwitchSettings = Field(default_factory=KillSwitchSettings)
    """Per user (every bot)."""
    order_limits: OrderLimitsSettings = Field(default_factory=OrderLimitsSettings)
    """Per bot."""
    execution: ExecutionSettings = Field(default_factory=ExecutionSettings)
    """Per bot."""


class SizingSettings(_Section):
    """How much the bot puts on one trade (dollars of cost)."""

    default_size: Annotated[
        Decimal, _like(StrategyParams, "default_size", "Dollars per trade; a trade never exceeds twice this.")
    ] = _STRATEGY.default_size
    max_position: Annotated[
        Decimal, _like(StrategyParams, "max_position", "Most dollars one position may cost.")
    ] = _STRATEGY.max_position
    kelly_fraction: Annotated[
        Decimal, _like(StrategyParams, "kelly_fraction", "Fraction of the Kelly stake to bet.")
    ] = _STRATEGY.kelly_fraction
    max_balance_fraction: Annotated[
        Decimal,
        _like(StrategyParams, "max_balance_fraction", "Most of the available balance one trade may use."),
    ] = _STRATEGY.max_balance_fraction
    streak_step: Annotated[
        Decimal, _like(StrategyParams, "streak_step", "Size shrinks by this fraction per consecutive loss.")
    ] = _STRATEGY.streak_step
    streak_floor: Annotated[
        Decimal, _like(StrategyParams, "streak_floor", "The size multiplier never goes below this.")
    ] = _STRATEGY.streak_floor


class ThresholdSettings(_Section):
    """When the bot enters and leaves."""

    edge_threshold: Annotated[
        Decimal,
        _like(
            StrategyParams,
            "edge_threshold",
            "Enter only when the edge after fees exceeds this (probability).",
        ),
    ] = _STRATEGY.edge_threshold
    min_confidence: Annotated[
        Decimal, _like(StrategyParams, "min_confidence", "Enter only with at least this confidence (0-1).")
    ] = _STRATEGY.min_confidence
    take_profit: Annotated[
        Decimal,
        _like(
            StrategyParams, "take_profit", "Exit when the exit price is this many dollars above the entry."
        ),
    ] = _STRATEGY.take_profit
    stop_loss: Annotated[
        Decimal,
        _like(StrategyParams, "stop_loss", "Exit when the exit price is this many dollars below the entry."),
    ] = _STRATEGY.stop_loss
    edge_reversal: Annotated[
        Decimal,
        _like(
            StrategyParams,
            "edge_reversal",
            "Exit when the edge turns against the position by more than this.",
        ),
    ] = _STRATEGY.edge_reversal
    exit_before_end_seconds: Annotated[
        int,
        _like(
            StrategyParams,
            "exit_before_end_seconds",
            "Leave when less regulation time than this is left (unless holding to settlement).",
        ),
    ] = _STRATEGY.exit_before_end_seconds
    cooldown_seconds: Annotated[
        int,
        _like(
            StrategyParams,
            "cooldown_seconds",
            "After an exit, wait this long before entering that market again.",
        ),
    ] = _STRATEGY.cooldown_seconds
    max_spread: Annotated[
        Decimal, _like(StrategyParams, "max_spread", "No entry when the bid/ask spread is wider than this.")
    ] = _STRATEGY.max_spread
    espn_weight: Annotated[
        Decimal,
        _like(StrategyParams, "espn_weight", "Weight of ESPN's live win probability in the blend (0-1)."),
    ] = _STRATEGY.espn_weight
    hold_to_settlement: Annotated[
        bool,
        _like(
            StrategyParams,
            "hold_to_settlement",
            "Keep positions to settlement instead of exiting at the end.",
        ),
    ] = _STRATEGY.hold_to_settlement


class SettingsDocument(_Section):
    """Everything a user can tune. ``risk.kill_switch`` is per user; the rest is per bot."""

    risk: RiskSettings = Field(default_factory=RiskSettings)
    sizing: SizingSettings = Field(default_factory=SizingSettings)
    thresholds: ThresholdSettings = Field(default_factory=ThresholdSettings)
    leagues: Annotated[
        tuple[League, ...], _like(StrategyParams, "leagues", "The leagues the bot trades.")
    ] = _STRATEGY.leagues

    @field_validator("leagues")
    @classmethod
    def _unique(cls, value: tuple[League, ...]) -> tuple[League, ...]:
        return tuple(dict.fromkeys(value))


class SettingsView(BaseModel):
    """``GET /api/settings``: the effective settings of the bot (defaults for what is not stored)."""

    model_config = ConfigDict(frozen=True)

    bot_id: str
    settings: SettingsDocument
    problems: list[str] = Field(
        default_factory=list,
        description=(
            "Stored values that do not validate, each shown here with its default. The kill switch "
            "uses the default; a bot does not trade until its settings are saved again."
        ),
    )


class SettingsSaved(SettingsView):
    """``PUT /api/settings``: the settings as now stored."""

    message: str
    changed: list[str] = Field(description="The settings whose value changed (e.g. sizing.default_size).")


# ---------------------------------------------------------------------------------------------
# The stored maps


BOT_SETTING_KEYS: Final = frozenset(
    {
        name
        for section in (OrderLimitsSettings, ExecutionSettings, SizingSettings, ThresholdSettings)
        for name in section.model_fields
    }
    | {"leagues"}
)
"""The bot settings keys this document manages (other keys of the map are kept as they are)."""


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return f"{value.normalize():f}"
    if isinstance(value, tuple):
        return ",".join(str(item) for item in value)
    return str(value)


def bot_settings_map(document: SettingsDocument) -> dict[str, str]:
    """The bot's settings keys for ``document``: the fields it sets (an absent field: no key)."""
    out: dict[str, str] = {}
    risk = document.risk
    for section in (risk.order_limits, risk.execution, document.sizing, document.thresholds):
        for name in sorted(section.model_fields_set):
            out[name] = _text(getattr(section, name))
    if "leagues" in document.model_fields_set:
        out["leagues"] = _text(document.leagues)
    return out


def kill_settings_map(section: KillSwitchSettings) -> dict[str, str]:
    """The user's ``kill_*`` keys for the section: the fields it sets, as the kill switch reads them."""
    rendered = KillSwitchLimits.model_validate(dict(section)).to_settings()
    return {setting_key(name): rendered[setting_key(name)] for name in sorted(section.model_fields_set)}


def _lenient[S: _Section](section: type[S], stored: Mapping[str, str], path: str) -> tuple[S, list[str]]:
    """The section from stored strings: each valid value, the default for each invalid one."""
    values: dict[str, Any] = {}
    for name in section.model_fields:
        if name in stored:
            text = stored[name]
            values[name] = [p.strip() for p in text.split(",") if p.strip()] if name == "leagues" else text
    prefix = f"{path}." if path else ""
    problems: list[str] = []
    while True:
        try:
            return section.model_validate(values), problems
        except ValidationError as exc:
            errors = exc.errors()
            bad = {str(e["loc"][0]) for e in errors if e["loc"]} & set(values)
            for error in errors:
                where = str(error["loc"][0]) if error["loc"] else ""
                shown = f" (stored {stored[where]!r})" if where in stored else ""
                problems.append(f"{prefix}{where or path}: {error['msg']}{shown}")
            if not bad:
                return section(), problems
            for name in bad:
                values.pop(name)


class _Leagues(_Section):
    leagues: Annotated[
        tuple[League, ...], _like(StrategyParams, "leagues", "The leagues the bot trades.")
    ] = _STRATEGY.leagues


def effective_settings(
    user_settings: Mapping[str, str], bot_settings: Mapping[str, str]
) -> tuple[SettingsDocument, list[str]]:
    """The document the stored maps amount to, and the stored values that do not validate (each
    shown with its default instead)."""
    limits, kill_problems = parse_limits(user_settings)
    problems = [f"risk.kill_switch: {problem}" for problem in kill_problems]
    order_limits, found = _lenient(OrderLimitsSettings, bot_settings, "risk.order_limits")
    problems += found
    execution, found = _lenient(ExecutionSettings, bot_settings, "risk.execution")
    problems += found
    sizing, found = _lenient(SizingSettings, bot_settings, "sizing")
    problems += found
    thresholds, found = _lenient(ThresholdSettings, bot_settings, "thresholds")
    problems += found
    leagues, found = _lenient(_Leagues, bot_settings, "")
    problems += found
    document = SettingsDocument(
        risk=RiskSettings(
            kill_switch=KillSwitchSettings.model_validate(dict(limits)),
            order_limits=order_limits,
            execution=execution,
        ),
        sizing=sizing,
        thresholds=thresholds,
        leagues=leagues.leagues,
    )
    return document, problems


# ---------------------------------------------------------------------------------------------
# Read and save


class SettingsStore(Protocol):
    """The bots table as settings (``inplay.store.bots.DynamoBotControls``)."""

    def user_settings(self, user_id: str) -> dict[str, str]: ...

    def bot(self, user_id: str, bot_id: str) -> BotRecord: ...

    def replace_settings(
        self,
        user_id: str,
        bot_id: str,
        *,
        user_settings: Mapping[str, str],
        bot_settings: Mapping[str, str],
        expected_user: Mapping[str, str],
        expected_bot: Mapping[str, str],
    ) -> None: ...


@dataclass(frozen=True, slots=True)
class SettingsDeps:
    store: SettingsStore
    audit: AuditLog


def read_settings(store: SettingsStore, *, user_id: str, bot_id: str) -> SettingsView:
    document, problems = effective_settings(store.user_settings(user_id), store.bot(user_id, bot_id).settings)
    return SettingsView(bot_id=bot_id, settings=document, problems=problems)


def _gate(user_settings: Mapping[str, str], bot_settings: Mapping[str, str]) -> list[str]:
    """What the kill switch, the order workflow and the strategy would say of these maps."""
    problems: list[str] = []
    try:
        KillSwitchLimits.from_settings(user_settings)
    except InvalidKillSwitchSettings as exc:
        problems.extend(f"risk.kill_switch: {problem}" for problem in exc.problems)
    for check in (config_from_settings, params_from_settings):
        try:
            check(bot_settings)
        except (InvalidBotSettings, InvalidStrategyParams) as exc:
            problems.append(str(exc))
    return problems


def _flat(value: object, path: str = "") -> Iterator[tuple[str, object]]:
    if isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from _flat(getattr(value, name), f"{path}.{name}" if path else name)
    else:
        yield path, value


def _changes(before: SettingsDocument, after: SettingsDocument) -> list[dict[str, Any]]:
    """Every setting whose value differs (numerically), with both values as the API shows them."""
    shown_before = dict(_flat_json(before.model_dump(mode="json")))
    shown_after = dict(_flat_json(after.model_dump(mode="json")))
    return [
        {"setting": path, "from": shown_before[path], "to": shown_after[path]}
        for (path, old), (_, new) in zip(_flat(before), _flat(after), strict=True)
        if old != new
    ]


def _flat_json(value: object, path: str = "") -> Iterator[tuple[str, object]]:
    if isinstance(value, dict):
        for name, item in value.items():
            yield from _flat_json(item, f"{path}.{name}" if path else name)
    else:
        yield path, value


def _saved_message(bot: BotRecord, changed: bool) -> str:
    if not changed:
        return "nothing changed"
    if bot.active:
        when = f"bot {bot.bot_id} is {bot.state.value} and uses them from its next evaluation"
    else:
        when = f"they apply to bot {bot.bot_id} when it starts"
    return f"settings saved; {when}; the kill-switch limits guard all your bots from the next check"


def save_settings(
    deps: SettingsDeps, document: SettingsDocument, *, user_id: str, bot_id: str, now: datetime
) -> SettingsSaved:
    """Replace the settings with ``document`` (absent fields: defaults), audited. Raises
    :class:`BadRequest` when the maps would not validate where they are read, :class:`Conflict`
    when they changed since they were read."""
    before_user = deps.store.user_settings(user_id)
    bot = deps.store.bot(user_id, bot_id)
    before_bot = dict(bot.settings)
    after_user = {
        key: value for key, value in before_user.items() if not key.startswith(SETTINGS_PREFIX)
    } | kill_settings_map(document.risk.kill_switch)
    after_bot = {
        key: value for key, value in before_bot.items() if key not in BOT_SETTING_KEYS
    } | bot_settings_map(document)
    problems = _gate(after_user, after_bot)
    if problems:
        raise BadRequest("invalid settings", errors=problems)
    old, _ = effective_settings(before_user, before_bot)
    new, _ = effective_settings(after_user, after_bot)
    changes = _changes(old, new)
    stored_changed = after_user != before_user or after_bot != before_bot
    if stored_changed:
        try:
            deps.store.replace_settings(
                user_id,
                bot_id,
                user_settings=after_user,
                bot_settings=after_bot,
                expected_user=before_user,
                expected_bot=before_bot,
            )
        except SettingsConflict:
            raise Conflict(
                "the settings changed while these were being saved (another save, or a bot start "
                "with settings); read them again and retry"
            ) from None
        _audit(deps.audit, user_id, bot_id, changes, now)
    return SettingsSaved(
        bot_id=bot_id,
        settings=new,
        message=_saved_message(bot, stored_changed),
        changed=[change["setting"] for change in changes],
    )


def _audit(audit: AuditLog, user_id: str, bot_id: str, changes: list[dict[str, Any]], at: datetime) -> None:
    try:
        audit.append(user_id, AuditKind.SETTINGS_CHANGED, {"bot_id": bot_id, "changes": changes}, at=at)
    except Exception:  # the change stands; a lost record is logged
        log.exception("settings audit failed for %s/%s", user_id, bot_id)
