"""The kill switch through the deployed stack (see ``tests/integration/order_workflow/support.py``):
the ``kill_switch`` and ``api`` functions invoked through moto's Lambda, the Fills stream delivered
by the local cloud, flattening run by the batch order workflow, the Kalshi simulator as witness."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

import boto3

from inplay.config import cached_settings
from inplay.orders.intents import intent_id_for
from inplay.risk.kill_switch import KillSwitch
from inplay.risk.records import KillSwitchEvent
from inplay.store.risk import DynamoRiskStore
from inplay.venues.base import Action, OrderIntent, OutcomeSide, TimeInForce
from inplay.venues.kalshi import KalshiClient, KalshiCredentials
from local.cloud import streams
from local.cloud.events import rest_proxy_event
from tests.integration.order_workflow.support import BATCH_MACHINE, DECIDED, USER, Harness, running_harness
from tests.support.auth import SigningInUsers

KILL_SWITCH_FUNCTION = "KillSwitchFunction"
API_FUNCTION = "ApiFunction"
SCHEDULED_EVENT: dict[str, Any] = {
    "version": "0",
    "id": "kill-switch-test",
    "detail-type": "Scheduled Event",
    "source": "aws.events",
    "account": "123456789012",
    "time": "2026-01-15T01:30:00Z",
    "region": "us-east-1",
    "resources": [],
    "detail": {},
}

D = Decimal


def wait_until[T](probe: Callable[[], T], *, timeout: float = 15.0, what: str = "condition") -> T:
    """Poll ``probe`` until it returns something truthy (bounded; fails naming ``what``)."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what} (last: {value!r})")
        time.sleep(0.02)


class KillSwitchHarness:
    """:class:`Harness` plus the kill switch's entry points and witnesses."""

    def __init__(self, harness: Harness) -> None:
        self.h = harness
        self.venue = harness.venue
        self.users = SigningInUsers.of_function(harness.stack.function(API_FUNCTION).environment)
        self._trader: KalshiClient | None = None

    # ---- entry points

    def invoke(self, logical_id: str, event: dict[str, Any]) -> dict[str, Any]:
        response = boto3.client("lambda").invoke(
            FunctionName=self.h.stack.function(logical_id).name, Payload=json.dumps(event).encode()
        )
        answer: dict[str, Any] = json.loads(response["Payload"].read())
        assert "FunctionError" not in response, answer
        return answer

    def scheduled_run(self) -> dict[str, Any]:
        """What EventBridge's minute schedule sends to the kill switch."""
        return self.invoke(KILL_SWITCH_FUNCTION, SCHEDULED_EVENT)

    def token(self) -> str:
        """An ID token of our user from the stack's (moto) user pool."""
        return self.users.token(USER)

    def api(self, path: str, body: dict[str, Any] | None) -> tuple[int, dict[str, Any]]:
        """``POST /api/<path>`` as API Gateway hands it to the api function (signed in)."""
        event = rest_proxy_event(
            method="POST",
            path=f"/api/{path}",
            resource="/api/{proxy+}",
            path_parameters={"proxy": path},
            query=[],
            headers=[("Content-Type", "application/json"), ("Authorization", f"Bearer {self.token()}")],
            body=b"" if body is None else json.dumps(body).encode(),
            binary=False,
            stage="prod",
            source_ip="127.0.0.1",
        )
        answer = self.invoke(API_FUNCTION, event)
        return answer["statusCode"], json.loads(answer["body"])

    # ---- state

    def switch(self) -> KillSwitch:
        return self.h.controls().kill_switch(USER)

    def events(self) -> list[KillSwitchEvent]:
        return DynamoRiskStore(self.h.table("RiskTable")).kill_events(USER)

    def wait_tripped(self, timeout: float = 15.0) -> KillSwitch:
        return wait_until(lambda: (s := self.switch()).tripped and s, timeout=timeout, what="a trip")

    def set_limits(self, **limits: str) -> None:
        self.h.controls().put_user_settings(USER, {f"kill_{key}": value for key, value in limits.items()})

    # ---- the venue, as the simulator sees it

    def trader(self) -> KalshiClient:
        """A client with our user's own key (what a person or a crashed workflow would use)."""
        if self._trader is None:
            creds = self.venue.trader
            self._trader = KalshiClient(
                self.venue.server.base_url,
                credentials=KalshiCredentials.from_pem(creds.key_id, creds.private_key_pem),
            )
        return self._trader

    def venue_positions(self) -> dict[str, Decimal]:
        return {p.market_ticker: p.position for p in self.trader().get_positions() if p.position != 0}

    def resting(self) -> list[Any]:
        with self.venue.sim.lock:
            held = list(self.venue.sim.exchange.accounts[self.venue.trader.user_id].orders.values())
        return [o for o in held if o.status == "resting"]

    def rest_order(self, client_order_id: str, *, price: str = "0.40", count: str = "5") -> str:
        """A resting YES bid of our account placed directly on the venue; returns its venue id."""
        ack = self.trader().place_order(
            OrderIntent(
                market_ticker=self.venue.home,
                side=OutcomeSide.YES,
                action=Action.BUY,
                price=D(price),
                count=D(count),
                client_order_id=client_order_id,
                time_in_force=TimeInForce.GTC,
            )
        )
        return ack.order_id

    @staticmethod
    def orphan_intent_id(signal: str) -> str:
        """An intent id (ours) for an order a crashed workflow left resting."""
        return intent_id_for(
            user_id=USER,
            bot_id="bot-1",
            market_ticker="ANY",
            signal_id=signal,
            leg="entry",
            decision_bucket=DECIDED,
        )

    @staticmethod
    def foreign_id() -> str:
        return f"manual-{uuid.uuid4().hex[:12]}"

    # ---- flattening

    def batch_executions(self) -> list[str]:
        sfn = boto3.client("stepfunctions")
        listed = sfn.list_executions(stateMachineArn=self.h.machine(BATCH_MACHINE))["executions"]
        return [str(e["executionArn"]) for e in listed]

    def settle(self, timeout: float = 60.0) -> list[dict[str, Any]]:
        """Wait for every stream delivery and every batch execution; returns the batches' outputs."""
        outputs: list[dict[str, Any]] = []
        seen: set[str] = set()
        while True:
            streams.drain(timeout=timeout)
            arns = [arn for arn in self.batch_executions() if arn not in seen]
            if not arns:
                return outputs
            for arn in arns:
                seen.add(arn)
                outputs.append(self.h.finish(arn, timeout=timeout))

    def close(self) -> None:
        if self._trader is not None:
            self._trader.close()


def _clear_function_caches() -> None:
    """Handlers cache settings and clients per process; each test has a new simulator and stack."""
    import api.deps
    import kill_switch.handler
    import reconciler.handler
    import watchdog.handler

    for runtime in (kill_switch.handler.runtime, reconciler.handler.runtime):
        if runtime.cache_info().currsize:
            close = getattr(runtime().deps.venues, "close", None)
            if close is not None:
                close()
        runtime.cache_clear()
    watchdog.handler.dependencies.cache_clear()
    for cached in (api.deps.invoker, api.deps.order_workflow, api.deps.games_repository):
        cached.cache_clear()
    cached_settings.cache_clear()


@contextmanager
def running_kill_switch(template_path: Path, tmp_path: Path) -> Iterator[KillSwitchHarness]:
    _clear_function_caches()
    with running_harness(template_path, tmp_path) as harness:
        running = KillSwitchHarness(harness)
        try:
            with running.users.installed():
                yield running
                running.settle()  # nothing may still run when the stack goes away
        finally:
            running.close()
            _clear_function_caches()
