"""The order workflow as deployed: the synthesized template provisioned into mock_aws (executing
Step Functions, the real ``order_worker`` handler through the Lambda patch), trading on the Kalshi
simulator over HTTP on 127.0.0.1.

The simulator runs one NBA game with a market maker on both markets (home: bid 0.48 / ask 0.52,
25 contracts a level, 3 levels). Our user buys YES of the home team: at 0.52 it fills at once; at
0.50 it rests as the best bid, where only a counterparty's sell at 0.50 (``Harness.cross``) can
fill it. Waits and retry intervals are instant (``instant_waits``); the fill deadline is counted
in polls (max wait 30 s / poll 10 s = 3 checks).
"""

from __future__ import annotations

import contextlib
import json
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import boto3

from infra.constants import ALERTS_TOPIC_LOGICAL_ID
from inplay.alerts.model import Alert
from inplay.audit.chain import AuditRecord
from inplay.audit.store import DynamoAuditLog
from inplay.config import Env
from inplay.orders import steps as order_steps
from inplay.orders.intents import IntentRecord
from inplay.orders.workflow import OrderRequest, StepName
from inplay.risk.kill_switch import KillSwitchState
from inplay.store.bots import DynamoBotControls
from inplay.store.intents import DynamoIntentLedger
from inplay.venues.base import Action, OrderIntent, OutcomeSide, TimeInForce
from inplay.venues.kalshi import KalshiClient, KalshiCredentials
from local.alerts_sink import AlertSink, point_webhook_secret
from local.cloud import streams
from local.cloud.lambda_patch import apply_environment
from local.cloud.moto_runtime import local_mock_aws
from local.cloud.provisioner import ProvisionedStack, provision_file
from local.cloud.testing import instant_waits, wait_for_execution
from local.kalshi_sim import KalshiSimulator, MakerConfig, SimServer, Team
from local.kalshi_sim.simulator import GameMarkets, SimCredentials

USER = "user-1"
BOT = "bot-1"
CREATE = "create_order_v2"
DECIDED = datetime(2026, 1, 15, 1, 30, tzinfo=UTC)
FAST_POLICY = {"max_wait_seconds": 30, "poll_seconds": 10, "partial_fill_threshold": "0.8"}
"""3 fill checks before the deadline; the waits are instant, and the 30 s wall-clock deadline is far
enough that a slow machine still gets all 3 checks."""
ORDER_MACHINE = "OrderStateMachine"
BATCH_MACHINE = "OrderBatchStateMachine"


class SimulatedCrash(Exception):
    """Raised by a test hook where a real crash would have stopped the Lambda."""


@dataclass
class Venue:
    sim: KalshiSimulator
    server: SimServer
    game: GameMarkets
    trader: SimCredentials
    counterparty: KalshiClient

    @property
    def home(self) -> str:
        return self.game.home_ticker

    def orders(self, cid: str) -> list[Any]:
        """The trader's orders carrying client order id ``cid``, as the simulator holds them."""
        with self.sim.lock:
            held = list(self.sim.exchange.accounts[self.trader.user_id].orders.values())
        return [order for order in held if order.client_order_id == cid]

    def creates(self, cid: str) -> int:
        return sum(1 for r in self.sim.traffic.records(CREATE) if cid in r.client_order_ids)

    def cross(self, count: str, price: str = "0.50") -> None:
        """A counterparty sells ``count`` YES at ``price`` (IOC): it fills our resting bid there."""
        self.counterparty.place_order(
            OrderIntent(
                market_ticker=self.home,
                side=OutcomeSide.YES,
                action=Action.SELL,
                price=Decimal(price),
                count=Decimal(count),
                client_order_id=f"cp-{uuid.uuid4().hex[:20]}",
                time_in_force=TimeInForce.IOC,
            )
        )


@dataclass
class Harness:
    stack: ProvisionedStack
    venue: Venue
    queue_url: str
    sfn: Any = field(default_factory=lambda: boto3.client("stepfunctions"))

    # ---- building and running orders

    def request(
        self,
        *,
        price: str = "0.52",
        count: str = "10",
        signal: str = "sig-1",
        side: str = "yes",
        action: str = "buy",
        tif: str = "gtc",
        reduce_only: bool = False,
        purpose: str = "entry",
        reference: str | None = None,
        policy: dict[str, Any] | None = None,
        user_id: str = USER,
        market: str | None = None,
        mode: str = "paper",
    ) -> dict[str, Any]:
        ticker = market or self.venue.home
        body: dict[str, Any] = {
            "intent": {
                "user_id": user_id,
                "bot_id": BOT,
                "market_ticker": ticker,
                "signal_id": signal,
                "leg": purpose,
                "decision_bucket": DECIDED.isoformat(),
                "side": side,
                "action": action,
                "price": price,
                "count": count,
                "mode": mode,
                "time_in_force": tif,
                "reduce_only": reduce_only,
            },
            "purpose": purpose,
            "reason": f"test {purpose}",
            "confidence": {"total": "0.71", "edge": "0.05"},
            "policy": policy if policy is not None else FAST_POLICY,
        }
        if reference is not None:
            body["market"] = {"market_ticker": ticker, "reference_price": reference}
        OrderRequest.model_validate(body)  # a test never sends what the contract refuses
        return body

    @staticmethod
    def intent_id(request: dict[str, Any]) -> str:
        return OrderRequest.model_validate(request).intent_id

    def machine(self, logical_id: str = ORDER_MACHINE) -> str:
        return self.stack.state_machines[logical_id]

    def start(self, request: dict[str, Any], *, name: str | None = None, machine: str = ORDER_MACHINE) -> str:
        response = self.sfn.start_execution(
            stateMachineArn=self.machine(machine),
            name=name or self.intent_id(request),
            input=json.dumps(request),
        )
        return str(response["executionArn"])

    def finish(self, arn: str, timeout: float = 60) -> dict[str, Any]:
        description = wait_for_execution(self.sfn, arn, timeout=timeout)
        assert description["status"] == "SUCCEEDED", (description["status"], description.get("cause"))
        output: dict[str, Any] = json.loads(description["output"])
        return output

    def run(self, request: dict[str, Any], timeout: float = 60) -> dict[str, Any]:
        return self.finish(self.start(request), timeout)

    def entered(self, arn: str) -> list[str]:
        """The names of the states the execution entered, in order."""
        events = self.sfn.get_execution_history(executionArn=arn, maxResults=1000)["events"]
        return [e["stateEnteredEventDetails"]["name"] for e in events if "stateEnteredEventDetails" in e]

    def failures(self, arn: str) -> list[str]:
        """Error names of the failed task attempts (retried or caught)."""
        events = self.sfn.get_execution_history(executionArn=arn, maxResults=1000)["events"]
        return [e["taskFailedEventDetails"]["error"] for e in events if "taskFailedEventDetails" in e] + [
            e["lambdaFunctionFailedEventDetails"]["error"]
            for e in events
            if "lambdaFunctionFailedEventDetails" in e
        ]

    # ---- what the stores hold

    def table(self, logical_id: str) -> str:
        return self.stack.table(logical_id).name

    def ledger(self) -> DynamoIntentLedger:
        return DynamoIntentLedger(self.table("IntentsTable"))

    def intent(self, intent_id: str) -> IntentRecord:
        found = self.ledger().get(intent_id)
        assert found is not None, intent_id
        return found

    def controls(self) -> DynamoBotControls:
        return DynamoBotControls(self.table("BotsTable"))

    def trip_kill_switch(self, reason: str = "daily loss limit") -> None:
        """A manual trip that keeps positions (its event says so), so the real kill-switch function
        woken by the fills' stream cancels resting orders but never races the test's own exits."""
        from inplay.risk.kill_switch import kill_event_id
        from inplay.risk.records import KillSwitchEvent, KillTrigger
        from inplay.store.risk import DynamoRiskStore

        now = datetime.now(UTC)
        event_id = kill_event_id(KillTrigger.MANUAL.value, now)
        DynamoRiskStore(self.table("RiskTable")).put_kill_event(
            KillSwitchEvent(
                user_id=USER,
                event_id=event_id,
                trigger=KillTrigger.MANUAL,
                reason=reason,
                by=USER,
                tripped_at=now,
                close_positions=False,
            )
        )
        tripped = self.controls().trip(
            USER,
            trigger=KillTrigger.MANUAL.value,
            reason=reason,
            values={},
            by=USER,
            event_id=event_id,
            at=now,
        )
        assert tripped is not None and tripped.state is KillSwitchState.TRIPPED

    def _scan(self, logical_id: str) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = boto3.client("dynamodb").scan(
            TableName=self.table(logical_id), ConsistentRead=True
        )["Items"]
        return items

    def fills(self, intent_id: str) -> list[dict[str, Any]]:
        return [item for item in self._scan("FillsTable") if item["intent_id"]["S"] == intent_id]

    def positions(self) -> list[dict[str, Any]]:
        return self._scan("PositionsTable")

    def position_contracts(self) -> Decimal:
        rows = self.positions()
        return sum((Decimal(row["contracts"]["N"]) for row in rows), Decimal(0))

    def audit(self, user_id: str = USER) -> list[AuditRecord]:
        log = DynamoAuditLog(self.table("AuditTable"))
        assert log.verify(user_id).ok
        return list(log.records(user_id))

    def audit_kinds(self, user_id: str = USER) -> list[str]:
        return [record.kind for record in self.audit(user_id)]

    def alerts(self) -> list[Alert]:
        sqs = boto3.client("sqs")
        found: list[Alert] = []
        while True:
            messages = sqs.receive_message(QueueUrl=self.queue_url, MaxNumberOfMessages=10).get(
                "Messages", []
            )
            if not messages:
                return found
            for message in messages:
                body = json.loads(message["Body"])
                text = body.get("Message", message["Body"]) if isinstance(body, dict) else message["Body"]
                try:
                    payload = json.loads(text)
                    text = payload.get("default", text) if isinstance(payload, dict) else text
                except ValueError:
                    pass
                found.append(Alert.from_message(text))
                sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"])

    # ---- step hooks (in-process: the worker runs in this process)

    @contextmanager
    def around(
        self,
        step: StepName,
        *,
        before: Callable[[int], None] | None = None,
        after: Callable[[int, dict[str, Any]], None] | None = None,
    ) -> Iterator[list[int]]:
        """Wrap one step: ``before(n)`` / ``after(n, output)`` run around its n-th call (1-based)."""
        original = order_steps.STEPS[step]
        calls: list[int] = []
        lock = threading.Lock()

        def wrapped(state: Any, deps: Any) -> Any:
            with lock:
                calls.append(len(calls) + 1)
                number = len(calls)
            if before is not None:
                before(number)
            output = original(state, deps)
            if after is not None:
                dumped = output.model_dump(mode="json") if hasattr(output, "model_dump") else output
                after(number, dumped)
            return output

        order_steps.STEPS[step] = wrapped
        try:
            yield calls
        finally:
            order_steps.STEPS[step] = original


def put_credentials(user_id: str, creds: SimCredentials) -> None:
    boto3.client("secretsmanager").create_secret(
        Name=f"inplay/kalshi/{user_id}",
        SecretString=json.dumps({"key_id": creds.key_id, "private_key_pem": creds.private_key_pem.decode()}),
    )


@contextmanager
def running_venue(seed: int = 11) -> Iterator[Venue]:
    sim = KalshiSimulator(seed=seed, maintenance=False)
    game = sim.add_game(Team("BOS", "Boston"), Team("LAL", "Los Angeles L"), maker=MakerConfig(levels=3))
    trader = sim.create_user_with_key(balance_cents=1_000_000, tier="premier")
    other = sim.create_user_with_key(balance_cents=1_000_000, tier="premier")
    with SimServer(sim, tick_ms=0) as server:
        counterparty = KalshiClient(
            server.base_url, credentials=KalshiCredentials.from_pem(other.key_id, other.private_key_pem)
        )
        try:
            yield Venue(sim, server, game, trader, counterparty)
        finally:
            counterparty.close()


@contextmanager
def running_harness(template_path: Path, tmp_path: Path, *, instant: bool = True) -> Iterator[Harness]:
    """The stack provisioned under moto against a running Kalshi simulator. ``instant=False`` keeps
    the workflow's Wait states real (the benchmark measures fill detection with them)."""
    waits = instant_waits() if instant else contextlib.nullcontext()
    with running_venue() as venue, local_mock_aws(), waits, AlertSink() as sink:
        overrides = {
            Env.KALSHI_BASE_URL.value: venue.server.base_url,
            Env.KALSHI_RECOVERY_LAG_SECONDS.value: "0.2",
            Env.KALSHI_RECOVERY_MAX_WAIT_SECONDS.value: "3.0",  # > the freshness margin (1.5 s)
            Env.KALSHI_MAX_ATTEMPTS.value: "2",
            Env.KALSHI_TIMEOUT_SECONDS.value: "5",
            # PAPER orders go to the simulator's account: it is the witness of every order here.
            Env.PAPER_EXECUTION.value: "exchange",
            "POWERTOOLS_METRICS_DISABLED": "true",
        }
        stack = provision_file(template_path, env_overrides=overrides)
        restore = apply_environment(stack.environment)
        try:
            point_webhook_secret(stack, sink.url)
            put_credentials(USER, venue.trader)
            sqs = boto3.client("sqs")
            queue_url = sqs.create_queue(QueueName="alerts-observer")["QueueUrl"]
            queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])[
                "Attributes"
            ]["QueueArn"]
            topic = stack.topics[ALERTS_TOPIC_LOGICAL_ID]
            boto3.client("sns").subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)
            yield Harness(stack, venue, queue_url)
        finally:
            streams.drain(10)  # stream deliveries still in flight need the environment
            restore()
            import order_worker.handler

            deps = order_worker.handler.dependencies
            if deps.cache_info().currsize:
                venues = deps().venues
                close = getattr(venues, "close", None)
                if close is not None:
                    close()
            deps.cache_clear()
