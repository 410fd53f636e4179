"""Import time of each Lambda handler, as on a cold start: a fresh interpreter that sees the built
layer and the functions folder first (the venv's site-packages only for boto3, which Lambda ships)."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
from pathlib import Path

from _common import ROOT, summary

from inplay.config import FUNCTIONS, Env

RUNS = 7
PROBE = "import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"


def newest_layer() -> Path:
    layers = sorted((ROOT / "build" / "layer").glob("*/python"), key=lambda p: p.stat().st_mtime)
    if not layers:
        sys.exit("no built layer: run `make synth` (or `make test`) first")
    return layers[-1]


def main() -> None:
    layer = newest_layer()
    path = os.pathsep.join([str(layer), str(ROOT / "functions"), sysconfig.get_paths()["purelib"]])
    env = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": path,
        "PYTHONDONTWRITEBYTECODE": "1",
        Env.GAMES_TABLE.value: "GamesTable",
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    print(f"cold start: handler import time (layer {layer.parent.name}, {RUNS} fresh interpreters each)")
    for spec in FUNCTIONS:
        module = spec.handler.rsplit(".", 1)[0]
        samples = []
        for _ in range(RUNS):
            out = subprocess.run(
                [sys.executable, "-S", "-c", PROBE.format(module=module)],
                env=env,
                capture_output=True,
                text=True,
                check=True,
            )
            samples.append(float(out.stdout.strip()))
        print(f"  {spec.name:<12} import {module:<22} {summary(samples)}")


if __name__ == "__main__":
    main()
