"""The audit chain, pure: canonical JSON, record hashing and chain verification (no I/O).

Each user's audit records form a hash chain: record ``seq`` (1, 2, 3 …) carries ``prev_hash``,
the hash of record ``seq − 1`` (:data:`GENESIS_HASH` for seq 1), and its own ``hash`` =
SHA-256 over the canonical JSON of (scheme, user_id, seq, kind, at, payload, prev_hash).
``at`` and ``payload`` are kept exactly as stored (strings), so verification hashes the stored
bytes and never depends on re-serializing anything.

What a chain alone can and cannot show:

- detected: a changed field of any record (hash mismatch at that seq), a record whose
  ``prev_hash`` does not link to its predecessor (broken link), a missing or out-of-order seq,
  and a forged record with a recomputed hash (its successor's link breaks);
- **not** detected: a deleted *tail* (the last k records removed), or a rewrite of a record and
  every record after it. Both leave a shorter or different but self-consistent chain. The
  verifier therefore reports the record count and the head (last seq and hash): compare them
  with an anchor kept elsewhere (an alert, a log line, an earlier verification) to catch those.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from enum import Enum, StrEnum
from typing import Any, Final

from pydantic import BaseModel

__all__ = [
    "GENESIS_HASH",
    "AuditKind",
    "AuditPayloadError",
    "AuditRecord",
    "VerifyResult",
    "canonical_json",
    "chain_next",
    "format_at",
    "record_hash",
    "seal",
    "verify_chain",
]

GENESIS_HASH: Final = "0" * 64
_SCHEME: Final = "inplay-audit-v1"
_AT_FORMAT: Final = "%Y-%m-%dT%H:%M:%S.%fZ"
_AT_RE: Final = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$")


class AuditKind(StrEnum):
    """What a record is about. Add members freely: the verifier hashes whatever kind is stored."""

    ENTRY = "ENTRY"
    EXIT = "EXIT"
    CANCEL = "CANCEL"
    ERROR = "ERROR"
    MODE_CHANGE = "MODE_CHANGE"
    KILL_SWITCH = "KILL_SWITCH"
    BOT_STATE = "BOT_STATE"
    """A bot's lifecycle transition (start, pre-flight refusal, pause, resume, stop, error)."""
    SETTINGS_CHANGED = "SETTINGS_CHANGED"
    """A ``PUT /api/settings``: the changed settings with their old and new values."""
    CREDENTIALS_SAVED = "CREDENTIALS_SAVED"
    """Venue credentials saved after a live check (the key id masked; never the key)."""
    CREDENTIALS_DELETED = "CREDENTIALS_DELETED"


class AuditPayloadError(ValueError):
    """A value that has no canonical JSON form (a float, a naive datetime, a non-string key …)."""


def _plain(value: Any, path: str) -> Any:
    """``value`` as JSON-ready data with no floats: Decimals and datetimes become strings."""
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, Enum):
        return _plain(value.value, path)
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        raise AuditPayloadError(f"{path}: floats are not allowed in audit payloads (use Decimal): {value!r}")
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise AuditPayloadError(f"{path}: non-finite Decimal {value}")
        return str(value)
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise AuditPayloadError(f"{path}: naive datetime {value.isoformat()} (use UTC)")
        return format_at(value)
    if isinstance(value, BaseModel):
        # JSON mode turns Decimals into strings; a float field would still be a float → refused.
        return _plain(value.model_dump(mode="json"), path)
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise AuditPayloadError(f"{path}: keys must be strings, got {key!r}")
            out[key] = _plain(item, f"{path}.{key}")
        return out
    if isinstance(value, list | tuple):
        return [_plain(item, f"{path}[{index}]") for index, item in enumerate(value)]
    raise AuditPayloadError(f"{path}: {type(value).__name__} has no canonical JSON form")


def canonical_json(value: Any) -> str:
    """Deterministic JSON: sorted keys, no whitespace, ASCII only, Decimals as exact strings.

    ``Decimal("0.5600")`` → ``"0.5600"`` (its exact digits), aware datetimes → UTC
    ``YYYY-MM-DDTHH:MM:SS.ffffffZ``, enums → their value, pydantic models → their JSON dump.
    Floats (and NaN/Infinity) are refused with :class:`AuditPayloadError`.
    """
    return json.dumps(
        _plain(value, "$"), sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False
    )


def format_at(moment: datetime) -> str:
    """The one text form of an audit time: UTC, microseconds, ``Z``."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise AuditPayloadError(f"audit times must be timezone-aware, got {moment.isoformat()}")
    return moment.astimezone(UTC).strftime(_AT_FORMAT)


@dataclass(frozen=True, slots=True)
class AuditRecord:
    """One audit record exactly as stored: ``at`` and ``payload`` are the stored strings."""

    user_id: str
    seq: int
    kind: str
    at: str
    payload: str
    """Canonical JSON text (see :func:`canonical_json`)."""
    prev_hash: str
    hash: str

    @property
    def moment(self) -> datetime:
        if not _AT_RE.fullmatch(self.at):
            raise ValueError(f"audit seq {self.seq}: malformed time {self.at!r}")
        return datetime.strptime(self.at, _AT_FORMAT).replace(tzinfo=UTC)

    def data(self) -> Any:
        """The payload parsed back (Decimals come back as the strings they were stored as)."""
        return json.loads(self.payload)


def record_hash(*, user_id: str, seq: int, kind: str, at: str, payload: str, prev_hash: str) -> str:
    """SHA-256 (hex) of the canonical JSON of one record's content and its link."""
    material = canonical_json(
        {
            "scheme": _SCHEME,
            "user_id": user_id,
            "seq": seq,
            "kind": kind,
            "at": at,
            "payload": payload,
            "prev_hash": prev_hash,
        }
    )
    return hashlib.sha256(material.encode("ascii")).hexdigest()


def seal(*, user_id: str, seq: int, kind: str, at: datetime, payload: Any, prev_hash: str) -> AuditRecord:
    """A complete record: canonicalizes ``payload`` and ``at``, computes the hash."""
    if not user_id:
        raise AuditPayloadError("user_id must not be empty")
    if isinstance(seq, bool) or not isinstance(seq, int) or seq < 1:
        raise AuditPayloadError(f"seq must be a positive int, got {seq!r}")
    if not kind:
        raise AuditPayloadError("kind must not be empty")
    body = canonical_json(payload)
    at_text = format_at(at)
    kind_text = str(kind.value if isinstance(kind, Enum) else kind)
    digest = record_hash(
        user_id=user_id, seq=seq, kind=kind_text, at=at_text, payload=body, prev_hash=prev_hash
    )
    return AuditRecord(
        user_id=user_id, seq=seq, kind=kind_text, at=at_text, payload=body, prev_hash=prev_hash, hash=digest
    )


def chain_next(
    previous: AuditRecord | None, *, user_id: str, kind: str, at: datetime, payload: Any
) -> AuditRecord:
    """The record that follows ``previous`` (or the genesis record when ``previous`` is None)."""
    if previous is not None and previous.user_id != user_id:
        raise AuditPayloadError(f"cannot chain a record of {user_id!r} onto {previous.user_id!r}'s chain")
    return seal(
        user_id=user_id,
        seq=1 if previous is None else previous.seq + 1,
        kind=kind,
        at=at,
        payload=payload,
        prev_hash=GENESIS_HASH if previous is None else previous.hash,
    )


@dataclass(frozen=True, slots=True)
class VerifyResult:
    ok: bool
    checked: int
    """Records verified before the first break (all of them when ``ok``)."""
    first_break: int | None
    """The first seq that cannot be verified; ``None`` when ``ok``."""
    reason: str | None
    count: int
    """Records read in total (a deleted tail shows only as a smaller count than expected)."""
    head_seq: int | None = None
    """Seq of the last verified record: with ``head_hash``, an anchor to compare elsewhere."""
    head_hash: str | None = None


def verify_chain(records: Iterable[AuditRecord], *, user_id: str | None = None) -> VerifyResult:
    """Walk ``records`` (in the order given: ascending seq) and report the first break.

    Streams: memory does not grow with the chain. See the module docstring for what a chain
    cannot detect (a deleted tail).
    """
    expected_seq = 1
    previous_hash = GENESIS_HASH
    checked = count = 0
    first_break: int | None = None
    reason: str | None = None
    head: AuditRecord | None = None
    for record in records:
        count += 1
        if first_break is not None:
            continue
        problem = _problem(record, expected_seq, previous_hash, user_id)
        if problem is not None:
            first_break, reason = problem
            continue
        checked += 1
        expected_seq += 1
        previous_hash = record.hash
        head = record
    return VerifyResult(
        ok=first_break is None,
        checked=checked,
        first_break=first_break,
        reason=reason,
        count=count,
        head_seq=head.seq if head else None,
        head_hash=head.hash if head else None,
    )


def _problem(
    record: AuditRecord, expected_seq: int, previous_hash: str, user_id: str | None
) -> tuple[int, str] | None:
    if record.seq != expected_seq:
        if record.seq > expected_seq:
            missing = (
                f"seq {expected_seq}"
                if record.seq == expected_seq + 1
                else f"seqs {expected_seq}..{record.seq - 1}"
            )
            return expected_seq, f"gap: {missing} missing (next record is seq {record.seq})"
        return expected_seq, f"out of order: found seq {record.seq} where seq {expected_seq} belongs"
    if user_id is not None and record.user_id != user_id:
        return record.seq, f"record belongs to user {record.user_id!r}, not {user_id!r}"
    if record.prev_hash != previous_hash:
        link = "the genesis hash" if expected_seq == 1 else f"the hash of seq {expected_seq - 1}"
        return record.seq, f"broken link: prev_hash does not match {link}"
    actual = record_hash(
        user_id=record.user_id,
        seq=record.seq,
        kind=record.kind,
        at=record.at,
        payload=record.payload,
        prev_hash=record.prev_hash,
    )
    if actual != record.hash:
        return record.seq, "hash mismatch: the record was changed after it was written"
    return None
