"""The audit table: an append-only, per-user hash chain on DynamoDB (plus an in-memory twin).

Append = read the user's last record (consistent query, newest first, limit 1), seal the next
record (seq + 1, linked to its hash) and put it with ``attribute_not_exists(seq)``. When another
writer took that seq first, the put is refused; re-read and retry, a bounded number of times.
A record is never overwritten and a seq is never skipped.

This module has no update or delete path: :class:`AuditLog` exposes only append and reads, the
item model refuses ``update``/``delete``/``batch_write`` and forces the not-exists condition on
every put, and IAM grants the functions no ``UpdateItem``/``DeleteItem``/``BatchWriteItem`` on the
table (``infra.wiring``). A plain ``PutItem`` by someone holding wider credentials could still
replace an item: the hash chain is what makes that visible (``inplay audit verify``).
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from functools import cache
from typing import Any, Final, NoReturn, Protocol

from pynamodb.attributes import Attribute, NumberAttribute, UnicodeAttribute
from pynamodb.constants import STRING
from pynamodb.exceptions import PutError
from pynamodb.expressions.condition import Condition
from pynamodb.models import Model

from inplay.audit.chain import AuditKind, AuditRecord, VerifyResult, canonical_json, chain_next, verify_chain
from inplay.store.pynamo import bind

__all__ = [
    "AuditAppendOnlyError",
    "AuditContentionError",
    "AuditError",
    "AuditLog",
    "DynamoAuditHistory",
    "DynamoAuditLog",
    "InMemoryAuditLog",
]

DEFAULT_MAX_ATTEMPTS: Final = 10
_CONDITIONAL_FAILED: Final = "ConditionalCheckFailedException"


class AuditError(Exception):
    """Base of the audit store's errors."""


class AuditContentionError(AuditError):
    """Every attempt lost the race for the next seq: nothing was written."""


class AuditAppendOnlyError(AuditError):
    """Something tried to update, delete or overwrite an audit record."""


class AuditLog(Protocol):
    """Append and read, nothing else: there is deliberately no update or delete."""

    def append(
        self, user_id: str, kind: AuditKind, payload: Any, *, at: datetime | None = None
    ) -> AuditRecord:
        """Append one record to ``user_id``'s chain and return it (as stored)."""
        ...

    def last(self, user_id: str) -> AuditRecord | None:
        """The user's newest record (consistent read), or ``None`` for an empty chain."""
        ...

    def records(self, user_id: str, *, after_seq: int = 0) -> Iterator[AuditRecord]:
        """The user's records with seq > ``after_seq``, ascending (consistent, paginated lazily)."""
        ...

    def verify(self, user_id: str) -> VerifyResult: ...


def _checked_kind(kind: AuditKind | str) -> AuditKind:
    try:
        return AuditKind(kind)
    except ValueError:
        raise AuditError(f"unknown audit kind {kind!r}; known: {', '.join(AuditKind)}") from None


def _checked_user(user_id: str) -> str:
    if not isinstance(user_id, str) or not user_id:
        raise AuditError(f"user_id must be a non-empty string, got {user_id!r}")
    return user_id


def _utc_now() -> datetime:
    return datetime.now(UTC)


class _StoredText(Attribute[str]):
    """A string attribute that never fails to read: a value of the wrong DynamoDB type comes back
    as its JSON form, so a tampered item is reported by verification instead of crashing it."""

    attr_type = STRING

    def get_value(self, value: dict[str, Any]) -> Any:
        if STRING in value:
            return value[STRING]
        return json.dumps(value, sort_keys=True, default=str)

    def serialize(self, value: str) -> str:
        return value

    def deserialize(self, value: str) -> str:
        return value


class _AuditItem(Model):
    """Persistence shape of a record. Bound to a table name at runtime by :func:`_model_for`."""

    class Meta:
        table_name = "unbound"

    user_id = UnicodeAttribute(hash_key=True)
    seq = NumberAttribute(range_key=True)
    kind = _StoredText(null=True)
    at = _StoredText(null=True)
    payload = _StoredText(null=True)
    prev_hash = _StoredText(null=True)
    hash = _StoredText(null=True)

    def save(
        self, condition: Condition | None = None, *, add_version_condition: bool = True
    ) -> dict[str, Any]:
        """Put, only where no record exists: the not-exists condition cannot be left out."""
        not_exists = type(self).seq.does_not_exist()
        return super().save(
            condition=not_exists if condition is None else not_exists & condition,
            add_version_condition=add_version_condition,
        )

    def update(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AuditAppendOnlyError("audit records are append-only: no update")

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AuditAppendOnlyError("audit records are append-only: no delete")

    @classmethod
    def batch_write(cls, *args: Any, **kwargs: Any) -> NoReturn:
        raise AuditAppendOnlyError("audit records are append-only: no batch writes (they can delete)")


@cache
def _model_for(table_name: str, host: str | None) -> type[_AuditItem]:
    return bind(_AuditItem, table_name, host)


def _to_record(item: _AuditItem) -> AuditRecord:
    return AuditRecord(
        user_id=item.user_id,
        seq=int(item.seq),
        kind=item.kind or "",
        at=item.at or "",
        payload=item.payload or "",
        prev_hash=item.prev_hash or "",
        hash=item.hash or "",
    )


class DynamoAuditLog:
    """:class:`AuditLog` on the audit table (partition ``user_id``, sort ``seq``: Number)."""

    def __init__(
        self,
        table_name: str,
        *,
        host: str | None = None,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
        now: Callable[[], datetime] = _utc_now,
        sleep: Callable[[float], None] = time.sleep,
        backoff_seconds: float = 0.01,
    ) -> None:
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        self._model = _model_for(table_name, host)
        self._max_attempts = max_attempts
        self._now = now
        self._sleep = sleep
        self._backoff = backoff_seconds
        self._random = random.Random()

    def append(
        self, user_id: str, kind: AuditKind, payload: Any, *, at: datetime | None = None
    ) -> AuditRecord:
        user_id = _checked_user(user_id)
        checked_kind = _checked_kind(kind)
        canonical_json(payload)  # refuse a bad payload before any I/O
        for attempt in range(self._max_attempts):
            if attempt:
                self._sleep(self._backoff * min(2**attempt, 32) * self._random.random())
            record = chain_next(
                self.last(user_id),
                user_id=user_id,
                kind=checked_kind,
                at=at if at is not None else self._now(),
                payload=payload,
            )
            item = self._model(
                record.user_id,
                record.seq,
                kind=record.kind,
                at=record.at,
                payload=record.payload,
                prev_hash=record.prev_hash,
                hash=record.hash,
            )
            try:
                item.save()
            except PutError as exc:
                if exc.cause_response_code == _CONDITIONAL_FAILED:
                    continue  # another writer took this seq: re-read and chain onto theirs
                raise
            return record
        raise AuditContentionError(
            f"could not append to {user_id}'s audit chain: the next seq was taken {self._max_attempts} times"
        )

    def last(self, user_id: str) -> AuditRecord | None:
        items = self._model.query(user_id, consistent_read=True, scan_index_forward=False, limit=1)
        for item in items:
            return _to_record(item)
        return None

    def records(self, user_id: str, *, after_seq: int = 0) -> Iterator[AuditRecord]:
        condition = self._model.seq > after_seq
        items = self._model.query(
            user_id, range_key_condition=condition, consistent_read=True, scan_index_forward=True
        )
        for item in items:
            yield _to_record(item)

    def verify(self, user_id: str) -> VerifyResult:
        return verify_chain(self.records(user_id), user_id=user_id)


class DynamoAuditHistory:
    """Newest-first reads of the audit table, for listings (the API's trade records). It has no
    append: a reader that cannot write."""

    def __init__(self, table_name: str, *, host: str | None = None) -> None:
        self._model = _model_for(table_name, host)

    def newest(
        self, user_id: str, *, before_seq: int | None = None, page_size: int = 100
    ) -> Iterator[AuditRecord]:
        """The user's records newest first (seq < ``before_seq`` when given), read lazily
        ``page_size`` per page (eventually consistent)."""
        condition = self._model.seq < before_seq if before_seq is not None else None
        items = self._model.query(
            user_id, range_key_condition=condition, scan_index_forward=False, page_size=page_size
        )
        return (_to_record(item) for item in items)


class InMemoryAuditLog:
    """:class:`AuditLog` in memory, same chain and same rules (for tests and offline tools)."""

    def __init__(self, *, now: Callable[[], datetime] = _utc_now) -> None:
        self._chains: dict[str, list[AuditRecord]] = {}
        self._lock = threading.Lock()
        self._now = now

    def append(
        self, user_id: str, kind: AuditKind, payload: Any, *, at: datetime | None = None
    ) -> AuditRecord:
        user_id = _checked_user(user_id)
        checked_kind = _checked_kind(kind)
        with self._lock:
            chain = self._chains.setdefault(user_id, [])
            record = chain_next(
                chain[-1] if chain else None,
                user_id=user_id,
                kind=checked_kind,
                at=at if at is not None else self._now(),
                payload=payload,
            )
            chain.append(record)
        return record

    def last(self, user_id: str) -> AuditRecord | None:
        with self._lock:
            chain = self._chains.get(user_id)
            return chain[-1] if chain else None

    def records(self, user_id: str, *, after_seq: int = 0) -> Iterator[AuditRecord]:
        with self._lock:
            snapshot = list(self._chains.get(user_id, ()))
        return iter([record for record in snapshot if record.seq > after_seq])

    def verify(self, user_id: str) -> VerifyResult:
        return verify_chain(self.records(user_id), user_id=user_id)
