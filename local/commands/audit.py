"""``inplay audit verify --user U``: walk a user's audit hash chain and report the first break.

The table comes from ``--table`` or ``$INPLAY_AUDIT_TABLE``; the AWS endpoint from
``--endpoint-url`` or the standard AWS configuration (``AWS_ENDPOINT_URL`` points it at the local
cloud). Prints ``OK: N records verified`` and the chain head (exit 0), or
``BROKEN at seq K: <reason>`` (exit 1). Usage errors exit 2; a table that cannot be read exits 3.

A chain cannot show that its newest records were deleted; compare the printed head (seq and hash)
with one recorded earlier to catch that.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import Final

from botocore.exceptions import BotoCoreError, ClientError
from pynamodb.exceptions import PynamoDBException

from inplay.audit.store import DynamoAuditLog
from inplay.config import Env
from local.cli import CliError

__all__ = ["register", "run", "run_verify"]

EXIT_BROKEN: Final = 1
EXIT_UNREADABLE: Final = 3


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("audit", help="audit trail tools (verify a user's hash chain)")
    commands = parser.add_subparsers(dest="audit_command", required=True, metavar="SUBCOMMAND")
    verify = commands.add_parser(
        "verify",
        help="verify a user's audit hash chain and report the first break",
        description=(
            "Walk USER's audit records in seq order, recompute every hash and link, and report the "
            "first break. Exit 0 when intact, 1 when broken, 2 on usage errors, 3 when the table "
            "cannot be read."
        ),
    )
    verify.add_argument("--user", required=True, metavar="USER_ID", help="the user whose chain to verify")
    verify.add_argument(
        "--table", metavar="NAME", help=f"audit table name (default: ${Env.AUDIT_TABLE.value})"
    )
    verify.add_argument(
        "--endpoint-url",
        metavar="URL",
        help="DynamoDB endpoint (default: the standard AWS configuration, e.g. $AWS_ENDPOINT_URL)",
    )
    verify.set_defaults(func=run_verify)


def run_verify(args: argparse.Namespace) -> int:
    user = (args.user or "").strip()
    if not user:
        raise CliError("--user must not be empty")
    table = args.table or os.environ.get(Env.AUDIT_TABLE.value, "")
    if not table:
        raise CliError(f"no audit table: pass --table or set {Env.AUDIT_TABLE.value}")
    log = DynamoAuditLog(table, host=args.endpoint_url or None)
    try:
        result = log.verify(user)
    except (PynamoDBException, ClientError, BotoCoreError) as exc:
        raise CliError(f"cannot read audit table {table!r}: {_cause(exc)}", EXIT_UNREADABLE) from None
    if result.ok:
        print(f"OK: {result.checked} records verified")
        if result.head_seq is not None:
            print(f"head: seq {result.head_seq} sha256 {result.head_hash}")
        else:
            print(f"note: no audit records for user {user!r} in {table}", file=sys.stderr)
        return 0
    print(f"BROKEN at seq {result.first_break}: {result.reason}")
    print(f"{result.checked} records verified before the break; {result.count} records read")
    return EXIT_BROKEN


def _cause(exc: Exception) -> str:
    cause = getattr(exc, "cause", None)
    if isinstance(cause, ClientError):
        error = cause.response.get("Error", {})
        return f"{error.get('Code', 'error')}: {error.get('Message', '')}".rstrip(": ")
    return str(cause or exc)


def run(argv: Sequence[str]) -> int:
    """Run ``inplay audit …`` (``argv`` without the leading ``audit``) as the CLI would."""
    parser = argparse.ArgumentParser(prog="inplay")
    register(parser.add_subparsers(dest="command", required=True, metavar="COMMAND"))
    try:
        args = parser.parse_args(["audit", *argv])
    except SystemExit as exc:  # argparse: usage errors exit 2, --help exits 0
        return exc.code if isinstance(exc.code, int) else 2
    try:
        code: int = args.func(args)
    except CliError as exc:
        print(f"inplay {args.command}: error: {exc}", file=sys.stderr)
        return exc.code
    return code
