"""``inplay kalshi check`` against the simulator: in process, and as a user would run it next to
``inplay sim kalshi`` (two subprocesses, credentials handed over through the written file)."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from local import cli
from local.commands import kalshi as command
from local.kalshi_sim import KalshiSimulator, SimServer, Team
from local.kalshi_sim.auth import generate_private_key_pem
from local.kalshi_sim.simulator import SimCredentials, write_private_key

REPO = Path(__file__).resolve().parents[3]
ROWS = {"target", "exchange status", "clock skew", "authentication", "balance", "rate-limit tier"}


@pytest.fixture(autouse=True)
def _no_kalshi_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (command.ENV_BASE_URL, command.ENV_KEY_ID, command.ENV_KEY_PATH):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def exchange(tmp_path: Path) -> Iterator[tuple[KalshiSimulator, SimServer, SimCredentials]]:
    sim = KalshiSimulator(seed=3, maintenance=False)
    sim.add_game(Team("BOS", "Boston"), Team("LAL", "Los Angeles L"))
    creds = sim.create_user_with_key(
        balance_cents=123_456, tier="advanced", private_key_path=tmp_path / "key.pem"
    )
    with SimServer(sim, tick_ms=0) as server:
        yield sim, server, creds


def table(out: str) -> dict[str, tuple[str, str]]:
    rows = [re.split(r"\s{2,}", line, maxsplit=2) for line in out.splitlines()]
    assert rows[0] == ["check", "result", "detail"], out
    return {row[0]: (row[1], row[2] if len(row) > 2 else "") for row in rows[1:]}


def check(
    capsys: pytest.CaptureFixture[str], base_url: str, key_id: str, key_file: Path | str
) -> tuple[int, dict[str, tuple[str, str]], str]:
    code = cli.main(
        ["kalshi", "check", "--base-url", base_url, "--key-id", key_id, "--key-file", str(key_file)]
    )
    captured = capsys.readouterr()
    return code, table(captured.out) if captured.out else {}, captured.err


def test_check_passes_against_the_simulator(
    exchange: tuple[KalshiSimulator, SimServer, SimCredentials], capsys: pytest.CaptureFixture[str]
) -> None:
    sim, server, creds = exchange
    assert creds.private_key_path is not None
    code, rows, err = check(capsys, server.base_url, creds.key_id, creds.private_key_path)
    assert code == 0, err
    assert err == ""
    assert set(rows) == ROWS and all(result == "OK" for result, _ in rows.values()), rows
    assert rows["target"][1] == f"custom {server.base_url}"
    assert rows["exchange status"][1] == "exchange and trading active"
    assert re.fullmatch(r"[+-]\d+\.\d s \(server − local, ±0\.5 s\)", rows["clock skew"][1])
    assert rows["authentication"][1] == f"key {creds.key_id} accepted"
    assert rows["balance"][1].startswith("$1,234.56 available")
    assert rows["rate-limit tier"][1] == "advanced: read 300/s (burst 300), write 300/s (burst 600) tokens"
    assert (
        sim.traffic.count("get_balance", 200) == 1 and sim.traffic.count("get_account_api_limits", 200) == 1
    )

    sim.pause_trading()
    code, rows, err = check(capsys, server.base_url, creds.key_id, creds.private_key_path)
    assert code == 0 and rows["exchange status"][0] == "WARN"


@pytest.mark.parametrize("wrong", ["unregistered key id", "registered key id, other private key"])
def test_check_with_a_wrong_key_fails_in_one_line(
    exchange: tuple[KalshiSimulator, SimServer, SimCredentials],
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    wrong: str,
) -> None:
    _, server, creds = exchange
    other_key = tmp_path / "other.pem"
    write_private_key(other_key, generate_private_key_pem("rsa"))
    key_id = "0b0e6a4c-0000-4000-8000-000000000000" if wrong.startswith("unregistered") else creds.key_id
    code, rows, err = check(capsys, server.base_url, key_id, other_key)
    assert code == 1
    assert err.strip() == (
        "inplay kalshi: error: 1 check(s) failed: authentication; do not trade with this setup"
    )
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    result, detail = rows["authentication"]
    assert result == "FAIL" and "HTTP 401" in detail
    reason = "INVALID_API_KEY" if wrong.startswith("unregistered") else "INCORRECT_API_KEY_SIGNATURE"
    assert reason in detail
    assert rows["balance"][0] == rows["rate-limit tier"][0] == "SKIP"
    # every request is signed, so the refused key also blocks the status read: reported once
    assert rows["exchange status"] == (
        "SKIP",
        "not read: Kalshi refused the signed request (see authentication)",
    )
    assert rows["clock skew"][0] == "OK"  # measured from the 401's Date header


def test_check_usage_errors_are_one_line(
    exchange: tuple[KalshiSimulator, SimServer, SimCredentials],
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    sim, server, creds = exchange
    garbage = tmp_path / "garbage.pem"
    garbage.write_text("not a key")
    code, rows, err = check(capsys, server.base_url, creds.key_id, garbage)
    assert (code, rows) == (2, {})
    assert err.startswith("inplay kalshi: error: unusable private key") and len(err.splitlines()) == 1
    code, _, err = check(capsys, server.base_url.replace("/trade-api/v2", ""), creds.key_id, garbage)
    assert code == 2 and "invalid base URL" in err and "Traceback" not in err

    sim.set_exchange(exchange_active=False)
    assert creds.private_key_path is not None
    code, rows, err = check(capsys, server.base_url, creds.key_id, creds.private_key_path)
    assert code == 1 and rows["exchange status"][0] == "FAIL"
    assert err.strip() == (
        "inplay kalshi: error: 1 check(s) failed: exchange status; do not trade with this setup"
    )


def python_cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "local.cli", *args]


@pytest.mark.slow
def test_check_against_inplay_sim_kalshi_in_subprocesses(tmp_path: Path) -> None:
    credentials_file = tmp_path / "kalshi-sim.json"
    sim = subprocess.Popen(
        python_cli("sim", "kalshi", "--port", "0", "--static", "--credentials-out", str(credentials_file)),
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert sim.stdout is not None
        line = sim.stdout.readline()
        assert line, sim.stderr.read() if sim.stderr else "the simulator printed nothing"
        written = json.loads(credentials_file.read_text())
        assert written["base_url"] == json.loads(line)["base_url"]
        result = subprocess.run(
            python_cli(
                "kalshi",
                "check",
                "--base-url",
                written["base_url"],
                "--key-id",
                written["key_id"],
                "--key-file",
                written["private_key_path"],
            ),
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 0, result.stderr
        rows = table(result.stdout)
        assert set(rows) == ROWS
        assert rows["authentication"] == ("OK", f"key {written['key_id']} accepted")
        assert rows["rate-limit tier"][1].startswith("advanced: read 300/s")
        assert rows["balance"][1].startswith("$10,000.00 available")
        assert rows["exchange status"][0] in ("OK", "WARN")  # WARN inside the weekly maintenance pause
    finally:
        sim.send_signal(signal.SIGTERM)
        code = sim.wait(timeout=20)
    assert code == 0
