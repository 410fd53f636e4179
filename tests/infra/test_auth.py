"""Sign-in in the template: the Cognito user pool, its app client, and the authorizer on every API
method except the public ones."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk import App, Stack
from aws_cdk import aws_apigateway as apigw

from infra.constants import (
    AUTHORIZER_CACHE_SECONDS,
    ID_TOKEN_VALIDITY_MINUTES,
    PASSWORD_MIN_LENGTH,
    PUBLIC_API_ROUTES,
    USER_POOL_CLIENT_ID_OUTPUT,
    USER_POOL_CLIENT_LOGICAL_ID,
    USER_POOL_ID_OUTPUT,
    USER_POOL_LOGICAL_ID,
    function_logical_id,
)
from infra.constructs.api import Api
from inplay.config import FUNCTIONS, AuthSettings, Env
from tests.infra.helpers import as_list, of_type, ref_target

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def pool(resources: dict[str, Any]) -> dict[str, Any]:
    [pool_id] = of_type(resources, "AWS::Cognito::UserPool")
    assert pool_id == USER_POOL_LOGICAL_ID  # stable: a replaced pool would re-key every user
    found: dict[str, Any] = resources[pool_id]
    return found


@pytest.fixture(scope="module")
def client(resources: dict[str, Any]) -> dict[str, Any]:
    [client_id] = of_type(resources, "AWS::Cognito::UserPoolClient")
    assert client_id == USER_POOL_CLIENT_LOGICAL_ID
    props: dict[str, Any] = resources[client_id]["Properties"]
    return props


def _paths(resources: dict[str, Any]) -> dict[str, str]:
    """Logical id of each ``AWS::ApiGateway::Resource`` → its path (``/api/health``)."""
    parts = {name: r["Properties"] for name, r in of_type(resources, "AWS::ApiGateway::Resource").items()}

    def path(name: str) -> str:
        parent = ref_target(parts[name]["ParentId"])
        return (path(parent) if parent in parts else "") + "/" + parts[name]["PathPart"]

    return {name: path(name) for name in parts}


def _rest_methods(resources: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """(HTTP method, path, properties) of every method of the dashboard REST API."""
    [rest_api] = of_type(resources, "AWS::ApiGateway::RestApi")
    paths = _paths(resources)
    return [
        (
            m["Properties"]["HttpMethod"],
            paths[str(ref_target(m["Properties"]["ResourceId"]))],
            m["Properties"],
        )
        for m in of_type(resources, "AWS::ApiGateway::Method").values()
        if ref_target(m["Properties"]["RestApiId"]) == rest_api
    ]


def test_users_are_created_by_an_administrator_only(pool: dict[str, Any]) -> None:
    props = pool["Properties"]
    assert props["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is True
    assert props["UsernameConfiguration"] == {"CaseSensitive": False}
    assert "UsernameAttributes" not in props and "AliasAttributes" not in props  # sign in by username
    assert props["AccountRecoverySetting"]["RecoveryMechanisms"] == [{"Name": "admin_only", "Priority": 1}]
    [email] = props["Schema"]
    assert email == {"Name": "email", "Required": False, "Mutable": True}


def test_password_policy_is_length_first(pool: dict[str, Any]) -> None:
    policy = pool["Properties"]["Policies"]["PasswordPolicy"]
    assert policy["MinimumLength"] == PASSWORD_MIN_LENGTH >= 12
    assert policy["TemporaryPasswordValidityDays"] == 3


def test_the_pool_outlives_the_stack(pool: dict[str, Any]) -> None:
    assert pool["DeletionPolicy"] == "Retain"
    assert pool["UpdateReplacePolicy"] == "Retain"
    assert pool["Properties"]["DeletionProtection"] == "ACTIVE"


def test_accepted_findings_say_why(pool: dict[str, Any]) -> None:
    accepted = {rule["id"]: rule["reason"] for rule in pool["Metadata"]["cdk_nag"]["rules_to_suppress"]}
    assert set(accepted) == {
        "AwsSolutions-COG1",
        "AwsSolutions-COG2",
        "AwsSolutions-COG3",
        "AwsSolutions-COG8",
    }
    assert "NIST" in accepted["AwsSolutions-COG1"]
    assert pool["Properties"]["MfaConfiguration"] == "OFF"


def test_the_dashboard_client(client: dict[str, Any]) -> None:
    assert ref_target(client["UserPoolId"]) == USER_POOL_LOGICAL_ID
    assert client["GenerateSecret"] is False  # a browser cannot keep a secret
    assert set(client["ExplicitAuthFlows"]) == {
        "ALLOW_USER_PASSWORD_AUTH",
        "ALLOW_USER_SRP_AUTH",
        "ALLOW_REFRESH_TOKEN_AUTH",
    }
    assert client["IdTokenValidity"] == ID_TOKEN_VALIDITY_MINUTES == 60
    assert client["TokenValidityUnits"]["IdToken"] == "minutes"
    assert client["PreventUserExistenceErrors"] == "ENABLED"
    assert client["EnableTokenRevocation"] is True
    assert client["AllowedOAuthFlowsUserPoolClient"] is False
    assert "CallbackURLs" not in client and "AllowedOAuthFlows" not in client


def test_the_authorizer_checks_the_pools_tokens(resources: dict[str, Any]) -> None:
    [authorizer] = of_type(resources, "AWS::ApiGateway::Authorizer").values()
    props = authorizer["Properties"]
    [rest_api] = of_type(resources, "AWS::ApiGateway::RestApi")
    assert props["Type"] == "COGNITO_USER_POOLS"
    assert ref_target(props["RestApiId"]) == rest_api
    assert [ref_target(arn) for arn in props["ProviderARNs"]] == [USER_POOL_LOGICAL_ID]
    assert props["IdentitySource"] == "method.request.header.Authorization"
    assert props["AuthorizerResultTtlInSeconds"] == AUTHORIZER_CACHE_SECONDS


def test_every_method_needs_a_token_except_the_public_routes_and_preflight(resources: dict[str, Any]) -> None:
    [authorizer] = of_type(resources, "AWS::ApiGateway::Authorizer")
    public: set[tuple[str, str]] = set()
    for method, path, props in _rest_methods(resources):
        if method == "OPTIONS":
            assert props["AuthorizationType"] == "NONE", path  # CORS preflight carries no token
            assert props["Integration"]["Type"] == "MOCK", path
        elif props["AuthorizationType"] == "NONE":
            public.add((method, path))
        else:
            assert props["AuthorizationType"] == "COGNITO_USER_POOLS", (method, path)
            assert ref_target(props["AuthorizerId"]) == authorizer, (method, path)
    assert public == set(PUBLIC_API_ROUTES)


def test_the_public_routes_are_the_functions_public_routes() -> None:
    from api.security import PUBLIC_ROUTES

    assert set(PUBLIC_API_ROUTES) == set(PUBLIC_ROUTES)


def test_other_methods_and_sub_paths_of_public_resources_still_reach_the_function(
    resources: dict[str, Any],
) -> None:
    """API Gateway routes by resource: once ``/api/health`` exists, ``/api/health/trading`` must
    match one of its children (the parent's ``{proxy+}`` is not consulted)."""
    methods = {(method, path) for method, path, _ in _rest_methods(resources)}
    for _, path in PUBLIC_API_ROUTES:
        parts = path.strip("/").split("/")
        for depth in range(1, len(parts) + 1):
            resource = "/" + "/".join(parts[:depth])
            assert ("ANY", resource) in methods, resource
            assert ("ANY", f"{resource}/{{proxy+}}") in methods, resource


def test_functions_that_verify_tokens_get_the_pool_and_client(resources: dict[str, Any]) -> None:
    verifying = [spec for spec in FUNCTIONS if issubclass(spec.settings, AuthSettings)]
    assert "api" in {spec.name for spec in verifying}
    for spec in verifying:
        env = resources[function_logical_id(spec.name)]["Properties"]["Environment"]["Variables"]
        assert ref_target(env[Env.COGNITO_USER_POOL_ID.value]) == USER_POOL_LOGICAL_ID, spec.name
        assert ref_target(env[Env.COGNITO_CLIENT_ID.value]) == USER_POOL_CLIENT_LOGICAL_ID, spec.name
        assert Env.JWKS_URL.value not in env, spec.name  # the pool's own JWKS by default
    others = [spec for spec in FUNCTIONS if not issubclass(spec.settings, AuthSettings)]
    for spec in others:
        env = resources[function_logical_id(spec.name)]["Properties"]["Environment"]["Variables"]
        assert Env.COGNITO_USER_POOL_ID.value not in env, spec.name


def test_signing_in_needs_no_iam_permission(resources: dict[str, Any]) -> None:
    """``InitiateAuth`` is a public Cognito API: no role is granted any ``cognito-idp`` action."""
    for policy in of_type(resources, "AWS::IAM::Policy").values():
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            assert not any(str(action).startswith("cognito-idp:") for action in as_list(statement["Action"]))


def test_outputs_name_the_pool_and_client(template: dict[str, Any]) -> None:
    outputs = template["Outputs"]
    assert ref_target(outputs[USER_POOL_ID_OUTPUT]["Value"]) == USER_POOL_LOGICAL_ID
    assert ref_target(outputs[USER_POOL_CLIENT_ID_OUTPUT]["Value"]) == USER_POOL_CLIENT_LOGICAL_ID


@pytest.mark.parametrize("path", ["/health", "/api/{id}/x", "/apix/health"])
def test_only_literal_paths_under_the_api_can_be_public(path: str) -> None:
    stack = Stack(App(), "Scratch")
    root = apigw.RestApi(stack, "Rest").root.add_resource("api")
    with pytest.raises(ValueError, match="public route"):
        Api._resource({"/api": root}, path)
