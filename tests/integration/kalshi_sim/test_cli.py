"""``inplay sim kalshi``: starts a funded, liquid demo exchange and exits cleanly on SIGTERM."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from local.kalshi_sim.simulator import SimCredentials
from tests.integration.kalshi_sim.helpers import SignedClient

REPO = Path(__file__).resolve().parents[3]


def start(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "local.cli", "sim", "kalshi", "--port", "0", *args],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def stop(process: subprocess.Popen[str]) -> int:
    process.send_signal(signal.SIGTERM)
    return process.wait(timeout=20)


@pytest.mark.slow
def test_demo_exchange_end_to_end(tmp_path: Path) -> None:
    creds_file = tmp_path / "kalshi-sim.json"
    process = start("--seed", "5", "--credentials-out", str(creds_file))
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line, process.stderr.read() if process.stderr else "no output"
        info = json.loads(line)
        written = json.loads(creds_file.read_text())
        assert set(written) == {"base_url", "key_id", "private_key_path"}
        assert written["base_url"] == info["base_url"]
        assert written["base_url"].endswith("/trade-api/v2")
        key_path = Path(written["private_key_path"])
        assert key_path.exists()
        assert oct(key_path.stat().st_mode & 0o777) == "0o600"

        creds = SimCredentials("demo", written["key_id"], key_path.read_bytes(), key_path)
        client = SignedClient(written["base_url"], creds)
        try:
            assert client.get("/portfolio/balance").json()["balance"] >= 100_000  # at least $1,000
            markets = client.get("/markets", status="open").json()["markets"]
            assert len(markets) >= 2
            for market in markets:
                assert market["ticker"].startswith("KXNBAGAME-")
                assert market["yes_sub_title"]
                bid, ask = Decimal(market["yes_bid_dollars"]), Decimal(market["yes_ask_dollars"])
                assert Decimal(0) < bid < ask < Decimal(1), market["ticker"]
        finally:
            client.close()
    finally:
        code = stop(process)
    assert code == 0
    assert key_path.exists()  # the caller asked for the key file; it stays


@pytest.mark.slow
def test_without_credentials_file_the_temporary_key_is_removed() -> None:
    process = start("--static", "--no-rate-limits")
    try:
        assert process.stdout is not None
        info = json.loads(process.stdout.readline())
        key_path = Path(info["private_key_path"])
        assert key_path.exists()
    finally:
        code = stop(process)
    assert code == 0
    assert not key_path.exists()


def test_port_in_use_is_a_clean_error(tmp_path: Path) -> None:
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "local.cli", "sim", "kalshi", "--port", str(port), "--static"],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=60,
            env={**os.environ},
        )
    assert result.returncode == 1
    assert "cannot listen on 127.0.0.1" in result.stderr
    assert "Traceback" not in result.stderr
