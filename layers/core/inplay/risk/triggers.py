"""The kill switch's triggers, pure: per-user thresholds, the readings they compare, the verdict.

:class:`KillSwitchLimits` comes from the user's settings map (the bots table's ``SETTINGS`` item,
strings, keys ``kill_<field>``); :class:`RiskInputs` is a snapshot of everything the triggers read
(:mod:`inplay.risk.inputs` gathers it); :func:`evaluate` returns every :class:`Breach`, most urgent
first. No I/O here. Money is ``Decimal``.

Defaults (for a self-hosted trader with a small account; every threshold can be changed, and every
trigger but the flattening settings can be turned ``off``):

========================  ==========  =====================================================================
setting (``kill_`` + …)   default     trips when
========================  ==========  =====================================================================
``daily_loss_limit``      ``50``      today's P&L (realized net of fees + unrealized at the bid) ≤ −$50
``consecutive_losses``    ``3``       3 of the last ``consecutive_window`` (5) closed positions lost money
``max_drawdown``          ``20%``     equity is 20 % or more below its peak
``api_error_rate``        ``50%``     ≥ 50 % of venue calls failed over ``api_window_seconds`` (300),
                                      counted only from ``api_min_calls`` (10) calls
``slippage_spike``        ``0.05``    one of the last ``slippage_window`` (5) orders filled ≥ $0.05 per
                                      contract worse than its decision price
``slippage_average``      ``0.03``    those orders' contract-weighted average slippage ≥ $0.03
``balance_drop``          ``25%``     equity is 25 % or more below the day's opening balance
``stale_feed_seconds``    ``120``     a position's game is live and its league's feed is ≥ 120 s old
``market_paused``         ``on``      a position's market is paused, or the exchange is not trading
``flatten_max_slippage``  ``0.10``    (not a trigger) a flattening order sells at most $0.10 below the bid
``flatten_attempts``      ``3``       (not a trigger) flattening rounds per position before giving up
========================  ==========  =====================================================================

Ratios take ``"0.2"`` or ``"20%"``; money takes ``"50"``, ``"50.00"`` or ``"$50"``; ``off`` (also
``none``, ``disabled``, ``false``) disables a trigger. Keys are validated: a ``kill_`` key this
code does not know is an error (a typo must not leave a limit silently unset).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from typing import Annotated, Any, Final, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from inplay.money import Dollars, MoneyError, format_dollars, parse_dollars
from inplay.orders.intents import TradingMode
from inplay.risk.records import KillTrigger
from inplay.sports.models import League
from inplay.venues.base import MarketStatus, UtcDatetime

__all__ = [
    "SETTINGS_PREFIX",
    "Breach",
    "InvalidKillSwitchSettings",
    "KillSwitchLimits",
    "OrderSlippage",
    "PositionMark",
    "RiskInputs",
    "evaluate",
    "parse_limits",
    "seconds_between",
    "setting_key",
]

SETTINGS_PREFIX: Final = "kill_"
ZERO: Final = Decimal(0)
ONE: Final = Decimal(1)
_RATIO_PLACES: Final = Decimal("0.0001")
_OFF: Final = frozenset({"off", "none", "disabled", "false"})
_ON: Final = frozenset({"on", "true", "yes", "1", "enabled"})
_NO: Final = frozenset({"off", "false", "no", "0", "disabled"})


class InvalidKillSwitchSettings(ValueError):
    """The user's ``kill_*`` settings do not validate; the message names every bad key."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("invalid kill-switch settings: " + "; ".join(problems))
        self.problems = tuple(problems)


def setting_key(field_name: str) -> str:
    """The settings-map key of a :class:`KillSwitchLimits` field (``kill_`` + the field name)."""
    return SETTINGS_PREFIX + field_name


class KillSwitchLimits(BaseModel):
    """A user's kill-switch thresholds (``None`` = that trigger is off). Defaults: module docstring."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    daily_loss_limit: Annotated[Dollars, Field(gt=0)] | None = Decimal(50)
    """Dollars of loss today (US-Eastern day, or since the last reset if later)."""
    consecutive_losses: Annotated[int, Field(ge=1, le=100)] | None = 3
    consecutive_window: Annotated[int, Field(ge=1, le=100)] = 5
    max_drawdown: Annotated[Decimal, Field(gt=0, lt=1)] | None = Decimal("0.20")
    api_error_rate: Annotated[Decimal, Field(gt=0, le=1)] | None = Decimal("0.50")
    api_min_calls: Annotated[int, Field(ge=1, le=100_000)] = 10
    api_window_seconds: Annotated[int, Field(ge=60, le=3600)] = 300
    slippage_spike: Annotated[Dollars, Field(gt=0, lt=1)] | None = Decimal("0.05")
    slippage_average: Annotated[Dollars, Field(gt=0, lt=1)] | None = Decimal("0.03")
    slippage_window: Annotated[int, Field(ge=1, le=100)] = 5
    balance_drop: Annotated[Decimal, Field(gt=0, lt=1)] | None = Decimal("0.25")
    stale_feed_seconds: Annotated[int, Field(ge=10, le=86_400)] | None = 120
    market_paused: bool = True
    flatten_max_slippage: Annotated[Dollars, Field(ge=0, lt=1)] = Decimal("0.10")
    """How far below the held side's best bid a flattening IOC may sell (its limit is never
    below $0.01)."""
    flatten_attempts: Annotated[int, Field(ge=1, le=10)] = 3
    """Flattening rounds per position (each a fresh IOC at the then-current bid) before the kill
    switch gives up on it and alerts for a manual close."""

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.consecutive_losses is not None and self.consecutive_losses > self.consecutive_window:
            raise ValueError(
                f"{setting_key('consecutive_losses')} ({self.consecutive_losses}) cannot exceed "
                f"{setting_key('consecutive_window')} ({self.consecutive_window})"
            )
        return self

    @classmethod
    def from_settings(cls, settings: Mapping[str, str] | None) -> KillSwitchLimits:
        """Strict: every ``kill_*`` key must be known and valid (:class:`InvalidKillSwitchSettings`).
        Keys without the prefix belong to other features and are ignored."""
        limits, problems = parse_limits(settings)
        if problems:
            raise InvalidKillSwitchSettings(list(problems))
        return limits

    def to_settings(self) -> dict[str, str]:
        """The settings map that reproduces these limits (``off`` for a disabled trigger)."""
        out: dict[str, str] = {}
        for name, spec in _SPECS.items():
            value = getattr(self, name)
            out[setting_key(name)] = spec.render(value)
        return out


# ---------------------------------------------------------------------------------------------
# Settings parsing


def _money(text: str) -> Decimal:
    try:
        return parse_dollars(text.removeprefix("$"))
    except MoneyError:
        raise ValueError("must be a dollar amount such as 50 or 0.05") from None


def _ratio(text: str) -> Decimal:
    try:
        if text.endswith("%"):
            return Decimal(text[:-1].strip()) / 100
        return Decimal(text)
    except InvalidOperation:
        raise ValueError("must be a fraction such as 0.2 or a percentage such as 20%") from None


def _integer(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise ValueError("must be a whole number") from None


def _boolean(text: str) -> bool:
    if text in _ON:
        return True
    if text in _NO:
        return False
    raise ValueError("must be on or off")


def _render_money(value: Decimal) -> str:
    return format_dollars(value, min_places=2)


def _render_ratio(value: Decimal) -> str:
    return f"{(value * 100).normalize():f}%"


@dataclass(frozen=True, slots=True)
class _Spec:
    parse: Callable[[str], Any]
    render_value: Callable[[Any], str]
    optional: bool
    """Can be turned off."""

    def render(self, value: Any) -> str:
        if value is None:
            return "off"
        return self.render_value(value)


_SPECS: Final[dict[str, _Spec]] = {
    "daily_loss_limit": _Spec(_money, _render_money, True),
    "consecutive_losses": _Spec(_integer, str, True),
    "consecutive_window": _Spec(_integer, str, False),
    "max_drawdown": _Spec(_ratio, _render_ratio, True),
    "api_error_rate": _Spec(_ratio, _render_ratio, True),
    "api_min_calls": _Spec(_integer, str, False),
    "api_window_seconds": _Spec(_integer, str, False),
    "slippage_spike": _Spec(_money, _render_money, True),
    "slippage_average": _Spec(_money, _render_money, True),
    "slippage_window": _Spec(_integer, str, False),
    "balance_drop": _Spec(_ratio, _render_ratio, True),
    "stale_feed_seconds": _Spec(_integer, str, True),
    "market_paused": _Spec(_boolean, lambda value: "on" if value else "off", False),
    "flatten_max_slippage": _Spec(_money, _render_money, False),
    "flatten_attempts": _Spec(_integer, str, False),
}


def _validation_problems(exc: ValidationError) -> list[str]:
    problems = []
    for error in exc.errors():
        where = ".".join(str(part) for part in error["loc"] if isinstance(part, str))
        message = str(error["msg"]).removeprefix("Value error, ")
        problems.append(f"{setting_key(where)}: {message}" if where else message)
    return problems


def parse_limits(settings: Mapping[str, str] | None) -> tuple[KillSwitchLimits, tuple[str, ...]]:
    """Lenient: the limits with every valid ``kill_*`` setting applied, the default for each bad
    one, and the problems (one readable line per bad key). The kill switch keeps running on a bad
    setting (with its default) rather than not running at all."""
    values: dict[str, Any] = {}
    problems: list[str] = []
    for key, raw in sorted((settings or {}).items()):
        if not key.startswith(SETTINGS_PREFIX):
            continue
        name = key.removeprefix(SETTINGS_PREFIX)
        spec = _SPECS.get(name)
        if spec is None:
            known = ", ".join(setting_key(known) for known in _SPECS)
            problems.append(f"{key}: unknown kill-switch setting (known: {known})")
            continue
        text = str(raw).strip().lower()
        if spec.optional and text in _OFF:
            values[name] = None
            continue
        try:
            values[name] = spec.parse(text)
        except ValueError as exc:
            hint = " or off" if spec.optional else ""
            problems.append(f"{key}: {exc}{hint}, got {raw!r}")
    for _ in range(len(_SPECS) + 1):
        try:
            return KillSwitchLimits.model_validate(values), tuple(problems)
        except ValidationError as exc:
            problems.extend(_validation_problems(exc))
            bad = {str(error["loc"][0]) for error in exc.errors() if error["loc"]} & set(values)
            # A cross-field problem (more losses than the window holds): both fall back.
            for name in bad or {"consecutive_losses", "consecutive_window"}:
                values.pop(name, None)
    return KillSwitchLimits(), tuple(problems)  # pragma: no cover - the defaults always validate


# ---------------------------------------------------------------------------------------------
# The snapshot the triggers read


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class PositionMark(_Model):
    """One open position with what the triggers need to know about its market and game."""

    position_id: str
    bot_id: str
    venue: str
    market_ticker: str
    mode: TradingMode
    contracts: Decimal
    """Signed YES contracts (negative: NO contracts held)."""
    cost: Decimal
    """What the open contracts cost, in YES terms (see :mod:`inplay.orders.fills`)."""
    market_read: bool = True
    """False when the venue could not be asked about the market (no status, no bid)."""
    market_status: MarketStatus | None = None
    bid: Dollars | None = None
    """The best bid of the HELD side (YES bid for a YES holding, NO bid for a NO holding);
    ``None`` when nobody bids: the holding cannot be sold and is marked at zero."""
    league: League | None = None
    event_id: str | None = None
    """The game the position is on, from its intents' ``signal_meta`` (``league``, ``event_id``);
    ``None`` when they do not say (such a position is not checked for a stale feed)."""

    @property
    def held(self) -> Decimal:
        return abs(self.contracts)

    @property
    def unrealized(self) -> Decimal | None:
        """Value at the held side's bid minus cost; ``None`` when the market could not be read."""
        if not self.market_read:
            return None
        bid = self.bid if self.bid is not None else ZERO
        # A YES holding is worth contracts × YES bid; a NO holding n × NO bid, which in YES terms
        # (contracts = −n, cost negative) is contracts × (1 − NO bid) − cost.
        yes_mark = bid if self.contracts > 0 else ONE - bid
        return self.contracts * yes_mark - self.cost


class OrderSlippage(_Model):
    """How much worse than its decision price one recent order filled (per contract)."""

    intent_id: str
    market_ticker: str
    slippage: Decimal
    """Positive = worse (paid more, or received less) than the decision price."""
    filled: Decimal
    filled_at: UtcDatetime


class RiskInputs(_Model):
    """Everything the triggers read for one user at one moment (built by :func:`inplay.risk.inputs.gather`).

    History-based readings count from ``since`` (the later of the US-Eastern day's start and the
    last reset): a reset re-arms the switch with a clean slate instead of re-tripping on the very
    losses a person just reviewed.
    """

    user_id: str
    at: UtcDatetime
    since: UtcDatetime
    realized_pnl: Decimal = ZERO
    """Realized P&L net of fees of the fills since ``since``."""
    positions: tuple[PositionMark, ...] = ()
    closed_pnl: tuple[Decimal, ...] = ()
    """Net P&L (realized − fees) of the most recently closed positions, newest first, closed
    after the last reset (at most the consecutive-losses window)."""
    equity: Decimal | None = None
    """Available cash + portfolio value over the user's venue accounts; ``None`` unless every
    account answered (a partial sum would look like a loss)."""
    peak_equity: Decimal | None = None
    day_open_equity: Decimal | None = None
    api_calls: int = 0
    api_errors: int = 0
    slippage: tuple[OrderSlippage, ...] = ()
    """The most recent filled orders (newest first; kill-switch flattening excluded)."""
    live_games: frozenset[tuple[League, str]] = frozenset()
    """Games of open positions that are live (or due to have started, or unknown to the store)."""
    feed_fresh_at: dict[League, UtcDatetime | None] = Field(default_factory=dict)
    """Per league of an open position: the last successful poll (``None``: never)."""
    exchange_trading: bool | None = None
    """False when an exchange the user holds positions on is not trading; None: unknown."""

    @property
    def unrealized_pnl(self) -> Decimal:
        return sum((mark.unrealized or ZERO for mark in self.positions), ZERO)

    @property
    def daily_pnl(self) -> Decimal:
        return self.realized_pnl + self.unrealized_pnl


# ---------------------------------------------------------------------------------------------
# The verdict


@dataclass(frozen=True, slots=True)
class Breach:
    """One trigger over its threshold: the readings (including the limit) as text, and why."""

    trigger: KillTrigger
    values: dict[str, str] = field(default_factory=dict)
    message: str = ""


def _money_text(value: Decimal) -> str:
    return format_dollars(value.quantize(Decimal("0.000001"), rounding=ROUND_HALF_EVEN))


def _ratio_text(value: Decimal) -> str:
    return f"{value.quantize(_RATIO_PLACES, rounding=ROUND_HALF_EVEN):f}"


def _market_paused(inputs: RiskInputs, limits: KillSwitchLimits) -> list[Breach]:
    if not limits.market_paused or not inputs.positions:
        return []
    paused = sorted(
        {mark.market_ticker for mark in inputs.positions if mark.market_status is MarketStatus.PAUSED}
    )
    if paused:
        return [
            Breach(
                KillTrigger.MARKET_PAUSED,
                {"markets": ",".join(paused)[:1000], "limit": "on"},
                f"trading is paused on {', '.join(paused)} where positions are open",
            )
        ]
    if inputs.exchange_trading is False:
        return [
            Breach(
                KillTrigger.MARKET_PAUSED,
                {"exchange_trading": "false", "open_positions": str(len(inputs.positions)), "limit": "on"},
                f"the exchange is not trading while {len(inputs.positions)} positions are open",
            )
        ]
    return []


def _stale_feed(inputs: RiskInputs, limits: KillSwitchLimits) -> list[Breach]:
    if limits.stale_feed_seconds is None:
        return []
    worst: tuple[Decimal, PositionMark] | None = None
    for mark in inputs.positions:
        if mark.league is None or mark.event_id is None:
            continue
        if (mark.league, mark.event_id) not in inputs.live_games:
            continue
        fresh_at = inputs.feed_fresh_at.get(mark.league)
        age = seconds_between(inputs.at, fresh_at) if fresh_at is not None else Decimal("Infinity")
        if age >= limits.stale_feed_seconds and (worst is None or age > worst[0]):
            worst = (age, mark)
    if worst is None:
        return []
    age, mark = worst
    assert mark.league is not None
    age_text = "never polled" if age.is_infinite() else f"{age.quantize(Decimal(1))}"
    return [
        Breach(
            KillTrigger.STALE_GAME_FEED,
            {
                "league": mark.league.value,
                "event_id": str(mark.event_id),
                "market": mark.market_ticker,
                "age_seconds": age_text,
                "limit": str(limits.stale_feed_seconds),
            },
            f"the {mark.league.value} game feed is stale ({age_text} s, limit {limits.stale_feed_seconds} s) "
            f"while game {mark.event_id} is live and {mark.market_ticker} is held",
        )
    ]


def _daily_loss(inputs: RiskInputs, limits: KillSwitchLimits) -> list[Breach]:
    if limits.daily_loss_limit is None:
        return []
    pnl = inputs.daily_pnl
    if pnl > -limits.daily_loss_limit:
        return []
    return [
        Breach(
            KillTrigger.DAILY_LOSS,
            {
                "daily_pnl": _money_text(pnl),
                "realized": _money_text(inputs.realized_pnl),
                "unrealized": _money_text(inputs.unrealized_pnl),
                "limit": _money_text(-limits.daily_loss_limit),
            },
            f"today's P&L {_money_text(pnl)} reached the daily loss limit "
            f"{_money_text(-limits.daily_loss_limit)}",
        )
    ]


def _drawdown(inputs: RiskInputs, limits: KillSwitchLimits) -> list[Breach]:
    if limits.max_drawdown is None or inputs.equity is None or not inputs.peak_equity:
        return []
    if inputs.peak_equity <= 0:
        return []
    drawdown = (inputs.peak_equity - inputs.equity) / inputs.peak_equity
    if drawdown < limits.max_drawdown:
        return []
    return [
        Breach(
            KillTrigger.DRAWDOWN,
            {
                "equity": _money_text(inputs.equity),
                "peak_equity": _money_text(inputs.peak_equity),
                "drawdown": _ratio_text(drawdown),
                "limit": _ratio_text(limits.max_drawdown),
            },
            f"equity {_money_text(inputs.equity)} is {_ratio_text(drawdown * 100)} % below its peak "
            f"{_money_text(inputs.peak_equity)} (limit {_ratio_text(limits.max_drawdown * 100)} %)",
        )
    ]


def _balance_drop(inputs: RiskInputs, limits: KillSwitchLimits) -> list[Breach]:
    opening = inputs.day_open_equity
    if limits.balance_drop is None or inputs.equity is None or opening is None or opening <= 0:
        return []
    drop = (opening - inputs.equity) / opening
    if drop < limits.balance_drop:
        return []
    return [
        Breach(
            KillTrigger.BALANCE_DROP,
            {
                "equity": _money_text(inputs.equity),
                "day_open": _money_text(opening),
                "drop": _ratio_text(drop),
                "limit": _ratio_text(limits.balance_drop),
            },
            f"balance {_money_text(inputs.equity)} is {_ratio_text(drop * 100)} % below the day's opening "
            f"{_money_text(opening)} (limit {_ratio_text(limits.balance_drop * 100)} %)",
        )
    ]


def _consecutive_losses(inputs: RiskInputs, limits: KillSwitchLimits) -> list[Breach]:
    if limits.consecutive_losses is None:
        return []
    window = inputs.closed_pnl[: limits.consecutive_window]
    losses = sum(1 for pnl in window if pnl < 0)
    if losses < limits.consecutive_losses:
        return []
    return [
        Breach(
            KillTrigger.CONSECUTIVE_LOSSES,
            {
                "losses": str(losses),
                "closed": str(len(window)),
                "recent_pnl": ",".join(_money_text(pnl) for pnl in window),
                "limit": f"{limits.consecutive_losses}/{limits.consecutive_window}",
            },
            f"{losses} of the last {len(window)} closed positions lost money "
            f"(limit {limits.consecutive_losses} of {limits.consecutive_window})",
        )
    ]


def _slippage(inputs: RiskInputs, limits: KillSwitchLimits) -> list[Breach]:
    window = inputs.slippage[: limits.slippage_window]
    if not window:
        return []
    if limits.slippage_spike is not None:
        worst = max(window, key=lambda order: order.slippage)
        if worst.slippage >= limits.slippage_spike:
            return [
                Breach(
                    KillTrigger.SLIPPAGE_SPIKE,
                    {
                        "slippage": _money_text(worst.slippage),
                        "intent_id": worst.intent_id,
                        "market": worst.market_ticker,
                        "limit": _money_text(limits.slippage_spike),
                    },
                    f"an order on {worst.market_ticker} filled {_money_text(worst.slippage)} per contract "
                    f"worse than its decision price (limit {_money_text(limits.slippage_spike)})",
                )
            ]
    if limits.slippage_average is not None and len(window) >= limits.slippage_window:
        contracts = sum((order.filled for order in window), ZERO)
        if contracts > 0:
            average = sum((order.slippage * order.filled for order in window), ZERO) / contracts
            if average >= limits.slippage_average:
                return [
                    Breach(
                        KillTrigger.SLIPPAGE_SPIKE,
                        {
                            "average_slippage": _money_text(average),
                            "orders": str(len(window)),
                            "limit": _money_text(limits.slippage_average),
                        },
                        f"the last {len(window)} orders filled {_money_text(average)} per contract worse "
                        "than their decision prices on average "
                        f"(limit {_money_text(limits.slippage_average)})",
                    )
                ]
    return []


def _api_errors(inputs: RiskInputs, limits: KillSwitchLimits) -> list[Breach]:
    if limits.api_error_rate is None or inputs.api_calls < limits.api_min_calls or inputs.api_calls <= 0:
        return []
    rate = Decimal(inputs.api_errors) / Decimal(inputs.api_calls)
    if rate < limits.api_error_rate:
        return []
    return [
        Breach(
            KillTrigger.API_ERROR_RATE,
            {
                "errors": str(inputs.api_errors),
                "calls": str(inputs.api_calls),
                "rate": _ratio_text(rate),
                "window_seconds": str(limits.api_window_seconds),
                "limit": _ratio_text(limits.api_error_rate),
            },
            f"{inputs.api_errors} of {inputs.api_calls} venue calls failed in the last "
            f"{limits.api_window_seconds} s (limit {_ratio_text(limits.api_error_rate * 100)} %)",
        )
    ]


_CHECKS: Final = (
    _market_paused,
    _stale_feed,
    _daily_loss,
    _drawdown,
    _balance_drop,
    _consecutive_losses,
    _slippage,
    _api_errors,
)
"""Most urgent first: the first breach names the trip."""


def evaluate(inputs: RiskInputs, limits: KillSwitchLimits) -> list[Breach]:
    """Every trigger over its threshold, most urgent first (empty: nothing to do). Pure."""
    breaches: list[Breach] = []
    for check in _CHECKS:
        breaches.extend(check(inputs, limits))
    return breaches


def seconds_between(later: datetime, earlier: datetime) -> Decimal:
    """Whole-microsecond seconds between two aware times, as a Decimal (no float in comparisons)."""
    delta = later - earlier
    return Decimal(delta.days * 86_400 + delta.seconds) + Decimal(delta.microseconds) / Decimal(1_000_000)
