"""Discord: alert → webhook payload (one embed), and a sender that honours Discord's rate limits.

Formatting. The title starts with the mode badge (``🔴 LIVE`` / ``🟡 PAPER``) and the first field
repeats it in words, so nobody mistakes paper for live. The colour is the severity's. Trade entries,
exits (signed P&L) and order errors have their own layouts. Discord's limits (title 256,
description 4096, 25 fields, field name 256 and value 1024, footer 2048, 6000 characters per embed,
content 2000) are enforced by truncating with ``…``, counted in UTF-16 code units so an emoji is
never split and no limit is exceeded whichever way Discord counts. Mentions are disabled
(``allowed_mentions``), so text inside an alert can never ping ``@everyone``.

Sending. :class:`DiscordWebhook` posts with httpx. A 429 waits for ``retry_after`` (JSON body, in
seconds) or the ``Retry-After``/``X-RateLimit-Reset-After`` headers; 5xx answers and network errors
back off exponentially; any other 4xx fails at once. Attempts and total waiting are bounded;
the final failure is a typed :class:`WebhookDeliveryError`. The webhook URL carries a token: it never
appears in an error message, a log line or a trace.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Final

import httpx

from inplay.alerts.model import Alert, AlertKind, Severity, TradeDetails
from inplay.alerts.text import (
    MODE_MEANING,
    format_confidence,
    format_money,
    format_pnl,
    format_price,
    format_size,
    mode_badge,
    trade_side,
)

__all__ = [
    "SEVERITY_COLOURS",
    "DiscordWebhook",
    "WebhookDelivery",
    "WebhookDeliveryError",
    "WebhookRateLimitedError",
    "WebhookRejectedError",
    "WebhookUnavailableError",
    "build_embed",
    "build_payload",
    "embed_length",
    "fit_embed",
    "retry_after_seconds",
    "truncate",
    "utf16_len",
]

SEVERITY_COLOURS: Final = {
    Severity.INFO: 0x3498DB,  # blue
    Severity.WARNING: 0xF39C12,  # orange
    Severity.CRITICAL: 0xE74C3C,  # red
}
USERNAME: Final = "inplay"
TITLE_MAX: Final = 256
DESCRIPTION_MAX: Final = 4096
FIELDS_MAX: Final = 25
FIELD_NAME_MAX: Final = 256
FIELD_VALUE_MAX: Final = 1024
FOOTER_MAX: Final = 2048
EMBED_TOTAL_MAX: Final = 6000
CONTENT_MAX: Final = 2000
DESCRIPTION_FLOOR: Final = 512
ELLIPSIS: Final = "…"
USER_AGENT: Final = "inplay/0.1 (+https://github.com/inplay-bot/inplay; alert notifier)"


# --------------------------------------------------------------------------- length and truncation


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units (an emoji outside the BMP counts 2): never below ``len(text)``."""
    return len(text.encode("utf-16-le")) // 2


def truncate(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` UTF-16 units, ending in ``…`` when cut; never splits a character."""
    if utf16_len(text) <= limit:
        return text
    if limit <= 0:
        return ""
    budget = limit - 1  # room for the ellipsis (1 unit)
    used = 0
    out: list[str] = []
    for ch in text:
        size = 2 if ord(ch) > 0xFFFF else 1
        if used + size > budget:
            break
        out.append(ch)
        used += size
    return "".join(out).rstrip() + ELLIPSIS


def _value(text: str) -> str:
    """Discord refuses empty field values; collapse whitespace-only to a dash."""
    return text if text.strip() else "—"


def _code_block(text: str, limit: int) -> str:
    """``text`` in a code block that stays closed whatever the truncation."""
    fence = "```"
    inner = text.replace(fence, "'''")
    overhead = utf16_len(f"{fence}\n\n{fence}")
    return f"{fence}\n{truncate(inner, max(1, limit - overhead))}\n{fence}"


def embed_length(embed: Mapping[str, Any]) -> int:
    """Characters Discord counts toward the 6000 limit (title, description, fields, footer, author)."""
    total = utf16_len(embed.get("title", "")) + utf16_len(embed.get("description", ""))
    for field in embed.get("fields", []):
        total += utf16_len(field["name"]) + utf16_len(field["value"])
    total += utf16_len(embed.get("footer", {}).get("text", ""))
    total += utf16_len(embed.get("author", {}).get("name", ""))
    return total


def fit_embed(embed: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of ``embed`` within every Discord limit.

    Each part is cut to its own limit; if the total is still over 6000, a long description shrinks
    first (not below 512), then fields are dropped from the end (the first field, the mode, is
    always kept), then the description shrinks further.
    """
    fitted: dict[str, Any] = dict(embed)
    if "title" in fitted:
        fitted["title"] = truncate(fitted["title"], TITLE_MAX)
    if "description" in fitted:
        fitted["description"] = truncate(fitted["description"], DESCRIPTION_MAX)
    fitted["fields"] = [
        {
            "name": truncate(_value(field["name"]), FIELD_NAME_MAX),
            "value": truncate(_value(field["value"]), FIELD_VALUE_MAX),
            "inline": bool(field.get("inline", True)),
        }
        for field in list(embed.get("fields", []))[:FIELDS_MAX]
    ]
    if "footer" in fitted:
        fitted["footer"] = {**fitted["footer"], "text": truncate(fitted["footer"]["text"], FOOTER_MAX)}
    excess = embed_length(fitted) - EMBED_TOTAL_MAX
    if excess > 0 and fitted.get("description"):  # a long description gives way first, down to 512
        length = utf16_len(fitted["description"])
        keep = max(length - excess, min(length, DESCRIPTION_FLOOR))
        fitted["description"] = truncate(fitted["description"], keep)
        excess = embed_length(fitted) - EMBED_TOTAL_MAX
    while excess > 0 and len(fitted["fields"]) > 1:  # then trailing fields; the mode field stays
        fitted["fields"].pop()
        excess = embed_length(fitted) - EMBED_TOTAL_MAX
    if excess > 0 and fitted.get("description"):
        keep = utf16_len(fitted["description"]) - excess
        if keep >= 16:
            fitted["description"] = truncate(fitted["description"], keep)
        else:
            del fitted["description"]
        excess = embed_length(fitted) - EMBED_TOTAL_MAX
    if excess > 0:  # only a pathological title/footer/first field can get here
        fitted.pop("footer", None)
        fitted["fields"] = fitted["fields"][:1]
    return fitted


# --------------------------------------------------------------------------- layouts


EmbedField = dict[str, Any]


def _field(name: str, value: str, *, inline: bool = True) -> EmbedField:
    return {"name": name, "value": value, "inline": inline}


def _mode_field(alert: Alert) -> EmbedField:
    return _field("Mode", f"**{mode_badge(alert.mode)}** — {MODE_MEANING[alert.mode]}")


def _cost(trade: TradeDetails, price: Decimal) -> str:
    return format_money(price * trade.size)


def _entry_fields(trade: TradeDetails) -> list[EmbedField]:
    fields = [
        _field("Market", trade.market, inline=False),
        _field("Side", trade_side(trade)),
        _field("Price", format_price(trade.price)),
        _field("Size", format_size(trade.size)),
        _field("Cost", _cost(trade, trade.price)),
    ]
    if trade.confidence is not None:
        fields.append(_field("Confidence", format_confidence(trade.confidence)))
    return fields


def _exit_fields(trade: TradeDetails) -> list[EmbedField]:
    pnl = trade.pnl if trade.pnl is not None else Decimal(0)
    pnl_text = f"**{format_pnl(pnl)}**"
    if trade.entry_price is not None and trade.entry_price > 0:
        basis = trade.entry_price * trade.size
        pnl_text += f" ({'+' if pnl > 0 else ''}{(pnl / basis * 100).quantize(Decimal('0.1'))}%)"
    fields = [
        _field("Market", trade.market, inline=False),
        _field("Side", trade_side(trade)),
    ]
    if trade.entry_price is not None:
        fields.append(_field("Entry", format_price(trade.entry_price)))
    fields += [
        _field("Exit", format_price(trade.price)),
        _field("Size", format_size(trade.size)),
        _field("P&L", pnl_text),
    ]
    return fields


def _trade_extras(trade: TradeDetails) -> list[EmbedField]:
    fields: list[EmbedField] = []
    if trade.fees is not None:
        fields.append(_field("Fees", format_money(trade.fees)))
    if trade.reason:
        fields.append(_field("Reason", trade.reason))
    if trade.event:
        fields.append(_field("Game", trade.event))
    if trade.venue:
        fields.append(_field("Venue", trade.venue))
    return fields


def _id_fields(alert: Alert) -> list[EmbedField]:
    ids = [("Bot", alert.bot_id), ("Correlation", alert.correlation_id)]
    return [_field(name, f"`{value}`") for name, value in ids if value]


def _body(alert: Alert) -> tuple[str | None, list[EmbedField]]:
    """Description and kind-specific fields (after the mode field)."""
    description = alert.description
    fields: list[EmbedField] = []
    if alert.kind is AlertKind.TRADE_EXIT and alert.trade is not None:
        fields = _exit_fields(alert.trade) + _trade_extras(alert.trade)
    elif alert.trade is not None:
        fields = _entry_fields(alert.trade) + _trade_extras(alert.trade)
    if alert.error is not None:
        block = _code_block(f"{alert.error.error_type}: {alert.error.message}", DESCRIPTION_MAX // 2)
        description = f"{truncate(description, DESCRIPTION_MAX // 2 - 2)}\n{block}" if description else block
        fields.append(_field("Error", alert.error.error_type))
        fields += [_field(name, value) for name, value in alert.error.context.items()]
    fields += [_field(f.name, f.value, inline=f.inline) for f in alert.fields]
    return description, fields


def build_embed(alert: Alert) -> dict[str, Any]:
    """The alert as one Discord embed, within Discord's limits."""
    description, fields = _body(alert)
    footer = f"inplay · {alert.severity.value} · {alert.kind.value}"
    if alert.user_id:
        footer += f" · user {alert.user_id}"
    footer += f" · {alert.alert_id}"
    embed: dict[str, Any] = {
        "title": f"{mode_badge(alert.mode)} · {alert.title}",
        "color": SEVERITY_COLOURS[alert.severity],
        "fields": [_mode_field(alert), *fields, *_id_fields(alert)],
        "footer": {"text": footer},
        "timestamp": alert.occurred_at.isoformat(),
    }
    if description:
        embed["description"] = description
    return fit_embed(embed)


def build_payload(alert: Alert) -> dict[str, Any]:
    """The webhook body: one embed; critical alerts also get a content line (push notifications
    show content, not embeds). Mentions are never parsed."""
    payload: dict[str, Any] = {
        "username": USERNAME,
        "embeds": [build_embed(alert)],
        "allowed_mentions": {"parse": []},
    }
    if alert.severity is Severity.CRITICAL:
        payload["content"] = truncate(f"🚨 **{mode_badge(alert.mode)}** · {alert.title}", CONTENT_MAX)
    return payload


# --------------------------------------------------------------------------- sending


class WebhookDeliveryError(RuntimeError):
    """The alert did not reach the webhook; the message never contains the webhook URL."""

    def __init__(self, message: str, *, attempts: int = 0, status: int | None = None) -> None:
        super().__init__(message)
        self.attempts = attempts
        self.status = status


class WebhookRateLimitedError(WebhookDeliveryError):
    """Discord kept answering 429 (or asked to wait longer than the budget allows)."""


class WebhookUnavailableError(WebhookDeliveryError):
    """Discord answered 5xx or could not be reached, on every attempt."""


class WebhookRejectedError(WebhookDeliveryError):
    """Discord refused the request (4xx other than 429: bad payload, unknown or deleted webhook)."""


@dataclass(frozen=True, slots=True)
class WebhookDelivery:
    status: int
    attempts: int
    waited_seconds: float
    rate_limited: int
    """How many 429 answers were waited out."""


def _number(value: object) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            return None
    return None


def retry_after_seconds(response: httpx.Response, default: float = 1.0) -> float:
    """How long a 429 asks us to wait: ``retry_after`` in the JSON body (seconds, may be fractional),
    else the ``Retry-After`` header (seconds), else ``X-RateLimit-Reset-After``, else ``default``."""
    candidates: list[float | None] = []
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        candidates.append(_number(body.get("retry_after")))
    candidates.append(_number(response.headers.get("retry-after")))
    candidates.append(_number(response.headers.get("x-ratelimit-reset-after")))
    for value in candidates:
        if value is not None and value == value and value != float("inf"):  # not NaN/inf
            return max(0.0, value)
    return default


def _discord_message(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.reason_phrase or "no details"
    if isinstance(body, dict) and body.get("message"):
        code = f" (code {body['code']})" if "code" in body else ""
        return truncate(str(body["message"]), 200) + code
    return response.reason_phrase or "no details"


class DiscordWebhook:
    """Posts payloads to a Discord webhook URL with bounded, rate-limit-aware retries.

    Requests go straight to an httpx *transport*, not through ``httpx.Client``: the X-Ray SDK
    (patched in by powertools Tracer) instruments ``httpx.Client`` and would record the request URL,
    webhook token included, in every trace. ``transport`` (e.g. ``httpx.MockTransport``) and
    ``sleep`` are injectable so tests neither reach Discord nor wait.
    """

    def __init__(
        self,
        *,
        transport: httpx.BaseTransport | None = None,
        timeout_seconds: float = 5.0,
        max_attempts: int = 4,
        max_wait_seconds: float = 20.0,
        backoff_seconds: float = 0.5,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        self._transport = transport
        self._timeout = timeout_seconds
        self._max_attempts = max_attempts
        self._max_wait = max_wait_seconds
        self._backoff = backoff_seconds
        self._sleep = sleep or time.sleep

    def _send(self, url: str, payload: Mapping[str, Any]) -> httpx.Response:
        if self._transport is None:
            self._transport = httpx.HTTPTransport()
        request = httpx.Request(
            "POST",
            url,
            json=dict(payload),
            headers={"User-Agent": USER_AGENT},
            extensions={"timeout": httpx.Timeout(self._timeout).as_dict()},
        )
        response = self._transport.handle_request(request)
        try:
            response.read()
        finally:
            response.close()
        return response

    def post(self, url: str, payload: Mapping[str, Any]) -> WebhookDelivery:
        """Deliver ``payload``; return how it went or raise a :class:`WebhookDeliveryError` subclass."""
        waited = 0.0
        rate_limited = 0
        failure: type[WebhookDeliveryError] = WebhookUnavailableError
        last = "no attempt made"
        status: int | None = None
        for attempt in range(1, self._max_attempts + 1):
            try:
                response = self._send(url, payload)
            except httpx.HTTPError as exc:  # timeouts, connection errors: Discord may be down
                failure, status = WebhookUnavailableError, None
                last = f"{type(exc).__name__} talking to Discord"
                delay = self._backoff * 2 ** (attempt - 1)
            else:
                status = response.status_code
                if 200 <= status < 300:
                    return WebhookDelivery(status, attempt, waited, rate_limited)
                if status == 429:
                    rate_limited += 1
                    failure = WebhookRateLimitedError
                    delay = retry_after_seconds(response)
                    last = f"rate limited (429), retry_after {delay:g} s"
                elif status >= 500:
                    failure = WebhookUnavailableError
                    delay = self._backoff * 2 ** (attempt - 1)
                    last = f"Discord answered {status}: {_discord_message(response)}"
                else:
                    raise WebhookRejectedError(
                        f"Discord refused the alert with {status}: {_discord_message(response)}",
                        attempts=attempt,
                        status=status,
                    )
            if attempt == self._max_attempts:
                break
            if waited + delay > self._max_wait:
                raise failure(
                    f"{last}; waiting {delay:g} s more would exceed the {self._max_wait:g} s budget "
                    f"(after {attempt} attempt(s))",
                    attempts=attempt,
                    status=status,
                )
            self._sleep(delay)
            waited += delay
        raise failure(
            f"{last} (gave up after {self._max_attempts} attempt(s))",
            attempts=self._max_attempts,
            status=status,
        )

    def close(self) -> None:
        if self._transport is not None:
            self._transport.close()
