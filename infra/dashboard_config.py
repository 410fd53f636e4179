"""The dashboard's runtime configuration, ``/config.json``: one builder for CDK and the local cloud.

The app reads it at start (same origin as the app), so one build of ``frontend/dist`` runs against
any deployment. CDK writes it into the dashboard's bucket at deploy time (the values are CloudFormation
tokens until then); the local cloud serves it from the same builder. No ``aws_cdk`` here.

Keys (the app's ``RuntimeConfig``):

- ``apiBase``: prefix of the ``/api/...`` paths, no trailing slash; ``""`` = same origin (local),
  ``https://{id}.execute-api.{region}.amazonaws.com/prod`` on AWS.
- ``live``: ``{"transport": "sse" | "websocket", "url": ...}``; the app appends ``?token=<ID token>``.
- ``auth``: ``{"region", "userPoolId", "clientId"}`` of the Cognito user pool and app client.
- ``environment``: ``"local"`` or ``"aws"``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final, Literal, get_args

__all__ = [
    "DASHBOARD_CONFIG_FILE",
    "Environment",
    "LiveTransport",
    "content_security_policy",
    "dashboard_config",
]

DASHBOARD_CONFIG_FILE: Final = "config.json"
"""Its name at the root of the site (``GET /config.json``)."""

LiveTransport = Literal["sse", "websocket"]
Environment = Literal["local", "aws"]


def dashboard_config(
    *,
    api_base: str,
    live_transport: LiveTransport,
    live_url: str,
    region: str,
    user_pool_id: str,
    client_id: str,
    environment: Environment,
) -> dict[str, Any]:
    """The ``config.json`` document; :class:`ValueError` for an unknown transport or environment."""
    if live_transport not in get_args(LiveTransport):
        raise ValueError(f"live_transport must be one of {get_args(LiveTransport)}, got {live_transport!r}")
    if environment not in get_args(Environment):
        raise ValueError(f"environment must be one of {get_args(Environment)}, got {environment!r}")
    return {
        "apiBase": api_base.rstrip("/"),
        "live": {"transport": live_transport, "url": live_url},
        "auth": {"region": region, "userPoolId": user_pool_id, "clientId": client_id},
        "environment": environment,
    }


def content_security_policy(connect_sources: Sequence[str]) -> str:
    """The dashboard's CSP: its own code only; fetch/WebSocket to itself and ``connect_sources``."""
    connect = " ".join(["'self'", *connect_sources])
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            "font-src 'self'",
            f"connect-src {connect}",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )
