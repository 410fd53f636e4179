"""How long the local cloud takes to start from the synthesized template (moto server, provisioning,
scheduler, HTTP adapter), and to answer its first API request."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import httpx
from _common import summary

from infra.synth import synthesize
from inplay.config import Env
from local.cloud import LocalCloud

RUNS = 3


def main() -> None:
    with tempfile.TemporaryDirectory() as out:
        template = synthesize(Path(out))
        starts, first_answers = [], []
        overrides = {
            Env.ESPN_BASE_URL.value: "http://127.0.0.1:9/apis/site/v2/sports",  # nothing listens there
            Env.POLL_WINDOW_SECONDS.value: "0",
            "POWERTOOLS_METRICS_DISABLED": "true",
        }
        for _ in range(RUNS):
            started = time.perf_counter()
            with LocalCloud(template, http_port=0, env_overrides=overrides, schedules_enabled=False) as cloud:
                starts.append(cloud.startup_seconds or 0.0)
                httpx.get(f"{cloud.api_url}/health", timeout=30).raise_for_status()
                first_answers.append(time.perf_counter() - started)
    print(f"local cloud start: {summary(starts)}")
    print(f"local cloud start to first API answer: {summary(first_answers)}")


if __name__ == "__main__":
    main()
