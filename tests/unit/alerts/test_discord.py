"""Discord embeds (layouts, mode, colours, limits) and the webhook sender (429, 5xx, 4xx, bounds)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from inplay.alerts.discord import (
    EMBED_TOTAL_MAX,
    SEVERITY_COLOURS,
    DiscordWebhook,
    WebhookRateLimitedError,
    WebhookRejectedError,
    WebhookUnavailableError,
    build_payload,
    embed_length,
    fit_embed,
    retry_after_seconds,
    truncate,
    utf16_len,
)
from inplay.alerts.model import AlertField, Mode, Severity

URL = "https://discord.com/api/webhooks/123456/s3cr3t-t0ken"


def _fields(payload: dict[str, Any]) -> dict[str, str]:
    return {f["name"]: f["value"] for f in payload["embeds"][0]["fields"]}


# --------------------------------------------------------------------------- formatting


@pytest.mark.parametrize(("mode", "badge"), [(Mode.LIVE, "🔴 LIVE"), (Mode.PAPER, "🟡 PAPER")])
def test_mode_is_in_the_title_and_the_first_field(entry, mode: Mode, badge: str) -> None:
    embed = build_payload(entry(mode=mode))["embeds"][0]
    assert embed["title"].startswith(f"{badge} · ")
    first = embed["fields"][0]
    assert first["name"] == "Mode" and badge in first["value"]
    other = "PAPER" if mode is Mode.LIVE else "LIVE"
    assert other not in embed["title"] and other not in first["value"]


def test_trade_entry_layout(entry) -> None:
    payload = build_payload(entry())
    fields = _fields(payload)
    assert fields["Market"] == "KXNBAGAME-26NOV24NYBOS-BOS"
    assert fields["Side"] == "BUY YES"
    assert fields["Price"] == "$0.56"
    assert fields["Size"] == "10 contracts"
    assert fields["Cost"] == "$5.60"
    assert fields["Confidence"] == "72%"
    assert fields["Game"] == "NY @ BOS"
    assert fields["Bot"] == "`bot-7`"
    embed = payload["embeds"][0]
    assert embed["color"] == SEVERITY_COLOURS[Severity.INFO]
    assert embed["timestamp"] == "2026-11-24T23:15:30+00:00"
    assert "user u-1" in embed["footer"]["text"] and "TRADE_ENTRY" in embed["footer"]["text"]
    assert payload["allowed_mentions"] == {"parse": []}
    assert "content" not in payload  # only critical alerts add a push-notification line


@pytest.mark.parametrize(
    ("pnl", "shown"), [("1.20", "**+$1.20** (+21.4%)"), ("-0.80", "**-$0.80** (-14.3%)")]
)
def test_trade_exit_shows_signed_pnl(exit_alert, pnl: str, shown: str) -> None:
    fields = _fields(build_payload(exit_alert(pnl)))
    assert fields["P&L"] == shown
    assert (fields["Side"], fields["Entry"], fields["Exit"]) == ("SELL YES", "$0.56", "$0.68")
    assert (fields["Fees"], fields["Reason"]) == ("$0.14", "take_profit")


def test_order_error_layout_is_critical_with_context(order_error) -> None:
    payload = build_payload(order_error(intent="intent-abc", step="Place"))
    embed = payload["embeds"][0]
    assert embed["color"] == SEVERITY_COLOURS[Severity.CRITICAL]
    assert embed["description"].startswith("The place call timed out")
    assert "```\nAmbiguousOutcomeError: venue timed out after 10 s\n```" in embed["description"]
    fields = _fields(payload)
    assert (fields["Error"], fields["intent"], fields["step"]) == (
        "AmbiguousOutcomeError",
        "intent-abc",
        "Place",
    )
    assert payload["content"].startswith("🚨 **🔴 LIVE**")


def test_text_cannot_ping_anyone(entry) -> None:
    payload = build_payload(entry(title="@everyone look", description="<@&123> and @here"))
    assert payload["allowed_mentions"] == {"parse": []}


def test_every_discord_limit_holds_for_huge_alerts(order_error) -> None:
    huge = order_error(message="x" * 4000, **{f"k{i}": "v" * 900 for i in range(20)})
    alert = huge.model_copy(
        update={
            "title": "🔥" * 256,
            "description": "d" * 4096,
            "fields": tuple(AlertField(name="n" * 256, value="é" * 1024) for _ in range(5)),
        }
    )
    embed = build_payload(alert)["embeds"][0]
    assert utf16_len(embed["title"]) <= 256 and embed["title"].endswith("…")
    assert "\ud83d" not in embed["title"]  # no half emoji (a lone surrogate) at the cut
    assert utf16_len(embed.get("description", "")) <= 4096
    assert len(embed["fields"]) <= 25
    assert all(utf16_len(f["name"]) <= 256 and utf16_len(f["value"]) <= 1024 for f in embed["fields"])
    assert embed_length(embed) <= EMBED_TOTAL_MAX
    assert embed["fields"][0]["name"] == "Mode"  # the mode survives any trimming
    if "description" in embed:
        assert embed["description"].count("```") % 2 == 0  # code block still closed


def test_fit_embed_drops_trailing_fields_last_and_fills_empty_values() -> None:
    embed = {
        "title": "t",
        "description": "short",
        "fields": [{"name": "Mode", "value": "🔴 LIVE"}, {"name": "blank", "value": "  "}]
        + [{"name": f"f{i}", "value": "v" * 1024} for i in range(30)],
    }
    fitted = fit_embed(embed)
    assert fitted["fields"][1]["value"] == "—"
    assert embed_length(fitted) <= EMBED_TOTAL_MAX
    assert fitted["fields"][0]["name"] == "Mode"
    assert fitted["description"] == "short"  # a short description is kept; trailing fields go
    assert fitted["fields"][-1]["name"] != "f29"


def test_truncate_counts_utf16_units() -> None:
    assert truncate("abc", 3) == "abc"
    assert truncate("abcd", 3) == "ab…"
    assert truncate("😀😀😀", 4) == "😀…"  # 2 + 1 units; a third unit cannot hold half an emoji
    assert truncate("anything", 0) == ""


# --------------------------------------------------------------------------- sending


class Discord:
    """A scripted Discord behind httpx.MockTransport; records every request."""

    def __init__(self, *answers: httpx.Response | Exception) -> None:
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.answers.pop(0) if self.answers else httpx.Response(204)
        if isinstance(answer, Exception):
            raise answer
        return answer


def _sender(discord: Discord, sleeps: list[float], **options: Any) -> DiscordWebhook:
    return DiscordWebhook(transport=httpx.MockTransport(discord), sleep=sleeps.append, **options)


def _rate_limited(
    body: dict[str, Any] | None = None, headers: dict[str, str] | None = None
) -> httpx.Response:
    return (
        httpx.Response(429, json=body, headers=headers)
        if body is not None
        else httpx.Response(429, headers=headers)
    )


def test_a_429_waits_retry_after_then_delivers_once(entry) -> None:
    discord = Discord(
        _rate_limited({"message": "You are being rate limited.", "retry_after": 0.75, "global": False})
    )
    sleeps: list[float] = []
    delivery = _sender(discord, sleeps).post(URL, build_payload(entry()))
    assert sleeps == [0.75]
    assert (delivery.status, delivery.attempts, delivery.rate_limited, delivery.waited_seconds) == (
        204,
        2,
        1,
        0.75,
    )
    assert len(discord.requests) == 2
    assert discord.requests[0].content == discord.requests[1].content  # the same payload, re-sent


@pytest.mark.parametrize(
    ("response", "expected"),
    [
        (_rate_limited({"retry_after": 2.5}, {"Retry-After": "3"}), 2.5),  # the body's precise value wins
        (_rate_limited(headers={"Retry-After": "3"}), 3.0),
        (_rate_limited(headers={"X-RateLimit-Reset-After": "1.25"}), 1.25),
        (_rate_limited({"retry_after": "soon"}), 1.0),
        (httpx.Response(429, text="<html>cloudflare</html>"), 1.0),
        (_rate_limited({"retry_after": -4}), 0.0),
    ],
)
def test_retry_after_sources(response: httpx.Response, expected: float) -> None:
    assert retry_after_seconds(response) == expected


def test_server_errors_and_network_errors_back_off_then_succeed() -> None:
    discord = Discord(httpx.Response(502), httpx.ConnectError("refused"), httpx.Response(204))
    sleeps: list[float] = []
    delivery = _sender(discord, sleeps, backoff_seconds=0.5).post(URL, {"content": "x"})
    assert sleeps == [0.5, 1.0]
    assert delivery.attempts == 3


def test_a_4xx_is_refused_at_once_with_discords_message() -> None:
    discord = Discord(httpx.Response(404, json={"message": "Unknown Webhook", "code": 10015}))
    sleeps: list[float] = []
    with pytest.raises(WebhookRejectedError, match="404: Unknown Webhook \\(code 10015\\)") as caught:
        _sender(discord, sleeps).post(URL, {"content": "x"})
    assert caught.value.status == 404 and caught.value.attempts == 1
    assert sleeps == [] and len(discord.requests) == 1


def test_attempts_are_bounded() -> None:
    discord = Discord(*[_rate_limited({"retry_after": 0.1})] * 10)
    sleeps: list[float] = []
    with pytest.raises(WebhookRateLimitedError, match="gave up after 3 attempt") as caught:
        _sender(discord, sleeps, max_attempts=3).post(URL, {"content": "x"})
    assert len(discord.requests) == 3 and sleeps == [0.1, 0.1]
    assert caught.value.attempts == 3


def test_waiting_is_bounded() -> None:
    discord = Discord(_rate_limited({"retry_after": 30}))
    sleeps: list[float] = []
    with pytest.raises(WebhookRateLimitedError, match="exceed the 20 s budget"):
        _sender(discord, sleeps, max_wait_seconds=20).post(URL, {"content": "x"})
    assert sleeps == []  # never sleeps past the budget: Lambda's own retry takes over


def test_unreachable_discord_is_a_typed_error() -> None:
    discord = Discord(*[httpx.ConnectTimeout("slow")] * 4)
    with pytest.raises(WebhookUnavailableError, match="ConnectTimeout"):
        _sender(discord, [], max_attempts=2).post(URL, {"content": "x"})


def _all_errors(post: Callable[[], Any]) -> str:
    try:
        post()
    except Exception as exc:
        return f"{exc!r} {exc}"
    raise AssertionError("expected an error")


def test_the_webhook_token_never_appears_in_errors_or_logs(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    for answer in (
        httpx.Response(500),
        httpx.Response(400, json={"message": "bad"}),
        httpx.ConnectError(URL),
    ):
        text = _all_errors(
            lambda a=answer: _sender(Discord(a, a, a, a), [], max_attempts=1).post(URL, {"content": "x"})
        )
        assert "s3cr3t-t0ken" not in text
    _sender(Discord(), []).post(URL, {"content": "x"})
    assert all("s3cr3t-t0ken" not in record.getMessage() for record in caplog.records)


def test_requests_bypass_httpx_client_so_xray_cannot_record_the_url(monkeypatch: pytest.MonkeyPatch) -> None:
    """The X-Ray SDK swaps ``httpx.Client`` for an instrumented subclass that records request URLs."""

    class Instrumented(httpx.Client):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            raise AssertionError("the sender must not build an httpx.Client")

    monkeypatch.setattr(httpx, "Client", Instrumented)
    discord = Discord()
    assert _sender(discord, []).post(URL, {"content": "x"}).status == 204
    assert discord.requests[0].headers["user-agent"].startswith("inplay/")
