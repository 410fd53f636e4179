"""The dashboard's REST API: API Gateway → the ``api`` function (Lambda proxy) on ``/api``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

from aws_cdk import Aws, Duration
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from infra.constants import (
    API_ACCESS_LOG_RETENTION,
    API_PATH,
    API_STAGE,
    API_THROTTLE_BURST,
    API_THROTTLE_RATE,
    PUBLIC_API_ROUTES,
)
from infra.nag import acknowledge

__all__ = ["Api"]

CORS_METHODS = ("GET", "POST", "PUT", "DELETE", "OPTIONS")
CORS_HEADERS = ("Authorization", "Content-Type", "X-Amz-Date", "X-Amz-Security-Token", "X-Api-Key")


class Api(Construct):
    """A regional REST API, stage ``prod``: JSON access logs, error-level execution logs, X-Ray,
    stage-wide throttling, CORS preflight for the dashboard origins (``cors_origins``; tokens, even
    ``Lazy`` ones, are fine) and, with :meth:`allow_origin_on_gateway_errors`, on API Gateway's own
    error answers. All routing and request validation happen in the ``api`` function (Powertools
    resolver + pydantic), which also answers CORS on its own answers.

    Every method requires a Cognito ID token (``authorizer``) except ``public_routes`` (liveness
    and sign-in) and the CORS preflight. API Gateway routes by resource and does not fall back to a
    sibling's ``{proxy+}``, so every resource made for a public route also gets an authorized
    ``ANY`` and an authorized ``{proxy+}`` child: other methods and sub-paths still reach the
    function (with a token), e.g. ``GET /api/health/trading``.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        handler: lambda_.IFunction,
        cors_origins: Sequence[str],
        authorizer: apigw.IAuthorizer,
        public_routes: Sequence[tuple[str, str]] = PUBLIC_API_ROUTES,
    ) -> None:
        super().__init__(scope, construct_id)
        access_logs = logs.LogGroup(
            self, "AccessLogs", retention=logs.RetentionDays[API_ACCESS_LOG_RETENTION]
        )
        self.rest_api = apigw.RestApi(
            self,
            "RestApi",
            description="inplay dashboard API",
            endpoint_types=[apigw.EndpointType.REGIONAL],
            # Access and execution logging need the account-level CloudWatch role.
            cloud_watch_role=True,
            deploy_options=apigw.StageOptions(
                stage_name=API_STAGE,
                access_log_destination=apigw.LogGroupLogDestination(access_logs),
                access_log_format=apigw.AccessLogFormat.json_with_standard_fields(
                    caller=False,
                    http_method=True,
                    ip=True,
                    protocol=True,
                    request_time=True,
                    resource_path=True,
                    response_length=True,
                    status=True,
                    user=True,
                ),
                logging_level=apigw.MethodLoggingLevel.ERROR,
                data_trace_enabled=False,  # never log request/response bodies
                metrics_enabled=True,
                tracing_enabled=True,
                throttling_rate_limit=API_THROTTLE_RATE,
                throttling_burst_limit=API_THROTTLE_BURST,
            ),
        )
        # One URL output, with the routes' prefix: the stack's ``ApiUrl`` (see ``url``).
        self.rest_api.node.try_remove_child("Endpoint")
        integration = apigw.LambdaIntegration(handler, proxy=True, allow_test_invoke=False)
        api_root = self.rest_api.root.add_resource(
            API_PATH,
            default_cors_preflight_options=apigw.CorsOptions(
                allow_origins=list(cors_origins),
                allow_methods=list(CORS_METHODS),
                allow_headers=list(CORS_HEADERS),
                max_age=Duration.hours(1),
            ),
        )
        resources: dict[str, apigw.Resource] = {f"/{API_PATH}": api_root}
        public = [
            self._resource(resources, path).add_method(
                method, integration, authorization_type=apigw.AuthorizationType.NONE
            )
            for method, path in public_routes
        ]
        self.protected_methods: list[apigw.Method] = []
        for resource in resources.values():
            for target in (resource, resource.add_resource("{proxy+}")):
                self.protected_methods.append(
                    target.add_method(
                        "ANY",
                        integration,
                        authorizer=authorizer,
                        authorization_type=apigw.AuthorizationType.COGNITO,
                    )
                )
        self.public_methods = public
        self._acknowledge(public)

    @staticmethod
    def _resource(resources: dict[str, apigw.Resource], path: str) -> apigw.Resource:
        """The resource for ``path`` (under ``/api``), made along with its parents as needed."""
        prefix = f"/{API_PATH}"
        if path != prefix and not path.startswith(prefix + "/"):
            raise ValueError(f"public route {path!r} is not under {prefix}")
        current, resource = prefix, resources[prefix]
        for part in path.removeprefix(prefix).strip("/").split("/"):
            if not part:
                continue
            if part.startswith("{"):
                raise ValueError(f"public route {path!r}: only literal paths can be public")
            current = f"{current}/{part}"
            if current not in resources:
                resources[current] = resource.add_resource(part)
            resource = resources[current]
        return resource

    def allow_origin_on_gateway_errors(self, origin: str) -> None:
        """API Gateway's own 4XX/5XX answers (the authorizer's 401/403, throttling, a failed
        integration) carry ``Access-Control-Allow-Origin: <origin>``, so the dashboard can read
        them as it reads the function's own errors. One static origin: gateway responses cannot
        echo the request's."""
        for construct_id, response_type in (
            ("Default4xx", apigw.ResponseType.DEFAULT_4_XX),
            ("Default5xx", apigw.ResponseType.DEFAULT_5_XX),
        ):
            self.rest_api.add_gateway_response(
                construct_id,
                type=response_type,
                response_headers={"Access-Control-Allow-Origin": f"'{origin}'", "Vary": "'Origin'"},
            )

    @property
    def origin(self) -> str:
        """``https://{id}.execute-api.{region}.amazonaws.com``: where the dashboard sends requests."""
        return f"https://{self.rest_api.rest_api_id}.execute-api.{Aws.REGION}.{Aws.URL_SUFFIX}"

    @property
    def base_url(self) -> str:
        """The stage's base URL, no trailing slash (the dashboard's ``apiBase``; routes under ``/api``)."""
        return f"{self.origin}/{API_STAGE}"

    @property
    def url(self) -> str:
        """The base URL of the routes (``https://…/prod/api``)."""
        return self.rest_api.url_for_path(f"/{API_PATH}")

    def _acknowledge(self, public: Sequence[apigw.Method]) -> None:
        api = self.rest_api
        acknowledge(
            cast(Construct, api.node.default_child),
            "AwsSolutions-APIG2",
            "The proxy integration has no per-route API Gateway models to validate against; every route "
            "validates its path, query and body in the api function (Powertools resolver with pydantic).",
        )
        acknowledge(
            api.deployment_stage,
            "AwsSolutions-APIG3",
            "No WAF yet: a web ACL adds a fixed monthly cost to a single-user, self-hosted bot; every "
            "route but liveness and sign-in needs a Cognito token, Cognito locks out repeated failed "
            "sign-ins and stage throttling caps abuse. Revisit with the public dashboard.",
        )
        for method in public:
            for rule in ("AwsSolutions-APIG4", "AwsSolutions-COG4"):
                acknowledge(
                    method,
                    rule,
                    "Public by design: liveness (GET /api/health, no data) and signing in (POST "
                    "/api/auth/sign-in and /refresh hand out the Cognito token every other method "
                    "requires); throttled with the stage, validated and size-limited in the function.",
                )
        acknowledge(
            api.node.find_child("CloudWatchRole"),
            "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
            "AmazonAPIGatewayPushToCloudWatchLogs]",
            "API Gateway's account-level CloudWatch role is the AWS-documented setup for access and "
            "execution logging, and AWS maintains exactly this managed policy for it.",
        )
