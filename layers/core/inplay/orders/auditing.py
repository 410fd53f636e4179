"""Audit appends that happen once per (intent, outcome), even when the Audit task is retried.

Appending to the hash chain is not idempotent by itself (a retry would add a second record), so
the order workflow appends through the powertools idempotency utility on the idempotency table:
the first call appends and stores the receipt; a repeat with the same key (within a day) returns
that receipt without appending. A call whose twin is still in progress raises powertools'
``IdempotencyAlreadyInProgressError`` (the workflow retries it).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Final, Protocol

from inplay.audit.chain import AuditKind
from inplay.audit.store import AuditLog

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.idempotency import BasePersistenceLayer
    from aws_lambda_powertools.utilities.typing import LambdaContext

__all__ = ["AUDIT_IDEMPOTENCY_SECONDS", "IdempotentOrderAudit", "OrderAuditor"]

AUDIT_IDEMPOTENCY_SECONDS: Final = 24 * 60 * 60
_KEY_PREFIX: Final = "inplay-order-audit"


class OrderAuditor(Protocol):
    def append_once(self, *, key: str, user_id: str, kind: AuditKind, payload: Any) -> dict[str, Any]:
        """Append unless ``key`` was appended already; return ``{"seq", "hash"}`` of the record."""
        ...

    def register_context(self, context: LambdaContext) -> None: ...


class IdempotentOrderAudit:
    """:class:`OrderAuditor` over an :class:`AuditLog`, deduplicated by powertools idempotency."""

    def __init__(
        self,
        log: AuditLog,
        persistence: BasePersistenceLayer,
        *,
        expires_after_seconds: int = AUDIT_IDEMPOTENCY_SECONDS,
    ) -> None:
        from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig, idempotent_function

        self._log = log
        self._config = IdempotencyConfig(expires_after_seconds=expires_after_seconds)
        self._append: Callable[..., dict[str, Any]] = idempotent_function(
            self._append_record,
            data_keyword_argument="key",
            persistence_store=persistence,
            config=self._config,
            key_prefix=_KEY_PREFIX,
        )

    def register_context(self, context: LambdaContext) -> None:
        """Let an in-progress marker expire with this invocation (a crashed append can be redone)."""
        self._config.register_lambda_context(context)

    def _append_record(
        self, *, key: dict[str, str], user_id: str, kind: AuditKind, payload: Any
    ) -> dict[str, Any]:
        record = self._log.append(user_id, kind, payload)
        return {"seq": record.seq, "hash": record.hash}

    def append_once(self, *, key: str, user_id: str, kind: AuditKind, payload: Any) -> dict[str, Any]:
        return self._append(key={"key": key}, user_id=user_id, kind=kind, payload=payload)
