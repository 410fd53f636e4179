"""Signed-in users for tests: a moto Cognito user pool issuing real RS256 ID tokens.

Inside ``mock_aws`` (or ``local_mock_aws``) the pool's JWKS is not reachable over HTTP, so
:meth:`CognitoUsers.install` points the api function's verifier at moto's published public keys
(the same keys moto's server serves at ``/<pool>/.well-known/jwks.json``). Everything else is the
production check: signature, issuer, audience, ``token_use`` and expiry.
"""

from __future__ import annotations

import contextlib
import gzip
import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from functools import cache
from importlib import resources
from typing import Any

import boto3
import pytest

from inplay.auth import StaticJwks, TokenVerifier
from inplay.config import Env
from local.cloud.cognito import pin_user_id

PASSWORD = "Correct-Horse-9"


@cache
def moto_jwks() -> dict[str, Any]:
    """moto's public signing keys (``kid`` ``dummy``)."""
    import moto.cognitoidp

    data = (resources.files(moto.cognitoidp) / "resources" / "jwks-public.json.gz").read_bytes()
    document: dict[str, Any] = json.loads(gzip.decompress(data))
    return document


class CognitoUsers:
    """A user pool + app client in moto; ``token(name)`` signs ``name`` in (created on first use)."""

    def __init__(
        self, region: str = "us-east-1", *, pool_id: str | None = None, client_id: str | None = None
    ) -> None:
        self.client = boto3.client("cognito-idp", region_name=region)
        if pool_id is None or client_id is None:
            pool_id = self.client.create_user_pool(PoolName="inplay-test")["UserPool"]["Id"]
            client_id = self.client.create_user_pool_client(
                UserPoolId=pool_id,
                ClientName="dashboard",
                ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
            )["UserPoolClient"]["ClientId"]
        self.pool_id: str = pool_id
        self.client_id: str = client_id
        self.issuer = f"https://cognito-idp.{region}.amazonaws.com/{self.pool_id}"
        self._subs: dict[str, str] = {}
        self._tokens: dict[str, str] = {}

    @property
    def env(self) -> dict[str, str]:
        return {Env.COGNITO_USER_POOL_ID.value: self.pool_id, Env.COGNITO_CLIENT_ID.value: self.client_id}

    def verifier(self) -> TokenVerifier:
        return TokenVerifier(StaticJwks(moto_jwks()), issuer=self.issuer, client_id=self.client_id)

    def install(self, monkeypatch: pytest.MonkeyPatch) -> CognitoUsers:
        """Set the api function's pool settings and its verifier's keys (moto's)."""
        import api.security

        for name, value in self.env.items():
            monkeypatch.setenv(name, value)
        monkeypatch.setattr(api.security, "token_verifier", self.verifier)
        return self

    @classmethod
    def of_function(cls, environment: Mapping[str, str]) -> CognitoUsers:
        """The pool a provisioned function (the local cloud's ``api``) verifies tokens against."""
        pool_id = environment[Env.COGNITO_USER_POOL_ID.value]
        return cls(
            pool_id.split("_", 1)[0], pool_id=pool_id, client_id=environment[Env.COGNITO_CLIENT_ID.value]
        )

    @contextmanager
    def installed(self) -> Iterator[CognitoUsers]:
        """:meth:`install` without pytest's monkeypatch (the verifier only; restored on exit)."""
        import api.security

        saved = api.security.token_verifier
        api.security.token_verifier = self.verifier  # type: ignore[assignment]
        try:
            yield self
        finally:
            api.security.token_verifier = saved

    def create(self, username: str, password: str = PASSWORD, *, user_id: str | None = None) -> str:
        """Create ``username`` (permanent password); its user id (``sub``), pinned to ``user_id``
        when given (so a test can keep a readable id such as ``alice``)."""
        if username not in self._subs:
            # A user created by another CognitoUsers on the same pool is reused (password reset below).
            with contextlib.suppress(self.client.exceptions.UsernameExistsException):
                self.client.admin_create_user(UserPoolId=self.pool_id, Username=username)
            self.client.admin_set_user_password(
                UserPoolId=self.pool_id, Username=username, Password=password, Permanent=True
            )
            if user_id is not None:
                pin_user_id(self.pool_id, username, user_id)
            user = self.client.admin_get_user(UserPoolId=self.pool_id, Username=username)
            self._subs[username] = next(a["Value"] for a in user["UserAttributes"] if a["Name"] == "sub")
        return self._subs[username]

    def user_id(self, username: str) -> str:
        return self.create(username)

    def token(self, username: str) -> str:
        """A fresh ID token of ``username`` (kept for the test)."""
        if username not in self._tokens:
            self.create(username)
            result = self.client.initiate_auth(
                ClientId=self.client_id,
                AuthFlow="USER_PASSWORD_AUTH",
                AuthParameters={"USERNAME": username, "PASSWORD": PASSWORD},
            )["AuthenticationResult"]
            self._tokens[username] = result["IdToken"]
        return self._tokens[username]

    def headers(self, username: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(username)}"}


class SigningInUsers(CognitoUsers):
    """:class:`CognitoUsers` whose users' ids equal their usernames (``alice`` → ``alice``), for
    tests written in user ids."""

    def create(self, username: str, password: str = PASSWORD, *, user_id: str | None = None) -> str:
        return super().create(username, password, user_id=user_id or username)
