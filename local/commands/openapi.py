"""``inplay openapi [--check] [--output PATH]``: the REST API's OpenAPI document.

Generated from the api function's resolver (its routes and pydantic models), then completed with
what the resolver does not know: the bearer-token security scheme on every route except
``api.security.PUBLIC_ROUTES`` (``security: []``), and the error answers every route can give
(``{"message", "errors"?}``: 400 invalid request, 401 without a valid token, 413 for a body over
the limit). Written to ``docs/openapi.json``; ``--check`` exits 1 when that file differs from what
the code generates (``make openapi`` regenerates it).
"""

from __future__ import annotations

import argparse
import difflib
import importlib.metadata
import json
import sys
from pathlib import Path
from typing import Any, Final

from local.cli import CliError

__all__ = ["DEFAULT_PATH", "EXIT_DRIFT", "openapi_document", "register", "render", "run"]

DEFAULT_PATH: Final = Path(__file__).resolve().parents[2] / "docs" / "openapi.json"
EXIT_DRIFT: Final = 1
TITLE: Final = "inplay API"
SECURITY_SCHEME: Final = "cognitoIdToken"
ERROR_SCHEMA: Final = "Error"
_METHODS: Final = ("get", "put", "post", "delete", "patch", "head", "options")
_VALIDATION_SCHEMAS: Final = ("HTTPValidationError", "ValidationError", "ResponseValidationError")


def _version() -> str:
    try:
        return importlib.metadata.version("inplay")
    except importlib.metadata.PackageNotFoundError:
        return "0.0.0"


def _error(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{ERROR_SCHEMA}"}}},
    }


def openapi_document() -> dict[str, Any]:
    """The OpenAPI 3.1 document of the api function, as a dict."""
    from api.handler import MAX_BODY_BYTES, app
    from api.security import PUBLIC_ROUTES

    document: dict[str, Any] = json.loads(
        app.get_openapi_json_schema(
            title=TITLE,
            version=_version(),
            description=(
                "The inplay dashboard API. Sign in with POST /api/auth/sign-in and send the ID token "
                "as `Authorization: Bearer <id_token>`. Money is decimal strings in dollars; times "
                "are ISO 8601 UTC. Every error answer is JSON with a non-empty `message`."
            ),
        )
    )
    components = document.setdefault("components", {})
    components["securitySchemes"] = {
        SECURITY_SCHEME: {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "JWT",
            "description": "A Cognito ID token (POST /api/auth/sign-in answers one as id_token).",
        }
    }
    schemas = components.setdefault("schemas", {})
    schemas[ERROR_SCHEMA] = {
        "type": "object",
        "title": ERROR_SCHEMA,
        "description": "Every 4xx and 5xx answer. `errors` names the fields at fault, when there are any.",
        "properties": {
            "message": {"type": "string", "minLength": 1},
            "errors": {"type": "array", "items": {"type": "string"}},
        },
        "required": ["message"],
        "additionalProperties": True,
    }
    for name in _VALIDATION_SCHEMAS:
        schemas.pop(name, None)
    for path, item in document.get("paths", {}).items():
        for method in _METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            responses = operation.setdefault("responses", {})
            responses.pop("422", None)
            if "parameters" in operation or "requestBody" in operation:
                responses["400"] = _error("invalid request: the fields at fault are in `errors`")
            if "requestBody" in operation:
                responses["413"] = _error(f"the request body is larger than {MAX_BODY_BYTES} bytes")
            if (method.upper(), path) in PUBLIC_ROUTES:
                operation["security"] = []
            else:
                operation["security"] = [{SECURITY_SCHEME: []}]
                responses["401"] = _error("no valid ID token: sign in first")
            operation["responses"] = dict(sorted(responses.items()))
    document["security"] = [{SECURITY_SCHEME: []}]
    if not schemas:
        components.pop("schemas")
    return document


def render() -> str:
    """The document as committed: 2-space indented JSON, ASCII, a final newline."""
    return json.dumps(openapi_document(), indent=2, ensure_ascii=True) + "\n"


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "openapi",
        help="write (or --check) the REST API's OpenAPI document",
        description=(
            "Generate the REST API's OpenAPI 3.1 document from the api function's routes and write it "
            "to docs/openapi.json. With --check, write nothing and exit 1 when the file differs."
        ),
    )
    parser.add_argument(
        "--output", type=Path, default=DEFAULT_PATH, metavar="PATH", help="where the document lives"
    )
    parser.add_argument(
        "--check", action="store_true", help="exit 1 when PATH differs from the generated document"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    path: Path = args.output
    generated = render()
    if not args.check:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(generated, encoding="utf-8")
        except OSError as exc:
            raise CliError(f"cannot write {path}: {exc.strerror or exc}", 1) from None
        print(f"wrote {path} ({len(generated.splitlines())} lines)")
        return 0
    try:
        committed = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        committed = ""
    except OSError as exc:
        raise CliError(f"cannot read {path}: {exc.strerror or exc}", 1) from None
    if committed == generated:
        print(f"{path} is up to date")
        return 0
    diff = list(
        difflib.unified_diff(
            committed.splitlines(), generated.splitlines(), "committed", "generated", lineterm="", n=1
        )
    )
    shown = "\n".join(diff[:40]) + ("\n…" if len(diff) > 40 else "")
    print(f"{path} is out of date: run `make openapi` (inplay openapi)\n{shown}", file=sys.stderr)
    return EXIT_DRIFT
