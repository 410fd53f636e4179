"""DynamoIntentLedger on the intents table provisioned from the synthesized template (mock_aws)."""

from __future__ import annotations

from decimal import Decimal

import boto3
import pytest

from inplay.orders import IntentState, TradingMode
from inplay.store.intents import DynamoIntentLedger
from local.cloud.provisioner import ProvisionedStack
from tests.unit.orders.contract import CONTRACT, make_intent

pytestmark = [pytest.mark.timeout(120)]


@pytest.fixture
def ledger(stack: ProvisionedStack, atomic_moto: None) -> DynamoIntentLedger:
    return DynamoIntentLedger(stack.table("IntentsTable").name)


@pytest.mark.parametrize("check", CONTRACT, ids=lambda check: check.__name__)
def test_dynamo_ledger_contract(ledger: DynamoIntentLedger, check) -> None:
    check(ledger)


def test_the_table_is_the_one_the_schema_declares(stack: ProvisionedStack) -> None:
    table = stack.table("IntentsTable")
    assert (table.partition_key, table.sort_key) == ("intent_id", None)
    assert set(table.gsis) == {"by_user", "by_status"}


def test_stored_attributes_are_exact_and_named_as_documented(stack: ProvisionedStack, ledger) -> None:
    intent = make_intent(count=Decimal("10.50"), mode=TradingMode.LIVE)
    assert ledger.create(intent)
    ledger.transition(
        intent.intent_id,
        IntentState.PENDING,
        IntentState.PARTIAL,
        version=1,
        filled_count=Decimal("2.25"),
        average_fill_price=Decimal("0.555"),
        fees=Decimal("0.02"),
    )
    item = boto3.client("dynamodb").get_item(
        TableName=stack.table("IntentsTable").name,
        Key={"intent_id": {"S": intent.intent_id}},
        ConsistentRead=True,
    )["Item"]
    assert item["status"] == {"S": "PARTIAL"} and item["version"] == {"N": "2"}
    assert item["price"] == {"S": "0.5600"} and item["average_fill_price"] == {"S": "0.5550"}
    # Numbers (DynamoDB normalizes "10.50" to "10.5"; moto keeps the text): compare exactly as Decimals.
    assert Decimal(item["count"]["N"]) == Decimal("10.5") and item["filled_count"] == {"N": "2.25"}
    assert item["fees"] == {"S": "0.0200"} and item["mode"] == {"S": "live"}
    assert item["user_id"] == {"S": "user-1"} and item["created_at"]["S"].startswith("2025-11-02T18:30:03")
    for name in (
        "bot_id",
        "market_ticker",
        "venue",
        "side",
        "action",
        "time_in_force",
        "updated_at",
        "signal_id",
    ):
        assert name in item, name
    stored = ledger.get(intent.intent_id)
    assert stored.count == Decimal("10.50") and stored.filled_count == Decimal("2.25")
    assert stored.signal_meta == {"edge": "0.041", "confidence": "0.72"}
