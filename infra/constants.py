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
ALERTS_ID: Final = "Alerts"
ORDER_WORKFLOW_ID: Final = "OrderWorkflow"
STREAMS_ID: Final = "Streams"
ALARMS_ID: Final = "Alarms"
WEBSOCKET_ID: Final = "WebSocket"
LAYER_ID: Final = "InplayLayer"
API_URL_OUTPUT: Final = "ApiUrl"
ALERTS_TOPIC_OUTPUT: Final = "AlertsTopicArn"
DISCORD_WEBHOOK_SECRET_OUTPUT: Final = "DiscordWebhookSecretArn"
ALERTS_DLQ_OUTPUT: Final = "AlertsDeadLetterQueueUrl"
WEBSOCKET_URL_OUTPUT: Final = "WebSocketUrl"
DASHBOARD_ID: Final = "Dashboard"
DASHBOARD_URL_OUTPUT: Final = "DashboardUrl"

# Alerts: stable logical ids (a changed id would replace the resource and its subscriptions).
ALERTS_TOPIC_LOGICAL_ID: Final = "AlertsTopic"
ALERTS_KEY_LOGICAL_ID: Final = "AlertsTopicKey"
DISCORD_WEBHOOK_SECRET_LOGICAL_ID: Final = "DiscordWebhookSecret"
ALERTS_DLQ_LOGICAL_ID: Final = "AlertsDeadLetterQueue"
ALERTS_DLQ_ALARM_LOGICAL_ID: Final = "AlertsDeadLetterAlarm"
ALERT_EMAIL_CONTEXT: Final = "inplay:alertEmail"
"""CDK context key: email address(es) subscribed to every alert (comma-separated or a list)."""
ALERT_SMS_CONTEXT: Final = "inplay:alertSms"
"""CDK context key: E.164 phone number(s) texted for critical alerts."""
PAGERDUTY_URL_CONTEXT: Final = "inplay:pagerDutyUrl"
"""CDK context key: HTTPS integration URL(s) (PagerDuty's Amazon SNS integration) for critical alerts."""
NOTIFIER_ASYNC_RETRIES: Final = 2
"""Lambda retries a failed Discord delivery twice (about 1 and 2 minutes later) before the DLQ."""
NOTIFIER_MAX_EVENT_AGE_SECONDS: Final = 6 * 60 * 60
"""A late alert is still worth delivering: keep retrying throttled deliveries for up to 6 hours."""
ALERTS_DLQ_RETENTION_DAYS: Final = 14
"""The SQS maximum: undelivered alerts wait two weeks for a redrive."""

# Template metadata that ties a resource back to its spec (the local cloud reads these).
FUNCTION_METADATA_KEY: Final = "inplay:function"
"""On each ``AWS::Lambda::Function``: the ``FunctionSpec.name`` it was built from."""
TABLE_METADATA_KEY: Final = "inplay:table"
"""On each ``AWS::DynamoDB::Table``: the ``Env`` name that carries the table name."""

DISPOSABLE_TABLES: Final = frozenset({Env.GAMES_TABLE, Env.IDEMPOTENCY_TABLE, Env.CONNECTIONS_TABLE})
"""Tables whose rows are re-creatable caches (ESPN snapshots, idempotency records, open WebSocket
connections, all with TTL): deleted with the stack. Every other table holds money or audit data:
retained on stack deletion and deletion-protected. A new table is retained unless it is added here."""

EXTRA_ENVIRONMENT: Final[Mapping[str, str]] = MappingProxyType({Env.LOG_LEVEL.value: "INFO"})
"""Variables set on every function that no settings model declares: Powertools reads them itself."""

FUNCTION_LOG_RETENTION: Final = "ONE_MONTH"
"""``aws_logs.RetentionDays`` member name for each function's log group."""
FUNCTION_LOG_RETENTION_OVERRIDES: Final[Mapping[str, str]] = MappingProxyType({})
"""Per-function retention (by ``FunctionSpec.name``) where the default does not fit."""
API_ACCESS_LOG_RETENTION: Final = "THREE_MONTHS"

USER_ENUMERATING_FUNCTIONS: Final = frozenset({"reconciler", "kill_switch"})
"""Functions (by ``FunctionSpec.name``) that find every user with Kalshi credentials by listing the
secret names under the credential prefix: they alone get ``secretsmanager:ListSecrets``."""

SCHEDULED_MAX_EVENT_AGE_SECONDS: Final = 60
"""A scheduled tick older than its period is superseded by the next one: drop it, do not run late."""
SCHEDULED_ASYNC_RETRIES: Final = 0
"""No Lambda retry of a failed scheduled run: the next tick (at most a period later) runs anyway."""
SCHEDULE_DELIVERY_RETRIES: Final = 2
"""EventBridge retries delivering a tick (throttling, service errors) within the max event age."""

# DynamoDB stream → function (``FunctionSpec.streams``). A fill must reach the kill switch within a
# second: small batches, no batching window. A failing batch is split to isolate the bad record,
# retried a bounded number of times (a poison record must not block every later fill), then its
# metadata goes to an encrypted SQS dead-letter queue whose depth raises an alarm; the minute
# schedule re-evaluates every user anyway, so a dropped record delays a trip by at most a minute.
STREAM_STARTING_POSITION: Final = "LATEST"
"""Only fills recorded after the mapping exists matter; the minute schedule covers the past."""
STREAM_BATCH_SIZE: Final = 10
STREAM_MAX_BATCHING_WINDOW_SECONDS: Final = 0
STREAM_RETRY_ATTEMPTS: Final = 3
STREAM_MAX_RECORD_AGE_SECONDS: Final = 15 * 60
"""A fill older than this is no longer a fresh trigger: the scheduled run has evaluated it since."""
STREAM_DLQ_RETENTION_DAYS: Final = 14


def stream_dlq_logical_id(function_name: str, table_env: Env) -> str:
    """``kill_switch`` + ``INPLAY_FILLS_TABLE`` → ``KillSwitchFillsStreamDeadLetterQueue``."""
    table = table_env.value.removeprefix("INPLAY_").removesuffix("_TABLE")
    return f"{pascal(function_name)}{pascal(table.lower())}StreamDeadLetterQueue"


def stream_mapping_logical_id(function_name: str, table_env: Env) -> str:
    """``kill_switch`` + ``INPLAY_FILLS_TABLE`` → ``KillSwitchFillsStreamMapping``."""
    table = table_env.value.removeprefix("INPLAY_").removesuffix("_TABLE")
    return f"{pascal(function_name)}{pascal(table.lower())}StreamMapping"


# CloudWatch alarms (``infra/constructs/alarms.py``): every alarm notifies the alerts topic on ALARM
# and on OK, and treats missing data as not breaching (no invocations is not an outage: the
# watchdog's heartbeats cover "nothing runs").
ALARM_PERIOD_MINUTES: Final = 5
"""Errors, throttles and failed executions are counted over this window."""
FUNCTION_ERRORS_THRESHOLD: Final = 1
"""Any error in the window: every function here is on the money path or watches it."""
FUNCTION_THROTTLES_THRESHOLD: Final = 1
"""Any throttle: a throttled kill switch or reconciler is a safety gap, not a capacity detail."""
EXECUTIONS_FAILED_THRESHOLD: Final = 1
"""Any failed, timed-out or aborted order execution: its intent may be UNKNOWN until reconciled."""
DLQ_DEPTH_THRESHOLD: Final = 1
"""Any message in a dead-letter queue: something was dropped and waits for a person."""
DLQ_PERIOD_MINUTES: Final = 1
STREAM_ITERATOR_AGE_THRESHOLD_SECONDS: Final = 60
"""The oldest unprocessed stream record (``IteratorAge``, maximum over a minute): a kill switch that
reacts to fills a minute late is no faster than its schedule."""
STATE_MACHINE_ALARM_METRICS: Final = ("ExecutionsFailed", "ExecutionsTimedOut", "ExecutionsAborted")


def function_alarm_logical_id(function_name: str, metric: str) -> str:
    """``kill_switch`` + ``Errors`` → ``KillSwitchErrorsAlarm``."""
    return f"{pascal(function_name)}{metric}Alarm"


def state_machine_alarm_logical_id(machine_logical_id: str, metric: str) -> str:
    """``OrderStateMachine`` + ``ExecutionsFailed`` → ``OrderStateMachineExecutionsFailedAlarm``."""
    return f"{machine_logical_id}{metric}Alarm"


API_PATH: Final = "api"
API_STAGE: Final = "prod"
API_THROTTLE_RATE: Final = 20
"""Requests/second across the stage; one user's dashboard polls far below this."""
API_THROTTLE_BURST: Final = 40
WEBSOCKET_STAGE: Final = "prod"
WEBSOCKET_THROTTLE_RATE: Final = 10
"""Messages and connects per second across the WebSocket stage: clients only connect and ping;
updates flow from the broadcaster (management API calls are not throttled by the stage)."""
WEBSOCKET_THROTTLE_BURST: Final = 20
WEBSOCKET_ACCESS_LOG_RETENTION: Final = "THREE_MONTHS"
CORS_ORIGINS_CONTEXT: Final = "inplay:corsAllowOrigins"
"""CDK context key (cdk.json or ``-c``): the dashboard origins allowed by CORS preflight."""
DEFAULT_CORS_ORIGINS: Final = ("http://localhost:5173",)
"""The Vite dev server; the deployed dashboard's origin (its CloudFront domain) is always added."""

# The dashboard (``infra/constructs/dashboard.py``): a private bucket behind CloudFront.
DASHBOARD_ENTRY_CACHE_CONTROL: Final = "no-cache"
"""``index.html``, ``config.json`` and the other unhashed files: browsers revalidate every load, so
a deploy is seen at once (CloudFront's copies are invalidated by the deployment)."""
DASHBOARD_ASSETS_DIR: Final = "assets"
"""Vite's content-hashed bundles (``dist/assets``): cached for a year, never revalidated."""
DASHBOARD_ASSETS_CACHE_CONTROL: Final = ("public", "max-age=31536000", "immutable")
DASHBOARD_HSTS_SECONDS: Final = 2 * 365 * 24 * 60 * 60

# Sign-in (``infra/constructs/auth.py``): a Cognito user pool whose users an administrator creates.
AUTH_ID: Final = "Auth"
USER_POOL_LOGICAL_ID: Final = "UserPool"
"""Stable: a replaced pool gives every user a new ``sub`` (user id), orphaning everything they own."""
USER_POOL_CLIENT_LOGICAL_ID: Final = "DashboardClient"
USER_POOL_ID_OUTPUT: Final = "UserPoolId"
USER_POOL_CLIENT_ID_OUTPUT: Final = "UserPoolClientId"
PASSWORD_MIN_LENGTH: Final = 12
ID_TOKEN_VALIDITY_MINUTES: Final = 60
REFRESH_TOKEN_VALIDITY_DAYS: Final = 30
AUTHORIZER_CACHE_SECONDS: Final = 300
"""API Gateway keeps a token's verdict this long (the function verifies every request anyway)."""
PUBLIC_API_ROUTES: Final = (
    ("GET", "/api/health"),
    ("POST", "/api/auth/sign-in"),
    ("POST", "/api/auth/refresh"),
)
"""The only (method, path) API Gateway lets through without the Cognito authorizer; equal to the
api function's ``api.security.PUBLIC_ROUTES`` (a test checks)."""

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
