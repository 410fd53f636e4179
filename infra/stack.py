"""``InplayStack``: the whole deployment, composed from one construct per concern."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from aws_cdk import CfnOutput, Stack, Tags
from constructs import Construct

from infra.constants import (
    API_ID,
    API_URL_OUTPUT,
    DEFAULT_CORS_ORIGINS,
    FUNCTIONS_ID,
    PROJECT_TAG,
    SCHEDULES_ID,
    STACK_DESCRIPTION,
    STACK_ID,
    TABLES_ID,
)
from infra.constructs.api import Api
from infra.constructs.functions import Functions
from infra.constructs.schedules import Schedules
from infra.constructs.tables import Tables
from inplay.config import API

__all__ = ["InplayStack"]


class InplayStack(Stack):
    """Environment-agnostic (no account/region lookups), so it synthesizes offline."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str = STACK_ID,
        *,
        layer_asset: Path,
        cors_origins: Sequence[str] = DEFAULT_CORS_ORIGINS,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            scope, construct_id, description=STACK_DESCRIPTION, analytics_reporting=False, **kwargs
        )
        Tags.of(self).add(*PROJECT_TAG)
        self.tables = Tables(self, TABLES_ID)
        self.functions = Functions(self, FUNCTIONS_ID, tables=self.tables, layer_asset=layer_asset)
        self.schedules = Schedules(self, SCHEDULES_ID, functions=self.functions.by_name)
        self.api = Api(self, API_ID, handler=self.functions.function(API), cors_origins=cors_origins)
        CfnOutput(
            self,
            API_URL_OUTPUT,
            value=self.api.url,
            description="Base URL of the dashboard REST API (its routes live under it)",
        )
