"""The local Discord stand-in: prints one line per alert, answers like a webhook, scripts failures."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime
from urllib.parse import urlsplit

import httpx
import pytest

from inplay.alerts.discord import build_payload
from inplay.alerts.model import Alert, AlertKind, Mode, Severity
from local.alerts_sink import WEBHOOK_PATH, AlertSink, point_webhook_secret, start_alert_sink

pytestmark = [pytest.mark.timeout(30)]


def _alert(mode: Mode) -> Alert:
    return Alert(
        kind=AlertKind.KILL_SWITCH,
        severity=Severity.CRITICAL,
        mode=mode,
        title="Kill switch tripped: daily loss",
        description="Daily loss $52.10 exceeded the $50.00 limit.\nFlattening 2 positions.",
        occurred_at=datetime.now(UTC),
    )


def test_start_alert_sink_prints_one_line_per_alert_and_stops() -> None:
    out = io.StringIO()
    url, stop = start_alert_sink(out)
    try:
        parts = urlsplit(url)
        assert parts.scheme == "http" and parts.hostname == "127.0.0.1" and parts.path == WEBHOOK_PATH
        answer = httpx.post(url, json=build_payload(_alert(Mode.LIVE)), timeout=5)
        assert answer.status_code == 204
        httpx.post(url, json=build_payload(_alert(Mode.PAPER)), timeout=5)
    finally:
        stop()
    lines = out.getvalue().splitlines()
    assert len(lines) == 2
    assert re.match(
        r"^\[\d\d:\d\d:\d\d\] ALERT 🔴 LIVE · Kill switch tripped: daily loss — Daily loss", lines[0]
    )
    assert lines[0].endswith("[critical]")
    assert "🟡 PAPER" in lines[1]
    with pytest.raises(httpx.ConnectError):  # the port is released
        httpx.post(url, json={"content": "late"}, timeout=2)
    stop()  # idempotent


def test_it_refuses_what_discord_refuses() -> None:
    out = io.StringIO()
    with AlertSink(out) as sink:
        assert httpx.post(sink.url, json={}, timeout=5).status_code == 400
        assert httpx.post(sink.url, content=b"{not json", timeout=5).status_code == 400
        assert sink.received == [] and sink.attempts == 2
    assert out.getvalue() == ""


def test_scripted_answers_come_first() -> None:
    with AlertSink() as sink:
        sink.rate_limit(1.5)
        sink.respond_with(500, times=1)
        limited = httpx.post(sink.url, json={"content": "a"}, timeout=5)
        assert limited.status_code == 429
        assert limited.json()["retry_after"] == 1.5 and limited.headers["Retry-After"] == "2"
        assert httpx.post(sink.url, json={"content": "a"}, timeout=5).status_code == 500
        assert httpx.post(sink.url, json={"content": "a"}, timeout=5).status_code == 204
        assert sink.received == [{"content": "a"}] and sink.attempts == 3


def test_point_webhook_secret_needs_the_notifier_secret() -> None:
    from local.cloud.provisioner import ProvisionedStack

    empty = ProvisionedStack(
        tables={}, functions={}, schedules=(), routes=(), state_machines={}, topics={}, secrets={},
        buckets={}, skipped=(), environment={},
    )  # fmt: skip
    with pytest.raises(LookupError, match="INPLAY_DISCORD_WEBHOOK_SECRET"):
        point_webhook_secret(empty, "http://127.0.0.1:1/x", client=object())
