"""The key never reaches a log line, an answer or an audit record.

Every log record at DEBUG (root, which the ``inplay`` logger and botocore, httpx and moto
propagate to), the powertools handler's formatted output, and whatever reaches stdout/stderr are
captured across: a save, a replacement, Kalshi rejecting a key (unknown id, wrong private key),
malformed input (corrupt PEM, a PEM in an unexpected field, a bad key id), Kalshi failing (503) and
unreachable, GET, a refused and a successful DELETE. The scan looks for every key id sent and
every 40-character slice of every PEM body sent.
"""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime

import pytest

from inplay.bots.lifecycle import BotState
from tests.integration.credentials.support import CredentialsHarness, Key, dead_base_url

WINDOW = 40


class Secrets:
    """What must never be seen: key ids, and every ``WINDOW``-character slice of PEM bodies."""

    def __init__(self) -> None:
        self.key_ids: set[str] = set()
        self.windows: set[str] = set()

    def add(self, key: Key) -> Key:
        self.key_ids.add(key.key_id)
        self.add_pem(key.pem)
        return key

    def add_pem(self, pem: str) -> None:
        lines = [line.strip() for line in pem.splitlines() if line.strip() and "-----" not in line]
        for text in (*lines, "".join(lines)):
            self.windows.update(text[i : i + WINDOW] for i in range(len(text) - WINDOW + 1))

    def leaks(self, text: str) -> list[str]:
        found = [f"key id {key_id[:4]}…" for key_id in self.key_ids if key_id in text]
        for start in range(len(text) - WINDOW + 1):
            if text[start : start + WINDOW] in self.windows:
                found.append(f"PEM body slice at offset {start}")
                break
        return found


@pytest.fixture
def formatted_output() -> Iterator[io.StringIO]:
    """Whatever the powertools logger's own handlers write (its redacting JSON formatter)."""
    buffer = io.StringIO()
    target = logging.getLogger("inplay")
    handlers = [h for h in target.handlers if isinstance(h, logging.StreamHandler)]
    previous = [h.setStream(buffer) for h in handlers]
    try:
        yield buffer
    finally:
        for handler, stream in zip(handlers, previous, strict=True):
            handler.setStream(stream)


def _record_texts(records: Iterable[logging.LogRecord]) -> Iterator[str]:
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
    for record in records:
        yield formatter.format(record)  # the message, and the traceback if there is one
        yield repr({k: v for k, v in vars(record).items() if k not in ("msg", "args")})
        yield repr(record.msg) + repr(record.args)


def test_no_key_material_reaches_logs_answers_or_the_audit_trail(
    harness: CredentialsHarness,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
    formatted_output: io.StringIO,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from api.routes.credentials import credentials_deps
    from inplay.config import Env, cached_settings

    secrets = Secrets()
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="inplay")
    statuses: list[int] = []

    first = secrets.add(harness.registered_key())
    statuses.append(harness.put(first).status)  # saved
    statuses.append(harness.get().status)
    second = secrets.add(harness.registered_key("ed25519"))
    statuses.append(harness.put(second).status)  # replaced
    statuses.append(harness.put(secrets.add(harness.unknown_key())).status)  # Kalshi: unknown key id
    statuses.append(harness.put(secrets.add(harness.wrong_private_key())).status)  # Kalshi: bad signature
    corrupt = secrets.add(harness.unknown_key())
    broken_pem = corrupt.pem.replace("M", "x", 5)
    secrets.add_pem(broken_pem)
    statuses.append(harness.put({"key_id": corrupt.key_id, "private_key_pem": broken_pem}).status)
    stray = secrets.add(harness.unknown_key())
    statuses.append(harness.put({**stray.body(), "pem": stray.pem}).status)  # the key in an unknown field
    statuses.append(harness.put({"key_id": "x" + stray.key_id, "private_key_pem": stray.pem}).status)
    harness.sim.fail_next(503, count=2, operation="get_balance")
    statuses.append(harness.put(secrets.add(harness.registered_key())).status)  # Kalshi 503
    harness.bots.transition_bot("alice", "default", BotState.STARTING, by="alice", at=datetime.now(UTC))
    statuses.append(harness.delete().status)  # refused: a bot is starting
    harness.bots.transition_bot("alice", "default", BotState.STOPPED, by="alice", at=datetime.now(UTC))
    statuses.append(harness.delete().status)
    statuses.append(harness.get().status)
    monkeypatch.setenv(Env.KALSHI_BASE_URL.value, dead_base_url())
    cached_settings.cache_clear()
    credentials_deps.cache_clear()
    statuses.append(harness.put(secrets.add(harness.registered_key())).status)  # Kalshi unreachable

    assert statuses == [200, 200, 200, 400, 400, 400, 400, 400, 502, 409, 200, 200, 502]

    printed = capfd.readouterr()
    sources = {
        "log records": "\n".join(_record_texts(caplog.records)),
        "powertools output": formatted_output.getvalue(),
        "stdout": printed.out,
        "stderr": printed.err,
        "answers": "\n".join(answer.text for answer in harness.answers),
        "audit trail": json.dumps(harness.audit_records()),
    }
    # The capture is real: DEBUG lines from botocore and our own INFO lines were seen.
    assert "kalshi credentials saved for alice" in sources["powertools output"]
    assert any(r.name.startswith("botocore") and r.levelno == logging.DEBUG for r in caplog.records)
    assert "DEBUG line withheld" in sources["log records"]  # botocore tried to log a secret value
    assert secrets.leaks(first.pem) and secrets.leaks(json.dumps(first.body()))  # the scan finds keys

    leaks = {name: found for name, text in sources.items() if (found := secrets.leaks(text))}
    assert leaks == {}
