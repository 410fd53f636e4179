"""GET /api/orders, /api/orders/{intent_id}, /api/audit/trades, /api/risk/events on moto tables."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from inplay.audit.chain import AuditKind
from inplay.audit.payloads import OrderAuditPayload
from inplay.orders.intents import IntentRecord, IntentState, TradingMode, new_intent
from inplay.risk.records import (
    KillSwitchEvent,
    KillTrigger,
    OrphanKind,
    OrphanRecord,
    ReconcileReport,
    ReconcileTrigger,
)
from inplay.venues.base import Action, OutcomeSide
from tests.integration.api_records.conftest import RecordsApi

NOW = datetime.now(UTC)
ROUTES = ("/api/orders", "/api/orders/ip-" + "a" * 32, "/api/audit/trades", "/api/risk/events")


def make_intent(
    user: str, n: int, *, market: str = "KXNBAGAME-25MAR01BOSNY-BOS", mode: TradingMode = TradingMode.PAPER
) -> IntentRecord:
    at = NOW - timedelta(hours=1) + timedelta(seconds=n)
    return new_intent(
        user_id=user,
        bot_id="default",
        market_ticker=market,
        signal_id=f"sig-{n}",
        leg="entry",
        decision_bucket=at,
        venue="kalshi",
        side=OutcomeSide.YES,
        action=Action.BUY,
        price=Decimal("0.42"),
        count=Decimal(2),
        mode=mode,
        now=at,
    )


def store_intents(api: RecordsApi, user: str, count: int, **kwargs: object) -> list[IntentRecord]:
    made = [make_intent(user, n, **kwargs) for n in range(count)]  # type: ignore[arg-type]
    for record in made:
        assert api.intents.create(record)
    return made


def test_orders_are_the_callers_newest_first_across_pages(api: RecordsApi) -> None:
    mine = store_intents(api, "alice", 7)
    store_intents(api, "bob", 3)
    pages = api.pages("/api/orders", {"limit": "3"})
    listed = [order["intent_id"] for page in pages for order in page["orders"]]
    assert listed == [record.intent_id for record in reversed(mine)]
    assert [len(page["orders"]) for page in pages] == [3, 3, 1]
    first = pages[0]["orders"][0]
    assert first["price"] == "0.4200" and first["count"] == "2.00" and first["status"] == "PENDING"
    assert "user_id" not in first


def test_order_filters(api: RecordsApi) -> None:
    paper = store_intents(api, "alice", 3)
    live = make_intent("alice", 10, market="KXNBAGAME-OTHER", mode=TradingMode.LIVE)
    api.intents.create(live)
    api.intents.transition(paper[0].intent_id, IntentState.PENDING, IntentState.REJECTED, version=1)

    def ids(query: dict[str, str]) -> list[str]:
        status, body = api.get("/api/orders", query)
        assert status == 200, body
        return [order["intent_id"] for order in body["orders"]]

    assert ids({"status": "REJECTED"}) == [paper[0].intent_id]
    assert ids({"mode": "live"}) == [live.intent_id]
    assert ids({"market": "kxnbagame-other"}) == [live.intent_id]
    since = (paper[2].created_at).isoformat()
    assert ids({"since": since}) == [live.intent_id, paper[2].intent_id]


def test_one_order_and_another_users_is_not_found(api: RecordsApi) -> None:
    [mine] = store_intents(api, "alice", 1)
    [theirs] = store_intents(api, "bob", 1)
    status, body = api.get(f"/api/orders/{mine.intent_id}")
    assert (
        status == 200 and body["intent_id"] == mine.intent_id and body["market_ticker"] == mine.market_ticker
    )
    status, body = api.get(f"/api/orders/{theirs.intent_id}")
    assert status == 404 and body == {"message": f"no order {theirs.intent_id}"}
    status, missing = api.get("/api/orders/ip-" + "b" * 32)
    assert status == 404 and set(missing) == {"message"}
    status, body = api.get("/api/orders/not%20an%20id")
    assert status in (400, 404) and body["message"]


def test_another_users_cursor_is_refused(api: RecordsApi) -> None:
    store_intents(api, "alice", 2)
    store_intents(api, "bob", 3)
    status, bobs = api.get("/api/orders", {"limit": "1"}, user="bob")
    assert status == 200 and bobs["next_cursor"]
    status, body = api.get("/api/orders", {"cursor": bobs["next_cursor"]})
    assert status == 400 and body["message"] == "invalid cursor" and body["errors"][0].startswith("cursor:")
    status, body = api.get("/api/orders", {"cursor": "%%%"})
    assert status == 400 and body["message"]


@pytest.mark.parametrize(
    "query",
    [
        {"limit": "0"},
        {"limit": "201"},
        {"limit": "many"},
        {"status": "DONE"},
        {"since": "2025-01-01T00:00:00"},
    ],
)
def test_invalid_order_queries_are_400_naming_the_field(api: RecordsApi, query: dict[str, str]) -> None:
    status, body = api.get("/api/orders", query)
    assert status == 400
    assert body["message"] == "invalid request"
    assert any(error.startswith(next(iter(query))) for error in body["errors"])


@pytest.mark.parametrize("path", ROUTES)
def test_every_record_route_needs_a_token(api: RecordsApi, path: str) -> None:
    status, body = api.get(path, user=None)
    assert status == 401 and body["message"]
    status, body = api.get(path, user=None, headers={"Authorization": "Bearer not-a-token"})
    assert status == 401 and body["message"]


def test_audit_trades(api: RecordsApi) -> None:
    [first, second] = store_intents(api, "alice", 2)
    api.audit.append("alice", AuditKind.ENTRY, OrderAuditPayload(intent=first, reason="edge"))
    api.audit.append("alice", AuditKind.MODE_CHANGE, {"from": "paper", "to": "live"})
    api.audit.append("alice", AuditKind.EXIT, OrderAuditPayload(intent=second, reason="take_profit"))
    [theirs] = store_intents(api, "bob", 1)
    api.audit.append("bob", AuditKind.ENTRY, OrderAuditPayload(intent=theirs))

    status, body = api.get("/api/audit/trades")
    assert status == 200, body
    assert body["end"] == NOW.date().isoformat()
    assert body["start"] == (NOW.date() - timedelta(days=6)).isoformat()
    assert [(t["seq"], t["kind"], t["intent_id"]) for t in body["trades"]] == [
        (3, "EXIT", second.intent_id),
        (1, "ENTRY", first.intent_id),
    ]
    assert body["trades"][0]["payload"]["reason"] == "take_profit"
    assert body["trades"][0]["market_ticker"] == second.market_ticker
    pages = api.pages("/api/audit/trades", {"limit": "1"})
    assert [t["seq"] for page in pages for t in page["trades"]] == [3, 1]
    status, body = api.get("/api/audit/trades", {"kind": "ENTRY", "market": first.market_ticker})
    assert [t["seq"] for t in body["trades"]] == [1]
    status, body = api.get("/api/audit/trades", {"market": "NOPE"})
    assert status == 200 and body["trades"] == []


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"start": "2025-03-05", "end": "2025-03-04"}, "end"),
        ({"start": "2025-01-01", "end": "2025-06-01"}, "end"),
        ({"start": "yesterday"}, "start"),
        ({"end": "9999-12-31"}, "end"),
    ],
)
def test_invalid_audit_windows_are_400(api: RecordsApi, query: dict[str, str], field: str) -> None:
    status, body = api.get("/api/audit/trades", query)
    assert status == 400 and body["message"]
    assert any(error.startswith(field) for error in body["errors"]), body


def test_risk_events(api: RecordsApi) -> None:
    base = NOW - timedelta(hours=2)
    for n in range(3):
        at = base + timedelta(minutes=10 * n)
        api.risk.put_kill_event(
            KillSwitchEvent(
                user_id="alice",
                event_id=f"ks-{int(at.timestamp() * 1_000_000):017d}-manual",
                trigger=KillTrigger.MANUAL,
                by="alice",
                tripped_at=at,
            )
        )
        api.risk.put_report(
            ReconcileReport(
                user_id="alice",
                report_id=f"rep-{n}",
                trigger=ReconcileTrigger.SCHEDULE,
                venue="kalshi",
                mode=TradingMode.PAPER,
                started_at=at + timedelta(minutes=1),
                finished_at=at + timedelta(minutes=1),
                ok=True,
            )
        )
        api.risk.record_orphan(
            OrphanRecord(
                user_id="alice",
                orphan_id=f"order:{'zyx'[n]}-venue-order",
                kind=OrphanKind.ORDER,
                venue="kalshi",
                mode=TradingMode.PAPER,
                market_ticker="KXNBAGAME-X",
                order_id=f"{'zyx'[n]}-venue-order",
                side=OutcomeSide.NO,
                size=Decimal(1),
                detected_at=at + timedelta(minutes=2),
            )
        )
    api.risk.put_report(
        ReconcileReport(
            user_id="bob",
            report_id="bobs",
            trigger=ReconcileTrigger.API,
            venue="kalshi",
            mode=TradingMode.PAPER,
            started_at=NOW,
            finished_at=NOW,
            ok=True,
        )
    )
    api.risk.count_api_calls("alice", at=NOW, calls=3, errors=0)  # not an event

    pages = api.pages("/api/risk/events", {"limit": "4"})
    events = [event for page in pages for event in page["events"]]
    assert [len(page["events"]) for page in pages] == [4, 4, 1]
    assert [e["kind"] for e in events] == ["orphan", "reconcile", "kill_switch"] * 3
    assert [e["at"] for e in events] == sorted((e["at"] for e in events), reverse=True)
    assert events[0]["orphan"]["order_id"] == "x-venue-order"
    assert events[1]["reconcile"]["report_id"] == "rep-2"
    status, body = api.get("/api/risk/events", {"kind": "reconcile"})
    assert status == 200 and [e["id"] for e in body["events"]] == ["rep-2", "rep-1", "rep-0"]
    status, body = api.get("/api/risk/events", {"kind": "everything"})
    assert status == 400 and body["errors"][0].startswith("kind")
    status, body = api.get("/api/risk/events", user="bob")
    assert [e["id"] for e in body["events"]] == ["bobs"]
