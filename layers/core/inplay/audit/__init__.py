"""The audit trail: append-only, hash-chained per user (``chain``: pure; ``store``: DynamoDB)."""

from inplay.audit.chain import (
    GENESIS_HASH,
    AuditKind,
    AuditPayloadError,
    AuditRecord,
    VerifyResult,
    canonical_json,
    chain_next,
    record_hash,
    seal,
    verify_chain,
)
from inplay.audit.payloads import MarketSnapshot, OrderAuditPayload, RiskSnapshot
from inplay.audit.store import (
    AuditAppendOnlyError,
    AuditContentionError,
    AuditError,
    AuditLog,
    DynamoAuditLog,
    InMemoryAuditLog,
)

__all__ = [
    "GENESIS_HASH",
    "AuditAppendOnlyError",
    "AuditContentionError",
    "AuditError",
    "AuditKind",
    "AuditLog",
    "AuditPayloadError",
    "AuditRecord",
    "DynamoAuditLog",
    "InMemoryAuditLog",
    "MarketSnapshot",
    "OrderAuditPayload",
    "RiskSnapshot",
    "VerifyResult",
    "canonical_json",
    "chain_next",
    "record_hash",
    "seal",
    "verify_chain",
]
