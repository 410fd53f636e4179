"""The ``inplay`` Lambda layer, built without Docker.

Two steps, so synthesis never needs the network:

1. :func:`build_layer_dependencies` (``make dev`` → ``python -m infra.layer``; needs PyPI):
   ``uv export`` the locked runtime dependencies, drop what the Lambda runtime already ships
   (boto3, botocore and their own dependencies), and install Linux x86_64 CPython 3.13 wheels into
   ``build/layer-deps/python`` with ``uv pip install --target``. The result is stamped with the
   SHA-256 of ``uv.lock`` and rebuilt only when the lock changes.
2. :func:`assemble_layer` (every synth; offline): the dependencies plus the *current*
   ``layers/core/inplay`` source, so a code change always reaches the layer asset. The tree is
   content-addressed (``build/layer/<digest>/python``): an unchanged source reuses it, and two
   synths running at once never see each other's half-written copy.
"""

from __future__ import annotations

import argparse
import compileall
import hashlib
import importlib.util
import os
import py_compile
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Final

from infra.paths import LAYER_ASSEMBLY_DIR, LAYER_DEPS_DIR, LAYER_PACKAGE_DIR, REPO_ROOT, UV_LOCK

__all__ = [
    "RUNTIME_PROVIDED",
    "LayerBuildError",
    "assemble_layer",
    "build_layer_dependencies",
    "lock_digest",
    "main",
    "runtime_requirements",
]

RUNTIME_PROVIDED: Final = frozenset(
    {"boto3", "botocore", "s3transfer", "jmespath", "python-dateutil", "six", "urllib3"}
)
"""Distributions the Lambda Python runtime already ships (the AWS SDK and its dependencies)."""

PYTHON_PLATFORM: Final = "x86_64-manylinux2014"
PYTHON_VERSION: Final = "3.13"
LAYER_SITE: Final = "python"
"""Lambda puts ``/opt/python`` on ``sys.path``; a Python layer's files live under ``python/``."""
STAMP_NAME: Final = ".uv-lock.sha256"
REQUIREMENTS_NAME: Final = "requirements.txt"
KEEP_ASSEMBLIES: Final = 3
MISSING_DEPS_HINT: Final = "run `make dev` to build the Lambda layer dependencies"

Runner = Callable[[Sequence[str]], str]
"""Runs a command from the repository root and returns its stdout; raises on failure."""


class LayerBuildError(RuntimeError):
    """The layer cannot be built or assembled; the message says what to do."""


def lock_digest(lock: Path = UV_LOCK) -> str:
    """SHA-256 of ``uv.lock``: the layer dependencies are rebuilt exactly when it changes."""
    try:
        return hashlib.sha256(lock.read_bytes()).hexdigest()
    except OSError as exc:
        raise LayerBuildError(f"cannot read {lock.name}: {exc.strerror}") from exc


def _normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


_REQUIREMENT_NAME: Final = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


def runtime_requirements(exported: str, provided: Iterable[str] = RUNTIME_PROVIDED) -> str:
    """``exported`` (a ``uv export`` requirements file) minus the runtime-provided distributions."""
    skip = {_normalize(name) for name in provided}
    kept: list[str] = []
    for line in exported.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith(("#", "-")):
            continue
        match = _REQUIREMENT_NAME.match(stripped)
        if match is None:
            raise LayerBuildError(f"unexpected line in the exported requirements: {stripped!r}")
        if _normalize(match.group(1)) not in skip:
            kept.append(stripped)
    return "\n".join(kept) + "\n"


def _uv_command() -> list[str]:
    """The uv executable: ``$UV``, on PATH, the Makefile's private copy (``.make/uv``), next to the
    running or base interpreter, or ``python -m uv``."""
    explicit = os.environ.get("UV")
    if explicit:
        return [str(Path(explicit).resolve())]
    found = shutil.which("uv")
    if found:
        return [found]
    for directory in (
        REPO_ROOT / ".make" / "uv" / "bin",
        Path(sys.executable).parent,
        Path(sys.base_prefix) / "bin",
    ):
        candidate = directory / "uv"
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return [str(candidate)]
    if importlib.util.find_spec("uv") is not None:
        return [sys.executable, "-m", "uv"]
    raise LayerBuildError("uv not found: install uv (https://docs.astral.sh/uv/) and put it on PATH")


def _run(command: Sequence[str]) -> str:
    try:
        done = subprocess.run(command, cwd=REPO_ROOT, check=True, capture_output=True, text=True)
    except FileNotFoundError as exc:
        raise LayerBuildError(f"cannot run {command[0]}: {exc.strerror}") from exc
    except subprocess.CalledProcessError as exc:
        detail = (exc.stderr or exc.stdout or "").strip().splitlines()
        tail = detail[-1] if detail else f"exit code {exc.returncode}"
        raise LayerBuildError(f"`{' '.join(command[:3])} ...` failed: {tail}") from exc
    return done.stdout


def _compile(tree: Path) -> None:
    """Byte-compile for the target interpreter: ``/opt`` is read-only, so Lambda could not cache them.

    Hash-based pycs (not mtime-based) keep the asset independent of file times.
    """
    if sys.version_info[:2] != (3, 13):
        return  # a different interpreter would write pycs the 3.13 runtime ignores
    compileall.compile_dir(
        tree, quiet=2, workers=1, invalidation_mode=py_compile.PycInvalidationMode.CHECKED_HASH
    )


def _replace_dir(new: Path, target: Path) -> None:
    trash = target.with_name(f".{target.name}.old-{os.getpid()}")
    if target.exists():
        target.rename(trash)
    new.rename(target)
    shutil.rmtree(trash, ignore_errors=True)


def build_layer_dependencies(
    *, force: bool = False, deps_dir: Path = LAYER_DEPS_DIR, run: Runner | None = None
) -> Path:
    """Install the layer's third-party wheels into ``deps_dir/python``; return that directory.

    Skips the work when the stamp matches the current ``uv.lock`` (unless ``force``).
    Needs PyPI (or uv's cache); raises :class:`LayerBuildError` with the failing step.
    """
    digest = lock_digest()
    site = deps_dir / LAYER_SITE
    stamp = deps_dir / STAMP_NAME
    if not force and site.is_dir() and stamp.is_file() and stamp.read_text().strip() == digest:
        return site
    runner = run or _run
    uv = _uv_command()
    exported = runner(
        [
            *uv,
            "export",
            "--frozen",
            "--no-dev",
            "--no-hashes",
            "--no-emit-project",
            "--no-header",
            "--no-annotate",
            "--format",
            "requirements-txt",
        ]
    )
    deps_dir.mkdir(parents=True, exist_ok=True)
    requirements = deps_dir / REQUIREMENTS_NAME
    requirements.write_text(runtime_requirements(exported))
    staging = deps_dir / f".{LAYER_SITE}.tmp-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    runner(
        [
            *uv,
            "pip",
            "install",
            "--quiet",
            "--target",
            str(staging),
            "--python-platform",
            PYTHON_PLATFORM,
            "--python-version",
            PYTHON_VERSION,
            "--only-binary",
            ":all:",
            "--no-deps",
            "-r",
            str(requirements),
        ]
    )
    if not staging.is_dir():
        raise LayerBuildError(f"uv did not create {staging}")
    shutil.rmtree(staging / "bin", ignore_errors=True)  # console scripts are useless in a layer
    _compile(staging)
    stamp.unlink(missing_ok=True)
    _replace_dir(staging, site)
    stamp.write_text(digest + "\n")
    return site


def _source_files(package: Path) -> list[Path]:
    return sorted(
        path
        for path in package.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc"
    )


def _link_or_copy(src: str, dst: str) -> str:
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)
    return dst


def _prune(keep: Path) -> None:
    """Drop older assemblies (keeping a few, in case a concurrent synth still copies one)."""
    others = [p for p in keep.parent.iterdir() if p.is_dir() and p != keep and not p.name.startswith(".")]
    others.sort(key=lambda p: p.stat().st_mtime, reverse=True)
    for stale in others[KEEP_ASSEMBLIES - 1 :]:
        shutil.rmtree(stale, ignore_errors=True)


def assemble_layer(
    *,
    deps_dir: Path = LAYER_DEPS_DIR,
    package: Path = LAYER_PACKAGE_DIR,
    assembly_dir: Path = LAYER_ASSEMBLY_DIR,
) -> Path:
    """The layer asset directory (holding ``python/``): built dependencies + current ``inplay``.

    Offline and fast when nothing changed. Raises :class:`LayerBuildError` when the dependencies
    were never built or were built from a different ``uv.lock``: never a silently empty layer.
    """
    site = deps_dir / LAYER_SITE
    stamp = deps_dir / STAMP_NAME
    if not site.is_dir() or not stamp.is_file():
        raise LayerBuildError(f"the Lambda layer dependencies are missing ({site}); {MISSING_DEPS_HINT}")
    deps_digest = stamp.read_text().strip()
    if deps_digest != lock_digest():
        raise LayerBuildError(
            f"the Lambda layer dependencies are out of date with uv.lock; {MISSING_DEPS_HINT}"
        )
    files = _source_files(package)
    if not files:
        raise LayerBuildError(f"no source files under {package}")
    hasher = hashlib.sha256(deps_digest.encode())
    for path in files:
        hasher.update(path.relative_to(package).as_posix().encode() + b"\0")
        hasher.update(path.read_bytes() + b"\0")
    target = assembly_dir / hasher.hexdigest()[:20]
    if (target / LAYER_SITE / package.name).is_dir():
        return target
    assembly_dir.mkdir(parents=True, exist_ok=True)
    staging = assembly_dir / f".{target.name}.tmp-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    shutil.copytree(site, staging / LAYER_SITE, copy_function=_link_or_copy)
    destination = staging / LAYER_SITE / package.name
    for path in files:
        copy = destination / path.relative_to(package)
        copy.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, copy)
    if (target / LAYER_SITE / package.name).is_dir():  # another synth (a test worker) finished first
        shutil.rmtree(staging, ignore_errors=True)
        return target
    if target.exists():  # left incomplete by an interrupted run
        shutil.rmtree(target, ignore_errors=True)
    try:
        staging.rename(target)
    except OSError:  # another synth assembled the same digest first
        shutil.rmtree(staging, ignore_errors=True)
    _prune(target)
    return target


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m infra.layer [--force]``: build the layer dependencies (the ``make dev`` step)."""
    parser = argparse.ArgumentParser(
        prog="python -m infra.layer", description="Build the inplay Lambda layer dependencies (needs PyPI)."
    )
    parser.add_argument("--force", action="store_true", help="rebuild even if uv.lock has not changed")
    args = parser.parse_args(argv)
    try:
        site = build_layer_dependencies(force=args.force)
    except LayerBuildError as exc:
        print(f"infra.layer: error: {exc}", file=sys.stderr)
        return 1
    size = sum(p.stat().st_size for p in site.rglob("*") if p.is_file())
    print(f"layer dependencies: {site.relative_to(REPO_ROOT)} ({size / 1e6:.1f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
