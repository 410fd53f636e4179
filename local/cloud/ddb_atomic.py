"""Make moto's DynamoDB conditional writes atomic, as DynamoDB's are.

moto's in-memory DynamoDB reads the current item, evaluates the condition and stores the new item
without a lock, so two concurrent writers can both pass ``attribute_not_exists`` or the same
``version = :v`` check. DynamoDB never allows that, and the safety core (intent ledger, audit chain,
kill switch) depends on it. This patch serializes moto's write operations behind one re-entrant
lock (re-entrant because moto delivers DynamoDB-stream records to Lambda synchronously inside the
write, and a stream handler may write again). Reads are not locked: each stored item is replaced
whole, so a reader sees the old or the new item, never half of one.

It patches the backend class, so it covers ``mock_aws`` in-process and the threaded moto server
(same process) alike. :func:`install` is idempotent; :func:`uninstall` restores the originals.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Final

__all__ = ["WRITE_OPERATIONS", "install", "is_installed", "patched", "uninstall"]

WRITE_OPERATIONS: Final = ("put_item", "update_item", "delete_item", "transact_write_items")

_lock = threading.RLock()
_originals: dict[str, Callable[..., Any]] = {}


def _backend_class() -> type:
    from moto.dynamodb.models import DynamoDBBackend

    return DynamoDBBackend


def _serialized(original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def write(self: object, *args: Any, **kwargs: Any) -> Any:
        with _lock:
            return original(self, *args, **kwargs)

    return write


def install() -> None:
    if _originals:
        return
    backend = _backend_class()
    for name in WRITE_OPERATIONS:
        original = getattr(backend, name)
        _originals[name] = original
        setattr(backend, name, _serialized(original))


def uninstall() -> None:
    backend = _backend_class()
    for name, original in _originals.items():
        setattr(backend, name, original)
    _originals.clear()


def is_installed() -> bool:
    return bool(_originals)


@contextmanager
def patched() -> Iterator[None]:
    installed_here = not is_installed()
    install()
    try:
        yield
    finally:
        if installed_here:
            uninstall()
