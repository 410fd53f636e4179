"""Secrets never reach a log line, wherever they sit in the record."""

import io
import json
import logging

from aws_lambda_powertools import Logger

from inplay.observability import REDACTED, RedactingFormatter, redact

PEM = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----"


def test_redact_walks_nested_structures() -> None:
    record = {
        "message": "saving credentials",
        "user": {"key_id": "abc", "private_key": PEM, "nested": [{"api_key": "k", "ok": 1}]},
        "headers": {"Authorization": "Bearer abcdefghijkl", "KALSHI-ACCESS-SIGNATURE": "sig"},
        "note": f"pasted {PEM} by mistake",
    }
    cleaned = redact(record)
    assert cleaned["user"]["private_key"] == REDACTED
    assert cleaned["user"]["key_id"] == "abc"
    assert cleaned["user"]["nested"][0] == {"api_key": REDACTED, "ok": 1}
    assert cleaned["headers"]["Authorization"] == REDACTED
    assert cleaned["headers"]["KALSHI-ACCESS-SIGNATURE"] == REDACTED
    assert "MIIEvQ" not in cleaned["note"]
    assert "Bearer" not in json.dumps(cleaned) or "abcdefghijkl" not in json.dumps(cleaned)


def test_logger_output_has_no_key_material() -> None:
    stream = io.StringIO()
    log = Logger(service="test-redaction", logger_formatter=RedactingFormatter(), stream=stream)
    log.info("token refresh", extra={"token": "t0ps3cret", "detail": f"key={PEM}"})
    log.info({"password": "hunter2", "user": "alice"})
    out = stream.getvalue()
    assert "t0ps3cret" not in out
    assert "hunter2" not in out
    assert "MIIEvQ" not in out
    assert "alice" in out
    lines = [json.loads(line) for line in out.strip().splitlines()]
    assert lines[0]["token"] == REDACTED
    logging.getLogger("test-redaction").handlers.clear()
