"""The local cloud's DynamoDB, kept across restarts and crashes: a write-through journal.

After every committed write of moto's DynamoDB backend (``put_item``, ``update_item``,
``delete_item``, ``transact_write_items``; ``BatchWriteItem`` goes through the first and third),
:class:`DynamoPersistence` appends one JSON line to ``<state_dir>/dynamodb.jsonl`` holding the full
new image (or the deletion) of every item the write changed, then flushes and fsyncs it before the
write returns. It does so inside :mod:`local.cloud.ddb_atomic`'s write lock, so the journal's order
is the commit order, and a transaction is one line: after a crash it is all there or not at all.

:meth:`DynamoPersistence.open`, called once the tables are provisioned, replays the journal into
them (the last image of each key wins; tables are matched by name, which is deterministic for a
template), without stream deliveries and without journaling, then compacts the journal into a
snapshot (temp file, fsync, atomic rename); a journal that grows past ``compact_bytes`` while
running is compacted the same way from the live tables. A torn last line (the process died mid-append) is
ignored; damage anywhere else stops the start with a :class:`PersistenceError`. Items of tables the
template no longer has are kept in the snapshot (and reported), not dropped.

Only DynamoDB is persisted. Step Functions executions, SNS subscriptions, SQS messages and secrets
are recreated by every start; the Kalshi simulator keeps its own state. PartiQL writes
(``ExecuteStatement``) are not journaled (the project does not use them). A state directory is used
by one local cloud at a time (an advisory lock on POSIX).
"""

from __future__ import annotations

import functools
import json
import logging
import os
import sys
import threading
from base64 import b64encode
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Final

from local.cloud import ddb_atomic
from local.cloud.errors import LocalCloudError
from local.cloud.moto_runtime import ACCOUNT_ID, REGION

__all__ = [
    "DEFAULT_COMPACT_BYTES",
    "JOURNAL_NAME",
    "DynamoPersistence",
    "ItemImage",
    "Journal",
    "PersistenceError",
    "RestoreSummary",
    "wipe_state",
]

logger = logging.getLogger(__name__)

JOURNAL_NAME: Final = "dynamodb.jsonl"
_LOCK_NAME: Final = ".lock"
_FORMAT: Final = "inplay-local-dynamodb"
_VERSION: Final = 1
_ITEM_WRITES: Final = ("put_item", "update_item", "delete_item")
DEFAULT_COMPACT_BYTES: Final = 64 * 1024 * 1024


class PersistenceError(LocalCloudError):
    """The state directory cannot be used: a damaged journal, or another local cloud using it."""


# --------------------------------------------------------------------------- the journal


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=_json_default)


def _json_default(value: object) -> object:
    if isinstance(value, bytes | bytearray):  # moto may hold binary attributes as bytes
        return b64encode(value).decode("ascii")
    raise TypeError(f"cannot journal a {type(value).__name__}")


@dataclass(frozen=True, slots=True)
class ItemImage:
    """One item after a write: ``item`` is its full image in DynamoDB JSON, ``None`` if deleted."""

    table: str
    key: Mapping[str, Any]
    item: Mapping[str, Any] | None = None

    @property
    def identity(self) -> tuple[str, str]:
        return self.table, _canonical(self.key)

    def to_json(self) -> dict[str, Any]:
        return {"t": self.table, "k": dict(self.key), "i": None if self.item is None else dict(self.item)}

    @classmethod
    def from_json(cls, raw: Any) -> ItemImage:
        if not (isinstance(raw, dict) and isinstance(raw.get("t"), str) and isinstance(raw.get("k"), dict)):
            raise ValueError(f"not an item image: {raw!r:.200}")
        item = raw.get("i")
        if item is not None and not isinstance(item, dict):
            raise ValueError(f"not an item: {item!r:.200}")
        return cls(raw["t"], raw["k"], item)


def _fsync_directory(directory: Path) -> None:
    if sys.platform == "win32":  # directories cannot be opened for fsync there
        return
    handle = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)


class Journal:
    """An append-only JSON-lines file: a header line, then one line per committed write."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._file: IO[bytes] | None = None
        self.size = 0
        """Bytes in the file, as of the last load, append or compaction."""
        self.torn_tail = False
        """Whether the last :meth:`load` ignored a torn last line."""

    def load(self) -> dict[tuple[str, str], ItemImage]:
        """The last image of every key (deletions included); raises :class:`PersistenceError` if damaged."""
        self.torn_tail = False
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            self.size = 0
            return {}
        self.size = len(data)
        lines = data.split(b"\n")
        state: dict[tuple[str, str], ItemImage] = {}
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                images = self._parse(line)
            except ValueError as exc:
                if number == len(lines) or (number == len(lines) - 1 and not lines[-1]):
                    logger.warning("%s: ignoring a torn last line (%d bytes): %s", self.path, len(line), exc)
                    self.torn_tail = True
                    break
                raise PersistenceError(
                    f"{self.path} line {number} is damaged ({exc}); move the file away or start fresh"
                ) from exc
            for image in images:
                state[image.identity] = image
        return state

    @staticmethod
    def _parse(line: bytes) -> list[ItemImage]:
        raw = json.loads(line)
        if isinstance(raw, dict) and raw.get("format") == _FORMAT:
            if raw.get("version") != _VERSION:
                raise PersistenceError(f"journal format version {raw.get('version')!r} is not {_VERSION}")
            return []
        if not isinstance(raw, dict) or not isinstance(raw.get("w"), list):
            raise ValueError(f"not a journal line: {line[:200]!r}")
        return [ItemImage.from_json(image) for image in raw["w"]]

    def append(self, images: Sequence[ItemImage]) -> None:
        """Append one write (all its images) as one line; durable when this returns."""
        if not images:
            return
        if self._file is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fresh = not self.path.exists() or self.path.stat().st_size == 0
            self._file = self.path.open("ab")
            self.size = self.path.stat().st_size
            if fresh:
                self.size += self._write_line(self._file, self._header())
        self.size += self._write_line(self._file, {"w": [image.to_json() for image in images]})
        self._file.flush()
        os.fsync(self._file.fileno())

    def compact(self, images: Iterable[ItemImage]) -> int:
        """Replace the journal by a snapshot of the live ``images`` (atomic); the number written."""
        self.close()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_name(self.path.name + ".tmp")
        written = size = 0
        with temporary.open("wb") as snapshot:
            size += self._write_line(snapshot, self._header())
            for image in images:
                if image.item is not None:
                    size += self._write_line(snapshot, {"w": [image.to_json()]})
                    written += 1
            snapshot.flush()
            os.fsync(snapshot.fileno())
        temporary.replace(self.path)
        _fsync_directory(self.path.parent)
        self.size = size
        return written

    def close(self) -> None:
        file, self._file = self._file, None
        if file is not None:
            file.close()

    @staticmethod
    def _header() -> dict[str, Any]:
        return {"format": _FORMAT, "version": _VERSION}

    @staticmethod
    def _write_line(file: IO[bytes], value: Mapping[str, Any]) -> int:
        line = json.dumps(value, separators=(",", ":"), default=_json_default).encode() + b"\n"
        file.write(line)
        return len(line)


# --------------------------------------------------------------------------- the write hook


class _WriteScope(threading.local):
    def __init__(self) -> None:
        self.depth = 0
        self.touched: dict[tuple[str, str], tuple[str, dict[str, Any]]] = {}


_scope = _WriteScope()
_write_lock: Final = ddb_atomic._lock
"""ddb_atomic's re-entrant write lock: journaling inside it makes the journal's order the commit order."""
_hook_lock = threading.Lock()
_active: DynamoPersistence | None = None
_originals: dict[str, Callable[..., Any]] = {}
_wrappers: dict[str, Callable[..., Any]] = {}


def _backend_class() -> Any:
    from moto.dynamodb.models import DynamoDBBackend

    return DynamoDBBackend


def _item_key(backend: Any, table_name: str, item: Any) -> dict[str, Any] | None:
    table = backend.tables.get(table_name)
    if table is None or item is None:
        return None
    key = {table.hash_key_attr: item.hash_key.to_json()}
    if table.range_key_attr is not None and item.range_key is not None:
        key[table.range_key_attr] = item.range_key.to_json()
    return key


def _journaled(name: str, original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def write(self: Any, *args: Any, **kwargs: Any) -> Any:
        sink = _active
        if sink is None or not sink.covers(self):
            return original(self, *args, **kwargs)
        scope = _scope
        with _write_lock:
            scope.depth += 1
            try:
                result = original(self, *args, **kwargs)
                if name in _ITEM_WRITES:
                    table_name = str(kwargs.get("table_name", args[0] if args else ""))
                    key = _item_key(self, table_name, result)
                    if key is not None:
                        scope.touched[(table_name, _canonical(key))] = (table_name, key)
            except BaseException:
                scope.depth -= 1
                if scope.depth == 0:
                    scope.touched.clear()
                raise
            scope.depth -= 1
            if scope.depth == 0 and scope.touched:
                touched, scope.touched = scope.touched, {}
                sink.record(self, list(touched.values()))
            return result

    return write


def _install_hook(persistence: DynamoPersistence) -> None:
    global _active
    with _hook_lock:
        if _active is not None:
            raise PersistenceError("another local cloud in this process already persists DynamoDB")
        backend = _backend_class()
        for name in ddb_atomic.WRITE_OPERATIONS:
            original = getattr(backend, name)
            _originals[name] = original
            _wrappers[name] = _journaled(name, original)
            setattr(backend, name, _wrappers[name])
        _active = persistence


def _uninstall_hook(persistence: DynamoPersistence) -> None:
    global _active
    with _hook_lock:
        if _active is not persistence:
            return
        backend = _backend_class()
        for name, wrapper in _wrappers.items():
            if getattr(backend, name) is wrapper:  # else someone wrapped ours: it passes through now
                setattr(backend, name, _originals[name])
        _originals.clear()
        _wrappers.clear()
        _active = None


# --------------------------------------------------------------------------- the service


@dataclass(frozen=True, slots=True)
class RestoreSummary:
    """What :meth:`DynamoPersistence.open` found in the state directory."""

    items: Mapping[str, int] = field(default_factory=dict)
    """Items restored, by table name."""
    unknown_tables: Mapping[str, int] = field(default_factory=dict)
    """Items kept in the journal for tables this stack does not have (or that refused them)."""
    torn_tail: bool = False

    @property
    def restored(self) -> int:
        return sum(self.items.values())


class _DirectoryLock:
    """An exclusive advisory lock on ``<state_dir>/.lock`` (POSIX ``flock``; none on Windows)."""

    def __init__(self, directory: Path) -> None:
        self._path = directory / _LOCK_NAME
        self._file: IO[bytes] | None = None

    def acquire(self) -> None:
        self._file = self._path.open("ab")
        if sys.platform == "win32":
            return
        import fcntl

        try:
            fcntl.flock(self._file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            self.release()
            raise PersistenceError(
                f"the state directory {self._path.parent} is in use by another local cloud"
            ) from exc

    def release(self) -> None:
        file, self._file = self._file, None
        if file is not None:
            file.close()  # closing the descriptor releases the lock


class DynamoPersistence:
    """Journal moto's DynamoDB (account ``account_id``, ``region``) to ``state_dir``; restore it on open.

    Call :meth:`open` after the tables exist and before anything else writes; :meth:`close` when
    done (not calling it, as in a crash, loses nothing that was written). When the journal grows
    past ``compact_bytes`` it is compacted again from the live tables (inside the write lock).
    """

    def __init__(
        self,
        state_dir: Path | str,
        *,
        account_id: str = ACCOUNT_ID,
        region: str = REGION,
        compact_bytes: int = DEFAULT_COMPACT_BYTES,
    ) -> None:
        self.state_dir = Path(state_dir)
        self.journal = Journal(self.state_dir / JOURNAL_NAME)
        self._account_id = account_id
        self._region = region
        self._compact_bytes = compact_bytes
        self._lock = _DirectoryLock(self.state_dir)
        self._opened = False
        self._carried: list[ItemImage] = []
        """Images of tables this stack does not have: kept through every compaction."""

    def open(self) -> RestoreSummary:
        """Lock the directory, replay the journal into the tables, compact it, start journaling."""
        if self._opened:
            raise PersistenceError("this persistence is already open")
        try:
            self.state_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise PersistenceError(f"cannot create the state directory {self.state_dir}: {exc}") from exc
        self._lock.acquire()
        try:
            state = self.journal.load()
            summary = self._replay(state.values())
            self._carried = [image for image in state.values() if image.table in summary.unknown_tables]
            self.journal.compact(state.values())
            _install_hook(self)
        except BaseException:
            self.journal.close()
            self._lock.release()
            raise
        self._opened = True
        summary = RestoreSummary(summary.items, summary.unknown_tables, self.journal.torn_tail)
        if summary.unknown_tables:
            logger.warning(
                "state %s holds items of tables this stack does not have (kept): %s",
                self.state_dir,
                dict(summary.unknown_tables),
            )
        logger.info("restored %d DynamoDB item(s) from %s", summary.restored, self.state_dir)
        return summary

    def close(self) -> None:
        """Stop journaling and release the directory (idempotent)."""
        _uninstall_hook(self)
        self.journal.close()
        self._lock.release()
        self._opened = False

    def __enter__(self) -> DynamoPersistence:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # ---- internals

    def _backend(self) -> Any:
        from moto.dynamodb.models import dynamodb_backends

        return dynamodb_backends[self._account_id][self._region]

    def covers(self, backend: Any) -> bool:
        return bool(backend.account_id == self._account_id and backend.region_name == self._region)

    def record(self, backend: Any, touched: Sequence[tuple[str, dict[str, Any]]]) -> None:
        """Journal the current image of every touched key (called inside the write lock)."""
        images = []
        for table_name, key in touched:
            if table_name not in backend.tables:
                continue
            item = backend.get_item(table_name, key)
            images.append(ItemImage(table_name, key, None if item is None else item.to_json()["Attributes"]))
        try:
            self.journal.append(images)
            if self.journal.size > self._compact_bytes:
                self.journal.compact([*self._live_images(backend), *self._carried])
        except OSError as exc:
            logger.error("could not journal a DynamoDB write to %s: %s", self.journal.path, exc)
            raise PersistenceError(f"could not journal a DynamoDB write: {exc}") from exc

    @staticmethod
    def _live_images(backend: Any) -> Iterator[ItemImage]:
        for name, table in list(backend.tables.items()):
            for item in table.all_items():
                key = _item_key(backend, name, item)
                if key is not None:
                    yield ItemImage(name, key, item.to_json()["Attributes"])

    def _replay(self, images: Iterable[ItemImage]) -> RestoreSummary:
        backend = self._backend()
        restored: dict[str, int] = {}
        unknown: dict[str, int] = {}
        with _write_lock:
            for image in images:
                if image.item is None:
                    continue
                table = backend.tables.get(image.table)
                if table is None:
                    unknown[image.table] = unknown.get(image.table, 0) + 1
                    continue
                try:
                    with _without_stream(table):
                        table.put_item(json.loads(_canonical(image.item)), overwrite=True)
                except Exception as exc:
                    logger.warning("cannot restore an item of %s (%s): %s", image.table, image.key, exc)
                    unknown[image.table] = unknown.get(image.table, 0) + 1
                    continue
                restored[image.table] = restored.get(image.table, 0) + 1
        return RestoreSummary(restored, unknown)


@contextmanager
def _without_stream(table: Any) -> Iterator[None]:
    """Restoring state is not a change: no stream record (so no Lambda delivery) for it."""
    shard, table.stream_shard = table.stream_shard, None
    try:
        yield
    finally:
        table.stream_shard = shard


def wipe_state(state_dir: Path | str) -> bool:
    """Delete the persisted DynamoDB state in ``state_dir`` (only the files this module writes);
    whether there was any. Raises :class:`PersistenceError` while a local cloud uses the directory."""
    directory = Path(state_dir)
    if not directory.is_dir():
        return False
    lock = _DirectoryLock(directory)
    lock.acquire()
    try:
        found = False
        for path in (directory / JOURNAL_NAME, directory / (JOURNAL_NAME + ".tmp")):
            if path.exists():
                path.unlink()
                found = True
        return found
    finally:
        lock.release()
