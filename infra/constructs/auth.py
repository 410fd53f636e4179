"""Sign-in: a Cognito user pool (users created by an administrator), the dashboard's app client and
the API Gateway authorizer that checks its ID tokens."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import cast

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_cognito as cognito
from constructs import Construct

from infra.constants import (
    AUTHORIZER_CACHE_SECONDS,
    ID_TOKEN_VALIDITY_MINUTES,
    PASSWORD_MIN_LENGTH,
    REFRESH_TOKEN_VALIDITY_DAYS,
    USER_POOL_CLIENT_LOGICAL_ID,
    USER_POOL_LOGICAL_ID,
)
from infra.nag import acknowledge
from inplay.config import Env

__all__ = ["Auth"]


class Auth(Construct):
    """The user pool and its one app client.

    - Users are created by an administrator only (no self sign-up): ``aws cognito-idp
      admin-create-user`` then ``admin-set-user-password --permanent``. Sign-in is by username;
      email is an optional attribute. Passwords: at least 12 characters, no composition rules.
    - The pool is retained (and deletion-protected) when the stack is deleted: every record a user
      owns is keyed by the pool's ``sub``, which a new pool could never give back.
    - The app client has no secret (the dashboard runs in a browser), allows password (and SRP)
      sign-in and refresh tokens, ID tokens valid for an hour, and never reveals whether a user
      exists.
    """

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        self.user_pool = cognito.UserPool(
            self,
            "UserPool",
            self_sign_up_enabled=False,
            sign_in_aliases=cognito.SignInAliases(username=True),
            sign_in_case_sensitive=False,
            standard_attributes=cognito.StandardAttributes(
                email=cognito.StandardAttribute(required=False, mutable=True)
            ),
            password_policy=cognito.PasswordPolicy(
                min_length=PASSWORD_MIN_LENGTH,
                require_lowercase=False,
                require_uppercase=False,
                require_digits=False,
                require_symbols=False,
                temp_password_validity=Duration.days(3),
            ),
            account_recovery=cognito.AccountRecovery.NONE,
            mfa=cognito.Mfa.OFF,
            feature_plan=cognito.FeaturePlan.ESSENTIALS,
            deletion_protection=True,
            removal_policy=RemovalPolicy.RETAIN,
        )
        cast(cognito.CfnUserPool, self.user_pool.node.default_child).override_logical_id(USER_POOL_LOGICAL_ID)
        self.client = self.user_pool.add_client(
            "DashboardClient",
            user_pool_client_name="dashboard",
            generate_secret=False,
            auth_flows=cognito.AuthFlow(user_password=True, user_srp=True),
            disable_o_auth=True,
            supported_identity_providers=[cognito.UserPoolClientIdentityProvider.COGNITO],
            id_token_validity=Duration.minutes(ID_TOKEN_VALIDITY_MINUTES),
            access_token_validity=Duration.minutes(ID_TOKEN_VALIDITY_MINUTES),
            refresh_token_validity=Duration.days(REFRESH_TOKEN_VALIDITY_DAYS),
            prevent_user_existence_errors=True,
            enable_token_revocation=True,
        )
        cast(cognito.CfnUserPoolClient, self.client.node.default_child).override_logical_id(
            USER_POOL_CLIENT_LOGICAL_ID
        )
        self.authorizer = apigw.CognitoUserPoolsAuthorizer(
            self,
            "Authorizer",
            cognito_user_pools=[self.user_pool],
            identity_source=apigw.IdentitySource.header("Authorization"),
            results_cache_ttl=Duration.seconds(AUTHORIZER_CACHE_SECONDS),
        )
        self._acknowledge()

    @property
    def references(self) -> Mapping[Env, str]:
        """The values of the sign-in variables a function's ``AuthSettings`` declare."""
        return MappingProxyType(
            {
                Env.COGNITO_USER_POOL_ID: self.user_pool.user_pool_id,
                Env.COGNITO_CLIENT_ID: self.client.user_pool_client_id,
            }
        )

    def _acknowledge(self) -> None:
        pool = cast(cognito.CfnUserPool, self.user_pool.node.default_child)
        acknowledge(
            pool,
            "AwsSolutions-COG1",
            f"Passwords need at least {PASSWORD_MIN_LENGTH} characters and no composition rules, as NIST "
            "SP 800-63B recommends (length over character classes); only an administrator creates users "
            "and sets their passwords, there is no self sign-up.",
        )
        acknowledge(
            pool,
            "AwsSolutions-COG2",
            "MFA is off: the dashboard's sign-in (POST /api/auth/sign-in, USER_PASSWORD_AUTH) cannot "
            "answer an MFA challenge yet. The pool has administrator-created users only, Cognito locks "
            "out repeated failures, and the API stage is throttled. Enable TOTP MFA with the dashboard.",
        )
        for rule in ("AwsSolutions-COG3", "AwsSolutions-COG8"):
            acknowledge(
                pool,
                rule,
                "Threat protection (advanced security) needs the Plus feature plan, a per-user monthly cost "
                "out of proportion for a self-hosted bot with one or a few administrator-created users; "
                "Cognito's built-in lockout after repeated failed sign-ins still applies.",
            )
