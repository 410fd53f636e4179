"""The authorization matrix: signed in as alice, every route of the API — with bob's bot ids,
intent ids, market tickers and pagination cursors where a route takes one — neither shows her
anything of bob's nor changes anything bob owns (bots, settings, positions, fills, orders, audit
records, risk events, the paper account, credentials). Every route answers 401 without a token.

The api function runs for real on moto (every table, Secrets Manager, SNS, Cognito tokens); only
the kill-switch/reconciler functions and the order workflow are recording fakes, whose commands
must all name alice.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import boto3
import pytest

from api.security import PUBLIC_ROUTES
from inplay.api.orders import ExecutionStatus
from inplay.audit.chain import AuditKind
from inplay.audit.payloads import OrderAuditPayload
from inplay.audit.store import DynamoAuditLog
from inplay.bots.lifecycle import BotState
from inplay.config import Env
from inplay.orders.intents import TradingMode, new_intent
from inplay.orders.workflow import OrderRequest
from inplay.risk.records import (
    KillTrigger,
)
from inplay.store.bots import DynamoBotControls
from inplay.store.intents import DynamoIntentLedger
from inplay.store.risk import DynamoRiskStore
from inplay.store.schema import TABLES, TableSpec
from inplay.store.trades import DynamoTradeStore
from inplay.venues.base import Action, OutcomeSide
from local.cloud.moto_runtime import local_mock_aws
from local.kalshi_sim import KalshiSimulator, SimServer
from tests.integration.risk_store import builders
from tests.integration.risk_store.tables import create_table
from tests.support.api import Answer, api_env, call_api
from tests.support.auth import SigningInUsers
from tests.support.live import fill_for

OPENAPI = Path(__file__).resolve().parents[3] / "docs" / "openapi.json"
PREFIX = "m"
BOB_BOT = "bob-bot"
BOB_MARKET = "KXBOBONLY-26NOV24-BOB"
NOW = datetime.now(UTC)


def table_name(spec: TableSpec) -> str:
    return api_env(PREFIX).get(spec.env.value) or f"{PREFIX}-{spec.logical_id}"


@dataclass
class RecordingInvoker:
    """The kill-switch and reconciler functions: answer like them, remember every command."""

    calls: list[dict[str, Any]] = field(default_factory=list)

    def invoke(self, function_name: str, payload: Any, *, wait_seconds: float) -> Any:
        self.calls.append(dict(payload))
        if payload.get("command") == "reconcile":
            return {"reports": [{"ok": True, "findings": []}]}
        state = "ACTIVE" if payload.get("command") == "reset" else "TRIPPED"
        status = "reset" if state == "ACTIVE" else "tripped"
        return {"status": status, "state": state}


@dataclass
class RecordingWorkflow:
    started: list[OrderRequest] = field(default_factory=list)

    def start(self, name: str, request: OrderRequest) -> str:
        self.started.append(request)
        return f"arn:aws:states:us-east-1:123456789012:execution:orders:{name}"

    def describe(self, execution_arn: str) -> tuple[ExecutionStatus, dict[str, Any] | None]:
        return ExecutionStatus.RUNNING, None


@dataclass
class World:
    users: SigningInUsers
    sim: KalshiSimulator
    invoker: RecordingInvoker
    workflow: RecordingWorkflow
    bob_intent_id: str
    bob_key_id: str

    def as_user(self, user: str | None, method: str, path: str, body: Any = None, **kwargs: Any) -> Answer:
        token = self.users.token(user) if user is not None else None
        return call_api(method, path, body, token=token, **kwargs)

    def alice(self, method: str, path: str, body: Any = None, **kwargs: Any) -> Answer:
        return self.as_user("alice", method, path, body, **kwargs)

    def bob(self, method: str, path: str, body: Any = None, **kwargs: Any) -> Answer:
        return self.as_user("bob", method, path, body, **kwargs)


def seed_bob(sim: KalshiSimulator) -> tuple[str, str]:
    """Everything bob owns: a running bot with settings, user settings, a tripped kill switch, a
    position and its fill, an order intent, audit records, risk events and Kalshi credentials."""
    env = api_env(PREFIX)
    controls = DynamoBotControls(env[Env.BOTS_TABLE.value])
    controls.put_bot_settings("bob", BOB_BOT, {"default_size": "7", "edge_threshold": "0.04"})
    controls.put_user_settings("bob", {"kill_daily_loss_limit": "77"})
    controls.transition_bot("bob", BOT_ID_RUN[0], BotState.STARTING, by="bob", at=NOW)
    controls.transition_bot("bob", BOT_ID_RUN[0], BotState.RUNNING, by="bob", at=NOW)
    controls.trip(
        "bob", trigger="manual", reason="bob stopped", values={}, by="bob", event_id="ks-bob", at=NOW
    )
    trades = DynamoTradeStore(env[Env.FILLS_TABLE.value], env[Env.POSITIONS_TABLE.value])
    fill = fill_for("bob", 1, buy=True, count=5, price="0.41", at=NOW - timedelta(minutes=5), bot_id=BOB_BOT)
    trades.record_fill(fill.model_copy(update={"market_ticker": BOB_MARKET}))
    for n, buy in ((2, True), (3, False)):  # a closed position of another bot: bob's performance
        at = NOW - timedelta(minutes=4 - n)
        closing = fill_for("bob", n, buy=buy, count=2, price="0.5", at=at, bot_id="bob-closed")
        trades.record_fill(closing.model_copy(update={"market_ticker": BOB_MARKET}))
    intent = new_intent(
        user_id="bob",
        bot_id=BOB_BOT,
        market_ticker=BOB_MARKET,
        signal_id="bob-signal",
        leg="entry",
        decision_bucket=NOW - timedelta(minutes=6),
        venue="kalshi",
        side=OutcomeSide.YES,
        action=Action.BUY,
        price=Decimal("0.41"),
        count=Decimal(5),
        mode=TradingMode.PAPER,
        now=NOW - timedelta(minutes=6),
    )
    ledger = DynamoIntentLedger(env[Env.INTENTS_TABLE.value])
    assert ledger.create(intent)
    assert ledger.create(intent.model_copy(update={"intent_id": intent.intent_id[:-4] + "exit"}))
    audit = DynamoAuditLog(env[Env.AUDIT_TABLE.value])
    audit.append("bob", AuditKind.ENTRY, OrderAuditPayload(intent=intent, reason="edge"))
    audit.append("bob", AuditKind.EXIT, OrderAuditPayload(intent=intent, reason="take_profit"))
    risk = DynamoRiskStore(env[Env.RISK_TABLE.value])
    risk.put_kill_event(builders.event("bob", NOW, event_id="ks-bob", trigger=KillTrigger.MANUAL, by="bob"))
    risk.put_report(builders.report("bob", "rep-bob", NOW, findings=()))
    risk.record_orphan(builders.orphan("bob", "bob-orphan", NOW, market_ticker=BOB_MARKET))
    credentials = sim.create_user_with_key(balance_cents=50_000, tier="premier")
    boto3.client("secretsmanager").create_secret(
        Name="inplay/kalshi/bob",
        SecretString=json.dumps(
            {"key_id": credentials.key_id, "private_key_pem": credentials.private_key_pem.decode()}
        ),
    )
    return intent.intent_id, credentials.key_id


BOT_ID_RUN = (BOB_BOT,)


def owner_of(item: dict[str, Any]) -> str | None:
    if "user_id" in item:
        return str(item["user_id"]["S"])
    if "account" in item:  # the paper table: "<venue>#<user_id>"
        return str(item["account"]["S"]).split("#", 1)[-1]
    return None


def snapshot_of(user: str) -> dict[str, Any]:
    """Every stored item ``user`` owns (its ``user_id``, or the paper ``account``), and their secret."""
    client = boto3.client("dynamodb")
    found: dict[str, Any] = {}
    for spec in TABLES:
        items = client.scan(TableName=table_name(spec), ConsistentRead=True)["Items"]
        mine = [item for item in items if owner_of(item) == user]
        found[spec.logical_id] = sorted(json.dumps(item, sort_keys=True) for item in mine)
    secrets = boto3.client("secretsmanager")
    secret = secrets.describe_secret(SecretId=f"inplay/kalshi/{user}")
    deleted = secret.get("DeletedDate")
    found["secret"] = (
        None if deleted else secrets.get_secret_value(SecretId=f"inplay/kalshi/{user}")["SecretString"],
        sorted(secret.get("VersionIdsToStages", {})),
        deleted,
    )
    return found


@pytest.fixture
def world(monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    import api.deps

    with SimServer(KalshiSimulator(seed=11, maintenance=False), tick_ms=0) as server:
        for name, value in api_env(PREFIX).items():
            monkeypatch.setenv(name, value)
        monkeypatch.setenv(Env.KALSHI_BASE_URL.value, server.base_url)
        monkeypatch.setenv(Env.KALSHI_TIMEOUT_SECONDS.value, "3")
        with local_mock_aws(patch_lambda=False):
            for spec in TABLES:
                create_table(spec, table_name(spec))
            boto3.client("sns").create_topic(Name="alerts")
            users = SigningInUsers().install(monkeypatch)
            invoker, workflow = RecordingInvoker(), RecordingWorkflow()
            monkeypatch.setattr(api.deps, "invoker", lambda: invoker)
            monkeypatch.setattr(api.deps, "order_workflow", lambda: workflow)
            bob_intent, bob_key = seed_bob(server.sim)
            yield World(users, server.sim, invoker, workflow, bob_intent, bob_key)


def bob_markers(world: World) -> tuple[str, ...]:
    """What only bob's records carry (alice reuses bob's bot id for her own bot on purpose)."""
    return ('"bob"', BOB_MARKET, world.bob_intent_id, world.bob_key_id, world.bob_key_id[-4:], "ks-bob")


def cursor_of_bob(world: World, path: str) -> str:
    answer = world.bob("GET", path, query={"limit": "1"})
    assert answer.status == 200, answer.text
    cursor = answer.body.get("next_cursor")
    assert isinstance(cursor, str), f"bob needs two records on {path}: {answer.text}"
    return cursor


# Every non-public operation of the committed OpenAPI document, as alice, aimed at bob's things.
# (method, path template) → the requests alice sends and the statuses she may get.
def alice_requests(world: World) -> dict[tuple[str, str], list[tuple[dict[str, Any], set[int]]]]:
    alice_key = world.sim.create_user_with_key(balance_cents=10_000, tier="premier")
    bob_order = {"market_ticker": BOB_MARKET, "side": "yes", "price": "0.41", "count": "5"}
    return {
        ("GET", "/api/bot/status"): [({}, {200})],
        ("GET", "/api/positions"): [
            ({"query": {"status": "open"}}, {200}),
            ({"query": {"status": "closed"}}, {200}),
        ],
        ("GET", "/api/performance"): [
            ({}, {200}),
            ({"query": {"mode": "paper", "days": "365"}}, {200}),
            ({"query": {"mode": "live"}}, {200}),
        ],
        ("GET", "/api/games"): [({}, {200})],
        ("GET", "/api/orders"): [
            ({}, {200}),
            ({"query": {"market": BOB_MARKET}}, {200}),
            ({"query": {"cursor": cursor_of_bob(world, "/api/orders")}}, {400}),
        ],
        ("GET", "/api/orders/{intent_id}"): [({"path": f"/api/orders/{world.bob_intent_id}"}, {404})],
        ("GET", "/api/audit/trades"): [
            ({}, {200}),
            ({"query": {"market": BOB_MARKET}}, {200}),
            ({"query": {"cursor": cursor_of_bob(world, "/api/audit/trades")}}, {400}),
        ],
        ("GET", "/api/risk/events"): [
            ({}, {200}),
            ({"query": {"cursor": cursor_of_bob(world, "/api/risk/events")}}, {400}),
        ],
        ("GET", "/api/settings"): [({"query": {"bot_id": BOB_BOT}}, {200})],
        ("PUT", "/api/settings"): [
            ({"query": {"bot_id": BOB_BOT}, "body": {"sizing": {"default_size": "3"}}}, {200}),
        ],
        ("GET", "/api/credentials"): [({}, {200})],
        ("PUT", "/api/credentials/kalshi"): [
            (
                {"body": {"key_id": alice_key.key_id, "private_key_pem": alice_key.private_key_pem.decode()}},
                {200},
            ),
            # bob's key id with alice's own (wrong) private key: Kalshi refuses, nothing is stored
            (
                {"body": {"key_id": world.bob_key_id, "private_key_pem": alice_key.private_key_pem.decode()}},
                {400},
            ),
        ],
        ("DELETE", "/api/credentials/kalshi"): [({}, {200, 404})],
        ("GET", "/api/health/trading"): [({}, {200})],
        ("POST", "/api/bot/paper-trading"): [({"body": {"enabled": False, "confirmed": True}}, {200})],
        ("POST", "/api/bot/start"): [({"body": {"bot_id": BOB_BOT}}, {200, 409})],
        ("POST", "/api/bot/pause"): [({"body": {"bot_id": BOB_BOT}}, {200, 409})],
        ("POST", "/api/bot/resume"): [({"body": {"bot_id": BOB_BOT}}, {200, 409})],
        ("POST", "/api/bot/stop"): [({"body": {"bot_id": BOB_BOT}}, {200, 409})],
        ("POST", "/api/bot/order"): [({"body": {**bob_order, "bot_id": BOB_BOT}}, {202})],
        ("POST", "/api/bot/emergency-stop"): [({"body": {"close_positions": True}}, {200})],
        ("POST", "/api/bot/kill-switch/reset"): [({"body": {"reason": "not bob's"}}, {200})],
        ("POST", "/api/bot/reconcile"): [({}, {200})],
    }


def documented_operations() -> set[tuple[str, str]]:
    document = json.loads(OPENAPI.read_text())
    return {
        (method.upper(), path)
        for path, operations in document["paths"].items()
        for method in operations
        if method.upper() in ("GET", "POST", "PUT", "PATCH", "DELETE")
    }


def test_the_matrix_covers_every_authenticated_operation(world: World) -> None:
    private = documented_operations() - set(PUBLIC_ROUTES)
    covered = set(alice_requests(world))
    assert private == covered, f"missing: {sorted(private - covered)}, stale: {sorted(covered - private)}"


def test_every_authenticated_operation_is_401_without_a_token(world: World) -> None:
    for method, path in sorted(documented_operations() - set(PUBLIC_ROUTES)):
        concrete = path.replace("{intent_id}", world.bob_intent_id)
        answer = world.as_user(None, method, concrete, {} if method in ("POST", "PUT") else None)
        assert answer.status == 401, (method, path, answer.text)
        assert answer.body.get("message"), (method, path)


def test_alice_can_neither_see_nor_change_anything_of_bobs(world: World) -> None:
    before = snapshot_of("bob")
    markers = bob_markers(world)
    for (method, template), requests in alice_requests(world).items():
        for request, allowed in requests:
            path = request.get("path", template)
            answer = world.alice(method, path, request.get("body"), query=request.get("query", {}))
            assert answer.status in allowed, (method, path, answer.status, answer.text)
            sent = path + json.dumps(request)  # an id alice sent may be echoed back: not a leak
            leaked = [marker for marker in markers if marker in answer.text and marker not in sent]
            assert not leaked, (method, path, leaked, answer.text)
    assert snapshot_of("bob") == before
    commands = [*world.invoker.calls]
    assert commands and all(call["user_id"] == "alice" for call in commands), commands
    assert world.workflow.started and all(
        request.intent.user_id == "alice" for request in world.workflow.started
    )
    # alice's own requests did land in her partition (the matrix is not vacuous)
    alice = snapshot_of("alice")
    assert alice["BotsTable"] and alice["AuditTable"] and alice["secret"][1]


def test_bob_still_sees_his_own_records(world: World) -> None:
    """The seeded records are reachable by their owner, so 'alice sees none' means isolation."""
    assert world.bob("GET", f"/api/orders/{world.bob_intent_id}").status == 200
    assert BOB_MARKET in world.bob("GET", "/api/positions").text
    assert BOB_MARKET in world.bob("GET", "/api/audit/trades").text
    assert "ks-bob" in world.bob("GET", "/api/risk/events").text
    assert BOB_MARKET in world.bob("GET", "/api/performance", query={"mode": "paper"}).text
    settings = world.bob("GET", "/api/settings", query={"bot_id": BOB_BOT})
    assert "7" in json.dumps(settings.body["settings"]["sizing"]), settings.text
    assert world.bob_key_id[-4:] in world.bob("GET", "/api/credentials").text
