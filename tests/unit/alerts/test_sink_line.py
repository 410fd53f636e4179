"""``local.alerts_sink.alert_line``: a Discord payload as one readable console line."""

from __future__ import annotations

from inplay.alerts.discord import build_payload
from local.alerts_sink import LINE_MAX, alert_line


def test_trade_entry_line(entry) -> None:
    line = alert_line(build_payload(entry()))
    assert line.startswith("🔴 LIVE · Bought BOS to win | Market: KXNBAGAME-26NOV24NYBOS-BOS · Side: BUY YES")
    assert "Price: $0.56" in line and "Confidence: 72%" in line
    assert "Mode:" not in line  # the title already says LIVE
    assert line.endswith("[info]")
    assert "\n" not in line


def test_error_line_shows_the_description_and_no_markdown(order_error) -> None:
    line = alert_line(build_payload(order_error()))
    assert "— The place call timed out; the reconciler will settle it." in line
    assert "`" not in line and "**" not in line
    assert line.endswith("[critical]")


def test_odd_payloads_still_make_a_line() -> None:
    assert alert_line({"content": "just **text**"}) == "just text"
    assert alert_line({}) == "(empty webhook message)"
    assert len(alert_line({"embeds": [{"title": "x" * 1000}]})) == LINE_MAX
