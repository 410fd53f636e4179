"""Names shared by ``infra/`` and the code, and one validated settings model per function.

This module is the single source of truth for:
- environment-variable names (``Env``): ``infra/`` writes them, the functions read them;
- function names, their handler paths and their schedules (``FUNCTIONS``);
- the settings each function needs (one pydantic model per function, built once from the
  environment by :func:`load_settings`; nothing below a handler reads ``os.environ``).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from functools import cache
from typing import Annotated, Final

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from inplay.sports.models import League

__all__ = [
    "BROADCASTER",
    "DASHBOARD_ENVS",
    "DISCORD_NOTIFIER",
    "FUNCTIONS",
    "FUNCTION_ENVS",
    "KILL_SWITCH",
    "ORDER_WORKER",
    "RECONCILER",
    "SECRET_ENVS",
    "STATE_MACHINE_ENVS",
    "STRATEGY",
    "TOPIC_ENVS",
    "WATCHDOG",
    "WEBSOCKET",
    "WEBSOCKET_ENVS",
    "Access",
    "AlertingSettings",
    "ApiSettings",
    "AuthSettings",
    "BroadcasterSettings",
    "CorsSettings",
    "DiscordNotifierSettings",
    "Env",
    "FunctionSpec",
    "GamePollerSettings",
    "KalshiSettings",
    "KillSwitchSettings",
    "OrderWorkerSettings",
    "PaperExecution",
    "PaperSettings",
    "ReconcilerSettings",
    "SettingsError",
    "StrategySettings",
    "TradingTablesSettings",
    "WatchdogSettings",
    "WebSocketSettings",
    "load_settings",
]

SERVICE_NAME: Final = "inplay"
METRICS_NAMESPACE: Final = "Inplay"
DEFAULT_USER_AGENT: Final = "inplay/0.1 (+https://github.com/inplay-bot/inplay; self-hosted trading bot)"
"""ESPN filters browser-like and bare custom User-Agents (403); an identifying UA with a URL passes."""


class Env(StrEnum):
    """Every environment variable a function reads. ``infra/`` imports these names."""

    GAMES_TABLE = "INPLAY_GAMES_TABLE"
    BOTS_TABLE = "INPLAY_BOTS_TABLE"
    INTENTS_TABLE = "INPLAY_INTENTS_TABLE"
    POSITIONS_TABLE = "INPLAY_POSITIONS_TABLE"
    FILLS_TABLE = "INPLAY_FILLS_TABLE"
    AUDIT_TABLE = "INPLAY_AUDIT_TABLE"
    RISK_TABLE = "INPLAY_RISK_TABLE"
    IDEMPOTENCY_TABLE = "INPLAY_IDEMPOTENCY_TABLE"
    ESPN_BASE_URL = "INPLAY_ESPN_BASE_URL"
    LEAGUES = "INPLAY_LEAGUES"
    POLL_INTERVAL_SECONDS = "INPLAY_POLL_INTERVAL_SECONDS"
    POLL_WINDOW_SECONDS = "INPLAY_POLL_WINDOW_SECONDS"
    USER_AGENT = "INPLAY_USER_AGENT"
    GAME_TTL_DAYS = "INPLAY_GAME_TTL_DAYS"
    ALERTS_TOPIC_ARN = "INPLAY_ALERTS_TOPIC_ARN"
    DISCORD_WEBHOOK_SECRET = "INPLAY_DISCORD_WEBHOOK_SECRET"
    DISCORD_SECRET_MAX_AGE_SECONDS = "INPLAY_DISCORD_SECRET_MAX_AGE_SECONDS"
    DISCORD_TIMEOUT_SECONDS = "INPLAY_DISCORD_TIMEOUT_SECONDS"
    DISCORD_MAX_ATTEMPTS = "INPLAY_DISCORD_MAX_ATTEMPTS"
    DISCORD_MAX_RETRY_WAIT_SECONDS = "INPLAY_DISCORD_MAX_RETRY_WAIT_SECONDS"
    ORDER_STATE_MACHINE_ARN = "INPLAY_ORDER_STATE_MACHINE_ARN"
    ORDER_BATCH_STATE_MACHINE_ARN = "INPLAY_ORDER_BATCH_STATE_MACHINE_ARN"
    RECONCILER_FUNCTION = "INPLAY_RECONCILER_FUNCTION"
    KILL_SWITCH_FUNCTION = "INPLAY_KILL_SWITCH_FUNCTION"
    STALE_INTENT_SECONDS = "INPLAY_STALE_INTENT_SECONDS"
    WATCHDOG_REPAGE_SECONDS = "INPLAY_WATCHDOG_REPAGE_SECONDS"
    COGNITO_USER_POOL_ID = "INPLAY_COGNITO_USER_POOL_ID"
    COGNITO_CLIENT_ID = "INPLAY_COGNITO_CLIENT_ID"
    JWKS_URL = "INPLAY_JWKS_URL"
    KALSHI_BASE_URL = "INPLAY_KALSHI_BASE_URL"
    KALSHI_SECRET_PREFIX = "INPLAY_KALSHI_SECRET_PREFIX"
    KALSHI_TIMEOUT_SECONDS = "INPLAY_KALSHI_TIMEOUT_SECONDS"
    KALSHI_MAX_ATTEMPTS = "INPLAY_KALSHI_MAX_ATTEMPTS"
    KALSHI_RECOVERY_LAG_SECONDS = "INPLAY_KALSHI_RECOVERY_LAG_SECONDS"
    KALSHI_RECOVERY_MAX_WAIT_SECONDS = "INPLAY_KALSHI_RECOVERY_MAX_WAIT_SECONDS"
    PAPER_TABLE = "INPLAY_PAPER_TABLE"
    PAPER_EXECUTION = "INPLAY_PAPER_EXECUTION"
    PAPER_STARTING_BALANCE = "INPLAY_PAPER_STARTING_BALANCE"
    FEED_MAX_AGE_SECONDS = "INPLAY_FEED_MAX_AGE_SECONDS"
    CONNECTIONS_TABLE = "INPLAY_CONNECTIONS_TABLE"
    WS_ENDPOINT = "INPLAY_WS_ENDPOINT"
    DASHBOARD_ORIGINS = "INPLAY_DASHBOARD_ORIGINS"
    # Powertools reads these itself; infra sets them, so they are named here once too.
    SERVICE = "POWERTOOLS_SERVICE_NAME"
    METRICS_NAMESPACE = "POWERTOOLS_METRICS_NAMESPACE"
    LOG_LEVEL = "POWERTOOLS_LOG_LEVEL"


SECRET_ENVS: Final = frozenset({Env.DISCORD_WEBHOOK_SECRET})
"""Variables that carry a Secrets Manager secret ARN; a function reading one must list it in
``FunctionSpec.secrets`` (``infra/`` then grants ``secretsmanager:GetSecretValue`` on that secret only)."""
TOPIC_ENVS: Final = frozenset({Env.ALERTS_TOPIC_ARN})
"""Variables that carry an SNS topic ARN; a function publishing to one must list it in
``FunctionSpec.topics`` (``infra/`` then grants ``sns:Publish`` on that topic and use of its key)."""
STATE_MACHINE_ENVS: Final = frozenset({Env.ORDER_STATE_MACHINE_ARN, Env.ORDER_BATCH_STATE_MACHINE_ARN})
"""Variables naming a state machine. The state machines are built after the functions (they invoke
them), so infra sets these once the machine exists, with start/describe grants on it alone."""
WEBSOCKET_ENVS: Final = frozenset({Env.WS_ENDPOINT})
"""Variables carrying the WebSocket API's management endpoint (``https://{api}.execute-api.{region}
.amazonaws.com/{stage}``); infra sets them once the WebSocket API exists, with
``execute-api:ManageConnections`` on that API's stage alone."""
DASHBOARD_ENVS: Final = frozenset({Env.DASHBOARD_ORIGINS})
"""Variables carrying the deployed dashboard's origin (``https://<CloudFront domain>``, plus the
CORS context origins); infra sets them once the dashboard's distribution exists."""
FUNCTION_ENVS: Final = {Env.RECONCILER_FUNCTION: "reconciler", Env.KILL_SWITCH_FUNCTION: "kill_switch"}
"""Variables naming another function (by its ``FunctionSpec.name``); a function listing one in
``FunctionSpec.invokes`` gets ``lambda:InvokeFunction`` on that function alone."""

ALL_LEAGUES: Final = tuple(League)
ESPN_BASE_URL: Final = "https://site.api.espn.com/apis/site/v2/sports"


class SettingsError(RuntimeError):
    """A function's environment is missing or invalid: fail at start, never half-way through."""


class _Settings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=False)


class ObservabilitySettings(_Settings):
    service: Annotated[str, Field(alias=Env.SERVICE)] = SERVICE_NAME
    metrics_namespace: Annotated[str, Field(alias=Env.METRICS_NAMESPACE)] = METRICS_NAMESPACE


class GamePollerSettings(ObservabilitySettings):
    """``game_poller``: ESPN → games table, repeating inside its minute while games are live."""

    games_table: Annotated[str, Field(alias=Env.GAMES_TABLE, min_length=1)]
    risk_table: Annotated[str, Field(alias=Env.RISK_TABLE, min_length=1)]
    """Where the poller's heartbeat goes (the watchdog reads it)."""
    espn_base_url: Annotated[str, Field(alias=Env.ESPN_BASE_URL)] = ESPN_BASE_URL
    leagues: Annotated[tuple[League, ...], Field(alias=Env.LEAGUES)] = ALL_LEAGUES
    poll_interval_seconds: Annotated[float, Field(alias=Env.POLL_INTERVAL_SECONDS, gt=0, le=60)] = 8.0
    poll_window_seconds: Annotated[float, Field(alias=Env.POLL_WINDOW_SECONDS, ge=0, le=840)] = 56.0
    """Keep polling live leagues until this many seconds after the invocation started. 56 s with an
    8 s interval polls at 0, 8, …, 56 s, so the next minute's first poll is ~4 s later."""
    user_agent: Annotated[str, Field(alias=Env.USER_AGENT, min_length=8)] = DEFAULT_USER_AGENT
    game_ttl_days: Annotated[int, Field(alias=Env.GAME_TTL_DAYS, ge=1, le=365)] = 14

    @field_validator("leagues", mode="before")
    @classmethod
    def _split_leagues(cls, value: object) -> object:
        if isinstance(value, str):
            value = tuple(part.strip() for part in value.split(",") if part.strip())
        if isinstance(value, tuple | list):
            known = {league.value for league in ALL_LEAGUES}
            unknown = sorted(set(map(str, value)) - known)
            if unknown:
                raise ValueError(f"unknown league(s) {unknown}; known: {sorted(known)}")
            if not value:
                raise ValueError("at least one league is required")
        return value


class AlertingSettings(_Settings):
    """Mix into the settings of a function that publishes alerts (and add
    ``topics=frozenset({Env.ALERTS_TOPIC_ARN})`` to its ``FunctionSpec``)."""

    alerts_topic_arn: Annotated[str, Field(alias=Env.ALERTS_TOPIC_ARN, min_length=1)]


class DiscordNotifierSettings(ObservabilitySettings):
    """``discord_notifier``: SNS alerts topic → Discord webhook (URL read from Secrets Manager)."""

    webhook_secret: Annotated[str, Field(alias=Env.DISCORD_WEBHOOK_SECRET, min_length=1)]
    """ARN (or name) of the secret whose value is the webhook URL; the URL itself is never in the env."""
    secret_max_age_seconds: Annotated[int, Field(alias=Env.DISCORD_SECRET_MAX_AGE_SECONDS, ge=0, le=3600)] = (
        60
    )
    """How long a warm function reuses the URL before reading the secret again (a changed URL is
    picked up within this time)."""
    timeout_seconds: Annotated[float, Field(alias=Env.DISCORD_TIMEOUT_SECONDS, gt=0, le=30)] = 5.0
    max_attempts: Annotated[int, Field(alias=Env.DISCORD_MAX_ATTEMPTS, ge=1, le=10)] = 4
    """HTTP attempts per alert (429 and 5xx/network errors are retried) before the invocation fails."""
    max_retry_wait_seconds: Annotated[float, Field(alias=Env.DISCORD_MAX_RETRY_WAIT_SECONDS, ge=0, le=60)] = (
        20.0
    )
    """Longest total wait for Discord's ``retry_after`` within one invocation; beyond it the invocation
    fails and Lambda's async retries (then the DLQ) take over."""


KALSHI_DEMO_BASE_URL: Final = "https://external-api.demo.kalshi.co/trade-api/v2"
"""Kalshi's demo environment (no real money); equals ``inplay.venues.kalshi.DEMO_BASE_URL``."""
KALSHI_SECRET_PREFIX: Final = "inplay/kalshi/"
"""Per-user Kalshi credentials live in the secret ``<prefix><user_id>``: ``{"key_id", "private_key_pem"}``."""


class KalshiSettings(_Settings):
    """Mix into the settings of a function that talks to Kalshi for users (credentials per user)."""

    kalshi_base_url: Annotated[str, Field(alias=Env.KALSHI_BASE_URL, pattern=r"^https?://")] = (
        KALSHI_DEMO_BASE_URL
    )
    """Demo by default; production (``https://external-api.kalshi.com/trade-api/v2``) only for LIVE."""
    kalshi_secret_prefix: Annotated[str, Field(alias=Env.KALSHI_SECRET_PREFIX, min_length=1)] = (
        KALSHI_SECRET_PREFIX
    )
    kalshi_timeout_seconds: Annotated[float, Field(alias=Env.KALSHI_TIMEOUT_SECONDS, gt=0, le=30)] = 10.0
    kalshi_max_attempts: Annotated[int, Field(alias=Env.KALSHI_MAX_ATTEMPTS, ge=1, le=10)] = 4
    """HTTP attempts per Kalshi call inside one step (the workflow retries the step on top)."""
    kalshi_recovery_lag_seconds: Annotated[
        float, Field(alias=Env.KALSHI_RECOVERY_LAG_SECONDS, ge=0, le=30)
    ] = 3.0
    """After a lost order response, how long Kalshi's order list may lag before "not found" counts."""
    kalshi_recovery_max_wait_seconds: Annotated[
        float, Field(alias=Env.KALSHI_RECOVERY_MAX_WAIT_SECONDS, ge=0, le=30)
    ] = 15.0
    """How long one placement looks for an order whose response was lost before it is UNKNOWN."""


class PaperExecution(StrEnum):
    SIMULATED = "simulated"
    """PAPER orders fill on inplay's paper venue, against the venue's real (or simulated) book."""
    EXCHANGE = "exchange"
    """PAPER orders go to the configured Kalshi base URL, which must not be production (Kalshi's
    demo environment, or the local simulator in tests)."""


class PaperSettings(_Settings):
    """Mix into the settings of a function that trades or reads venue accounts (with
    :class:`KalshiSettings`): where PAPER orders go and the paper accounts' table."""

    paper_table: Annotated[str, Field(alias=Env.PAPER_TABLE, min_length=1)]
    paper_execution: Annotated[PaperExecution, Field(alias=Env.PAPER_EXECUTION)] = PaperExecution.SIMULATED
    paper_starting_balance: Annotated[
        Decimal, Field(alias=Env.PAPER_STARTING_BALANCE, gt=0, le=Decimal(10_000_000))
    ] = Decimal(10_000)
    """Dollars a new paper account starts with."""


class FeedFreshnessSettings(_Settings):
    """How old a league's last successful poll may be before trading on it stops: bot start refuses,
    and the strategy makes no new entries (exits still run)."""

    feed_max_age_seconds: Annotated[int, Field(alias=Env.FEED_MAX_AGE_SECONDS, ge=10, le=3600)] = 90


class AuthSettings(_Settings):
    """Mix into the settings of a function that signs users in or verifies their tokens."""

    user_pool_id: Annotated[
        str, Field(alias=Env.COGNITO_USER_POOL_ID, pattern=r"^[a-z]{2}(-[a-z]+)+-\d_[0-9A-Za-z]+$")
    ]
    """``<region>_<id>``, e.g. ``us-east-1_AbC123``."""
    client_id: Annotated[str, Field(alias=Env.COGNITO_CLIENT_ID, pattern=r"^[0-9A-Za-z]{1,128}$")]
    """The dashboard's app client (no secret); ID tokens carry it as ``aud``."""
    jwks_url: Annotated[str | None, Field(alias=Env.JWKS_URL, pattern=r"^https?://")] = None
    """Where the pool's signing keys are read; default the pool's public JWKS. The local cloud
    points this at moto's server (moto's tokens still name the AWS issuer)."""

    @property
    def region(self) -> str:
        return self.user_pool_id.split("_", 1)[0]

    @property
    def issuer(self) -> str:
        """The ``iss`` of the pool's tokens."""
        return f"https://cognito-idp.{self.region}.amazonaws.com/{self.user_pool_id}"

    @property
    def jwks_endpoint(self) -> str:
        return self.jwks_url or f"{self.issuer}/.well-known/jwks.json"


_ORIGIN_PATTERN: Final = re.compile(r"^https?://[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:\d{1,5})?$")


class CorsSettings(_Settings):
    """Mix into the settings of a function that answers browsers on another origin (the api)."""

    dashboard_origins: Annotated[tuple[str, ...], Field(alias=Env.DASHBOARD_ORIGINS)] = ()
    """Origins (``scheme://host[:port]``, comma-separated) whose pages may read the answers
    (``Access-Control-Allow-Origin``); empty: same-origin only (the local cloud)."""

    @field_validator("dashboard_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            value = tuple(part.strip() for part in value.split(",") if part.strip())
        if isinstance(value, tuple | list):
            origins = tuple(str(item).strip().lower() for item in value)
            bad = [origin for origin in origins if not _ORIGIN_PATTERN.match(origin)]
            if bad:
                raise ValueError(f"not origins (scheme://host[:port], no path): {bad}")
            return tuple(dict.fromkeys(origins))
        return value


class TradingTablesSettings(_Settings):
    """The tables of the order flow: intents, fills, positions, the audit trail, the bots table."""

    bots_table: Annotated[str, Field(alias=Env.BOTS_TABLE, min_length=1)]
    intents_table: Annotated[str, Field(alias=Env.INTENTS_TABLE, min_length=1)]
    fills_table: Annotated[str, Field(alias=Env.FILLS_TABLE, min_length=1)]
    positions_table: Annotated[str, Field(alias=Env.POSITIONS_TABLE, min_length=1)]
    audit_table: Annotated[str, Field(alias=Env.AUDIT_TABLE, min_length=1)]
    idempotency_table: Annotated[str, Field(alias=Env.IDEMPOTENCY_TABLE, min_length=1)]
    risk_table: Annotated[str, Field(alias=Env.RISK_TABLE, min_length=1)]


class ApiSettings(
    ObservabilitySettings,
    AuthSettings,
    AlertingSettings,
    TradingTablesSettings,
    KalshiSettings,
    PaperSettings,
    FeedFreshnessSettings,
    CorsSettings,
):
    """``api``: the REST API behind API Gateway."""

    games_table: Annotated[str, Field(alias=Env.GAMES_TABLE, min_length=1)]
    order_state_machine_arn: Annotated[str, Field(alias=Env.ORDER_STATE_MACHINE_ARN, min_length=1)]
    reconciler_function: Annotated[str, Field(alias=Env.RECONCILER_FUNCTION, min_length=1)]
    kill_switch_function: Annotated[str, Field(alias=Env.KILL_SWITCH_FUNCTION, min_length=1)]


class OrderWorkerSettings(
    ObservabilitySettings, AlertingSettings, TradingTablesSettings, KalshiSettings, PaperSettings
):
    """``order_worker``: every step of the order workflow (Step Functions tasks)."""


class ReconcilerSettings(
    ObservabilitySettings, AlertingSettings, TradingTablesSettings, KalshiSettings, PaperSettings
):
    """``reconciler``: venue orders, fills and positions against the store, per user."""

    stale_intent_seconds: Annotated[int, Field(alias=Env.STALE_INTENT_SECONDS, ge=60, le=86_400)] = 600
    """A non-terminal intent untouched this long has lost its workflow: settle it from the venue."""


class KillSwitchSettings(
    ObservabilitySettings, AlertingSettings, TradingTablesSettings, KalshiSettings, PaperSettings
):
    """``kill_switch``: evaluates every user's triggers, trips, cancels and flattens."""

    games_table: Annotated[str, Field(alias=Env.GAMES_TABLE, min_length=1)]
    order_batch_state_machine_arn: Annotated[
        str, Field(alias=Env.ORDER_BATCH_STATE_MACHINE_ARN, min_length=1)
    ]


class StrategySettings(
    ObservabilitySettings,
    AlertingSettings,
    TradingTablesSettings,
    KalshiSettings,
    PaperSettings,
    FeedFreshnessSettings,
):
    """``strategy``: evaluates every running bot each minute and on game-state changes."""

    games_table: Annotated[str, Field(alias=Env.GAMES_TABLE, min_length=1)]
    order_state_machine_arn: Annotated[str, Field(alias=Env.ORDER_STATE_MACHINE_ARN, min_length=1)]


class WatchdogSettings(ObservabilitySettings, AlertingSettings):
    """``watchdog``: pages when the poller, strategy or reconciler stops beating."""

    risk_table: Annotated[str, Field(alias=Env.RISK_TABLE, min_length=1)]
    repage_seconds: Annotated[int, Field(alias=Env.WATCHDOG_REPAGE_SECONDS, ge=60, le=86_400)] = 900
    """While a component stays stale, page again this often (not every minute)."""


class WebSocketSettings(ObservabilitySettings, AuthSettings):
    """``websocket``: the WebSocket API's ``$connect`` (verifies the ID token), ``$disconnect``
    and ``$default`` routes."""

    connections_table: Annotated[str, Field(alias=Env.CONNECTIONS_TABLE, min_length=1)]


class BroadcasterSettings(ObservabilitySettings):
    """``broadcaster``: position, bot and kill-switch changes (DynamoDB streams) → the owner's
    WebSocket connections."""

    connections_table: Annotated[str, Field(alias=Env.CONNECTIONS_TABLE, min_length=1)]
    ws_endpoint: Annotated[str, Field(alias=Env.WS_ENDPOINT, pattern=r"^https?://[^\s]+$")]
    """The WebSocket API's management endpoint (``https://{api}.execute-api.{region}.amazonaws.com
    /{stage}``); locally the local cloud's ``<http url>/_aws/ws``."""


def load_settings[S: _Settings](model: type[S], environ: Mapping[str, str] | None = None) -> S:
    """Build ``model`` from the environment; raise :class:`SettingsError` naming every bad variable."""
    source = os.environ if environ is None else environ
    aliases = {field.alias for field in model.model_fields.values() if field.alias}
    try:
        return model.model_validate({name: source[name] for name in aliases if name in source})
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or model.__name__}: {err['msg']}" for err in exc.errors()
        )
        raise SettingsError(f"invalid {model.__name__} environment: {problems}") from exc


@cache
def cached_settings[S: _Settings](model: type[S]) -> S:
    """The process-wide settings of one function, validated once (at cold start)."""
    return load_settings(model)


class Access(StrEnum):
    """How a function may touch a table; ``infra/`` turns this into least-privilege IAM."""

    READ = "read"
    READ_WRITE = "read_write"


@dataclass(frozen=True, slots=True)
class FunctionSpec:
    """What ``infra/`` needs to build a function and what the local cloud needs to run it."""

    name: str
    settings: type[_Settings]
    """The function's settings model; ``infra/`` must set exactly the variables it declares."""
    tables: Mapping[Env, Access]
    """The tables the function touches, by the env var that carries each table's name."""
    handler: str
    """Handler path relative to the ``functions/`` asset root, as Lambda's ``Handler`` setting."""
    description: str
    timeout_seconds: int
    memory_mb: int
    schedule: str | None = None
    """An EventBridge schedule expression, or ``None`` for functions with no schedule."""
    secrets: frozenset[Env] = frozenset()
    """Variables (from :data:`SECRET_ENVS`) whose secret the function may read."""
    topics: frozenset[Env] = frozenset()
    """Variables (from :data:`TOPIC_ENVS`) whose SNS topic the function may publish to."""
    streams: frozenset[Env] = frozenset()
    """Tables (by their env var) whose DynamoDB stream invokes the function."""
    invokes: frozenset[Env] = frozenset()
    """Variables (from :data:`FUNCTION_ENVS`) naming functions this one may invoke."""
    heartbeat_seconds: int | None = None
    """The function records a heartbeat at least this often; the watchdog pages when it stops."""


GAME_POLLER: Final = FunctionSpec(
    name="game_poller",
    settings=GamePollerSettings,
    tables={Env.GAMES_TABLE: Access.READ_WRITE, Env.RISK_TABLE: Access.READ_WRITE},
    handler="game_poller.handler.handler",
    description="Polls ESPN scoreboards into the games table; repeats within its minute while games are live",
    # The poll window (56 s default) plus one slow pass over the live leagues must fit.
    timeout_seconds=75,
    memory_mb=256,
    schedule="rate(1 minute)",
    heartbeat_seconds=60,
)
API: Final = FunctionSpec(
    name="api",
    settings=ApiSettings,
    tables={
        Env.GAMES_TABLE: Access.READ,
        Env.BOTS_TABLE: Access.READ_WRITE,
        Env.RISK_TABLE: Access.READ,
        Env.AUDIT_TABLE: Access.READ_WRITE,
        Env.INTENTS_TABLE: Access.READ,
        Env.FILLS_TABLE: Access.READ,
        Env.POSITIONS_TABLE: Access.READ,
        Env.IDEMPOTENCY_TABLE: Access.READ_WRITE,
        Env.PAPER_TABLE: Access.READ_WRITE,
    },
    topics=frozenset({Env.ALERTS_TOPIC_ARN}),
    invokes=frozenset({Env.RECONCILER_FUNCTION, Env.KILL_SWITCH_FUNCTION}),
    handler="api.handler.handler",
    description="REST API for the dashboard (health, games, orders, kill switch, reconcile)",
    # A manual reconcile waits for the reconciler (up to 25 s) before answering 202.
    timeout_seconds=29,
    memory_mb=256,
)
DISCORD_NOTIFIER: Final = FunctionSpec(
    name="discord_notifier",
    settings=DiscordNotifierSettings,
    tables={},
    secrets=frozenset({Env.DISCORD_WEBHOOK_SECRET}),
    handler="discord_notifier.handler.handler",
    description="Posts alerts from the SNS alerts topic to Discord; failures go to its dead-letter queue",
    # Up to max_attempts × timeout plus max_retry_wait (4 × 5 s + 20 s) must fit, with margin.
    timeout_seconds=60,
    memory_mb=256,
)
ORDER_WORKER: Final = FunctionSpec(
    name="order_worker",
    settings=OrderWorkerSettings,
    tables={
        Env.BOTS_TABLE: Access.READ,
        Env.INTENTS_TABLE: Access.READ_WRITE,
        Env.FILLS_TABLE: Access.READ_WRITE,
        Env.POSITIONS_TABLE: Access.READ_WRITE,
        Env.AUDIT_TABLE: Access.READ_WRITE,
        Env.IDEMPOTENCY_TABLE: Access.READ_WRITE,
        Env.RISK_TABLE: Access.READ_WRITE,
        Env.PAPER_TABLE: Access.READ_WRITE,
    },
    topics=frozenset({Env.ALERTS_TOPIC_ARN}),
    handler="order_worker.handler.handler",
    description="Runs each step of the order workflow: reserve, place, check, cancel, record, audit, alert",
    # One placement may look for a lost order response for up to 15 s, twice, plus HTTP timeouts.
    timeout_seconds=60,
    memory_mb=512,
)
_TRADING_TABLES: Final = {
    Env.BOTS_TABLE: Access.READ_WRITE,
    Env.INTENTS_TABLE: Access.READ_WRITE,
    Env.FILLS_TABLE: Access.READ_WRITE,
    Env.POSITIONS_TABLE: Access.READ_WRITE,
    Env.AUDIT_TABLE: Access.READ_WRITE,
    Env.IDEMPOTENCY_TABLE: Access.READ_WRITE,
    Env.RISK_TABLE: Access.READ_WRITE,
    Env.PAPER_TABLE: Access.READ_WRITE,
}
RECONCILER: Final = FunctionSpec(
    name="reconciler",
    settings=ReconcilerSettings,
    tables=_TRADING_TABLES,
    topics=frozenset({Env.ALERTS_TOPIC_ARN}),
    handler="reconciler.handler.handler",
    description="Compares every user's venue orders, fills and positions with the store; settles and alerts",
    # 1,000 positions and orders for one user reconcile in well under a minute; many users share it.
    timeout_seconds=300,
    memory_mb=512,
    schedule="rate(5 minutes)",
    heartbeat_seconds=300,
)
KILL_SWITCH: Final = FunctionSpec(
    name="kill_switch",
    settings=KillSwitchSettings,
    tables={**_TRADING_TABLES, Env.GAMES_TABLE: Access.READ},
    topics=frozenset({Env.ALERTS_TOPIC_ARN}),
    streams=frozenset({Env.FILLS_TABLE}),
    handler="kill_switch.handler.handler",
    description="Evaluates kill-switch triggers every minute and after every fill; trips, cancels, flattens",
    timeout_seconds=60,
    memory_mb=512,
    schedule="rate(1 minute)",
    heartbeat_seconds=60,
)
STRATEGY: Final = FunctionSpec(
    name="strategy",
    settings=StrategySettings,
    tables={**_TRADING_TABLES, Env.GAMES_TABLE: Access.READ},
    topics=frozenset({Env.ALERTS_TOPIC_ARN}),
    streams=frozenset({Env.GAMES_TABLE}),
    handler="strategy.handler.handler",
    description="Evaluates every running bot each minute and on game-state changes; starts order workflows",
    timeout_seconds=60,
    memory_mb=512,
    schedule="rate(1 minute)",
    heartbeat_seconds=60,
)
WATCHDOG: Final = FunctionSpec(
    name="watchdog",
    settings=WatchdogSettings,
    tables={Env.RISK_TABLE: Access.READ_WRITE},
    topics=frozenset({Env.ALERTS_TOPIC_ARN}),
    handler="watchdog.handler.handler",
    description="Pages (critical alert) when the poller, strategy, reconciler or kill switch stops beating",
    timeout_seconds=30,
    memory_mb=256,
    schedule="rate(1 minute)",
)
WEBSOCKET: Final = FunctionSpec(
    name="websocket",
    settings=WebSocketSettings,
    tables={Env.CONNECTIONS_TABLE: Access.READ_WRITE},
    handler="websocket.handler.handler",
    description="WebSocket API: $connect checks the ID token and stores the connection; $disconnect drops it",
    timeout_seconds=10,
    memory_mb=256,
)
BROADCASTER: Final = FunctionSpec(
    name="broadcaster",
    settings=BroadcasterSettings,
    tables={Env.CONNECTIONS_TABLE: Access.READ_WRITE},
    streams=frozenset({Env.POSITIONS_TABLE, Env.BOTS_TABLE}),
    handler="broadcaster.handler.handler",
    description="Pushes position, bot-status and kill-switch changes to their owner's WebSocket connections",
    timeout_seconds=30,
    memory_mb=256,
)
FUNCTIONS: Final = (
    GAME_POLLER,
    API,
    DISCORD_NOTIFIER,
    ORDER_WORKER,
    RECONCILER,
    KILL_SWITCH,
    STRATEGY,
    WATCHDOG,
    WEBSOCKET,
    BROADCASTER,
)
