"""Every table in the template matches ``inplay.store.schema.TABLES``."""

from __future__ import annotations

from typing import Any

import pytest

from infra.constants import DISPOSABLE_TABLES, TABLE_METADATA_KEY
from inplay.store.schema import TABLES, TableSpec
from tests.infra.helpers import of_type

pytestmark = pytest.mark.slow


def _key_schema(partition: str, sort: str | None) -> list[dict[str, str]]:
    keys = [{"AttributeName": partition, "KeyType": "HASH"}]
    if sort:
        keys.append({"AttributeName": sort, "KeyType": "RANGE"})
    return keys


def _attribute_types(spec: TableSpec) -> dict[str, str]:
    types = {spec.partition_key: spec.partition_type.value}
    if spec.sort_key:
        types[spec.sort_key] = spec.sort_type.value
    for gsi in spec.gsis:
        types[gsi.partition_key] = gsi.partition_type.value
        if gsi.sort_key:
            types[gsi.sort_key] = gsi.sort_type.value
    return types


def test_one_table_per_spec(resources: dict[str, Any]) -> None:
    assert set(of_type(resources, "AWS::DynamoDB::Table")) == {spec.logical_id for spec in TABLES}


@pytest.mark.parametrize("spec", TABLES, ids=lambda s: s.logical_id)
def test_keys_and_indexes(resources: dict[str, Any], spec: TableSpec) -> None:
    props = resources[spec.logical_id]["Properties"]
    assert props["KeySchema"] == _key_schema(spec.partition_key, spec.sort_key)
    assert {
        a["AttributeName"]: a["AttributeType"] for a in props["AttributeDefinitions"]
    } == _attribute_types(spec)
    indexes = {gsi["IndexName"]: gsi for gsi in props.get("GlobalSecondaryIndexes", [])}
    assert set(indexes) == {gsi.name for gsi in spec.gsis}
    for gsi in spec.gsis:
        assert indexes[gsi.name]["KeySchema"] == _key_schema(gsi.partition_key, gsi.sort_key)
        assert indexes[gsi.name]["Projection"] == {"ProjectionType": "ALL"}


@pytest.mark.parametrize("spec", TABLES, ids=lambda s: s.logical_id)
def test_stream_ttl_and_protection(resources: dict[str, Any], spec: TableSpec) -> None:
    table = resources[spec.logical_id]
    props = table["Properties"]
    if spec.stream is None:
        assert "StreamSpecification" not in props
    else:
        assert props["StreamSpecification"] == {"StreamViewType": spec.stream.value}
    if spec.ttl_attribute is None:
        assert "TimeToLiveSpecification" not in props
    else:
        assert props["TimeToLiveSpecification"] == {"AttributeName": spec.ttl_attribute, "Enabled": True}
    assert props["BillingMode"] == "PAY_PER_REQUEST"
    assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert props["SSESpecification"] == {"SSEEnabled": True}  # AWS-managed KMS key
    retained = spec.env not in DISPOSABLE_TABLES
    assert props["DeletionProtectionEnabled"] is retained
    assert table["DeletionPolicy"] == table["UpdateReplacePolicy"] == ("Retain" if retained else "Delete")
    assert table["Metadata"][TABLE_METADATA_KEY] == spec.env.value


def test_money_and_audit_tables_are_retained(resources: dict[str, Any]) -> None:
    retained = {
        name
        for name, t in of_type(resources, "AWS::DynamoDB::Table").items()
        if t["DeletionPolicy"] == "Retain"
    }
    assert {
        "AuditTable",
        "PositionsTable",
        "FillsTable",
        "IntentsTable",
        "BotsTable",
        "RiskTable",
    } <= retained
