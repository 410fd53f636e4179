"""The alert every producer publishes and every channel (Discord, email, SMS, PagerDuty) renders.

An :class:`Alert` always says whether it concerns real money: ``mode`` (``PAPER``/``LIVE``) has no
default, so a producer cannot forget it. Money is ``Decimal`` (serialized as dollar strings), times
are timezone-aware UTC. The JSON form (:meth:`Alert.to_message`) is the SNS message body.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Final, Literal, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    ValidationError,
    model_validator,
)

from inplay.money import Count, Dollars
from inplay.venues.base import Action, OutcomeSide, UtcDatetime

__all__ = [
    "ALERT_SCHEMA",
    "Alert",
    "AlertField",
    "AlertKind",
    "ErrorDetails",
    "MalformedAlertError",
    "Mode",
    "Severity",
    "TradeAction",
    "TradeDetails",
    "TradeSide",
    "new_alert_id",
]

ALERT_SCHEMA: Final = "inplay.alert/1"
"""Version marker carried by every alert message; a consumer can tell an alert from other SNS traffic."""
MAX_TITLE: Final = 256
MAX_DESCRIPTION: Final = 4096
MAX_FIELDS: Final = 25
MAX_FIELD_NAME: Final = 256
MAX_FIELD_VALUE: Final = 1024
MAX_CONTEXT_ITEMS: Final = 20


class MalformedAlertError(ValueError):
    """A message that is not a valid alert; the message says what is wrong (never retried)."""


class Mode(StrEnum):
    """Paper trading (simulated fills) or live trading (real money). Shown on every alert."""

    PAPER = "PAPER"
    LIVE = "LIVE"


class Severity(StrEnum):
    INFO = "info"
    WARNING = "warning"
    CRITICAL = "critical"


class AlertKind(StrEnum):
    TRADE_ENTRY = "TRADE_ENTRY"
    TRADE_EXIT = "TRADE_EXIT"
    ORDER_ERROR = "ORDER_ERROR"
    KILL_SWITCH = "KILL_SWITCH"
    RECONCILE = "RECONCILE"
    WATCHDOG = "WATCHDOG"
    MODE_CHANGE = "MODE_CHANGE"
    INFO = "INFO"


TradeSide = OutcomeSide
"""The outcome traded (a NO trade's prices are NO prices): the venues' own enum."""
TradeAction = Action


def _unit_interval(value: Decimal) -> Decimal:
    if not Decimal(0) <= value <= Decimal(1):
        raise ValueError(f"must be between 0 and 1, got {value}")
    return value


def _no_float(value: object) -> object:
    if isinstance(value, bool | float):
        raise ValueError(f"must be a decimal string, not {type(value).__name__}")
    return value


Probability = Annotated[
    Decimal,
    BeforeValidator(_no_float),
    AfterValidator(_unit_interval),
    PlainSerializer(lambda value: f"{value:f}", return_type=str),
]
"""A confidence in [0, 1] as a ``Decimal`` (serialized as a string, never a float)."""


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


def new_alert_id() -> str:
    """A fresh alert id; a producer re-publishing the *same* event should reuse its id instead."""
    return uuid.uuid4().hex


class AlertField(_Model):
    """A free-form name/value pair shown with the alert (Discord: an embed field)."""

    name: str = Field(min_length=1, max_length=MAX_FIELD_NAME)
    value: str = Field(min_length=1, max_length=MAX_FIELD_VALUE)
    inline: bool = True


class TradeDetails(_Model):
    """What was traded. For an entry: ``price`` is the fill price. For an exit: ``price`` is the exit
    price, ``entry_price`` the position's entry price and ``pnl`` the realized P&L after fees."""

    market: str = Field(min_length=1, max_length=200)
    """The venue's market ticker (or id)."""
    side: TradeSide
    action: TradeAction = TradeAction.BUY
    price: Dollars
    size: Count
    """Contracts."""
    confidence: Probability | None = None
    entry_price: Dollars | None = None
    pnl: Dollars | None = None
    fees: Dollars | None = None
    venue: str | None = Field(default=None, max_length=64)
    reason: str | None = Field(default=None, max_length=200)
    """Why (an exit reason such as ``take_profit``, ``stop_loss``, ``kill_switch``, ``settlement``)."""
    event: str | None = Field(default=None, max_length=200)
    """The game, in words (``NY @ BOS``)."""

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        for name in ("price", "entry_price"):
            value = getattr(self, name)
            if value is not None and not Decimal(0) <= value <= Decimal(1):
                raise ValueError(f"{name} must be between 0 and 1 dollars, got {value}")
        if self.size <= 0:
            raise ValueError(f"size must be positive, got {self.size}")
        if self.fees is not None and self.fees < 0:
            raise ValueError(f"fees must not be negative, got {self.fees}")
        return self


class ErrorDetails(_Model):
    """What went wrong, with enough context to act on it (never secrets)."""

    error_type: str = Field(min_length=1, max_length=200)
    message: str = Field(min_length=1, max_length=MAX_DESCRIPTION)
    context: dict[str, str] = Field(default_factory=dict, max_length=MAX_CONTEXT_ITEMS)
    """Where it happened: intent id, market, workflow step… (values are shown verbatim)."""


class Alert(_Model):
    """One alert. ``mode`` is required: every alert says PAPER or LIVE.

    Kind-specific content is checked: a trade entry carries ``trade``; a trade exit carries
    ``trade`` with ``pnl``; an order error carries ``error``.
    """

    schema_: Literal["inplay.alert/1"] = Field(default=ALERT_SCHEMA, alias="schema")
    kind: AlertKind
    severity: Severity
    mode: Mode
    title: str = Field(min_length=1, max_length=MAX_TITLE)
    description: str | None = Field(default=None, max_length=MAX_DESCRIPTION)
    fields: tuple[AlertField, ...] = Field(default=(), max_length=MAX_FIELDS)
    trade: TradeDetails | None = None
    error: ErrorDetails | None = None
    user_id: str | None = Field(default=None, max_length=128)
    bot_id: str | None = Field(default=None, max_length=128)
    occurred_at: UtcDatetime
    alert_id: str = Field(default_factory=new_alert_id, pattern=r"^[A-Za-z0-9:_.-]{1,128}$")
    """Unique per event; consumers may drop a second message with the same id."""
    correlation_id: str | None = Field(default=None, max_length=128)
    """Ties the alert to its cause: an intent id, a workflow execution name, a reconcile run."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True, populate_by_name=True)

    @model_validator(mode="after")
    def _kind_content(self) -> Self:
        if self.kind is AlertKind.TRADE_ENTRY and self.trade is None:
            raise ValueError("a TRADE_ENTRY alert needs trade details")
        if self.kind is AlertKind.TRADE_EXIT and (self.trade is None or self.trade.pnl is None):
            raise ValueError("a TRADE_EXIT alert needs trade details with pnl")
        if self.kind is AlertKind.ORDER_ERROR and self.error is None:
            raise ValueError("an ORDER_ERROR alert needs error details")
        return self

    def to_message(self) -> str:
        """The JSON message body published to SNS (money as dollar strings, times ISO 8601 UTC)."""
        return self.model_dump_json(by_alias=True, exclude_none=True)

    @classmethod
    def from_message(cls, message: str | bytes) -> Alert:
        """Parse an SNS message body; :class:`MalformedAlertError` names every problem."""
        try:
            return cls.model_validate_json(message)
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in err['loc']) or 'alert'}: {err['msg']}" for err in exc.errors()
            )
            raise MalformedAlertError(f"not a valid alert: {problems}") from exc
