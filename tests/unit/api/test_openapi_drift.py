"""The committed docs/openapi.json is what the code generates, and says who needs a token."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from api.security import PUBLIC_ROUTES
from local.cli import main
from local.commands import openapi

METHODS = ("get", "put", "post", "delete", "patch")


def test_committed_document_matches_the_code() -> None:
    committed = openapi.DEFAULT_PATH.read_text(encoding="utf-8") if openapi.DEFAULT_PATH.exists() else ""
    if committed != openapi.render():
        pytest.fail("docs/openapi.json is out of date: run `make openapi` (inplay openapi) and commit it")


def operations(document: dict) -> list[tuple[str, str, dict]]:  # type: ignore[type-arg]
    return [
        (method.upper(), path, item[method])
        for path, item in document["paths"].items()
        for method in METHODS
        if method in item
    ]


def test_every_route_but_the_public_ones_requires_the_bearer_token() -> None:
    document = openapi.openapi_document()
    scheme = document["components"]["securitySchemes"][openapi.SECURITY_SCHEME]
    assert scheme == scheme | {"type": "http", "scheme": "bearer"}
    found = operations(document)
    assert {(m, p) for m, p, _ in found} >= set(PUBLIC_ROUTES)
    for method, path, operation in found:
        if (method, path) in PUBLIC_ROUTES:
            assert operation["security"] == [], path
            assert "401" not in operation["responses"]
        else:
            assert operation["security"] == [{openapi.SECURITY_SCHEME: []}], path
            assert "401" in operation["responses"], path
        assert "422" not in operation["responses"]
        if "requestBody" in operation:
            assert "413" in operation["responses"], path


def test_error_answers_reference_the_error_schema() -> None:
    document = openapi.openapi_document()
    error = document["components"]["schemas"][openapi.ERROR_SCHEMA]
    assert error["required"] == ["message"]
    text = json.dumps(document)
    assert "HTTPValidationError" not in text


def run_command(*argv: str) -> int:
    """``inplay openapi ARGV`` through the CLI's own entry point."""
    return main(["openapi", *argv])


def test_check_reports_drift_and_writing_fixes_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "docs" / "openapi.json"
    assert run_command("--check", "--output", str(target)) == openapi.EXIT_DRIFT
    assert "run `make openapi`" in capsys.readouterr().err
    assert run_command("--output", str(target)) == 0
    assert json.loads(target.read_text())["info"]["title"] == openapi.TITLE
    assert run_command("--check", "--output", str(target)) == 0
    target.write_text(target.read_text().replace('"/api/orders"', '"/api/ordersX"'))
    assert run_command("--check", "--output", str(target)) == openapi.EXIT_DRIFT
    assert '"/api/ordersX"' in capsys.readouterr().err
