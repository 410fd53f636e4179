"""The live-updates WebSocket API: ``$connect``, ``$disconnect`` and ``$default`` → the
``websocket`` function; the functions that send to connections (``INPLAY_WS_ENDPOINT`` in their
settings: the broadcaster) get the stage's management endpoint and ``execute-api:ManageConnections``
on that stage's ``@connections`` only.

The ID token is checked by the ``websocket`` function on ``$connect`` (``?token=``: browsers cannot
set headers on a WebSocket), so the routes have no API Gateway authorizer. Stage ``prod``:
auto-deployed, throttled, JSON access logs (no message bodies).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import cast

import jsii
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk.aws_apigatewayv2_integrations import WebSocketLambdaIntegration
from constructs import Construct, IConstruct

from infra.constants import (
    WEBSOCKET_ACCESS_LOG_RETENTION,
    WEBSOCKET_STAGE,
    WEBSOCKET_THROTTLE_BURST,
    WEBSOCKET_THROTTLE_RATE,
)
from infra.nag import acknowledge
from infra.wiring import InfraConfigError, settings_aliases
from inplay.config import WEBSOCKET_ENVS, FunctionSpec

__all__ = ["ROUTE_KEYS", "WEBSOCKET_API_LOGICAL_ID", "WEBSOCKET_STAGE_LOGICAL_ID", "WebSocket"]

ROUTE_KEYS = ("$connect", "$disconnect", "$default")
WEBSOCKET_API_LOGICAL_ID = "WebSocketApi"
WEBSOCKET_STAGE_LOGICAL_ID = "WebSocketStage"

_ACCESS_LOG_FORMAT = apigw.AccessLogFormat.custom(
    '{"requestId":"$context.requestId","ip":"$context.identity.sourceIp",'
    '"requestTime":"$context.requestTime","routeKey":"$context.routeKey","eventType":"$context.eventType",'
    '"status":"$context.status","connectionId":"$context.connectionId",'
    '"integrationError":"$context.integrationErrorMessage"}'
)


@jsii.implements(apigwv2.IAccessLogSettings)
class _AccessLogs:
    def __init__(self, group: logs.ILogGroup) -> None:
        self._destination = apigwv2.LogGroupLogDestination(group)

    @property
    def destination(self) -> apigwv2.IAccessLogDestination:
        return self._destination

    @property
    def format(self) -> apigw.AccessLogFormat:
        return _ACCESS_LOG_FORMAT


class WebSocket(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        handler: lambda_.IFunction,
        specs: Sequence[FunctionSpec],
        functions: Mapping[str, lambda_.Function],
        after: Sequence[IConstruct] = (),
    ) -> None:
        """``after``: constructs the stage must be created after (API Gateway's account-level
        CloudWatch role, which access logging needs)."""
        super().__init__(scope, construct_id)
        integration = WebSocketLambdaIntegration("Routes", handler)
        self.api = apigwv2.WebSocketApi(
            self,
            "Api",
            api_name="inplay-live",
            description="inplay live updates (positions, bot status, kill switch)",
            connect_route_options=apigwv2.WebSocketRouteOptions(integration=integration),
            disconnect_route_options=apigwv2.WebSocketRouteOptions(integration=integration),
            default_route_options=apigwv2.WebSocketRouteOptions(
                integration=integration, return_response=True
            ),
        )
        access_logs = logs.LogGroup(
            self, "AccessLogs", retention=logs.RetentionDays[WEBSOCKET_ACCESS_LOG_RETENTION]
        )
        self.stage = apigwv2.WebSocketStage(
            self,
            "Stage",
            web_socket_api=self.api,
            stage_name=WEBSOCKET_STAGE,
            auto_deploy=True,
            throttle=apigwv2.ThrottleSettings(
                rate_limit=WEBSOCKET_THROTTLE_RATE, burst_limit=WEBSOCKET_THROTTLE_BURST
            ),
            access_log_settings=_AccessLogs(access_logs),
        )
        cast(apigwv2.CfnApi, self.api.node.default_child).override_logical_id(WEBSOCKET_API_LOGICAL_ID)
        cast(apigwv2.CfnStage, self.stage.node.default_child).override_logical_id(WEBSOCKET_STAGE_LOGICAL_ID)
        for dependency in after:
            self.stage.node.add_dependency(dependency)
        self.senders = tuple(spec.name for spec in specs if _sends(spec))
        for name in self.senders:
            function = functions.get(name)
            if function is None:
                raise InfraConfigError(f"function {name!r} sends live updates but is not built")
            for env in sorted(WEBSOCKET_ENVS):
                function.add_environment(env.value, self.management_endpoint)
            self.stage.grant_management_api_access(function)
            acknowledge(
                cast(Construct, function.role),
                "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:execute-api:<AWS::Region>:<AWS::AccountId>:"
                f"<{WEBSOCKET_API_LOGICAL_ID}>/{WEBSOCKET_STAGE}/*/@connections/*]",
                "Connection ids are created by API Gateway when a dashboard connects, so they are unknown "
                f"at deploy time; the grant is execute-api:ManageConnections on this API's {WEBSOCKET_STAGE} "
                "stage connections only (any method: POST sends, DELETE closes).",
            )
        self._acknowledge()

    @property
    def url(self) -> str:
        """What the dashboard connects to: ``wss://{api}.execute-api.{region}.amazonaws.com/prod``."""
        return self.stage.url

    @property
    def management_endpoint(self) -> str:
        """The management API of the stage: ``https://{api}.execute-api.{region}.amazonaws.com/prod``."""
        return self.stage.callback_url

    def _acknowledge(self) -> None:
        for route_key, route in (
            ("$connect", self.api.node.try_find_child("$connect-Route")),
            ("$disconnect", self.api.node.try_find_child("$disconnect-Route")),
            ("$default", self.api.node.try_find_child("$default-Route")),
        ):
            if route is None:
                continue
            acknowledge(
                cast(Construct, cast(Construct, route).node.default_child),
                "AwsSolutions-APIG4",
                f"{route_key}: the websocket function verifies the Cognito ID token passed as ?token= "
                "on $connect (browsers cannot send headers on a WebSocket) and refuses the connection "
                "otherwise; later frames only travel on an accepted connection.",
            )


def _sends(spec: FunctionSpec) -> bool:
    return bool(settings_aliases(spec) & {env.value for env in WEBSOCKET_ENVS})
