"""DeploymentUsers: the bots table's users ∪ the users with Kalshi credentials (moto)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from inplay.config import KALSHI_SECRET_PREFIX
from inplay.store.bots import DynamoBotControls
from inplay.store.schema import BOTS
from inplay.store.users import DeploymentUsers, UserDirectoryError, is_user_id
from tests.integration.risk_store.tables import create_table

pytestmark = [pytest.mark.timeout(60)]

NOW = datetime(2026, 1, 18, 20, 0, tzinfo=UTC)


@pytest.fixture
def bots(moto: None) -> DynamoBotControls:
    create_table(BOTS, "inplay-bots-test")
    return DynamoBotControls("inplay-bots-test")


def _secret(name: str) -> None:
    boto3.client("secretsmanager").create_secret(Name=name, SecretString='{"key_id": "k"}')


def test_users_are_bot_users_and_credential_holders(bots: DynamoBotControls) -> None:
    bots.put_user_settings("u-bots", {"kill_daily_loss": "-50"})
    bots.block_market("u-both", "KXNBAGAME-A", reason="orphan", at=NOW)
    for user in ("u-both", "u-secret", "u_3", "bad name", "__system__", "nested/x"):
        _secret(f"{KALSHI_SECRET_PREFIX}{user}")
    _secret("other/u-other")
    _secret("inplay/kalshi-old/u-old")
    _secret(f"{KALSHI_SECRET_PREFIX}u-gone")
    boto3.client("secretsmanager").delete_secret(SecretId=f"{KALSHI_SECRET_PREFIX}u-gone")

    directory = DeploymentUsers(bots, page_size=1)  # every page holds one secret
    assert directory.secret_users() == ["u-both", "u-secret", "u_3"]
    assert directory.bot_users() == ["u-both", "u-bots"]
    assert directory.users() == ["u-both", "u-bots", "u-secret", "u_3"]


def test_no_users_at_all(bots: DynamoBotControls) -> None:
    assert DeploymentUsers(bots).users() == []


def test_a_custom_prefix(bots: DynamoBotControls) -> None:
    _secret("team-a/kalshi/u-1")
    _secret(f"{KALSHI_SECRET_PREFIX}u-2")
    assert DeploymentUsers(bots, secret_prefix="team-a/kalshi/").users() == ["u-1"]


class _Pages:
    """A Secrets Manager client answering ``list_secrets`` from canned pages."""

    def __init__(self, pages: list[list[str]]) -> None:
        self.pages = pages
        self.requests: list[dict[str, Any]] = []

    def list_secrets(self, **request: Any) -> dict[str, Any]:
        self.requests.append(request)
        index = int(request.get("NextToken", "0"))
        response: dict[str, Any] = {"SecretList": [{"Name": name} for name in self.pages[index]]}
        if index + 1 < len(self.pages):
            response["NextToken"] = str(index + 1)
        return response


class _NoUsers:
    def users(self) -> list[str]:
        return []


def test_names_are_rechecked_exactly_and_every_page_is_read() -> None:
    # AWS's name filter is a case-insensitive prefix match: "INPLAY/KALSHI/x" comes back too.
    client = _Pages([["inplay/kalshi/u-1", "INPLAY/KALSHI/u-2"], [], ["inplay/kalshi/u-3"]])
    assert DeploymentUsers(_NoUsers(), client=client, page_size=2).users() == ["u-1", "u-3"]
    assert [request.get("NextToken") for request in client.requests] == [None, "1", "2"]
    assert client.requests[0]["Filters"] == [{"Key": "name", "Values": ["inplay/kalshi/"]}]
    assert client.requests[0]["MaxResults"] == 2


class _Denied:
    def list_secrets(self, **request: Any) -> dict[str, Any]:
        raise ClientError(
            {"Error": {"Code": "AccessDeniedException", "Message": "not allowed"}}, "ListSecrets"
        )


def test_a_secrets_failure_is_a_typed_error() -> None:
    with pytest.raises(UserDirectoryError, match="AccessDeniedException"):
        DeploymentUsers(_NoUsers(), client=_Denied()).users()


def test_a_bots_table_failure_is_a_typed_error(moto: None) -> None:
    with pytest.raises(UserDirectoryError, match="bots table"):
        DeploymentUsers(DynamoBotControls("no-such-table")).users()


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("u-1", True),
        ("A_b-9", True),
        ("x" * 128, True),
        ("x" * 129, False),
        ("", False),
        ("a/b", False),
        ("a b", False),
        ("__system__", False),
    ],
)
def test_is_user_id(value: str, valid: bool) -> None:
    assert is_user_id(value) is valid


def test_an_empty_prefix_is_refused() -> None:
    with pytest.raises(ValueError, match="prefix"):
        DeploymentUsers(_NoUsers(), secret_prefix="")
