"""DynamoDB stream → Lambda delivery as AWS does it: after the write commits, asynchronously.

moto 5.2.5 invokes a stream's mapped function synchronously inside ``StreamShard.add``: in the
middle of the write that produced the record (even between two items of one TransactWriteItems,
and for items a failed transaction then rolls back), with :mod:`local.cloud.ddb_atomic`'s write lock
held. :func:`install` replaces that with AWS's model:

- ``StreamShard.add`` only builds the record. Inside a write operation (``put_item``,
  ``update_item``, ``delete_item``, ``transact_write_items`` of the backend) the record is held by
  the writing thread and queued when the outermost operation returns, still inside ddb_atomic's
  write lock (so the queue's order is the commit order): a rolled-back transaction queues nothing,
  and a handler reading any table of the transaction sees all of it.
- One daemon thread per event source mapping delivers its queue in order, at most the mapping's
  ``BatchSize`` records per invocation, never holding the write lock.
- A failed invocation (handler error, missing function) is retried with exponential backoff
  (:data:`RETRY_BACKOFF_SECONDS` doubling, at most :data:`MAX_BACKOFF_SECONDS`), the mapping's
  ``MaximumRetryAttempts`` times (:data:`DEFAULT_RETRY_ATTEMPTS` when unset or -1, never more than
  :data:`MAX_RETRY_ATTEMPTS`), then the batch is dropped with an ERROR log. AWS retries until the
  record expires (24 h) unless the mapping bounds it; the local bound keeps a poison record from
  blocking the shard for a day. Batch bisection and on-failure destinations are not emulated.
- A record is removed from the queue only after its batch was delivered or dropped, so a delivered
  record is never delivered again.
- Disabled mappings (``Enabled: false``) get no records.

:func:`drain` waits until every queued record was delivered or dropped; :func:`uninstall` restores
moto and stops the threads (records still queued are dropped). Tables without a mapping keep moto's
own record list (for the DynamoDB Streams ``GetRecords`` API).
"""

from __future__ import annotations

import functools
import json
import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from local.cloud import ddb_atomic

__all__ = [
    "DEFAULT_RETRY_ATTEMPTS",
    "MAX_BACKOFF_SECONDS",
    "MAX_RETRY_ATTEMPTS",
    "RETRY_BACKOFF_SECONDS",
    "drain",
    "install",
    "is_installed",
    "patched",
    "pending",
    "uninstall",
]

logger = logging.getLogger(__name__)

DEFAULT_RETRY_ATTEMPTS: Final = 3
"""Retries of a failed batch when the mapping sets no ``MaximumRetryAttempts`` (or -1, "forever")."""
MAX_RETRY_ATTEMPTS: Final = 10
RETRY_BACKOFF_SECONDS: Final = 0.05
MAX_BACKOFF_SECONDS: Final = 1.0
_JOIN_SECONDS: Final = 5.0
_MARKER: Final = "_inplay_async_streams"
_SEQUENCE_ATTRIBUTE: Final = "_inplay_next_sequence"


@dataclass(frozen=True, slots=True)
class _Target:
    """One event source mapping, as captured when its record was produced."""

    uuid: str
    account_id: str
    region: str
    table_name: str
    function_arn: str
    source_arn: str


class _WriteScope(threading.local):
    """Per thread: how deep inside backend write operations we are, and the records they produced."""

    def __init__(self) -> None:
        self.depth = 0
        self.pending: list[tuple[_Target, str]] = []


_scope = _WriteScope()
_write_lock: Final = ddb_atomic._lock
"""ddb_atomic's re-entrant write lock (held by writes whether or not ddb_atomic is installed here)."""
_cond = threading.Condition()
_workers: dict[str, _Worker] = {}
_stop = threading.Event()
_originals: dict[str, Callable[..., Any]] = {}
_wrappers: dict[str, Callable[..., Any]] = {}


# --------------------------------------------------------------------------- moto access


def _shard_class() -> Any:
    from moto.dynamodb.models.table import StreamShard

    return StreamShard


def _backend_class() -> Any:
    from moto.dynamodb.models import DynamoDBBackend

    return DynamoDBBackend


def _lambda_backend(account_id: str, region: str) -> Any:
    from moto.awslambda.utils import get_backend

    return get_backend(account_id, region)


def _live_mapping(target: _Target) -> Any:
    try:
        return _lambda_backend(target.account_id, target.region).get_event_source_mapping(target.uuid)
    except Exception:
        logger.exception("cannot look up the event source mapping %s", target.uuid)
        return None


def _enabled(mapping: Any) -> bool:
    return mapping.enabled not in (False, "false", "False")


def _targets(table: Any) -> list[_Target]:
    """The table's enabled mappings, resolved through the Lambda backend (the table's own copies go
    stale when a failed transaction restores a deep copy of the table)."""
    targets = []
    for esm in dict(getattr(table, "lambda_event_source_mappings", {})).values():
        region = str(esm.function_arn).split(":")[3]
        live = _lambda_backend(table.account_id, region).get_event_source_mapping(esm.uuid)
        if live is None or not _enabled(live):
            continue
        targets.append(
            _Target(
                uuid=str(live.uuid),
                account_id=str(table.account_id),
                region=region,
                table_name=str(table.name),
                function_arn=str(live.function_arn),
                source_arn=str(live.event_source_arn),
            )
        )
    return targets


def _lambda_record(record: dict[str, Any], target: _Target) -> str:
    """moto's stream record as the JSON text of one Lambda event record (what AWS sends)."""
    from moto.core.utils import unix_time

    dynamodb = dict(record["dynamodb"])
    created = dynamodb.get("ApproximateCreationDateTime")
    if isinstance(created, datetime):
        dynamodb["ApproximateCreationDateTime"] = unix_time(created)
    return json.dumps(
        {
            "eventID": record["eventID"],
            "eventName": record["eventName"],
            "eventVersion": record["eventVersion"],
            "eventSource": record["eventSource"],
            "awsRegion": target.region,
            "dynamodb": dynamodb,
            "eventSourceARN": target.source_arn,
        }
    )


# --------------------------------------------------------------------------- the patches


def _add(shard: Any, old: Any, new: Any) -> None:
    """Replacement for ``StreamShard.add``: build the record; queue it, or hold it until the write commits."""
    from moto.dynamodb.models.table import StreamRecord

    view = shard.table.stream_specification["StreamViewType"]
    event_name = "INSERT" if old is None else "REMOVE" if new is None else "MODIFY"
    targets = _targets(shard.table)
    if not targets:  # moto's bookkeeping, for the GetRecords API
        sequence = len(shard.items) + shard.starting_sequence_number
        shard.items.append(StreamRecord(shard.table, view, event_name, old, new, sequence))
        return
    offset = getattr(shard, _SEQUENCE_ATTRIBUTE, len(shard.items))
    setattr(shard, _SEQUENCE_ATTRIBUTE, offset + 1)
    record = StreamRecord(shard.table, view, event_name, old, new, shard.starting_sequence_number + offset)
    ready = [(target, _lambda_record(record.to_json(), target)) for target in targets]
    if _scope.depth:
        _scope.pending.extend(ready)
    else:
        _enqueue(ready)


setattr(_add, _MARKER, True)


def _committing(original: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap a backend write: records produced inside it are queued when the outermost write returns."""

    @functools.wraps(original)
    def write(self: object, *args: Any, **kwargs: Any) -> Any:
        scope = _scope
        with _write_lock:  # queue in commit order: two writes of one item arrive in their order
            scope.depth += 1
            try:
                result = original(self, *args, **kwargs)
            except BaseException:
                scope.depth -= 1
                if scope.depth == 0:
                    scope.pending.clear()
                raise
            scope.depth -= 1
            if scope.depth == 0 and scope.pending:
                ready, scope.pending = scope.pending, []
                _enqueue(ready)
            return result

    return write


# --------------------------------------------------------------------------- delivery


class _Worker:
    """The ordered queue of one mapping and the daemon thread that delivers it."""

    def __init__(self, target: _Target, stop: threading.Event) -> None:
        self.target = target
        self.queue: deque[str] = deque()
        self.busy = False
        self._stop = stop
        self.thread = threading.Thread(
            target=self._run,
            name=f"ddb-stream:{target.table_name}->{target.function_arn.rsplit(':', 1)[-1]}",
            daemon=True,
        )

    def _run(self) -> None:
        while True:
            with _cond:
                while not self.queue and not self._stop.is_set():
                    _cond.wait()
                if self._stop.is_set():
                    return
                mapping = _live_mapping(self.target)
                if mapping is None:  # deleted, or moto was reset
                    logger.warning(
                        "dropping %d stream record(s) of %s: its mapping %s no longer exists",
                        len(self.queue),
                        self.target.table_name,
                        self.target.uuid,
                    )
                    self.queue.clear()
                    _cond.notify_all()
                    continue
                batch = [self.queue[i] for i in range(min(int(mapping.batch_size or 100), len(self.queue)))]
                self.busy = True
            try:
                self._deliver(batch, _retries(mapping))
            finally:
                with _cond:
                    for _ in batch:
                        if self.queue:
                            self.queue.popleft()
                    self.busy = False
                    _cond.notify_all()

    def _deliver(self, batch: list[str], retries: int) -> None:
        event = '{"Records": [' + ", ".join(batch) + "]}"
        error = ""
        for attempt in range(retries + 1):
            if self._stop.is_set():
                return
            error = self._invoke(event)
            if not error:
                return
            logger.warning(
                "stream batch of %d record(s) from %s to %s failed (attempt %d of %d): %s",
                len(batch),
                self.target.table_name,
                self.target.function_arn,
                attempt + 1,
                retries + 1,
                error,
            )
            if attempt < retries:
                self._stop.wait(min(RETRY_BACKOFF_SECONDS * 2**attempt, MAX_BACKOFF_SECONDS))
        logger.error(
            "dropping a stream batch of %d record(s) from %s to %s after %d attempts: %s",
            len(batch),
            self.target.table_name,
            self.target.function_arn,
            retries + 1,
            error,
        )

    def _invoke(self, event: str) -> str:
        """Invoke the function once; the error text, or "" on success."""
        try:
            function = _lambda_backend(self.target.account_id, self.target.region).get_function(
                self.target.function_arn
            )
            headers: dict[str, str] = {}
            payload = function.invoke(event, {}, headers)
        except Exception as exc:
            return f"{type(exc).__name__}: {exc}"
        if "x-amz-function-error" in headers:
            text = payload.decode(errors="replace") if isinstance(payload, bytes) else str(payload)
            return text[:500] or "function error"
        return ""


def _retries(mapping: Any) -> int:
    configured = getattr(mapping, "max_retry_attempts", None)
    try:
        retries = int(configured) if configured is not None else -1
    except (TypeError, ValueError):
        retries = -1
    if retries < 0:
        retries = DEFAULT_RETRY_ATTEMPTS
    return min(retries, MAX_RETRY_ATTEMPTS)


def _enqueue(ready: list[tuple[_Target, str]]) -> None:
    with _cond:
        if _stop.is_set() or not is_installed():
            return
        for target, record in ready:
            worker = _workers.get(target.uuid)
            if worker is None:
                worker = _workers[target.uuid] = _Worker(target, _stop)
                worker.thread.start()
            worker.queue.append(record)
        _cond.notify_all()


# --------------------------------------------------------------------------- public API


def install() -> None:
    """Deliver stream records asynchronously after commit (idempotent)."""
    global _stop
    with _cond:
        if is_installed():
            return
        _stop = threading.Event()
        shard = _shard_class()
        _originals["add"] = shard.add
        shard.add = _add
        backend = _backend_class()
        for name in ddb_atomic.WRITE_OPERATIONS:
            original = getattr(backend, name)
            _originals[name] = original
            _wrappers[name] = _committing(original)
            setattr(backend, name, _wrappers[name])


def uninstall(timeout: float = _JOIN_SECONDS) -> None:
    """Restore moto's synchronous delivery and stop the delivery threads (queued records are dropped)."""
    with _cond:
        if not is_installed():
            return
        _shard_class().add = _originals.pop("add")
        backend = _backend_class()
        for name, wrapper in _wrappers.items():
            # Only when nobody wrapped on top of ours since; a wrapper left in place passes through.
            if getattr(backend, name) is wrapper:
                setattr(backend, name, _originals[name])
        _originals.clear()
        _wrappers.clear()
        _stop.set()
        _cond.notify_all()
        workers = list(_workers.values())
        _workers.clear()
    deadline = time.monotonic() + timeout
    for worker in workers:
        worker.thread.join(max(0.0, deadline - time.monotonic()))
        if worker.thread.is_alive():
            logger.warning("stream delivery thread %s did not stop in time", worker.thread.name)
    dropped = sum(len(worker.queue) for worker in workers)
    if dropped:
        logger.warning("dropped %d undelivered stream record(s) at shutdown", dropped)


def is_installed() -> bool:
    return bool(getattr(_shard_class().add, _MARKER, False))


def pending() -> int:
    """Records queued or being delivered (0 when everything was delivered or dropped)."""
    with _cond:
        return sum(len(worker.queue) for worker in _workers.values())


def drain(timeout: float = 10.0) -> bool:
    """Wait until every queued record was delivered (or dropped); False if ``timeout`` passed first.

    Records of a write still in progress in another thread are not waited for.
    """
    deadline = time.monotonic() + timeout
    with _cond:
        while any(worker.queue or worker.busy for worker in _workers.values()):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            _cond.wait(remaining)
    return True


@contextmanager
def patched() -> Iterator[None]:
    """Install for the duration of the block; leave it as found afterwards."""
    installed_here = not is_installed()
    install()
    try:
        yield
    finally:
        if installed_here:
            uninstall()
