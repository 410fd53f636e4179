"""Tables created from their spec in inplay.store.schema (keys, indexes, stream), under moto."""

from __future__ import annotations

from typing import Any

import boto3

from inplay.store.schema import TableSpec


def create_table(spec: TableSpec, name: str) -> None:
    """Create ``name`` with the keys, indexes and stream ``spec`` declares."""
    attributes = {spec.partition_key: spec.partition_type.value}
    keys = [{"AttributeName": spec.partition_key, "KeyType": "HASH"}]
    if spec.sort_key:
        attributes[spec.sort_key] = spec.sort_type.value
        keys.append({"AttributeName": spec.sort_key, "KeyType": "RANGE"})
    gsis: list[dict[str, Any]] = []
    for gsi in spec.gsis:
        attributes[gsi.partition_key] = gsi.partition_type.value
        schema = [{"AttributeName": gsi.partition_key, "KeyType": "HASH"}]
        if gsi.sort_key:
            attributes[gsi.sort_key] = gsi.sort_type.value
            schema.append({"AttributeName": gsi.sort_key, "KeyType": "RANGE"})
        gsis.append({"IndexName": gsi.name, "KeySchema": schema, "Projection": {"ProjectionType": "ALL"}})
    request: dict[str, Any] = {
        "TableName": name,
        "KeySchema": keys,
        "AttributeDefinitions": [{"AttributeName": n, "AttributeType": t} for n, t in attributes.items()],
        "BillingMode": "PAY_PER_REQUEST",
    }
    if gsis:
        request["GlobalSecondaryIndexes"] = gsis
    if spec.stream:
        request["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": spec.stream.value}
    boto3.client("dynamodb").create_table(**request)
