"""The reconciler and the watchdog through the deployed stack: ``POST /api/bot/reconcile`` invokes
the reconciler function, which finds an order placed behind the bot's back and blocks its market;
the scheduled reconciler beats; the watchdog function pages a silent component once, then says
when it recovers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from inplay.alerts.model import AlertKind, Severity
from inplay.risk.records import Heartbeat, OrphanKind
from inplay.store.risk import DynamoRiskStore
from tests.integration.kill_switch.support import SCHEDULED_EVENT, KillSwitchHarness
from tests.integration.order_workflow.support import USER

pytestmark = [pytest.mark.timeout(120)]


def test_a_manual_reconcile_finds_a_foreign_order_and_blocks_its_market(ks: KillSwitchHarness) -> None:
    order_id = ks.rest_order(ks.foreign_id(), price="0.40", count="5")

    status, body = ks.api("bot/reconcile", None)

    assert status == 200 and body["status"] == "ok", body
    (report,) = body["reports"]
    assert report["trigger"] == "api"
    assert [(f["kind"], f["order_id"]) for f in report["findings"]] == [("orphan_order", order_id)]
    risk = DynamoRiskStore(ks.h.table("RiskTable"))
    (orphan,) = risk.orphans(USER, unresolved_only=True)
    assert (orphan.kind, orphan.order_id, orphan.market_ticker) == (OrphanKind.ORDER, order_id, ks.venue.home)
    assert ks.h.controls().market_block(USER, ks.venue.home) is not None
    refused = ks.h.run(ks.h.request(price="0.52", signal="after-orphan"))
    assert refused["error"]["code"] == "market_blocked"
    assert any(a.kind is AlertKind.RECONCILE and a.severity is Severity.CRITICAL for a in ks.h.alerts())
    assert [o.order_id for o in ks.resting()] == [order_id]  # a person's order is never cancelled

    status, body = ks.api("bot/reconcile", None)  # the same orphan is not recorded twice
    assert status == 200 and len(risk.orphans(USER)) == 1


def test_the_scheduled_reconciler_beats_and_the_watchdog_pages_once_then_recovers(
    ks: KillSwitchHarness,
) -> None:
    risk = DynamoRiskStore(ks.h.table("RiskTable"))
    assert ks.invoke("ReconcilerFunction", SCHEDULED_EVENT)["aborted"] == 0
    assert risk.heartbeats()["reconciler"].ok

    long_ago = datetime.now(UTC) - timedelta(minutes=30)
    risk.beat(Heartbeat(component="game_poller", at=long_ago))
    risk.beat(Heartbeat(component="kill_switch", at=datetime.now(UTC)))
    first = ks.invoke("WatchdogFunction", SCHEDULED_EVENT)
    again = ks.invoke("WatchdogFunction", SCHEDULED_EVENT)

    assert "game_poller" in first["paged"] and "reconciler" not in first["stale"]
    assert again["paged"] == [] and "game_poller" in again["stale"]  # paged once, not every minute
    pages = [a for a in ks.h.alerts() if a.kind is AlertKind.WATCHDOG]
    assert [(a.severity, "game_poller" in a.title) for a in pages] == [(Severity.CRITICAL, True)]

    risk.beat(Heartbeat(component="game_poller", at=datetime.now(UTC)))
    recovered = ks.invoke("WatchdogFunction", SCHEDULED_EVENT)
    assert recovered["recovered"] == ["game_poller"]
    # ``alerts()`` drains the observer queue: only the alerts since the page are left.
    assert [a.severity for a in ks.h.alerts() if a.kind is AlertKind.WATCHDOG] == [Severity.INFO]
