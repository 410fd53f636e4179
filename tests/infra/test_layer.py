"""The ``inplay`` layer: built without Docker, never empty, always the current source."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from infra import layer
from infra.constants import FUNCTION_METADATA_KEY
from infra.layer import (
    LayerBuildError,
    assemble_layer,
    build_layer_dependencies,
    lock_digest,
    runtime_requirements,
)
from tests.infra.helpers import of_type, ref_target

EXPORTED = """\
annotated-types==0.8.0
boto3==1.44.5
botocore==1.44.5
cffi==2.1.1 ; platform_python_implementation != 'PyPy'
jmespath==1.1.0
pydantic==2.14.3
Python_DateUtil==2.9.0.post0
s3transfer==0.19.3
six==1.17.0
urllib3==2.8.0
"""


@pytest.mark.slow
def test_layer_asset_has_inplay_and_deps_but_not_the_sdk(
    resources: dict[str, Any], cloud_assembly: Path
) -> None:
    [layer_id] = {
        ref_target(layer)
        for function in of_type(resources, "AWS::Lambda::Function").values()
        if FUNCTION_METADATA_KEY in function.get("Metadata", {})
        for layer in function["Properties"]["Layers"]
    }  # one layer for every function of a spec (CDK's own deployment function has the AWS CLI's)
    assert layer_id is not None
    layer_version = resources[layer_id]
    assert layer_version["Type"] == "AWS::Lambda::LayerVersion"
    asset = cloud_assembly / layer_version["Metadata"]["aws:asset:path"]
    site = asset / "python"
    assert (site / "inplay" / "config.py").is_file()
    assert (site / "inplay" / "store" / "schema.py").is_file()
    assert (site / "pydantic").is_dir()
    assert (site / "pydantic_core").is_dir()
    assert not (site / "boto3").exists()
    assert not (site / "botocore").exists()
    assert not list(site.glob("inplay/**/__pycache__"))


def test_runtime_requirements_drop_what_lambda_ships() -> None:
    kept = runtime_requirements(EXPORTED).splitlines()
    assert kept == [
        "annotated-types==0.8.0",
        "cffi==2.1.1 ; platform_python_implementation != 'PyPy'",
        "pydantic==2.14.3",
    ]


def test_runtime_requirements_reject_garbage() -> None:
    with pytest.raises(LayerBuildError, match="unexpected line"):
        runtime_requirements("pydantic==2\n??? what\n")


def _deps(tmp_path: Path, digest: str) -> Path:
    deps = tmp_path / "deps"
    (deps / "python" / "pydantic").mkdir(parents=True)
    (deps / "python" / "pydantic" / "__init__.py").write_text("")
    (deps / ".uv-lock.sha256").write_text(digest + "\n")
    return deps


def _package(tmp_path: Path) -> Path:
    package = tmp_path / "src" / "inplay"
    (package / "__pycache__").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "config.py").write_text("X = 1\n")
    (package / "__pycache__" / "config.cpython-313.pyc").write_bytes(b"stale")
    return package


def test_assemble_refuses_missing_dependencies(tmp_path: Path) -> None:
    with pytest.raises(LayerBuildError, match=r"run `make dev` to build the Lambda layer dependencies"):
        assemble_layer(
            deps_dir=tmp_path / "nothing", package=_package(tmp_path), assembly_dir=tmp_path / "out"
        )


def test_assemble_refuses_dependencies_from_another_lock(tmp_path: Path) -> None:
    with pytest.raises(LayerBuildError, match=r"out of date with uv\.lock"):
        assemble_layer(
            deps_dir=_deps(tmp_path, "0" * 64), package=_package(tmp_path), assembly_dir=tmp_path / "out"
        )


def test_assemble_copies_current_source_and_follows_changes(tmp_path: Path) -> None:
    deps, package, out = _deps(tmp_path, lock_digest()), _package(tmp_path), tmp_path / "out"
    first = assemble_layer(deps_dir=deps, package=package, assembly_dir=out)
    assert (first / "python" / "inplay" / "config.py").read_text() == "X = 1\n"
    assert (first / "python" / "pydantic" / "__init__.py").is_file()
    assert not (first / "python" / "inplay" / "__pycache__").exists()
    assert assemble_layer(deps_dir=deps, package=package, assembly_dir=out) == first  # reused

    (package / "config.py").write_text("X = 2\n")
    second = assemble_layer(deps_dir=deps, package=package, assembly_dir=out)
    assert second != first
    assert (second / "python" / "inplay" / "config.py").read_text() == "X = 2\n"


class FakeUv:
    """Stands in for uv: records commands, "installs" one module into the --target directory."""

    def __init__(self, fail_install: bool = False) -> None:
        self.commands: list[list[str]] = []
        self.fail_install = fail_install

    def __call__(self, command: Sequence[str]) -> str:
        self.commands.append(list(command))
        if "export" in command:
            return EXPORTED
        if self.fail_install:
            raise LayerBuildError("`uv pip install ...` failed: no network")
        target = Path(command[command.index("--target") + 1])
        (target / "bin").mkdir(parents=True)
        (target / "pydantic.py").write_text("VERSION = '2'\n")
        return ""


def test_build_dependencies_commands_and_stamp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(layer, "_uv_command", lambda: ["uv"])
    uv = FakeUv()
    site = build_layer_dependencies(deps_dir=tmp_path, run=uv)

    export, install = uv.commands
    assert export[:2] == ["uv", "export"]
    assert {"--frozen", "--no-dev", "--no-hashes", "--no-emit-project"} <= set(export)
    assert install[:3] == ["uv", "pip", "install"]
    for flag, value in [
        ("--python-platform", "x86_64-manylinux2014"),
        ("--python-version", "3.13"),
        ("--only-binary", ":all:"),
    ]:
        assert install[install.index(flag) + 1] == value
    assert "--no-deps" in install
    requirements = Path(install[install.index("-r") + 1]).read_text()
    assert "boto3" not in requirements
    assert "pydantic==2.14.3" in requirements

    assert (site / "pydantic.py").is_file()
    assert not (site / "bin").exists()
    assert (tmp_path / ".uv-lock.sha256").read_text().strip() == lock_digest()

    again = FakeUv()
    assert build_layer_dependencies(deps_dir=tmp_path, run=again) == site
    assert again.commands == []  # the lock did not change: nothing to do


def test_failed_install_keeps_the_previous_dependencies(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(layer, "_uv_command", lambda: ["uv"])
    site = build_layer_dependencies(deps_dir=tmp_path, run=FakeUv())
    with pytest.raises(LayerBuildError, match="no network"):
        build_layer_dependencies(deps_dir=tmp_path, run=FakeUv(fail_install=True), force=True)
    assert (site / "pydantic.py").is_file()
