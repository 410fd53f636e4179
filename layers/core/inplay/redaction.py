"""Keep secret values out of botocore's DEBUG logs.

At DEBUG, botocore logs every request's parameters (``botocore.endpoint``) and every response
body (``botocore.parsers``): a ``PutSecretValue`` or ``GetSecretValue`` would put the private key
into the log, an ``InitiateAuth`` the password and the tokens. :func:`install_boto_log_scrubber`
(run by ``inplay.observability`` in every function) adds a filter to those two loggers that
withholds any line carrying a secret value (idempotent, and cheap below DEBUG: the filter only
runs for records that are emitted).
"""

from __future__ import annotations

import logging
import re
from typing import Final

__all__ = ["BODY_LOGGERS", "SecretLineFilter", "install_boto_log_scrubber"]

BODY_LOGGERS: Final = ("botocore.endpoint", "botocore.parsers")
"""The botocore loggers that write request parameters or response bodies."""
_SECRET_MARKERS: Final = re.compile(
    r"SecretString|SecretBinary|private_key_pem|PRIVATE KEY|PASSWORD|AuthParameters|REFRESH_TOKEN"
    r"|IdToken|AccessToken|RefreshToken",
    re.IGNORECASE,
)


class SecretLineFilter(logging.Filter):
    """Replace a record that carries a secret value with a note saying it was withheld."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            text = record.getMessage()
        except Exception:  # an unformattable record: let logging report it as usual
            return True
        if _SECRET_MARKERS.search(text):
            record.msg = "(%s DEBUG line withheld: it carried a secret value)"
            record.args = (record.name,)
        return True


def install_boto_log_scrubber() -> None:
    """Attach :class:`SecretLineFilter` to :data:`BODY_LOGGERS` (once)."""
    for name in BODY_LOGGERS:
        target = logging.getLogger(name)
        if not any(isinstance(existing, SecretLineFilter) for existing in target.filters):
            target.addFilter(SecretLineFilter())
