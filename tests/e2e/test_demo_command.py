"""`inplay demo` as a user runs it: starts, signs its user in, serves live games, trades on paper, the
curl examples it prints work, and it stops cleanly on SIGTERM."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

pytestmark = [pytest.mark.slow, pytest.mark.timeout(360)]

ROOT = Path(__file__).resolve().parents[2]
DEMO_USER, DEMO_PASSWORD = "demo", "inplay-demo-pass"


def _curl_script(output: str) -> str:
    """The shell commands the demo printed under "try the API with curl", one per line."""
    block = output.split("try the API with curl", 1)[1].splitlines()[1:]
    commands = []
    for line in block:
        if not line.startswith("    "):
            break
        if not line.strip().startswith("#"):
            commands.append(line.strip())
    return "\n".join(commands)


def _run_printed_examples(output: str) -> list[dict]:
    """Sign in, status, start, emergency stop: exactly as printed, through bash, curl and jq."""
    script = _curl_script(output)
    assert script.count("curl ") == 4 and "jq -r .id_token" in script, script
    lines = script.splitlines()
    echoed = "\n".join(
        [lines[0], 'test -n "$TOKEN" && test "$TOKEN" != null', *(f"{line}; echo" for line in lines[1:])]
    )
    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", echoed], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr + result.stdout
    return [json.loads(line) for line in result.stdout.splitlines() if line.strip()]


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
        while "/bot/order" not in "".join(lines):  # printed after the curl examples
            line = process.stdout.readline()
            assert line, "".join(lines)
            lines.append(line)
        # The dashboard is served at the root, and the banner says how to sign in to it.
        root = api_url.removesuffix("/api")
        assert f"dashboard   {root}/           (sign in as demo / {DEMO_PASSWORD})" in "".join(lines)
        page = httpx.get(f"{root}/", timeout=10)
        assert page.status_code == 200 and '<div id="root">' in page.text, page.text[:500]
        config = httpx.get(f"{root}/config.json", timeout=10).json()
        assert config["apiBase"] == ""
        assert config["live"] == {"transport": "sse", "url": "/api/positions/live"}
        # Everything but liveness needs the demo user's token (the printed password is the default).
        assert httpx.get(f"{api_url}/games", timeout=10).status_code == 401
        signed_in = httpx.post(
            f"{api_url}/auth/sign-in", json={"username": DEMO_USER, "password": DEMO_PASSWORD}, timeout=10
        )
        assert signed_in.status_code == 200, signed_in.text
        bearer = {"Authorization": f"Bearer {signed_in.json()['id_token']}"}
        live: list[dict] = []
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not live:
            live = httpx.get(f"{api_url}/games", params={"state": "in"}, headers=bearer, timeout=10).json()[
                "games"
            ]
            time.sleep(1)
        assert live, "no live game within 60 s of start"
        assert httpx.get(f"{api_url}/health", timeout=10).json()["status"] == "ok"
        # A newcomer sees the demo's paper bot trade within two minutes.
        fills, status = 0, {}
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not fills:
            status = httpx.get(f"{api_url}/bot/status", headers=bearer, timeout=10).json()
            fills = int((status.get("pnl_today") or {}).get("paper", {}).get("fills") or 0)
            time.sleep(2)
        assert fills > 0, f"no paper trade within two minutes: {status}"
        assert status["mode"] == "paper" and status["bots"][0]["state"] == "RUNNING"
        # The printed (and README) curl examples, run as printed: sign in, status, start, stop.
        assert shutil.which("curl") and shutil.which("jq"), "install curl and jq (.ci/run does)"
        status_answer, start_answer, stop_answer = _run_printed_examples("".join(lines))
        assert status_answer["bots"][0]["state"] == "RUNNING"
        assert start_answer["message"]  # already running: refused with a reason
        assert stop_answer["status"] in ("tripped", "already_tripped"), stop_answer
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
    assert "Traceback" not in output, output[max(0, output.find("Traceback") - 2000) :][:6000]
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
