"""Sending to one WebSocket connection: the :class:`ConnectionGateway` protocol and its API Gateway
management API implementation (``POST {endpoint}/@connections/{id}``)."""

from __future__ import annotations

from typing import Any, Final, Protocol

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

__all__ = ["ApiGatewayConnections", "ConnectionGateway", "ConnectionGone", "GatewayError"]

_GONE_CODES: Final = frozenset({"GoneException"})
_CLIENT_CONFIG: Final = Config(
    connect_timeout=2, read_timeout=5, retries={"mode": "standard", "total_max_attempts": 2}
)


class ConnectionGone(Exception):
    """The connection no longer exists (API Gateway's 410 ``GoneException``): forget it."""


class GatewayError(RuntimeError):
    """Sending failed for another reason (throttled, endpoint down …); the connection may be fine."""


class ConnectionGateway(Protocol):
    def send(self, connection_id: str, data: bytes) -> None:
        """Deliver ``data`` as one message; :class:`ConnectionGone` or :class:`GatewayError`."""
        ...


class ApiGatewayConnections:
    """:class:`ConnectionGateway` through boto3's ``apigatewaymanagementapi`` at ``endpoint``."""

    def __init__(self, endpoint: str, *, client: Any = None) -> None:
        if not endpoint.startswith(("https://", "http://")):
            raise ValueError(f"the WebSocket management endpoint must be an http(s) URL, got {endpoint!r}")
        self.endpoint = endpoint.rstrip("/")
        self._client = client

    def _api(self) -> Any:
        if self._client is None:
            self._client = boto3.client(
                "apigatewaymanagementapi", endpoint_url=self.endpoint, config=_CLIENT_CONFIG
            )
        return self._client

    def send(self, connection_id: str, data: bytes) -> None:
        try:
            self._api().post_to_connection(ConnectionId=connection_id, Data=data)
        except ClientError as exc:
            code = str(exc.response.get("Error", {}).get("Code", ""))
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            if code in _GONE_CODES or status == 410:
                raise ConnectionGone(connection_id) from None
            raise GatewayError(f"posting to a connection failed: {code or status}") from exc
        except BotoCoreError as exc:
            raise GatewayError(f"posting to a connection failed: {type(exc).__name__}") from exc
