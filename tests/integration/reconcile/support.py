"""The reconciler on real parts: the Kalshi simulator over HTTP on 127.0.0.1 with the real
``KalshiClient`` (through ``KalshiVenues``), and the DynamoDB stores on tables created from the
stack's specs under moto (with the powertools-idempotent audit, as the order workflow runs it).

The simulator runs one NBA game with a market maker (home: bid 0.48 / ask 0.52, 25 a level). A
buy of YES at 0.30 rests; a buy at 0.52 fills at once. "Behind the bot's back" = ``Stack.manual``,
a second client holding the same user's key.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import boto3

from inplay.alerts.publisher import RecordingPublisher
from inplay.audit.store import DynamoAuditLog
from inplay.orders.auditing import IdempotentOrderAudit
from inplay.orders.intents import IntentRecord, IntentState, TradingMode, new_intent
from inplay.reconcile import ReconcileDeps, ReconcileSettings, reconcile_user
from inplay.risk.records import ReconcileReport, ReconcileTrigger
from inplay.store.bots import DynamoBotControls
from inplay.store.intents import DynamoIntentLedger
from inplay.store.risk import DynamoRiskStore
from inplay.store.schema import AUDIT, BOTS, FILLS, IDEMPOTENCY, INTENTS, POSITIONS, RISK, TableSpec
from inplay.store.trades import DynamoTradeStore
from inplay.venues.base import Action, OrderAck, OrderIntent, OutcomeSide, TimeInForce
from inplay.venues.factory import KalshiVenues
from inplay.venues.kalshi import KalshiClient, KalshiCredentials
from inplay.venues.kalshi.client import RetryPolicy
from local.cloud.moto_runtime import local_mock_aws
from tests.integration.order_workflow.support import Venue, running_venue

USER = "user-1"
BOT = "bot-1"
TABLE_NAMES = {
    spec.logical_id: f"it-{spec.logical_id}" for spec in (BOTS, INTENTS, POSITIONS, FILLS, AUDIT, RISK)
}


def create_table(spec: TableSpec, name: str) -> None:
    """Create ``name`` with the keys and indexes ``spec`` declares (as the stack does)."""
    attributes = {spec.partition_key: spec.partition_type.value}
    keys = [{"AttributeName": spec.partition_key, "KeyType": "HASH"}]
    if spec.sort_key:
        attributes[spec.sort_key] = spec.sort_type.value
        keys.append({"AttributeName": spec.sort_key, "KeyType": "RANGE"})
    request: dict[str, Any] = {"TableName": name, "KeySchema": keys, "BillingMode": "PAY_PER_REQUEST"}
    gsis = []
    for gsi in spec.gsis:
        attributes[gsi.partition_key] = gsi.partition_type.value
        schema = [{"AttributeName": gsi.partition_key, "KeyType": "HASH"}]
        if gsi.sort_key:
            attributes[gsi.sort_key] = gsi.sort_type.value
            schema.append({"AttributeName": gsi.sort_key, "KeyType": "RANGE"})
        gsis.append({"IndexName": gsi.name, "KeySchema": schema, "Projection": {"ProjectionType": "ALL"}})
    if gsis:
        request["GlobalSecondaryIndexes"] = gsis
    request["AttributeDefinitions"] = [
        {"AttributeName": n, "AttributeType": t} for n, t in attributes.items()
    ]
    boto3.client("dynamodb").create_table(**request)


class Secrets:
    """A :class:`~inplay.venues.factory.SecretReader` holding one user's Kalshi key."""

    def __init__(self, values: dict[str, str]) -> None:
        self._values = values

    def secret_string(self, name: str) -> str | None:
        return self._values.get(name)


@dataclass
class Stack:
    venue: Venue
    deps: ReconcileDeps
    ledger: DynamoIntentLedger
    trades: DynamoTradeStore
    controls: DynamoBotControls
    risk: DynamoRiskStore
    audit_log: DynamoAuditLog
    alerts: RecordingPublisher
    manual: KalshiClient
    """The same user's key, used behind the bot's back."""

    @property
    def home(self) -> str:
        return self.venue.home

    def reconcile(self) -> ReconcileReport:
        [report] = reconcile_user(self.deps, USER, trigger=ReconcileTrigger.TEST)
        return report

    def place(
        self,
        client_order_id: str,
        *,
        price: str = "0.30",
        count: str = "5",
        tif: TimeInForce = TimeInForce.GTC,
    ) -> OrderAck:
        return self.manual.place_order(
            OrderIntent(
                market_ticker=self.home,
                side=OutcomeSide.YES,
                action=Action.BUY,
                price=Decimal(price),
                count=Decimal(count),
                client_order_id=client_order_id,
                time_in_force=tif,
            )
        )

    def intent(
        self,
        status: IntentState,
        *,
        ago: timedelta,
        price: str = "0.30",
        count: str = "5",
        signal: str = "s1",
    ) -> IntentRecord:
        """An intent whose workflow last touched it ``ago`` (moved PENDING → SUBMITTED [→ status])."""
        at = datetime.now(UTC) - ago
        intent = new_intent(
            user_id=USER,
            bot_id=BOT,
            market_ticker=self.home,
            signal_id=signal,
            leg="entry",
            decision_bucket=at,
            venue="kalshi",
            side=OutcomeSide.YES,
            action=Action.BUY,
            price=Decimal(price),
            count=Decimal(count),
            mode=TradingMode.PAPER,
            now=at,
        )
        assert self.ledger.create(intent)
        intent = self.ledger.transition(
            intent.intent_id, IntentState.PENDING, IntentState.SUBMITTED, version=1, now=at
        )
        if status is not IntentState.SUBMITTED:
            intent = self.ledger.transition(
                intent.intent_id, IntentState.SUBMITTED, status, version=2, now=at
            )
        return intent

    def resting(self, order_id: str) -> bool:
        return self.manual.get_order(order_id).status.value == "resting"


@contextmanager
def running_stack() -> Iterator[Stack]:
    with running_venue() as venue, local_mock_aws(patch_lambda=False):
        for spec in (BOTS, INTENTS, POSITIONS, FILLS, AUDIT, RISK, IDEMPOTENCY):
            create_table(spec, f"it-{spec.logical_id}")
        from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer

        creds = venue.trader
        secret = json.dumps({"key_id": creds.key_id, "private_key_pem": creds.private_key_pem.decode()})
        venues = KalshiVenues(
            base_url=venue.server.base_url,
            secrets=Secrets({f"inplay/kalshi/{USER}": secret}),
            client_options={"retry": RetryPolicy(max_attempts=2, base_delay=0.0), "timeout": 5.0},
        )
        manual = KalshiClient(
            venue.server.base_url, credentials=KalshiCredentials.from_pem(creds.key_id, creds.private_key_pem)
        )
        ledger = DynamoIntentLedger(f"it-{INTENTS.logical_id}")
        trades = DynamoTradeStore(f"it-{FILLS.logical_id}", f"it-{POSITIONS.logical_id}")
        controls = DynamoBotControls(f"it-{BOTS.logical_id}")
        risk = DynamoRiskStore(f"it-{RISK.logical_id}")
        audit_log = DynamoAuditLog(f"it-{AUDIT.logical_id}")
        alerts = RecordingPublisher()
        deps = ReconcileDeps(
            ledger=ledger,
            trades=trades,
            controls=controls,
            risk=risk,
            audit=IdempotentOrderAudit(
                audit_log, DynamoDBPersistenceLayer(table_name=f"it-{IDEMPOTENCY.logical_id}")
            ),
            audit_log=audit_log,
            alerts=alerts,
            venues=venues,
            # The simulator stamps its data with our own clock: no clock allowance is needed.
            settings=ReconcileSettings(lag_margin=timedelta(0)),
        )
        try:
            yield Stack(venue, deps, ledger, trades, controls, risk, audit_log, alerts, manual)
        finally:
            manual.close()
            venues.close()
