"""``infra.synth`` helpers and the ``inplay synth`` command."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import infra.app
import infra.synth
from infra.layer import LayerBuildError
from infra.synth import SynthError, is_stale, load_template, synthesize
from local.cli import main


def test_is_stale(tmp_path: Path) -> None:
    assert is_stale(tmp_path)  # no template yet
    template = tmp_path / "Inplay.template.json"
    template.write_text("{}")
    os.utime(template, (0, 0))
    assert is_stale(tmp_path)  # older than every source file
    future = 4_000_000_000
    os.utime(template, (future, future))
    assert not is_stale(tmp_path)


def test_load_template_errors(tmp_path: Path) -> None:
    with pytest.raises(SynthError, match="no template"):
        load_template(tmp_path / "missing.json")
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(SynthError, match="cannot read"):
        load_template(bad)
    bad.write_text('{"Outputs": {}}')
    with pytest.raises(SynthError, match="not a CloudFormation template"):
        load_template(bad)


def test_missing_layer_dependencies_fail_synth_clearly(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    def missing() -> Path:
        raise LayerBuildError("the Lambda layer dependencies are missing; run `make dev` to build them")

    monkeypatch.setattr(infra.app, "assemble_layer", missing)
    with pytest.raises(SynthError, match="make dev"):
        synthesize(tmp_path)


def test_cli_reports_errors_as_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    def failing(outdir: Path) -> Path:
        raise SynthError("synthesis failed validation (AwsSolutions-L1 at Inplay/Functions/Api)")

    monkeypatch.setattr(infra.synth, "synthesize", failing)
    assert main(["synth", "--out", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert (
        err.strip()
        == "inplay synth: error: synthesis failed validation (AwsSolutions-L1 at Inplay/Functions/Api)"
    )


@pytest.mark.slow
def test_cli_synth_is_deterministic(
    template_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["synth", "--out", "again"]) == 0
    again = tmp_path / "again" / "Inplay.template.json"
    out = capsys.readouterr().out.strip()
    assert out.startswith(str(again))
    assert out.endswith("resources)")
    assert again.read_bytes() == template_path.read_bytes()
