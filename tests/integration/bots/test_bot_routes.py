"""The bot routes through the api function's handler, on moto tables."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from inplay.alerts import AlertKind, Mode, Severity
from inplay.api.safety import InvocationFailed
from inplay.bots import BotState
from inplay.bots.mode import LIVE_CONFIRMATION_MESSAGE
from inplay.orders.fills import FillRecord
from inplay.orders.intents import TradingMode
from inplay.risk.records import OrphanKind, OrphanRecord
from inplay.sports.models import League
from inplay.venues.base import Action, OutcomeSide
from tests.integration.bots.support import USER, BotsHarness, timed_out
from tests.integration.risk_store.builders import report

NBA = {"leagues": "nba"}


def start(h: BotsHarness, **body: object) -> tuple[int, dict[str, Any]]:
    return h.post("/api/bot/start", {"settings": NBA, **body})


def test_start_runs_the_checks_and_the_bot_runs(harness: BotsHarness) -> None:
    harness.feed(League.NBA)
    status, body = start(harness, bot_id="b1")
    assert status == 200, body
    assert body["bot"]["state"] == "RUNNING" and body["mode"] == "paper"
    assert {c["name"]: c["ok"] for c in body["checks"]} == {
        "kill_switch": True,
        "credentials": True,
        "venue": True,
        "balance": True,
        "orphans": True,
        "feed": True,
    }
    assert harness.invoker.calls == [
        {"function": "reconciler-fn", "command": "reconcile", "user_id": USER, "trigger": "bot_start"}
    ]
    bot = harness.controls.bot(USER, "b1")
    assert bot.state is BotState.RUNNING and bot.mode is TradingMode.PAPER and bot.settings == NBA
    assert [b.bot_id for b in harness.controls.active_bots()] == ["b1"]
    transitions = [(p["from"], p["to"]) for k, p in harness.audit_kinds() if k == "BOT_STATE"]
    assert transitions == [("STOPPED", "STARTING"), ("STARTING", "RUNNING")]


def test_start_without_a_body_starts_the_default_bot(harness: BotsHarness) -> None:
    harness.feed(*League)
    status, body = harness.post("/api/bot/start")
    assert status == 200, body
    assert body["bot"]["bot_id"] == "default"


def test_a_refused_start_lists_every_failing_check_and_is_alerted(harness: BotsHarness) -> None:
    harness.feed(League.NBA, age=600)  # stale
    harness.venues.paper_balance = Decimal(0)
    harness.controls.trip(
        USER, trigger="manual", reason="bed time", values={}, by=USER, event_id="ks-1", at=datetime.now(UTC)
    )
    harness.risk.record_orphan(
        OrphanRecord(
            user_id=USER,
            orphan_id="o-1",
            kind=OrphanKind.ORDER,
            venue="kalshi",
            mode=TradingMode.PAPER,
            market_ticker="KXNBAGAME-26JAN15NYKBOS-BOS",
            side=OutcomeSide.YES,
            size=Decimal(3),
            detected_at=datetime.now(UTC),
        )
    )
    status, body = start(harness)
    assert status == 409, body
    assert body["state"] == "STOPPED"
    assert body["failed"] == ["kill_switch", "balance", "orphans", "feed"]
    details = {c["name"]: c["detail"] for c in body["checks"]}
    assert "bed time" in details["kill_switch"]
    assert "KXNBAGAME-26JAN15NYKBOS-BOS" in details["orphans"]
    assert "nba last polled" in details["feed"]
    bot = harness.controls.bot(USER, "default")
    assert bot.state is BotState.STOPPED and bot.reason and bot.reason.startswith("start refused:")
    [alert] = harness.alerts.alerts
    assert alert.severity is Severity.WARNING and alert.mode is Mode.PAPER and "did not start" in alert.title
    transitions = [(p["from"], p["to"]) for k, p in harness.audit_kinds() if k == "BOT_STATE"]
    assert transitions == [("STOPPED", "STARTING"), ("STARTING", "STOPPED")]


def test_a_reconcile_that_does_not_finish_refuses_the_start(harness: BotsHarness) -> None:
    harness.feed(League.NBA)
    harness.invoker.answer = timed_out()
    status, body = start(harness)
    assert status == 409 and body["failed"] == ["orphans"]
    harness.invoker.answer = {"reports": [{"ok": False, "aborted_reason": "venue unreachable"}]}
    status, body = start(harness)
    assert status == 409 and "venue unreachable" in body["checks"][4]["detail"]


def test_live_mode_without_credentials_fails_the_credential_check(harness: BotsHarness) -> None:
    harness.feed(League.NBA)
    harness.controls.set_trading_mode(USER, TradingMode.LIVE, expected=TradingMode.PAPER, bots=[])
    status, body = start(harness)
    assert status == 409
    assert body["failed"] == ["credentials", "venue", "balance", "orphans"]
    assert "credentials_missing" in body["checks"][1]["detail"]
    assert harness.invoker.calls == []  # no reconcile against an unusable account


def test_bad_settings_are_a_400_naming_the_field_and_nothing_moves(harness: BotsHarness) -> None:
    status, body = harness.post("/api/bot/start", {"settings": {"edge_threshold": "lots"}})
    assert status == 400
    assert any("edge_threshold" in e for e in body["errors"])
    status, body = harness.post("/api/bot/start", {"settings": {"edge_threshold": 0.03}})
    assert status == 400 and any("edge_threshold" in e and "strings" in e for e in body["errors"])
    status, body = harness.post("/api/bot/start", {"bot_id": "no spaces please"})
    assert status == 400 and any(e.startswith("bot_id") for e in body["errors"])
    status, body = harness.post("/api/bot/start", {"settings": {"leagues": "curling"}})
    assert status == 400 and any("leagues" in e for e in body["errors"])
    assert not harness.controls.bot(USER, "default").stored


def test_illegal_changes_are_409_with_the_current_state(harness: BotsHarness) -> None:
    harness.feed(League.NBA)
    status, body = harness.post("/api/bot/pause", {"bot_id": "b1"})
    assert (status, body["state"]) == (409, "STOPPED")
    status, body = harness.post("/api/bot/resume", {"bot_id": "b1"})
    assert (status, body["state"]) == (409, "STOPPED")
    assert start(harness, bot_id="b1")[0] == 200
    status, body = start(harness, bot_id="b1")
    assert (status, body["state"]) == (409, "RUNNING")


def test_pause_resume_and_stop(harness: BotsHarness) -> None:
    harness.feed(League.NBA)
    assert start(harness, bot_id="b1")[0] == 200
    status, body = harness.post("/api/bot/pause", {"bot_id": "b1"})
    assert (status, body["bot"]["state"], body["changed"]) == (200, "PAUSED", True)
    assert harness.controls.active_bots()[0].paused
    status, body = harness.post("/api/bot/pause", {"bot_id": "b1"})
    assert (status, body["changed"]) == (200, False)
    status, body = harness.post("/api/bot/resume", {"bot_id": "b1"})
    assert (status, body["bot"]["state"]) == (200, "RUNNING")
    harness.invoker.calls.clear()
    status, body = harness.post("/api/bot/stop", {"bot_id": "b1"})
    assert status == 200, body
    assert body["bot"]["state"] == "STOPPED" and body["reconcile"]["ok"] is True
    assert harness.invoker.calls[0]["trigger"] == "bot_stop"
    assert harness.controls.active_bots() == []
    status, body = harness.post("/api/bot/stop", {"bot_id": "b1"})
    assert (status, body["changed"]) == (200, False)
    transitions = [(p["from"], p["to"]) for k, p in harness.audit_kinds() if k == "BOT_STATE"]
    assert transitions == [
        ("STOPPED", "STARTING"),
        ("STARTING", "RUNNING"),
        ("RUNNING", "PAUSED"),
        ("PAUSED", "RUNNING"),
        ("RUNNING", "STOPPING"),
        ("STOPPING", "STOPPED"),
    ]


def test_a_stop_reports_the_reconcile_findings(harness: BotsHarness) -> None:
    harness.feed(League.NBA)
    assert start(harness)[0] == 200
    stored = report(USER).model_dump(mode="json")  # a real report: ``findings`` is a list
    harness.invoker.answer = {"reports": [stored, {**stored, "findings": []}]}
    status, body = harness.post("/api/bot/stop")
    assert status == 200, body
    assert body["reconcile"] == {"ok": True, "detail": "reconciled 2 account(s); 1 finding(s)"}


def test_a_stop_finishes_even_when_the_reconcile_fails(harness: BotsHarness) -> None:
    harness.feed(League.NBA)
    assert start(harness)[0] == 200
    harness.invoker.answer = InvocationFailed("reconciler-fn failed: boom")
    status, body = harness.post("/api/bot/stop")
    assert status == 200 and body["bot"]["state"] == "STOPPED"
    assert body["reconcile"] == {
        "ok": False,
        "detail": "the reconcile could not run: reconciler-fn failed: boom",
    }


def test_a_bot_in_error_can_be_started_again_or_stopped(harness: BotsHarness) -> None:
    harness.feed(League.NBA)
    assert start(harness)[0] == 200
    assert harness.controls.mark_error(USER, "default", "bad", datetime.now(UTC))
    assert start(harness)[0] == 200
    assert harness.controls.mark_error(USER, "default", "bad", datetime.now(UTC))
    status, body = harness.post("/api/bot/stop")
    assert status == 200 and body["bot"]["state"] == "STOPPED"


# ---- paper / live


def test_going_live_needs_confirmation(harness: BotsHarness) -> None:
    status, body = harness.post("/api/bot/paper-trading", {"enabled": False})
    assert status == 400
    assert body["message"] == LIVE_CONFIRMATION_MESSAGE
    assert harness.controls.trading_mode(USER) is TradingMode.PAPER
    assert harness.audit_kinds() == [] and harness.alerts.alerts == []


def test_the_switch_is_audited_alerted_and_logged_critical(
    harness: BotsHarness, caplog: pytest.LogCaptureFixture
) -> None:
    status, body = harness.post("/api/bot/paper-trading", {"enabled": False, "confirmed": True})
    assert status == 200, body
    assert body == {
        "mode": "live",
        "paper_trading": False,
        "changed": True,
        "message": "switched from paper to live trading",
    }
    assert harness.controls.trading_mode(USER) is TradingMode.LIVE
    [(kind, payload)] = harness.audit_kinds()
    assert kind == "MODE_CHANGE" and payload["from"] == "paper" and payload["to"] == "live"
    [alert] = harness.alerts.alerts
    assert (
        alert.kind is AlertKind.MODE_CHANGE
        and alert.severity is Severity.CRITICAL
        and alert.mode is Mode.LIVE
    )
    assert any(r.levelname == "CRITICAL" and "paper to live" in r.getMessage() for r in caplog.records)
    status, body = harness.post("/api/bot/paper-trading", {"enabled": False, "confirmed": True})
    assert (status, body["changed"]) == (200, False)
    status, body = harness.post("/api/bot/paper-trading", {"enabled": True})
    assert (status, body["mode"], body["changed"]) == (200, "paper", True)
    assert len(harness.alerts.alerts) == 2 and harness.alerts.alerts[1].mode is Mode.PAPER


def test_the_mode_does_not_change_while_a_bot_runs(harness: BotsHarness) -> None:
    harness.feed(League.NBA)
    assert start(harness, bot_id="b1")[0] == 200
    status, body = harness.post("/api/bot/paper-trading", {"enabled": False, "confirmed": True})
    assert status == 409
    assert body["mode"] == "paper" and body["bots"] == [{"bot_id": "b1", "state": "RUNNING"}]
    assert harness.controls.trading_mode(USER) is TradingMode.PAPER


def test_the_switch_body_is_validated(harness: BotsHarness) -> None:
    status, body = harness.post("/api/bot/paper-trading", {"enabled": "no"})
    assert status == 400 and any(e.startswith("enabled") for e in body["errors"])
    status, body = harness.post("/api/bot/paper-trading", {})
    assert status == 400 and any(e.startswith("enabled") for e in body["errors"])


# ---- status and positions


def _fill(n: int, mode: TradingMode, action: Action, price: str, at: datetime, bot: str = "b1") -> FillRecord:
    return FillRecord(
        user_id=USER,
        fill_id=f"kalshi#f{n}",
        venue="kalshi",
        venue_fill_id=f"f{n}",
        intent_id=f"i{n}",
        bot_id=bot,
        order_id=f"o{n}",
        market_ticker="KXNBAGAME-26JAN15NYKBOS-BOS"
        if mode is TradingMode.PAPER
        else "KXNBAGAME-26JAN15NYKBOS-NYK",
        side=OutcomeSide.YES,
        action=action,
        price=Decimal(price),
        count=Decimal(10),
        fee=Decimal("0.10"),
        is_taker=True,
        yes_direction=1 if action is Action.BUY else -1,
        yes_price=Decimal(price),
        filled_at=at,
        mode=mode,
    )


def test_status_shows_mode_bots_balances_positions_pnl_and_the_kill_switch(harness: BotsHarness) -> None:
    harness.feed(League.NBA)
    assert start(harness, bot_id="b1")[0] == 200
    now = datetime.now(UTC)
    harness.trades.record_fill(_fill(1, TradingMode.PAPER, Action.BUY, "0.40", now - timedelta(seconds=30)))
    harness.trades.record_fill(_fill(2, TradingMode.PAPER, Action.SELL, "0.50", now - timedelta(seconds=20)))
    harness.trades.record_fill(_fill(3, TradingMode.LIVE, Action.BUY, "0.30", now - timedelta(seconds=10)))
    status, body = harness.get("/api/bot/status")
    assert status == 200, body
    assert body["mode"] == "paper" and body["paper_trading"] is True
    assert [(b["bot_id"], b["state"]) for b in body["bots"]] == [("b1", "RUNNING")]
    assert body["balances"]["paper"]["available"] == "10000.0000"
    assert (
        body["balances"]["live"]["available"] is None and "credentials" in body["balances"]["live"]["error"]
    )
    [position] = body["open_positions"]
    assert position["mode"] == "live" and position["status"] == "open" and position["held_side"] == "yes"
    assert body["pnl_today"]["paper"] == {
        "realized": "1.0000",
        "fees": "0.2000",
        "net": "0.8000",
        "fills": "2",
    }
    assert body["pnl_today"]["live"]["net"] == "-0.1000"
    assert body["kill_switch"]["tripped"] is False


def test_positions_by_status_and_mode(harness: BotsHarness) -> None:
    now = datetime.now(UTC)
    harness.trades.record_fill(_fill(1, TradingMode.PAPER, Action.BUY, "0.40", now - timedelta(seconds=30)))
    harness.trades.record_fill(_fill(2, TradingMode.PAPER, Action.SELL, "0.50", now - timedelta(seconds=20)))
    harness.trades.record_fill(_fill(3, TradingMode.LIVE, Action.BUY, "0.30", now - timedelta(seconds=10)))
    status, body = harness.get("/api/positions")
    assert status == 200 and [p["mode"] for p in body["positions"]] == ["live"]
    status, body = harness.get("/api/positions", query=[("status", "closed"), ("mode", "paper")])
    assert status == 200
    [closed] = body["positions"]
    assert closed["position_id"].endswith("#paper") and Decimal(closed["realized_pnl"]) == Decimal(1)
    status, body = harness.get("/api/positions", query=[("status", "closed"), ("mode", "live")])
    assert body["positions"] == []
    status, body = harness.get("/api/positions", query=[("status", "shut")])
    assert status == 400 and any(e.startswith("status") for e in body["errors"])
    status, body = harness.get("/api/positions", query=[("mode", "real")])
    assert status == 400 and any(e.startswith("mode") for e in body["errors"])


def test_every_bot_route_needs_a_signed_in_user(harness: BotsHarness) -> None:
    for method, path in (("POST", "/api/bot/start"), ("GET", "/api/bot/status"), ("GET", "/api/positions")):
        status, _ = harness.request(method, path, {} if method == "POST" else None, user=None)
        assert status == 401


def test_the_real_dependencies_switch_the_mode_through_sns(
    harness: BotsHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The handler's own wiring (stores, paper venues, SNS publisher, Powertools logger)."""
    import boto3

    import api.deps

    topic = boto3.client("sns", region_name="us-east-1").create_topic(Name="alerts")["TopicArn"]
    monkeypatch.setenv("INPLAY_ALERTS_TOPIC_ARN", topic)
    harness.real_bot_deps.cache_clear()
    monkeypatch.setattr(api.deps, "bot_deps", harness.real_bot_deps)
    status, body = harness.post("/api/bot/paper-trading", {"enabled": False, "confirmed": True})
    assert status == 200, body
    assert harness.controls.trading_mode(USER) is TradingMode.LIVE
    assert [k for k, _ in harness.audit_kinds()] == ["MODE_CHANGE"]
