"""The data model: every DynamoDB table, its keys, indexes, stream and TTL, declared once.

``infra/`` builds the tables from these specs; the PynamoDB models in ``inplay.store`` use the same
attribute names; the local cloud provisions from the synthesized template, and a test checks that
template against these specs. Change a key here and all three move together.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Final

from inplay.config import Env

__all__ = ["TABLES", "Gsi", "KeyType", "StreamView", "TableSpec", "table_spec"]


class KeyType(StrEnum):
    STRING = "S"
    NUMBER = "N"


class StreamView(StrEnum):
    NEW_AND_OLD_IMAGES = "NEW_AND_OLD_IMAGES"
    NEW_IMAGE = "NEW_IMAGE"


@dataclass(frozen=True, slots=True)
class Gsi:
    name: str
    partition_key: str
    sort_key: str | None = None
    partition_type: KeyType = KeyType.STRING
    sort_type: KeyType = KeyType.STRING


@dataclass(frozen=True, slots=True)
class TableSpec:
    """One table. ``logical_id`` names the CDK construct; ``env`` is the variable carrying its name."""

    logical_id: str
    env: Env
    partition_key: str
    sort_key: str | None = None
    partition_type: KeyType = KeyType.STRING
    sort_type: KeyType = KeyType.STRING
    gsis: tuple[Gsi, ...] = field(default_factory=tuple)
    stream: StreamView | None = None
    ttl_attribute: str | None = None
    append_only: bool = False
    """No update or delete in code or IAM (the audit trail)."""
    purpose: str = ""


GAMES: Final = TableSpec(
    logical_id="GamesTable",
    env=Env.GAMES_TABLE,
    partition_key="league",
    sort_key="event_id",
    gsis=(Gsi("by_state", partition_key="state", sort_key="start_time"),),
    # The strategy reacts to game-state changes (a later issue consumes this stream).
    stream=StreamView.NEW_AND_OLD_IMAGES,
    ttl_attribute="expires_at",
    purpose="Latest normalized ESPN state per game; expires some days after the game",
)
BOTS: Final = TableSpec(
    logical_id="BotsTable",
    env=Env.BOTS_TABLE,
    partition_key="user_id",
    sort_key="sk",  # "BOT#<bot_id>" | "SETTINGS" | "KILL_SWITCH"
    stream=StreamView.NEW_AND_OLD_IMAGES,  # BOT_STATUS / KILL_SWITCH live updates
    purpose="Bots, their persisted state machine and settings, per-user settings and kill-switch state",
)
INTENTS: Final = TableSpec(
    logical_id="IntentsTable",
    env=Env.INTENTS_TABLE,
    partition_key="intent_id",
    gsis=(
        Gsi("by_user", partition_key="user_id", sort_key="created_at"),
        Gsi("by_status", partition_key="status", sort_key="updated_at"),
    ),
    stream=StreamView.NEW_AND_OLD_IMAGES,
    purpose="Order intents, written before any venue call; deterministic id = client_order_id",
)
POSITIONS: Final = TableSpec(
    logical_id="PositionsTable",
    env=Env.POSITIONS_TABLE,
    partition_key="user_id",
    sort_key="position_id",
    gsis=(Gsi("by_status", partition_key="user_status", sort_key="opened_at"),),
    stream=StreamView.NEW_AND_OLD_IMAGES,  # POSITION_UPDATE / NEW_POSITION / POSITION_CLOSED
    purpose="Open and closed positions per user",
)
FILLS: Final = TableSpec(
    logical_id="FillsTable",
    env=Env.FILLS_TABLE,
    partition_key="user_id",
    sort_key="fill_id",
    gsis=(
        Gsi("by_intent", partition_key="intent_id", sort_key="filled_at"),
        Gsi("by_user_time", partition_key="user_id", sort_key="filled_at"),  # today's P&L, kill switch
    ),
    stream=StreamView.NEW_IMAGE,  # kill-switch checks right after every recorded fill
    purpose="Venue fills, keyed by the venue's fill id (idempotent recording)",
)
AUDIT: Final = TableSpec(
    logical_id="AuditTable",
    env=Env.AUDIT_TABLE,
    partition_key="user_id",
    sort_key="seq",
    sort_type=KeyType.NUMBER,
    append_only=True,
    purpose="Append-only, hash-chained audit records per user",
)
RISK: Final = TableSpec(
    logical_id="RiskTable",
    env=Env.RISK_TABLE,
    partition_key="user_id",
    sort_key="sk",  # "KILL#<ts>" | "ORPHAN#<order_id>" | "RECON#<ts>"
    gsis=(Gsi("by_kind", partition_key="kind", sort_key="at"),),
    stream=StreamView.NEW_AND_OLD_IMAGES,
    ttl_attribute="expires_at",  # per-minute API-call counters only; events and reports are kept
    purpose="Risk events: kill-switch events, orphaned orders, reconciliation reports",
)
IDEMPOTENCY: Final = TableSpec(
    logical_id="IdempotencyTable",
    env=Env.IDEMPOTENCY_TABLE,
    partition_key="id",  # powertools' DynamoDBPersistenceLayer defaults
    ttl_attribute="expiration",
    purpose="Powertools idempotency records for at-least-once triggers",
)

PAPER: Final = TableSpec(
    logical_id="PaperTable",
    env=Env.PAPER_TABLE,
    partition_key="account",  # "<venue>#<user_id>"
    sort_key="sk",  # "ACCOUNT" | "ORDER#<order_id>" | "FILL#<fill_id>" | "POS#<market_ticker>"
    purpose="Paper-trading accounts: balance, orders, fills and positions of the simulated venue",
)

CONNECTIONS: Final = TableSpec(
    logical_id="ConnectionsTable",
    env=Env.CONNECTIONS_TABLE,
    partition_key="connection_id",
    gsis=(Gsi("by_user", partition_key="user_id"),),  # the broadcaster: a user's open connections
    ttl_attribute="expires_at",  # API Gateway ends a WebSocket connection after 2 hours at most
    purpose="Open WebSocket connections of the dashboard and the user each one signed in as",
)

TABLES: Final = (GAMES, BOTS, INTENTS, POSITIONS, FILLS, AUDIT, RISK, IDEMPOTENCY, PAPER, CONNECTIONS)


def table_spec(env: Env) -> TableSpec:
    for spec in TABLES:
        if spec.env is env:
            return spec
    raise KeyError(env)
