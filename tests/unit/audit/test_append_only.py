"""The audit package has no update or delete path: not in its code, not on its classes."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest

import inplay.audit
from inplay.audit import AuditAppendOnlyError, AuditKind, DynamoAuditLog, InMemoryAuditLog
from inplay.audit.store import _AuditItem

AUDIT_DIR = Path(inplay.audit.__file__).parent
FORBIDDEN_CALLS = {
    "update",
    "update_item",
    "delete",
    "delete_item",
    "batch_write",
    "batch_write_item",
    "transact_write_items",
    "TransactWrite",
    "execute_statement",
    "batch_execute_statement",
}
FORBIDDEN_TEXT = ("UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems", "PartiQL")
READ_AND_APPEND = {"append", "last", "records", "verify"}


def _calls(tree: ast.AST) -> set[str]:
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Attribute):
                names.add(func.attr)
            elif isinstance(func, ast.Name):
                names.add(func.id)
    return names


def _string_literals(tree: ast.AST) -> list[str]:
    """String constants the code uses (docstrings and other bare string statements excluded)."""
    docstrings = {
        id(node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
    }
    return [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings
    ]


def test_the_sources_exist() -> None:
    assert {path.name for path in AUDIT_DIR.glob("*.py")} >= {"__init__.py", "chain.py", "store.py"}


@pytest.mark.parametrize("path", sorted(AUDIT_DIR.glob("*.py")), ids=lambda p: p.name)
def test_no_update_or_delete_calls_in_the_audit_package(path: Path) -> None:
    source = path.read_text(encoding="utf-8")
    assert not (_calls(ast.parse(source)) & FORBIDDEN_CALLS)
    literals = _string_literals(ast.parse(source))
    assert not [word for word in FORBIDDEN_TEXT for text in literals if word in text]


def test_the_scanner_would_catch_one() -> None:
    assert _calls(ast.parse("item.update(actions=[])\nclient.delete_item(Key={})")) >= {
        "update",
        "delete_item",
    }


@pytest.mark.parametrize("cls", [DynamoAuditLog, InMemoryAuditLog])
def test_the_logs_expose_only_append_and_reads(cls) -> None:
    public = {name for name, _ in inspect.getmembers(cls, callable) if not name.startswith("_")}
    assert public == READ_AND_APPEND


def test_the_item_model_refuses_update_delete_and_batch_writes() -> None:
    item = _AuditItem("user-1", 1)
    with pytest.raises(AuditAppendOnlyError):
        item.update(actions=[])
    with pytest.raises(AuditAppendOnlyError):
        item.delete()
    with pytest.raises(AuditAppendOnlyError):
        _AuditItem.batch_write()


def test_unknown_kinds_and_bad_users_are_refused_before_writing() -> None:
    log = InMemoryAuditLog()
    from inplay.audit import AuditError

    with pytest.raises(AuditError, match="unknown audit kind"):
        log.append("user-1", "DANCE", {})
    with pytest.raises(AuditError, match="user_id"):
        log.append("", AuditKind.ENTRY, {})
    assert log.last("user-1") is None
