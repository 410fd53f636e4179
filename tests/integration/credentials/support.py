"""The credential routes through the api function's real handler: moto (Secrets Manager, the bots
and audit tables, Cognito) and the Kalshi simulator on 127.0.0.1 as the deployment's Kalshi."""

from __future__ import annotations

import json
import socket
import uuid
from dataclasses import dataclass
from typing import Any

import boto3

from inplay.audit.store import DynamoAuditLog
from inplay.config import Env
from inplay.store.bots import DynamoBotControls
from local.kalshi_sim import KalshiSimulator, SimServer
from local.kalshi_sim.auth import generate_private_key_pem, public_key_pem
from tests.support.api import Answer, api_env, call_api
from tests.support.auth import CognitoUsers

PREFIX = "inplay/kalshi/"
TABLES = {"bots": "c-bots", "audit": "c-audit"}
BALANCE_CENTS = 123_456


def env(base_url: str) -> dict[str, str]:
    """Every variable ``ApiSettings`` requires, the Kalshi base URL pointing at ``base_url``."""
    return {
        **api_env("c"),
        Env.KALSHI_BASE_URL.value: base_url,
        Env.KALSHI_SECRET_PREFIX.value: PREFIX,
        Env.KALSHI_TIMEOUT_SECONDS.value: "3",
    }


def dead_base_url() -> str:
    """A loopback URL nothing listens on (the port was just free)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/trade-api/v2"


@dataclass(frozen=True)
class Key:
    """A Kalshi API key as the user holds it."""

    key_id: str
    pem: str

    def body(self) -> dict[str, str]:
        return {"key_id": self.key_id, "private_key_pem": self.pem}


class CredentialsHarness:
    def __init__(self, users: CognitoUsers, sim: KalshiSimulator, server: SimServer) -> None:
        self.users = users
        self.sim = sim
        self.server = server
        self.secrets = boto3.client("secretsmanager")
        self.bots = DynamoBotControls(TABLES["bots"])
        self.audit = DynamoAuditLog(TABLES["audit"])
        self.answers: list[Answer] = []

    # ---- keys

    def registered_key(self, key_type: str = "rsa") -> Key:
        """A key of a funded simulator account (Kalshi knows it)."""
        creds = self.sim.create_user_with_key(
            balance_cents=BALANCE_CENTS,
            tier="premier",  # five balance reads a second: tests re-check one key back to back
            key_type=key_type,  # type: ignore[arg-type]
        )
        return Key(creds.key_id, creds.private_key_pem.decode())

    def unknown_key(self) -> Key:
        """A well-formed key Kalshi has never seen."""
        return Key(str(uuid.uuid4()), generate_private_key_pem("rsa").decode())

    def wrong_private_key(self) -> Key:
        """A registered key id with another private key (the signature cannot verify)."""
        known = self.registered_key()
        return Key(known.key_id, generate_private_key_pem("rsa").decode())

    def register(self, key: Key) -> None:
        account = self.sim.create_user(balance_cents=BALANCE_CENTS, tier="premier")
        self.sim.add_api_key(account, public_key_pem(key.pem), key_id=key.key_id)

    def balance_reads(self) -> int:
        """Balance reads that reached the simulator (every live check is one)."""
        return self.sim.traffic.count("get_balance")

    # ---- requests

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        user: str | None = "alice",
        raw: bytes | None = None,
    ) -> Answer:
        token = self.users.token(user) if user is not None else None
        answer = call_api(method, path, body, token=token, raw=raw)
        self.answers.append(answer)
        return answer

    def put(self, key: Key | dict[str, Any], **kwargs: Any) -> Answer:
        body = key.body() if isinstance(key, Key) else key
        return self.request("PUT", "/api/credentials/kalshi", body, **kwargs)

    def get(self, **kwargs: Any) -> Answer:
        return self.request("GET", "/api/credentials", **kwargs)

    def delete(self, **kwargs: Any) -> Answer:
        return self.request("DELETE", "/api/credentials/kalshi", **kwargs)

    # ---- what is stored

    def secret(self, user: str = "alice") -> dict[str, Any] | None:
        try:
            value = self.secrets.get_secret_value(SecretId=f"{PREFIX}{user}")
        except self.secrets.exceptions.ResourceNotFoundException:
            return None
        except self.secrets.exceptions.InvalidRequestException:
            return None  # scheduled for deletion
        data: dict[str, Any] = json.loads(value["SecretString"])
        return data

    def audit_records(self, user: str = "alice") -> list[tuple[str, dict[str, Any]]]:
        return [(r.kind, json.loads(r.payload)) for r in self.audit.records(user)]
