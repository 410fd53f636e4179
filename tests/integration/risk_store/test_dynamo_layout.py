"""DynamoRiskStore writes the item layout documented in inplay.risk.store (moto)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import boto3
import pytest

from inplay.risk.records import SYSTEM_USER, Heartbeat, KillTrigger
from inplay.risk.store import EquityMarks, RiskStore, WatchdogPage
from inplay.store.risk import API_STATS_RETENTION, DynamoRiskStore, iso_at
from tests.integration.risk_store.builders import T0, event, orphan, report

pytestmark = [pytest.mark.timeout(120)]


def _item(table: str, user: str, sk: str) -> dict[str, Any]:
    return boto3.client("dynamodb").get_item(
        TableName=table, Key={"user_id": {"S": user}, "sk": {"S": sk}}, ConsistentRead=True
    )["Item"]


def test_iso_at_is_fixed_width_utc_and_refuses_naive_times() -> None:
    assert iso_at(datetime(2026, 1, 18, 15, 0, tzinfo=UTC)) == "2026-01-18T15:00:00.000000Z"
    with pytest.raises(ValueError, match="timezone-aware"):
        iso_at(datetime(2026, 1, 18, 15, 0))


def test_records_are_json_docs_next_to_kind_and_at(risk_table: str) -> None:
    store: RiskStore = DynamoRiskStore(risk_table)  # mypy: it is a RiskStore
    trip = event(total_pnl=Decimal("-12.3456"))
    store.put_kill_event(trip)
    item = _item(risk_table, "u-1", f"KILL#{trip.event_id}")
    assert item["kind"] == {"S": "kill_switch"} and item["at"] == {"S": "2026-01-18T20:30:15.123456Z"}
    doc = json.loads(item["doc"]["S"])
    assert doc["total_pnl"] == "-12.3456" and doc["trigger"] == KillTrigger.DAILY_LOSS.value

    store.record_orphan(orphan())
    item = _item(risk_table, "u-1", "ORPHAN#order:o-1")
    assert item["kind"] == {"S": "orphan"} and item["resolved"] == {"BOOL": False}
    assert json.loads(item["doc"]["S"])["size"] == "12.50"

    store.put_report(report(report_id="rr-9"))
    item = _item(risk_table, "u-1", "RECON#2026-01-18T20:30:15.123456Z#rr-9")
    assert item["kind"] == {"S": "reconcile"} and json.loads(item["doc"]["S"])["report_id"] == "rr-9"

    store.beat(Heartbeat(component="reconciler", at=T0))
    item = _item(risk_table, SYSTEM_USER, "HEARTBEAT#reconciler")
    assert json.loads(item["doc"]["S"])["component"] == "reconciler" and "kind" not in item

    store.put_equity_marks("u-1", EquityMarks(Decimal("10.10"), T0, T0.date(), Decimal("9.9"), T0))
    assert json.loads(_item(risk_table, "u-1", "EQUITY")["doc"]["S"])["peak_equity"] == "10.10"

    store.swap_watchdog_page("reconciler", expected=None, new=WatchdogPage("reconciler", T0, T0))
    assert _item(risk_table, SYSTEM_USER, "PAGE#reconciler")["last_paged_at"] == {"S": iso_at(T0)}


def test_resolving_flips_the_resolved_attribute(risk_table: str) -> None:
    from inplay.risk.records import OrphanResolution

    store = DynamoRiskStore(risk_table)
    store.record_orphan(orphan())
    store.resolve_orphan("u-1", "order:o-1", resolution=OrphanResolution.MANUAL_CLOSE, notes="n", at=T0)
    item = _item(risk_table, "u-1", "ORPHAN#order:o-1")
    assert item["resolved"] == {"BOOL": True}
    assert json.loads(item["doc"]["S"])["resolution"] == "MANUAL_CLOSE"


def test_api_stats_are_numbers_on_a_minute_item_with_an_expiry(risk_table: str) -> None:
    store = DynamoRiskStore(risk_table)
    store.count_api_calls("u-1", at=T0, calls=4, errors=1)
    store.count_api_calls("u-1", at=T0, calls=1, errors=0)
    item = _item(risk_table, "u-1", "APISTATS#2026-01-18T20:30")
    assert item["calls"] == {"N": "5"} and item["errors"] == {"N": "1"}
    assert item["kind"] == {"S": "api_stats"} and item["at"] == {"S": "2026-01-18T20:30:00.000000Z"}
    minute = T0.replace(second=0, microsecond=0)
    assert int(item["expires_at"]["N"]) == int((minute + API_STATS_RETENTION).timestamp())


def test_by_kind_index_lists_kill_events_across_users_in_time_order(risk_table: str) -> None:
    store = DynamoRiskStore(risk_table)
    store.put_kill_event(event(user="u-2", at=T0 + timedelta(minutes=1)))
    store.put_kill_event(event(user="u-1", at=T0))
    store.record_orphan(orphan())
    rows = boto3.client("dynamodb").query(
        TableName=risk_table,
        IndexName="by_kind",
        KeyConditionExpression="kind = :k",
        ExpressionAttributeValues={":k": {"S": "kill_switch"}},
    )["Items"]
    assert [row["user_id"]["S"] for row in rows] == ["u-1", "u-2"]


def test_a_naive_time_is_refused_before_anything_is_written(risk_table: str) -> None:
    store = DynamoRiskStore(risk_table)
    with pytest.raises(ValueError, match="timezone-aware"):
        store.count_api_calls("u-1", at=datetime(2026, 1, 18, 20, 30), calls=1, errors=0)
    with pytest.raises(ValueError, match="timezone-aware"):
        store.put_equity_marks(
            "u-1",
            EquityMarks(Decimal(1), datetime(2026, 1, 18), T0.date(), Decimal(1), datetime(2026, 1, 18)),
        )
    assert boto3.client("dynamodb").scan(TableName=risk_table)["Count"] == 0
