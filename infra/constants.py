"""Names and knobs that belong to the infrastructure only.

Table keys, env-var names, handler paths and schedules are *not* here: they come from
``inplay.config`` and ``inplay.store.schema``. This module imports no ``aws_cdk`` so the local
cloud can read it without starting the jsii kernel.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

from inplay.config import Env

STACK_ID: Final = "Inplay"
TEMPLATE_NAME: Final = f"{STACK_ID}.template.json"
STACK_DESCRIPTION: Final = "inplay: in-play sports trading bot (ESPN game state, Kalshi game-winner markets)"
PROJECT_TAG: Final = ("project", "inplay")

# Construct ids (one construct per concern).
TABLES_ID: Final = "Tables"
FUNCTIONS_ID: Final = "Functions"
SCHEDULES_ID: Final = "Schedules"
API_ID: Final = "Api"
LAYER_ID: Final = "InplayLayer"
API_URL_OUTPUT: Final = "ApiUrl"

# Template metadata that ties a resource back to its spec (the local cloud reads these).
FUNCTION_METADATA_KEY: Final = "inplay:function"
"""On each ``AWS::Lambda::Function``: the ``FunctionSpec.name`` it was built from."""
TABLE_METADATA_KEY: Final = "inplay:table"
"""On each ``AWS::DynamoDB::Table``: the ``Env`` name that carries the table name."""

DISPOSABLE_TABLES: Final = frozenset({Env.GAMES_TABLE, Env.IDEMPOTENCY_TABLE})
"""Tables whose rows are re-creatable caches (ESPN snapshots, idempotency records, both with TTL):
deleted with the stack. Every other table holds money or audit data: retained on stack deletion and
deletion-protected. A new table is retained unless it is added here."""

EXTRA_ENVIRONMENT: Final[Mapping[str, str]] = MappingProxyType({Env.LOG_LEVEL.value: "INFO"})
"""Variables set on every function that no settings model declares: Powertools reads them itself."""

FUNCTION_LOG_RETENTION: Final = "ONE_MONTH"
"""``aws_logs.RetentionDays`` member name for each function's log group."""
FUNCTION_LOG_RETENTION_OVERRIDES: Final[Mapping[str, str]] = MappingProxyType({})
"""Per-function retention (by ``FunctionSpec.name``) where the default does not fit."""
API_ACCESS_LOG_RETENTION: Final = "THREE_MONTHS"

SCHEDULED_MAX_EVENT_AGE_SECONDS: Final = 60
"""A scheduled tick older than its period is superseded by the next one: drop it, do not run late."""
SCHEDULED_ASYNC_RETRIES: Final = 0
"""No Lambda retry of a failed scheduled run: the next tick (at most a period later) runs anyway."""
SCHEDULE_DELIVERY_RETRIES: Final = 2
"""EventBridge retries delivering a tick (throttling, service errors) within the max event age."""

API_PATH: Final = "api"
API_STAGE: Final = "prod"
API_THROTTLE_RATE: Final = 20
"""Requests/second across the stage; one user's dashboard polls far below this."""
API_THROTTLE_BURST: Final = 40
CORS_ORIGINS_CONTEXT: Final = "inplay:corsAllowOrigins"
"""CDK context key (cdk.json or ``-c``): the dashboard origins allowed by CORS preflight."""
DEFAULT_CORS_ORIGINS: Final = ("http://localhost:5173",)
"""The Vite dev server; the deployed dashboard's origin is added once its construct exists."""

FUNCTION_CODE_EXCLUDES: Final = (
    "**/__pycache__",
    "**/*.pyc",
    "**/tests",
    "**/test_*.py",
    "**/.pytest_cache",
    "**/.mypy_cache",
    "**/.ruff_cache",
)
"""Never shipped in the ``functions/`` asset."""


def pascal(name: str) -> str:
    """``game_poller`` → ``GamePoller``: construct ids from spec names."""
    return "".join(part[:1].upper() + part[1:] for part in name.replace("-", "_").split("_") if part)


def function_logical_id(name: str) -> str:
    """The CloudFormation logical id of the function built from ``FunctionSpec`` ``name``."""
    return f"{pascal(name)}Function"
