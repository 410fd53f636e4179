"""The CDK app entry point: ``npx cdk synth`` runs ``python -m infra.app`` (see ``cdk.json``).

:func:`build_app` is also what :mod:`infra.synth` calls in-process; both paths read the same
``cdk.json`` context, so they produce the same template.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from aws_cdk import App

from infra.constants import CORS_ORIGINS_CONTEXT, DEFAULT_CORS_ORIGINS, STACK_ID
from infra.layer import assemble_layer
from infra.nag import add_nag_checks
from infra.paths import CDK_JSON, DEFAULT_OUTDIR
from infra.stack import InplayStack

__all__ = ["build_app", "cdk_context", "main"]

CLI_DEFAULT_CONTEXT: dict[str, Any] = {
    # What the CDK CLI injects on its own; set in-process so both paths emit the same template.
    "aws:cdk:enable-path-metadata": True,
    "aws:cdk:enable-asset-metadata": True,
}


def cdk_context() -> dict[str, Any]:
    """The ``context`` block of ``cdk.json`` (feature flags, project settings)."""
    context: dict[str, Any] = json.loads(CDK_JSON.read_text()).get("context", {})
    return context


def _cors_origins(app: App) -> tuple[str, ...]:
    value = app.node.try_get_context(CORS_ORIGINS_CONTEXT)
    if value is None:
        return DEFAULT_CORS_ORIGINS
    origins = tuple(o.strip() for o in value.split(",")) if isinstance(value, str) else tuple(value)
    if not origins or not all(isinstance(o, str) and o for o in origins):
        raise ValueError(f"context {CORS_ORIGINS_CONTEXT} must list origins, got {value!r}")
    return origins


def build_app(outdir: Path | None = None) -> App:
    """The app with the ``Inplay`` stack and cdk-nag attached; call ``.synth()`` on it.

    Under the CDK CLI (``CDK_OUTDIR`` set, ``outdir`` None) the CLI supplies outdir and context;
    otherwise they come from ``outdir`` (default ``cdk.out``) and ``cdk.json``.
    """
    if outdir is None and "CDK_OUTDIR" in os.environ:
        app = App()
    else:
        app = App(outdir=str(outdir or DEFAULT_OUTDIR), context={**CLI_DEFAULT_CONTEXT, **cdk_context()})
    InplayStack(app, STACK_ID, layer_asset=assemble_layer(), cors_origins=_cors_origins(app))
    add_nag_checks(app)
    return app


def main() -> None:
    build_app().synth()


if __name__ == "__main__":
    main()
