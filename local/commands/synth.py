"""``inplay synth [--out DIR]``: synthesize the CDK stack offline (cdk-nag included)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from local.cli import CliError

__all__ = ["register"]


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "synth",
        help="synthesize the CDK stack (offline) and print the template path",
        description="Synthesize the Inplay stack in-process (no AWS account, no Docker); cdk-nag runs too.",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        metavar="DIR",
        help="cloud assembly directory (default: cdk.out in the repository)",
    )
    parser.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from infra.synth import SynthError, load_template, synthesize

    outdir = Path("cdk.out") if args.out is None else args.out.expanduser().resolve()
    try:
        path = synthesize(outdir)
        resources = len(load_template(path)["Resources"])
    except SynthError as exc:
        raise CliError(str(exc), 1) from exc
    print(f"{path} ({resources} resources)")
    return 0
