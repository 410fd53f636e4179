"""Where things live in the repository; every path is absolute, derived from this file."""

from __future__ import annotations

from pathlib import Path
from typing import Final

REPO_ROOT: Final = Path(__file__).resolve().parent.parent
CDK_JSON: Final = REPO_ROOT / "cdk.json"
UV_LOCK: Final = REPO_ROOT / "uv.lock"
INFRA_DIR: Final = REPO_ROOT / "infra"
FUNCTIONS_DIR: Final = REPO_ROOT / "functions"
"""The code asset of every function (handlers are ``<package>.handler.handler`` under it)."""
LAYER_PACKAGE_DIR: Final = REPO_ROOT / "layers" / "core" / "inplay"
"""The domain package shipped in the ``inplay`` layer."""
BUILD_DIR: Final = REPO_ROOT / "build"
LAYER_DEPS_DIR: Final = BUILD_DIR / "layer-deps"
"""Third-party wheels for the layer, built by ``make dev`` (``python -m infra.layer``)."""
LAYER_ASSEMBLY_DIR: Final = BUILD_DIR / "layer"
"""Assembled layer trees (dependencies + current ``inplay`` source), one per content digest."""
DEFAULT_OUTDIR: Final = REPO_ROOT / "cdk.out"
FRONTEND_DIR: Final = REPO_ROOT / "frontend"
FRONTEND_DIST_DIR: Final = FRONTEND_DIR / "dist"
"""The dashboard's production build (``npm run build``, via ``make dev``): deployed to S3/CloudFront by
the ``Dashboard`` construct, served by the local cloud."""
FRONTEND_BUILD_HINT: Final = "run `make dev` to build the dashboard (frontend/dist)"
