"""Plain-text renderings of an alert (email, SMS, SNS subject, console) and the value formatters
shared with the Discord embeds. Every rendering starts with the mode: ``[LIVE]`` or ``[PAPER]``."""

from __future__ import annotations

from decimal import Decimal
from typing import Final

from inplay.alerts.model import Alert, AlertKind, Mode, TradeDetails

__all__ = [
    "MODE_BADGES",
    "MODE_MEANING",
    "format_confidence",
    "format_money",
    "format_pnl",
    "format_price",
    "format_size",
    "mode_badge",
    "plain_text",
    "short_text",
    "sns_subject",
    "trade_side",
]

MODE_BADGES: Final = {Mode.LIVE: "🔴 LIVE", Mode.PAPER: "🟡 PAPER"}
MODE_MEANING: Final = {Mode.LIVE: "real money", Mode.PAPER: "simulated, no real money"}
SUBJECT_MAX: Final = 99
"""SNS subjects must be shorter than 100 ASCII characters, with no line breaks."""
SMS_MAX: Final = 140
CENT: Final = Decimal("0.01")


def mode_badge(mode: Mode) -> str:
    return MODE_BADGES[mode]


def _trim_zeros(value: Decimal, min_places: int) -> str:
    """``value`` with at least ``min_places`` decimals and no trailing zeros beyond them."""
    text = f"{value:f}"
    if "." not in text:
        return f"{text}.{'0' * min_places}" if min_places else text
    whole, fraction = text.split(".")
    fraction = fraction.rstrip("0")
    fraction = fraction + "0" * (min_places - len(fraction)) if len(fraction) < min_places else fraction
    return f"{whole}.{fraction}" if fraction else whole


def format_money(value: Decimal) -> str:
    """``Decimal("5.6")`` → ``"$5.60"``; ``Decimal("-0.8")`` → ``"-$0.80"`` (sub-cent digits kept)."""
    sign = "-" if value < 0 else ""
    return f"{sign}${_trim_zeros(abs(value), 2)}"


def format_pnl(value: Decimal) -> str:
    """P&L always carries its sign: ``+$1.20``, ``-$0.80``, ``$0.00``."""
    if value > 0:
        return f"+{format_money(value)}"
    return format_money(value) if value < 0 else "$0.00"


def format_price(value: Decimal) -> str:
    """A contract price in dollars: ``$0.56``, ``$0.565``."""
    return format_money(value)


def format_size(value: Decimal) -> str:
    """Contracts: ``10``, ``10.5``."""
    text = _trim_zeros(value, 0)
    return f"{text} contract" if value == 1 else f"{text} contracts"


def format_confidence(value: Decimal) -> str:
    """``0.72`` → ``72%``; ``0.725`` → ``72.5%``."""
    return f"{_trim_zeros((value * 100).normalize(), 0)}%"


def trade_side(trade: TradeDetails) -> str:
    """``BUY YES``, ``SELL NO``."""
    return f"{trade.action.value.upper()} {trade.side.value.upper()}"


def _trade_facts(trade: TradeDetails) -> list[tuple[str, str]]:
    facts = [("Market", trade.market), ("Side", trade_side(trade))]
    if trade.entry_price is not None:
        facts.append(("Entry", format_price(trade.entry_price)))
        facts.append(("Exit", format_price(trade.price)))
    else:
        facts.append(("Price", format_price(trade.price)))
    facts.append(("Size", format_size(trade.size)))
    if trade.pnl is not None:
        facts.append(("P&L", format_pnl(trade.pnl)))
    if trade.confidence is not None:
        facts.append(("Confidence", format_confidence(trade.confidence)))
    if trade.reason:
        facts.append(("Reason", trade.reason))
    return facts


def _facts(alert: Alert) -> list[tuple[str, str]]:
    facts: list[tuple[str, str]] = []
    if alert.trade is not None:
        facts.extend(_trade_facts(alert.trade))
    if alert.error is not None:
        facts.append(("Error", f"{alert.error.error_type}: {alert.error.message}"))
        facts.extend(alert.error.context.items())
    facts.extend((field.name, field.value) for field in alert.fields)
    return facts


def _one_line(text: str) -> str:
    return " ".join(text.split())


def short_text(alert: Alert, limit: int = SMS_MAX) -> str:
    """One line for SMS and the console: ``[LIVE] critical: <title> (<key facts>)``."""
    head = f"[{alert.mode.value}] {alert.severity.value}: {_one_line(alert.title)}"
    if alert.kind is AlertKind.TRADE_EXIT and alert.trade is not None and alert.trade.pnl is not None:
        head += f" P&L {format_pnl(alert.trade.pnl)}"
    return head if len(head) <= limit else head[: limit - 1] + "…"


def plain_text(alert: Alert) -> str:
    """A readable multi-line message (email)."""
    lines = [
        f"[{alert.mode.value}] {alert.title}",
        f"Mode: {alert.mode.value} ({MODE_MEANING[alert.mode]})",
        f"Severity: {alert.severity.value}",
        f"Kind: {alert.kind.value}",
        f"When: {alert.occurred_at.isoformat()}",
    ]
    if alert.description:
        lines += ["", alert.description, ""]
    lines += [f"{name}: {value}" for name, value in _facts(alert)]
    ids = [("User", alert.user_id), ("Bot", alert.bot_id), ("Correlation", alert.correlation_id)]
    lines += [f"{name}: {value}" for name, value in ids if value]
    lines.append(f"Alert id: {alert.alert_id}")
    return "\n".join(lines)


def sns_subject(alert: Alert) -> str:
    """``[LIVE] critical: Kill switch tripped`` as printable ASCII, under 100 characters."""
    text = _one_line(f"[{alert.mode.value}] {alert.severity.value}: {alert.title}")
    ascii_text = "".join(ch for ch in text if 32 <= ord(ch) < 127).strip()
    return ascii_text if len(ascii_text) <= SUBJECT_MAX else ascii_text[: SUBJECT_MAX - 3] + "..."
