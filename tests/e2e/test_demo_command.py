"""`inplay demo` as a user runs it: starts, serves live games, trades on paper, stops cleanly on SIGTERM."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

pytestmark = [pytest.mark.slow, pytest.mark.timeout(360)]

ROOT = Path(__file__).resolve().parents[2]


def test_demo_serves_live_games_trades_on_paper_and_exits_cleanly_on_sigterm(tmp_path) -> None:
    inplay = Path(sys.executable).with_name("inplay")
    process = subprocess.Popen(
        [str(inplay), "demo", "--port", "0", "--speed", "5", "--state-dir", str(tmp_path / "state")],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    lines: list[str] = []
    try:
        assert process.stdout is not None
        api_url = None
        deadline = time.monotonic() + 150  # includes a synth when the template is stale
        while time.monotonic() < deadline and api_url is None:
            line = process.stdout.readline()
            if not line:
                break
            lines.append(line)
            found = re.search(r"games API\s+(http://127\.0\.0\.1:\d+/api)/games", line)
            if found:
                api_url = found.group(1)
        assert api_url, "".join(lines)
        live: list[dict] = []
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not live:
            live = httpx.get(f"{api_url}/games", params={"state": "in"}, timeout=10).json()["games"]
            time.sleep(1)
        assert live, "no live game within 60 s of start"
        assert httpx.get(f"{api_url}/health", timeout=10).json()["status"] == "ok"
        # A newcomer sees the demo's paper bot trade within two minutes.
        fills, status = 0, {}
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not fills:
            status = httpx.get(
                f"{api_url}/bot/status", headers={"X-Inplay-Local-User": "demo"}, timeout=10
            ).json()
            fills = int((status.get("pnl_today") or {}).get("paper", {}).get("fills") or 0)
            time.sleep(2)
        assert fills > 0, f"no paper trade within two minutes: {status}"
        assert status["mode"] == "paper" and status["bots"][0]["state"] == "RUNNING"
        process.send_signal(signal.SIGTERM)
        out, _ = process.communicate(timeout=60)
        lines.append(out)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    output = "".join(lines)
    assert process.returncode == 0, output
    assert "stopped" in output
    assert "Traceback" not in output
    # The start-up alert went SNS → discord_notifier → the local webhook sink, marked PAPER.
    assert re.search(r"ALERT .*PAPER.*inplay demo is running", output), output
    assert re.search(r"ALERT .*PAPER.*Entry (partly )?filled", output), output  # every trade alerts
    json.dumps(live)  # the API answered JSON-serialisable games


def test_demo_rejects_a_bad_port() -> None:
    inplay = Path(sys.executable).with_name("inplay")
    result = subprocess.run(
        [str(inplay), "demo", "--port", "99999"], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 2
    assert "--port" in result.stderr and "65535" in result.stderr
