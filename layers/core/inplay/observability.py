"""Logger, Tracer and Metrics, created once per process, with secrets redacted from every log line.

Every function logs through :data:`logger`. Its formatter walks the whole structured record and
replaces the value of any key that names a secret (private keys, tokens, signatures, passwords…)
and any string that looks like PEM key material, wherever it sits, before the line is written.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Final

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.logging.formatter import LambdaPowertoolsFormatter
from aws_lambda_powertools.logging.types import PowertoolsLogRecord

from inplay.config import METRICS_NAMESPACE, SERVICE_NAME
from inplay.redaction import install_boto_log_scrubber

__all__ = ["REDACTED", "RedactingFormatter", "logger", "metrics", "redact", "tracer"]

REDACTED: Final = "***REDACTED***"
_SECRET_KEY: Final = re.compile(
    r"(private[_-]?key|secret|password|passwd|token|authorization|signature|api[_-]?key|credential"
    r"|access[_-]?key|pem|cookie)",
    re.IGNORECASE,
)
_PEM: Final = re.compile(
    r"-----BEGIN [A-Z0-9 ]*(PRIVATE KEY|CERTIFICATE)-----.*?(-----END [A-Z0-9 ]*-----|$)", re.S
)
_BEARER: Final = re.compile(r"(?i)\b(bearer)\s+[A-Za-z0-9._~+/=-]{8,}")


def redact(value: Any, _depth: int = 0) -> Any:
    """Return ``value`` with secret-named keys and key-like strings replaced by :data:`REDACTED`."""
    if _depth > 12:
        return value
    if isinstance(value, Mapping):
        return {
            key: REDACTED if isinstance(key, str) and _SECRET_KEY.search(key) else redact(item, _depth + 1)
            for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        return [redact(item, _depth + 1) for item in value]
    if isinstance(value, str):
        if "-----BEGIN" in value:
            value = _PEM.sub(REDACTED, value)
        if "earer" in value:
            value = _BEARER.sub(rf"\1 {REDACTED}", value)
    return value


class RedactingFormatter(LambdaPowertoolsFormatter):
    """Powertools' JSON formatter with :func:`redact` applied to the whole record."""

    def serialize(self, log: dict[str, Any] | PowertoolsLogRecord) -> str:
        return super().serialize(log=redact(log))


logger: Final = Logger(service=SERVICE_NAME, logger_formatter=RedactingFormatter(), utc=True)
tracer: Final = Tracer(service=SERVICE_NAME)
install_boto_log_scrubber()  # botocore's DEBUG lines would carry secret values (credentials, webhooks)
metrics: Final = Metrics(namespace=METRICS_NAMESPACE, service=SERVICE_NAME)
