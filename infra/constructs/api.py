"""The dashboard's REST API: API Gateway → the ``api`` function (Lambda proxy) on ``/api``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

from aws_cdk import Duration
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
)
from infra.nag import acknowledge

__all__ = ["Api"]

CORS_METHODS = ("GET", "POST", "PUT", "DELETE", "OPTIONS")
CORS_HEADERS = ("Authorization", "Content-Type", "X-Amz-Date", "X-Amz-Security-Token", "X-Api-Key")


class Api(Construct):
    """A regional REST API, stage ``prod``: JSON access logs, error-level execution logs, X-Ray,
    stage-wide throttling, CORS preflight for the dashboard origins. All routing and request
    validation happen in the ``api`` function (Powertools resolver + pydantic)."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        handler: lambda_.IFunction,
        cors_origins: Sequence[str],
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
        methods = [
            api_root.add_method("ANY", integration),
            api_root.add_resource("{proxy+}").add_method("ANY", integration),
        ]
        self._acknowledge(methods)

    @property
    def url(self) -> str:
        """The base URL of the routes (``https://…/prod/api``)."""
        return self.rest_api.url_for_path(f"/{API_PATH}")

    def _acknowledge(self, methods: Sequence[apigw.Method]) -> None:
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
            "No WAF yet: a web ACL adds a fixed monthly cost to a single-user, self-hosted bot whose only "
            "routes are health and public game state; stage throttling caps abuse. Revisit with the "
            "public dashboard.",
        )
        for method in methods:
            for rule in ("AwsSolutions-APIG4", "AwsSolutions-COG4"):
                acknowledge(
                    method,
                    rule,
                    "Authentication arrives with the Cognito authorizer in the dashboard-API issue; the only "
                    "routes today are health and public game state.",
                )
        acknowledge(
            api.node.find_child("CloudWatchRole"),
            "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
            "AmazonAPIGatewayPushToCloudWatchLogs]",
            "API Gateway's account-level CloudWatch role is the AWS-documented setup for access and "
            "execution logging, and AWS maintains exactly this managed policy for it.",
        )
