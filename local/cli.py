"""The ``inplay`` command line: one entry point, one module per command group.

Each module in ``local.commands`` exposes ``register(subparsers)``, which adds its sub-command(s)
and sets ``func`` on the parser to a callable ``(argparse.Namespace) -> int`` (the exit code).
Usage errors exit 2 with a one-line message naming the bad argument; nothing prints a stack trace.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from typing import Final

COMMAND_MODULES: Final = ("demo", "espn", "synth", "sim", "kalshi", "audit", "model", "backtest", "openapi")


class CliError(Exception):
    """A user-facing failure: printed as one line, exit code ``code``."""

    def __init__(self, message: str, code: int = 2) -> None:
        super().__init__(message)
        self.code = code


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="inplay", description="inplay: in-play sports trading bot")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(f"local.commands.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"local.commands.{name}":
                continue  # a command group not built yet
            raise
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code: int = args.func(args)
    except CliError as exc:
        print(f"inplay {args.command}: error: {exc}", file=sys.stderr)
        return exc.code
    except KeyboardInterrupt:
        return 130
    return code


if __name__ == "__main__":
    # Run the `local.cli` module object, not this `__main__` copy, so CliError is the same class.
    from local.cli import main as _main

    sys.exit(_main())
