"""In-process synthesis (what ``inplay synth``, the local cloud and the infra tests call).

``aws_cdk`` is imported lazily: :func:`is_stale` and :func:`load_template` stay cheap for callers
that only need an existing template.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Final

from infra import paths
from infra.constants import TEMPLATE_NAME
from infra.layer import LayerBuildError
from infra.paths import (
    CDK_JSON,
    FRONTEND_BUILD_HINT,
    FRONTEND_DIST_DIR,
    FUNCTIONS_DIR,
    INFRA_DIR,
    LAYER_DEPS_DIR,
    LAYER_PACKAGE_DIR,
    REPO_ROOT,
)

__all__ = ["SynthError", "is_stale", "load_template", "synthesize", "template_path"]

SOURCES: Final = (
    INFRA_DIR,
    LAYER_PACKAGE_DIR,
    FUNCTIONS_DIR,
    CDK_JSON,
    LAYER_DEPS_DIR / ".uv-lock.sha256",
    FRONTEND_DIST_DIR,
)
"""What the template is built from; a newer file here makes the template stale (a new dashboard
build changes its deployment's asset hash)."""
VALIDATION_REPORT: Final = "validation-report.json"


class SynthError(RuntimeError):
    """Synthesis failed (missing layer dependencies, bad spec, cdk-nag findings, ...)."""


def _resolve(outdir: Path) -> Path:
    return outdir if outdir.is_absolute() else REPO_ROOT / outdir


def template_path(outdir: Path = Path("cdk.out")) -> Path:
    """Where :func:`synthesize` writes the template (relative ``outdir`` = from the repo root)."""
    return _resolve(outdir) / TEMPLATE_NAME


def synthesize(outdir: Path = Path("cdk.out")) -> Path:
    """Synthesize the app into ``outdir`` (relative = from the repo root); return the template path.

    Offline and deterministic. cdk-nag runs as part of it: an unacknowledged finding raises
    :class:`SynthError` naming the findings (details in ``<outdir>/validation-report.json``). The
    dashboard must be built first (``frontend/dist/index.html``), else :class:`SynthError` says so.
    """
    target = _resolve(outdir)
    index = paths.FRONTEND_DIST_DIR / "index.html"
    if not index.is_file():
        raise SynthError(f"the dashboard is not built: {index} is missing; {FRONTEND_BUILD_HINT}")
    from jsii.errors import JSIIError

    from infra.app import build_app

    try:
        app = build_app(target)
        app.synth()
    except (LayerBuildError, ValueError) as exc:  # ValueError: InfraConfigError, bad context values
        raise SynthError(str(exc)) from exc
    except JSIIError as exc:
        raise SynthError(f"the CDK's Node.js runtime failed: {exc}") from exc
    except RuntimeError as exc:  # jsii surfaces CDK errors (validation included) as RuntimeError
        raise SynthError(_explain(exc, target)) from exc
    path = target / TEMPLATE_NAME
    if not path.is_file():
        raise SynthError(f"synthesis wrote no {TEMPLATE_NAME} in {target}")
    return path


def _explain(exc: RuntimeError, outdir: Path) -> str:
    report = outdir / VALIDATION_REPORT
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    if not report.is_file():
        return f"synthesis failed: {first}"
    try:
        findings = sorted(_violations(json.loads(report.read_text())))
    except (OSError, ValueError):
        findings = []
    listed = "; ".join(findings[:10]) + (f"; ... ({len(findings)} in all)" if len(findings) > 10 else "")
    return f"synthesis failed validation ({listed or first}); see {report}"


def _violations(report: Any) -> Iterator[str]:
    for plugin in report.get("pluginReports", []):
        for violation in plugin.get("violations", []):
            rule = violation.get("ruleName", "?")
            for construct in violation.get("violatingConstructs", []) or [{}]:
                yield f"{rule} at {construct.get('constructPath', '?')}"


def is_stale(outdir: Path = Path("cdk.out")) -> bool:
    """True if the template is missing or older than any file it is built from."""
    path = template_path(outdir)
    try:
        built = path.stat().st_mtime
    except FileNotFoundError:
        return True
    return any(mtime > built for mtime in _source_mtimes())


def _source_mtimes() -> Iterator[float]:
    for source in SOURCES:
        if source.is_file():
            yield source.stat().st_mtime
        elif source.is_dir():
            for path in source.rglob("*"):
                if "__pycache__" not in path.parts and path.is_file():
                    yield path.stat().st_mtime


def load_template(path: Path) -> dict[str, Any]:
    """The synthesized template as a dict; :class:`SynthError` if it is missing or not JSON."""
    try:
        template = json.loads(path.read_text())
    except FileNotFoundError as exc:
        raise SynthError(f"no template at {path}; run `inplay synth` (or `make synth`)") from exc
    except (OSError, ValueError) as exc:
        raise SynthError(f"cannot read template {path}: {exc}") from exc
    if not isinstance(template, dict) or "Resources" not in template:
        raise SynthError(f"{path} is not a CloudFormation template")
    return template
