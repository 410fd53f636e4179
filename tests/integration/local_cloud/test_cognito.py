"""The local cloud's sign-in: the template's user pool and app client created in moto, tokens signed
by moto and verified by the api function over HTTP with moto's published keys."""

from __future__ import annotations

import base64
import json
import socket
from collections.abc import Iterator
from typing import Any

import boto3
import httpx
import pytest

from inplay.config import Env
from local.cloud import LocalCloud, LocalCloudError
from local.cloud.cognito import JWKS_URL_VARIABLE
from local.cloud.errors import UnsupportedIntrinsicError
from local.cloud.moto_runtime import MotoRuntime, local_mock_aws
from local.cloud.provisioner import provision

pytestmark = [
    pytest.mark.slow,
    pytest.mark.timeout(300),
    pytest.mark.filterwarnings("ignore:No application metrics to publish:UserWarning"),
]

PASSWORD = "local-test-password"


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def cloud(template_path, tmp_path_factory) -> Iterator[LocalCloud]:
    overrides = {
        Env.ESPN_BASE_URL.value: f"http://127.0.0.1:{_closed_port()}/apis/site/v2/sports",
        Env.KALSHI_BASE_URL.value: f"http://127.0.0.1:{_closed_port()}/trade-api/v2",
        Env.LOG_LEVEL.value: "WARNING",
        "POWERTOOLS_METRICS_DISABLED": "true",
    }
    frontend = tmp_path_factory.mktemp("dist")
    with LocalCloud(
        template_path, http_port=0, env_overrides=overrides, frontend_dir=frontend, schedules_enabled=False
    ) as running:
        running.create_user("carol", PASSWORD, user_id="carol")
        yield running


@pytest.fixture(scope="module")
def http(cloud: LocalCloud) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=cloud.api_url, timeout=30) as client:
        yield client


def _sign_in(http: httpx.Client, username: str = "carol", password: str = PASSWORD) -> dict[str, Any]:
    response = http.post("/auth/sign-in", json={"username": username, "password": password})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_the_variable_names_agree() -> None:
    assert Env.JWKS_URL.value == JWKS_URL_VARIABLE


def test_the_templates_pool_and_client_exist_in_moto(cloud: LocalCloud) -> None:
    cognito = boto3.client("cognito-idp")
    pool = cognito.describe_user_pool(UserPoolId=cloud.user_pool_id)["UserPool"]
    assert pool["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is True
    assert pool["Policies"]["PasswordPolicy"]["MinimumLength"] == 12
    client = cognito.describe_user_pool_client(
        UserPoolId=cloud.user_pool_id, ClientId=cloud.user_pool_client_id
    )
    assert "ALLOW_USER_PASSWORD_AUTH" in client["UserPoolClient"]["ExplicitAuthFlows"]
    assert not any(entry.type.startswith("AWS::Cognito::") for entry in cloud.provisioned.skipped)


def test_the_api_function_verifies_with_the_local_pool_and_moto_keys(cloud: LocalCloud) -> None:
    api = cloud.provisioned.function("ApiFunction")
    assert api.environment[Env.COGNITO_USER_POOL_ID.value] == cloud.user_pool_id
    assert api.environment[Env.COGNITO_CLIENT_ID.value] == cloud.user_pool_client_id
    jwks_url = cloud.provisioned.environment[Env.JWKS_URL.value]
    assert jwks_url == f"{cloud.moto_url}/{cloud.user_pool_id}/.well-known/jwks.json"
    keys = httpx.get(jwks_url, timeout=10).json()["keys"]
    assert keys and all(key["alg"] == "RS256" for key in keys)


def test_a_signed_in_user_reads_its_status(cloud: LocalCloud, http: httpx.Client) -> None:
    tokens = _sign_in(http)
    response = http.get("/bot/status", headers=_bearer(tokens["id_token"]))
    assert response.status_code == 200, response.text
    assert "bots" in response.json()


def test_refresh_over_http(http: httpx.Client) -> None:
    tokens = _sign_in(http)
    response = http.post("/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert response.status_code == 200, response.text
    assert http.get("/bot/status", headers=_bearer(response.json()["id_token"])).status_code == 200


def test_health_is_public_everything_else_needs_a_token(http: httpx.Client) -> None:
    assert http.get("/health").status_code == 200
    for method, path in (("GET", "/bot/status"), ("GET", "/games"), ("POST", "/bot/start")):
        response = http.request(method, path, json={} if method == "POST" else None)
        assert response.status_code == 401, (method, path, response.text)
        assert "sign in" in response.json()["message"]


def _tampered(token: str) -> str:
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["sub"] = "mallory"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return ".".join((header, forged, signature))


def test_a_tampered_token_is_401(http: httpx.Client) -> None:
    token = _sign_in(http)["id_token"]
    response = http.get("/bot/status", headers=_bearer(_tampered(token)))
    assert response.status_code == 401
    assert "signature" in response.json()["message"]


def test_an_access_token_is_401(http: httpx.Client) -> None:
    token = _sign_in(http)["access_token"]
    response = http.get("/bot/status", headers=_bearer(token))
    assert response.status_code == 401
    assert "ID token" in response.json()["message"]


def test_a_token_of_another_pool_is_401(cloud: LocalCloud, http: httpx.Client) -> None:
    """moto signs every pool's tokens with the same key: only the issuer and audience tell them apart."""
    cognito = boto3.client("cognito-idp")
    pool = cognito.create_user_pool(PoolName="elsewhere")["UserPool"]["Id"]
    client = cognito.create_user_pool_client(
        UserPoolId=pool, ClientName="other", ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"]
    )["UserPoolClient"]["ClientId"]
    cognito.admin_create_user(UserPoolId=pool, Username="carol", MessageAction="SUPPRESS")
    password = "Other-Pool-Pass-1"  # moto's default policy wants every character class
    cognito.admin_set_user_password(UserPoolId=pool, Username="carol", Password=password, Permanent=True)
    token = cognito.initiate_auth(
        ClientId=client,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "carol", "PASSWORD": password},
    )["AuthenticationResult"]["IdToken"]
    response = http.get("/bot/status", headers=_bearer(token))
    assert response.status_code == 401
    assert "another user pool" in response.json()["message"]


def test_wrong_password_is_401_without_saying_which_part_was_wrong(http: httpx.Client) -> None:
    wrong = http.post("/auth/sign-in", json={"username": "carol", "password": "not-the-password"})
    unknown = http.post("/auth/sign-in", json={"username": "nobody", "password": "not-the-password"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json() == {"message": "wrong username or password"}


def test_create_user_again_resets_the_password_and_keeps_the_id(
    cloud: LocalCloud, http: httpx.Client
) -> None:
    assert cloud.create_user("dave", "first-password-1", user_id="dave") == "dave"
    assert cloud.create_user("dave", "second-password-2", user_id="dave") == "dave"
    assert (
        http.post("/auth/sign-in", json={"username": "dave", "password": "first-password-1"}).status_code
        == 401
    )
    _sign_in(http, "dave", "second-password-2")


def test_create_user_refuses_a_password_the_pool_refuses(cloud: LocalCloud) -> None:
    with pytest.raises(LocalCloudError, match="InvalidPasswordException"):
        cloud.create_user("erin", "short")


def _template(**function_env: Any) -> dict[str, Any]:
    return {
        "Resources": {
            "Pool1A2B3C4D": {
                "Type": "AWS::Cognito::UserPool",
                "Properties": {
                    "AdminCreateUserConfig": {"AllowAdminCreateUserOnly": True},
                    "Policies": {"PasswordPolicy": {"MinimumLength": 12, "RequireSymbols": False}},
                    "Schema": [
                        {"Name": "email", "Required": "false", "Mutable": "true"},
                        {
                            "Name": "team",
                            "AttributeDataType": "String",
                            "StringAttributeConstraints": {"MinLength": 1, "MaxLength": 16},
                        },
                    ],
                    "MfaConfiguration": "OFF",
                    "DeletionProtection": "ACTIVE",
                },
            },
            "Client": {
                "Type": "AWS::Cognito::UserPoolClient",
                "Properties": {
                    "UserPoolId": {"Ref": "Pool1A2B3C4D"},
                    "ClientName": "web",
                    "ExplicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
                    "GenerateSecret": False,
                },
            },
            "Fn": {
                "Type": "AWS::Lambda::Function",
                "Properties": {
                    "Handler": "x.handler",
                    "Runtime": "python3.13",
                    "Environment": {
                        "Variables": {
                            "POOL": {"Ref": "Pool1A2B3C4D"},
                            "CLIENT": {"Ref": "Client"},
                            "ISSUER": {"Fn::GetAtt": ["Pool1A2B3C4D", "ProviderURL"]},
                            "POOL_ARN": {"Fn::GetAtt": ["Pool1A2B3C4D", "Arn"]},
                            **function_env,
                        }
                    },
                },
            },
        }
    }


def test_the_provisioner_creates_pools_and_clients_and_resolves_references() -> None:
    with local_mock_aws(patch_lambda=False):
        stack = provision(_template())
        [pool_id] = stack.user_pools.values()
        [client_id] = stack.user_pool_clients.values()
        env = stack.function("Fn").environment
        assert env["POOL"] == pool_id and env["CLIENT"] == client_id
        assert env["ISSUER"] == f"https://cognito-idp.us-east-1.amazonaws.com/{pool_id}"
        assert env["POOL_ARN"] == f"arn:aws:cognito-idp:us-east-1:123456789012:userpool/{pool_id}"
        assert JWKS_URL_VARIABLE not in env  # in-process moto serves no JWKS over HTTP
        cognito = boto3.client("cognito-idp")
        pool = cognito.describe_user_pool(UserPoolId=pool_id)["UserPool"]
        assert pool["Name"] == "Pool"  # the logical id without the CDK hash
        assert pool["Policies"]["PasswordPolicy"]["MinimumLength"] == 12
        client = cognito.describe_user_pool_client(UserPoolId=pool_id, ClientId=client_id)["UserPoolClient"]
        assert client["ClientName"] == "web"


def test_a_served_pool_gets_moto_jwks_unless_the_template_sets_it() -> None:
    with MotoRuntime() as moto:
        stack = provision(_template(), endpoint_url=moto.url)
        [pool_id] = stack.user_pools.values()
        url = stack.function("Fn").environment[JWKS_URL_VARIABLE]
        assert url == f"{moto.url}/{pool_id}/.well-known/jwks.json"
        assert stack.environment[JWKS_URL_VARIABLE] == url
        assert httpx.get(url, timeout=10).json()["keys"]
    with MotoRuntime() as moto:
        own = "https://keys.example/jwks.json"
        stack = provision(_template(**{JWKS_URL_VARIABLE: own}), endpoint_url=moto.url)
        assert stack.function("Fn").environment[JWKS_URL_VARIABLE] == own


def test_an_unsupported_pool_attribute_is_named() -> None:
    template = _template(BAD={"Fn::GetAtt": ["Pool1A2B3C4D", "Nope"]})
    with (
        local_mock_aws(patch_lambda=False),
        pytest.raises(UnsupportedIntrinsicError, match=r"Pool1A2B3C4D\.Nope"),
    ):
        provision(template)
