"""A whole replayed game traded on paper in the local cloud.

The ESPN replay plays one NBA game fast; the Kalshi simulator lists its game-winner markets, whose
makers follow the game (``local.demo_markets``); a bot is started through the API and trades on the
paper venue (fills against the simulator's book and tape). When the game is final its markets
settle and a reconcile closes what was held to the end. Then, for every fill: an intent, an order on
the paper venue, an audit record and an alert; and the P&L the store recorded equals the paper
account's balance change.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

import boto3
import httpx
import pytest

from inplay.config import Env
from inplay.orders.intents import TERMINAL_STATES, TradingMode
from inplay.sports.models import League
from inplay.store.intents import DynamoIntentLedger
from inplay.store.paper import DynamoPaperLedger
from inplay.store.schema import AUDIT, FILLS, INTENTS, PAPER, POSITIONS
from inplay.strategy.sources import public_kalshi_client
from inplay.venues.paper import KalshiMarketData, PaperVenues
from local.alerts_sink import AlertSink, point_webhook_secret
from local.cloud import LocalCloud
from local.demo_markets import list_replay_markets, settle_finished
from local.espn_replay import GameSpec, ReplayServer, Scenario
from local.kalshi_sim import KalshiSimulator, SimServer

pytestmark = [pytest.mark.slow, pytest.mark.timeout(420)]

USER = "e2e-trader"
PASSWORD = "e2e-trader-password"
STARTING_BALANCE = Decimal(10_000)
BOT_SETTINGS = {
    "leagues": "nba",
    "edge_threshold": "0.02",
    "max_wait_seconds": "4",
    "cooldown_seconds": "5",
}


@dataclass
class Stack:
    cloud: LocalCloud
    replay: ReplayServer
    sim: KalshiSimulator
    kalshi: SimServer
    sink: AlertSink
    followed: list[Any]


@pytest.fixture
def stack(template_path, tmp_path) -> Iterator[Stack]:
    game = GameSpec(League.NBA, starts_in=timedelta(seconds=20), home="BOS", away="NY")
    scenario = Scenario((game,), seed=5)
    sim = KalshiSimulator(seed=5, rate_limits=False)
    with ReplayServer(scenario, speed=30) as replay, SimServer(sim) as kalshi, AlertSink() as sink:
        followed = list_replay_markets(sim, replay.service, seed=5)
        overrides = {
            Env.ESPN_BASE_URL.value: replay.base_url,
            Env.KALSHI_BASE_URL.value: kalshi.base_url,
            Env.LEAGUES.value: "nba",
            Env.POLL_INTERVAL_SECONDS.value: "1",
            Env.LOG_LEVEL.value: "WARNING",
            "POWERTOOLS_METRICS_DISABLED": "true",
        }
        with LocalCloud(template_path, http_port=0, env_overrides=overrides, frontend_dir=tmp_path) as cloud:
            point_webhook_secret(cloud.provisioned, sink.url)
            cloud.create_user(USER, PASSWORD, user_id=USER)
            yield Stack(cloud, replay, sim, kalshi, sink, followed)


def _table(cloud: LocalCloud, spec: Any) -> str:
    return str(cloud.provisioned.tables[spec.logical_id].name)


def _sign_in(http: httpx.Client) -> None:
    """Every later request of ``http`` carries the user's ID token, as the dashboard's would."""
    response = http.post("/auth/sign-in", json={"username": USER, "password": PASSWORD})
    assert response.status_code == 200, response.text
    http.headers["Authorization"] = f"Bearer {response.json()['id_token']}"


def _start_bot(http: httpx.Client, deadline: float) -> None:
    last: Any = None
    while time.monotonic() < deadline:
        response = http.post("/bot/start", json={"bot_id": "e2e", "settings": BOT_SETTINGS})
        if response.status_code == 200:
            return
        last = response.json()
        time.sleep(1)
    raise AssertionError(f"the bot never started: {last}")


def _settle_until_final(stack: Stack, deadline: float) -> None:
    while time.monotonic() < deadline:
        settle_finished(stack.sim, stack.replay.service, stack.followed)
        if all(game.settled for game in stack.followed):
            return
        time.sleep(1)
    raise AssertionError("the replayed game did not finish in time")


def _scan(cloud: LocalCloud, spec: Any) -> list[dict[str, Any]]:
    client = boto3.client("dynamodb")
    items: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {"TableName": _table(cloud, spec)}
    while True:
        page = client.scan(**kwargs)
        items.extend(page["Items"])
        if "LastEvaluatedKey" not in page:
            return items
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def _wait_quiet(stack: Stack, http: httpx.Client, deadline: float) -> None:
    """Every intent finished and, after a reconcile, no position of the user left open."""
    ledger = DynamoIntentLedger(_table(stack.cloud, INTENTS))
    while time.monotonic() < deadline:
        working = [i for i in ledger.list_by_user(USER) if i.status not in TERMINAL_STATES]
        if not working:
            http.post("/bot/reconcile", json={})
            body = http.get("/positions", params={"status": "open"}).json()
            if not body.get("positions"):
                return
        time.sleep(2)
    raise AssertionError("orders or positions still open at the end of the game")


def test_a_whole_replayed_game_is_traded_and_every_dollar_is_accounted_for(stack: Stack) -> None:
    assert len(stack.followed) == 1, "the game's markets were not listed on the simulator"
    begin = time.monotonic()
    with httpx.Client(base_url=stack.cloud.api_url, timeout=30) as http:
        _sign_in(http)
        _start_bot(http, begin + 60)
        settler = threading.Thread(target=_settle_until_final, args=(stack, begin + 240), daemon=True)
        settler.start()
        settler.join()
        assert all(game.settled for game in stack.followed), "the game never went final"
        http.post("/bot/stop", json={"bot_id": "e2e"})
        _wait_quiet(stack, http, time.monotonic() + 90)

    fills = [item for item in _scan(stack.cloud, FILLS) if item["user_id"]["S"] == USER]
    assert fills, "the bot never traded a whole game"
    ledger = DynamoIntentLedger(_table(stack.cloud, INTENTS))
    venues = PaperVenues(
        ledger=DynamoPaperLedger(_table(stack.cloud, PAPER)),
        market_data={"kalshi": KalshiMarketData(public_kalshi_client(stack.kalshi.base_url))},
    )
    account = venues.account(USER, "kalshi", TradingMode.PAPER)
    audit_text = json.dumps(_scan(stack.cloud, AUDIT))
    alert_text = json.dumps(stack.sink.received)
    for fill in fills:
        intent_id = fill["intent_id"]["S"]
        assert fill["mode"]["S"] == TradingMode.PAPER.value, fill  # paper by default, labelled so
        intent = ledger.get(intent_id)
        assert intent is not None and intent.mode is TradingMode.PAPER, intent_id
        assert intent.venue_order_id, f"{intent_id} has no venue order"
        order = account.get_order(intent.venue_order_id)
        assert order.client_order_id == intent_id
        assert intent_id in audit_text, f"no audit record for {intent_id}"
        assert intent_id in alert_text, f"no alert for {intent_id}"

    positions = [item for item in _scan(stack.cloud, POSITIONS) if item["user_id"]["S"] == USER]
    recorded = sum(Decimal(p["realized_pnl"]["S"]) - Decimal(p["fees"]["S"]) for p in positions)
    assert all(Decimal(p["contracts"]["N"]) == 0 for p in positions)
    balance = account.get_balance().available
    assert recorded == balance - STARTING_BALANCE, (recorded, balance)
