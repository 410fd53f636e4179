"""GET /api/health/trading through the api function's real handler and wiring on moto: the caller's
own venue account, tables, feed, bots, reconcile and kill switch; always 200 with the report."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest

from inplay.config import Env
from inplay.orders.intents import TradingMode
from inplay.risk.records import ReconcileReport, ReconcileTrigger
from inplay.sports.models import League
from inplay.store.bots import DynamoBotControls
from inplay.store.games import FeedHeartbeat, GamesStore
from inplay.store.risk import DynamoRiskStore
from tests.integration.api_settings.support import ApiClient, table_name

PATH = "/api/health/trading"


def controls() -> DynamoBotControls:
    return DynamoBotControls(table_name(Env.BOTS_TABLE))


def poll(*leagues: League, age: float = 5.0) -> None:
    games = GamesStore(table_name(Env.GAMES_TABLE))
    at = datetime.now(UTC) - timedelta(seconds=age)
    for league in leagues:
        games.record_poll(FeedHeartbeat(league=league, polled_at=at, live_games=0, ok=True, last_ok_at=at))


def reconciled(user: str, *, age: timedelta = timedelta(minutes=1)) -> None:
    finished = datetime.now(UTC) - age
    DynamoRiskStore(table_name(Env.RISK_TABLE)).put_report(
        ReconcileReport(
            user_id=user,
            report_id=f"r-{user}",
            trigger=ReconcileTrigger.SCHEDULE,
            venue="paper",
            mode=TradingMode.PAPER,
            started_at=finished - timedelta(seconds=2),
            finished_at=finished,
            ok=True,
        )
    )


def healthy_setup(client: ApiClient, user: str) -> None:
    """A bot trading the NBA, a fresh NBA feed and a recent reconcile."""
    status, _ = client.request("PUT", "/api/settings", {"leagues": ["nba"]}, user=user)
    assert status == 200
    poll(League.NBA)
    reconciled(user)


def statuses(body: dict[str, Any]) -> dict[str, str]:
    return {name: component["status"] for name, component in body["components"].items()}


def test_everything_in_order_is_healthy(client: ApiClient) -> None:
    healthy_setup(client, "alice")
    status, body = client.request("GET", PATH, user="alice")
    assert status == 200, body
    assert body["status"] == "healthy", body["summary"]
    assert set(statuses(body).values()) == {"ok"}
    venue = body["components"]["venue"]
    assert (venue["mode"], venue["account"], venue["available"]) == ("paper", "paper", "10000.0000")
    assert isinstance(venue["latency_ms"], int)
    tables = {row["table"] for row in body["components"]["dynamodb"]["tables"]}
    assert {"bots", "games", "risk", "audit", "paper"} <= tables
    assert [row["league"] for row in body["components"]["feed"]["leagues"]] == ["nba"]
    assert body["components"]["reconcile"]["trigger"] == "schedule"
    assert [bot["bot_id"] for bot in body["components"]["bots"]["bots"]] == ["default"]


def test_signing_in_is_required(client: ApiClient) -> None:
    status, body = client.request("GET", PATH, user=None)
    assert status == 401 and body["message"]


def test_a_stale_feed_and_an_old_reconcile_are_degraded(client: ApiClient) -> None:
    client.request("PUT", "/api/settings", {"leagues": ["nba", "nhl"]}, user="alice")
    poll(League.NBA)
    poll(League.NHL, age=600)
    reconciled("alice", age=timedelta(minutes=20))
    status, body = client.request("GET", PATH, user="alice")
    assert status == 200 and body["status"] == "degraded"
    assert statuses(body)["feed"] == "degraded" and statuses(body)["reconcile"] == "degraded"
    assert "nhl" in body["components"]["feed"]["detail"] and "nba" not in body["components"]["feed"]["detail"]
    assert body["components"]["reconcile"]["age_seconds"] >= 1200


def test_a_tripped_kill_switch_is_the_callers_only(client: ApiClient) -> None:
    healthy_setup(client, "alice")
    healthy_setup(client, "bob")
    controls().trip(
        "alice",
        trigger="manual",
        reason="emergency stop",
        values={},
        by="alice",
        event_id="ks-1-manual",
        at=datetime.now(UTC),
    )
    status, alice = client.request("GET", PATH, user="alice")
    assert status == 200 and alice["status"] == "unhealthy"
    assert alice["components"]["kill_switch"]["state"] == "TRIPPED"
    assert "emergency stop" in alice["components"]["kill_switch"]["detail"]
    status, bob = client.request("GET", PATH, user="bob")
    assert status == 200 and bob["status"] == "healthy", bob["summary"]
    assert bob["components"]["kill_switch"]["state"] == "ACTIVE"


def test_another_users_reconcile_is_not_the_callers(client: ApiClient) -> None:
    reconciled("bob")
    _, alice = client.request("GET", PATH, user="alice")
    assert alice["components"]["reconcile"]["status"] == "degraded"
    assert alice["components"]["reconcile"]["finished_at"] is None


def test_live_trading_without_credentials_is_unhealthy(client: ApiClient) -> None:
    healthy_setup(client, "alice")
    controls().set_trading_mode("alice", TradingMode.LIVE, expected=TradingMode.PAPER, bots=[])
    status, body = client.request("GET", PATH, user="alice")
    assert status == 200 and body["status"] == "unhealthy"
    venue = body["components"]["venue"]
    assert venue["status"] == "down" and venue["mode"] == "live"
    assert "credentials_missing" in venue["detail"] and venue["available"] is None


def test_a_table_that_cannot_be_read_is_named(client: ApiClient) -> None:
    healthy_setup(client, "alice")
    boto3.client("dynamodb").delete_table(TableName=table_name(Env.IDEMPOTENCY_TABLE))
    status, body = client.request("GET", PATH, user="alice")
    assert status == 200 and body["status"] == "unhealthy"
    database = body["components"]["dynamodb"]
    assert database["status"] == "down" and database["detail"].endswith("could not be read: idempotency")
    assert statuses(body)["venue"] == "ok"


def test_checks_that_cannot_start_are_still_a_report(
    client: ApiClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    import api.routes.health

    def broken() -> Any:
        raise RuntimeError("no region configured")

    monkeypatch.setattr(api.routes.health, "health_deps", broken)
    status, body = client.request("GET", PATH, user="alice")
    assert status == 200 and body["status"] == "unhealthy"
    assert set(statuses(body).values()) == {"down"} and "no region configured" in body["summary"]


def test_a_failing_read_is_a_down_component_not_a_5xx(client: ApiClient) -> None:
    healthy_setup(client, "alice")
    boto3.client("dynamodb").delete_table(TableName=table_name(Env.RISK_TABLE))
    status, body = client.request("GET", PATH, user="alice")
    assert status == 200 and body["status"] == "unhealthy"
    assert body["components"]["reconcile"]["status"] == "down"
    assert body["components"]["reconcile"]["detail"].startswith("the check failed")
