"""Every DynamoDB table in ``inplay.store.schema.TABLES``, built from its spec."""

from __future__ import annotations

from typing import cast

from aws_cdk import RemovalPolicy
from aws_cdk import aws_dynamodb as dynamodb
from constructs import Construct

from infra.constants import DISPOSABLE_TABLES, TABLE_METADATA_KEY
from inplay.config import Env
from inplay.store.schema import TABLES, KeyType, StreamView, TableSpec

__all__ = ["Tables"]

_ATTRIBUTE_TYPES = {
    KeyType.STRING: dynamodb.AttributeType.STRING,
    KeyType.NUMBER: dynamodb.AttributeType.NUMBER,
}
_STREAM_VIEWS = {
    StreamView.NEW_AND_OLD_IMAGES: dynamodb.StreamViewType.NEW_AND_OLD_IMAGES,
    StreamView.NEW_IMAGE: dynamodb.StreamViewType.NEW_IMAGE,
}


class Tables(Construct):
    """On-demand tables with PITR, AWS-managed encryption, streams/TTL/GSIs per spec.

    Each table's logical id is its spec's ``logical_id`` (stable: a changed logical id would
    replace a table), and ``Metadata["inplay:table"]`` names the env var carrying its name.
    """

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        self._tables = {spec.env: self._build_table(spec) for spec in TABLES}

    def table(self, env: Env) -> dynamodb.Table:
        """The table whose name travels in ``env``."""
        try:
            return self._tables[env]
        except KeyError:
            raise KeyError(f"no table is carried by {env.value}") from None

    @property
    def names(self) -> dict[Env, str]:
        """Env var → table name (a CloudFormation reference at synth)."""
        return {env: table.table_name for env, table in self._tables.items()}

    def _build_table(self, spec: TableSpec) -> dynamodb.Table:
        retained = spec.env not in DISPOSABLE_TABLES
        table = dynamodb.Table(
            self,
            spec.logical_id,
            partition_key=dynamodb.Attribute(
                name=spec.partition_key, type=_ATTRIBUTE_TYPES[spec.partition_type]
            ),
            sort_key=(
                dynamodb.Attribute(name=spec.sort_key, type=_ATTRIBUTE_TYPES[spec.sort_type])
                if spec.sort_key
                else None
            ),
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            encryption=dynamodb.TableEncryption.AWS_MANAGED,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            stream=_STREAM_VIEWS[spec.stream] if spec.stream else None,
            time_to_live_attribute=spec.ttl_attribute,
            deletion_protection=retained,
            removal_policy=RemovalPolicy.RETAIN if retained else RemovalPolicy.DESTROY,
        )
        for gsi in spec.gsis:
            table.add_global_secondary_index(
                index_name=gsi.name,
                partition_key=dynamodb.Attribute(
                    name=gsi.partition_key, type=_ATTRIBUTE_TYPES[gsi.partition_type]
                ),
                sort_key=(
                    dynamodb.Attribute(name=gsi.sort_key, type=_ATTRIBUTE_TYPES[gsi.sort_type])
                    if gsi.sort_key
                    else None
                ),
                projection_type=dynamodb.ProjectionType.ALL,
            )
        cfn = cast(dynamodb.CfnTable, table.node.default_child)
        cfn.override_logical_id(spec.logical_id)
        cfn.add_metadata(TABLE_METADATA_KEY, spec.env.value)
        return table
