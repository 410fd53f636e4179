"""``inplay kalshi check`` against the fake exchange: table, exit codes, production guard, env vars."""

from __future__ import annotations

import argparse
import random
import re

import pytest
from cryptography.hazmat.primitives import serialization

from inplay.venues.kalshi import BASIC_LIMITS, DEMO_BASE_URL, PRODUCTION_BASE_URL, KalshiClient, RetryPolicy
from local import cli
from local.commands import kalshi as command
from tests.unit.venues.conftest import KEY_ID, pem
from tests.unit.venues.kalshi_fake import Fault


@pytest.fixture
def key_file(tmp_path, rsa_key):
    path = tmp_path / "kalshi.pem"
    path.write_bytes(pem(rsa_key, serialization.PrivateFormat.TraditionalOpenSSL))
    return path


@pytest.fixture
def factory(fake, clock, monkeypatch):
    """Replace the real client factory with one wired to the fake; records the URLs it was given."""
    seen: list[str] = []

    def make(base_url, credentials, timeout):
        seen.append(base_url)
        return KalshiClient(
            base_url,
            credentials=credentials,
            transport=fake.transport(),
            clock=clock,
            rng=random.Random(1),
            retry=RetryPolicy(max_attempts=1),
            rate_limits=BASIC_LIMITS,
        )

    monkeypatch.setattr(command, "default_client_factory", make)
    for name in (command.ENV_BASE_URL, command.ENV_KEY_ID, command.ENV_KEY_PATH):
        monkeypatch.delenv(name, raising=False)
    return seen


def table(out: str) -> dict[str, tuple[str, str]]:
    rows = [re.split(r"\s{2,}", line, maxsplit=2) for line in out.splitlines()]
    assert rows[0] == ["check", "result", "detail"]
    return {row[0]: (row[1], row[2] if len(row) > 2 else "") for row in rows[1:]}


def run(argv, capsys):
    code = cli.main(["kalshi", "check", *argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_all_checks_pass(factory, key_file, capsys):
    code, out, err = run(["--key-id", KEY_ID, "--key-file", str(key_file)], capsys)
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].split() == ["check", "result", "detail"]
    table = {line.split("  ")[0].strip(): line for line in lines[1:]}
    assert set(table) == {
        "target",
        "exchange status",
        "clock skew",
        "authentication",
        "balance",
        "rate-limit tier",
    }
    assert all("  OK  " in line for line in table.values())
    assert f"demo {DEMO_BASE_URL}" in table["target"]
    assert "$123.45 available" in table["balance"]
    assert "advanced: read 300/s (burst 300), write 300/s (burst 600)" in table["rate-limit tier"]
    assert factory == [DEMO_BASE_URL]


def test_authentication_failure_exits_1_with_one_line(factory, tmp_path, ed25519_key, capsys):
    wrong = tmp_path / "other.pem"
    wrong.write_bytes(pem(ed25519_key, serialization.PrivateFormat.PKCS8))
    code, out, err = run(["--key-id", KEY_ID, "--key-file", str(wrong)], capsys)
    assert code == 1
    rows = table(out)
    assert rows["authentication"][0] == "FAIL" and "INCORRECT_API_KEY_SIGNATURE" in rows["authentication"][1]
    assert rows["balance"][0] == rows["rate-limit tier"][0] == "SKIP"
    assert err.strip().count("\n") == 0
    # The client signs every request (as the official SDK does), so the status read is refused too:
    # that is the key's failure, reported once, not an exchange failure.
    assert rows["exchange status"] == (
        "SKIP",
        "not read: Kalshi refused the signed request (see authentication)",
    )
    assert (
        err.strip() == "inplay kalshi: error: 1 check(s) failed: authentication; do not trade with this setup"
    )


def test_exchange_down_clock_skew_and_missing_limits(factory, fake, key_file, capsys):
    fake.exchange = {"exchange_active": False, "trading_active": False}
    fake.server_skew = 15.0
    fake.limits = None
    fake.balance_cents = 0
    code, out, err = run(["--key-id", KEY_ID, "--key-file", str(key_file)], capsys)
    assert code == 1
    rows = table(out)
    assert rows["exchange status"] == ("FAIL", "exchange inactive (maintenance)")
    assert rows["clock skew"][0] == "FAIL" and rows["clock skew"][1].startswith("+15")
    assert rows["rate-limit tier"][0] == "WARN"
    assert rows["balance"][0] == "WARN" and rows["balance"][1].startswith("$0.00 available")
    assert "2 check(s) failed: exchange status, clock skew" in err


def test_trading_paused_is_a_warning(factory, fake, key_file, capsys):
    fake.exchange = {"exchange_active": True, "trading_active": False}
    code, out, _ = run(["--key-id", KEY_ID, "--key-file", str(key_file)], capsys)
    assert code == 0 and table(out)["exchange status"][0] == "WARN"


def test_unreachable_exchange_fails_every_network_check(factory, fake, key_file, capsys):
    fake.fail("GET /exchange/status", Fault("connect"))
    fake.fail("GET /portfolio/balance", Fault("connect"))
    fake.fail("GET /account/limits", Fault("status", 503, ""))
    code, out, err = run(["--key-id", KEY_ID, "--key-file", str(key_file)], capsys)
    assert code == 1
    rows = table(out)
    assert rows["exchange status"][0] == "FAIL" and "could not reach Kalshi" in rows["exchange status"][1]
    assert rows["clock skew"][0] == "WARN"
    assert [rows[name][0] for name in ("authentication", "balance", "rate-limit tier")] == ["FAIL"] * 3
    assert "4 check(s) failed: exchange status, authentication, balance, rate-limit tier" in err


def test_credentials_from_environment_and_flags_override(factory, key_file, monkeypatch, capsys, tmp_path):
    monkeypatch.setenv(command.ENV_KEY_ID, KEY_ID)
    monkeypatch.setenv(command.ENV_KEY_PATH, str(key_file))
    monkeypatch.setenv(command.ENV_BASE_URL, "http://127.0.0.1:8765/trade-api/v2")
    code, out, _ = run([], capsys)
    assert code == 0 and "custom http://127.0.0.1:8765/trade-api/v2" in out
    code, _, err = run(["--key-file", str(tmp_path / "missing.pem")], capsys)
    assert code == 2 and "missing.pem" in err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--key-file", "x.pem"], "missing API key id: pass --key-id or set KALSHI_API_KEY_ID"),
        (["--key-id", KEY_ID], "missing private key file: pass --key-file or set KALSHI_PRIVATE_KEY_PATH"),
        (["--key-id", KEY_ID, "--key-file", "/nonexistent/kalshi.pem"], "cannot read private key file"),
        (["--base-url", "ftp://x/trade-api/v2"], "invalid base URL"),
        (["--timeout", "0"], "--timeout must be positive"),
    ],
)
def test_usage_errors_exit_2(factory, argv, message, capsys):
    code, out, err = run(argv, capsys)
    assert code == 2 and message in err and out == ""
    assert factory == []


def test_unreadable_pem_is_a_usage_error(factory, tmp_path, capsys):
    bad = tmp_path / "bad.pem"
    bad.write_text("-----BEGIN PRIVATE KEY-----\nnot base64\n-----END PRIVATE KEY-----\n")
    code, _, err = run(["--key-id", KEY_ID, "--key-file", str(bad)], capsys)
    assert code == 2 and "unusable private key" in err and "not base64" not in err


def test_production_needs_prod(factory, key_file, monkeypatch, capsys):
    args = ["--key-id", KEY_ID, "--key-file", str(key_file)]
    code, _, err = run([*args, "--base-url", "https://api.elections.kalshi.com/trade-api/v2"], capsys)
    assert code == 2 and "refusing to contact production" in err and "--base-url" in err
    monkeypatch.setenv(command.ENV_BASE_URL, PRODUCTION_BASE_URL)
    code, _, err = run(args, capsys)
    assert code == 2 and "KALSHI_BASE_URL" in err
    assert factory == []  # nothing was contacted
    monkeypatch.delenv(command.ENV_BASE_URL)
    code, out, _ = run([*args, "--prod"], capsys)
    assert code == 0 and factory == [PRODUCTION_BASE_URL] and f"production {PRODUCTION_BASE_URL}" in out


def test_run_check_takes_an_injected_factory_and_stream(fake, clock, key_file, capsys):
    import io

    made = []

    def make(base_url, credentials, timeout):
        made.append(timeout)
        return KalshiClient(base_url, credentials=credentials, transport=fake.transport(), clock=clock)

    args = argparse.Namespace(base_url=None, key_id=KEY_ID, key_file=str(key_file), prod=False, timeout=3.0)
    stream = io.StringIO()
    assert command.run_check(args, client_factory=make, environ={}, out=stream) == 0
    assert made == [3.0] and "rate-limit tier" in stream.getvalue()
