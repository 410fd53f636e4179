"""The WebSocket API's routes, as API Gateway hands them to the ``websocket`` function.

- ``$connect``: the ID token comes in the query string (``?token=<id token>``: browsers cannot set
  headers on a WebSocket or an EventSource) and is verified like every API request's; the
  connection is stored with its user. Any other answer than 200 refuses the connection.
- ``$disconnect``: the connection is forgotten.
- ``$default``: ``ping`` (the text, or ``{"type": "PING"}``) is answered ``{"type": "PONG"}``;
  anything else is ignored (updates only flow to the client).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from http import HTTPStatus
from typing import Any, Final, Protocol

from inplay.auth import AuthError, Principal
from inplay.live.connections import ConnectionStore

__all__ = ["TOKEN_PARAMETER", "TokenCheck", "handle_route"]

TOKEN_PARAMETER: Final = "token"
_CONNECTION_ID: Final = re.compile(r"^[A-Za-z0-9_=+/-]{1,128}$")
_PINGS: Final = frozenset({"ping", '"ping"'})
NO_TOKEN: Final = "sign in first: connect with ?token=<ID token>"


class TokenCheck(Protocol):
    def verify(self, token: str) -> Principal: ...


def _answer(status: int, body: Mapping[str, Any] | None = None) -> dict[str, Any]:
    answer: dict[str, Any] = {"statusCode": int(status)}
    if body is not None:
        answer["body"] = json.dumps(dict(body), separators=(",", ":"))
    return answer


def _is_ping(body: object) -> bool:
    if not isinstance(body, str) or len(body) > 1024:
        return False
    text = body.strip()
    if text.lower() in _PINGS:
        return True
    try:
        parsed = json.loads(text)
    except ValueError:
        return False
    if not isinstance(parsed, dict):
        return False
    return str(parsed.get("type") or parsed.get("action") or "").lower() == "ping"


def handle_route(
    event: Mapping[str, Any], *, verifier: TokenCheck, connections: ConnectionStore, now: datetime
) -> dict[str, Any]:
    """The function's answer to one WebSocket route event."""
    context = event.get("requestContext")
    context = context if isinstance(context, Mapping) else {}
    route, connection_id = context.get("routeKey"), context.get("connectionId")
    if not isinstance(connection_id, str) or not _CONNECTION_ID.fullmatch(connection_id):
        return _answer(HTTPStatus.BAD_REQUEST, {"message": "no valid connection id in the request context"})
    if route == "$connect":
        query = event.get("queryStringParameters")
        token = query.get(TOKEN_PARAMETER) if isinstance(query, Mapping) else None
        if not isinstance(token, str) or not token:
            return _answer(HTTPStatus.UNAUTHORIZED, {"message": NO_TOKEN})
        try:
            principal = verifier.verify(token)
        except AuthError as exc:
            return _answer(HTTPStatus.UNAUTHORIZED, {"message": str(exc)})
        connections.add(connection_id, principal.user_id, now=now)
        return _answer(HTTPStatus.OK, {"message": "connected"})
    if route == "$disconnect":
        connections.remove(connection_id)
        return _answer(HTTPStatus.OK)
    if route == "$default":
        if _is_ping(event.get("body")):
            at = now.astimezone(UTC).isoformat().replace("+00:00", "Z")
            return _answer(HTTPStatus.OK, {"type": "PONG", "at": at})
        return _answer(HTTPStatus.OK)
    return _answer(HTTPStatus.BAD_REQUEST, {"message": f"unknown route {str(route)[:64]!r}"})
