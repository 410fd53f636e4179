"""``InplayStack``: the whole deployment, composed from one construct per concern."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from aws_cdk import Aws, CfnOutput, Stack, Tags
from constructs import Construct

from infra import paths
from infra.constants import (
    ALARMS_ID,
    ALERTS_DLQ_OUTPUT,
    ALERTS_ID,
    ALERTS_TOPIC_OUTPUT,
    API_ID,
    API_URL_OUTPUT,
    AUTH_ID,
    DASHBOARD_ID,
    DASHBOARD_URL_OUTPUT,
    DEFAULT_CORS_ORIGINS,
    DISCORD_WEBHOOK_SECRET_OUTPUT,
    FUNCTIONS_ID,
    ORDER_WORKFLOW_ID,
    PROJECT_TAG,
    SCHEDULES_ID,
    STACK_DESCRIPTION,
    STACK_ID,
    STREAMS_ID,
    TABLES_ID,
    USER_POOL_CLIENT_ID_OUTPUT,
    USER_POOL_ID_OUTPUT,
    WEBSOCKET_ID,
    WEBSOCKET_URL_OUTPUT,
)
from infra.constructs.alarms import Alarms
from infra.constructs.alerts import Alerts, alert_channels
from infra.constructs.api import Api
from infra.constructs.auth import Auth
from infra.constructs.dashboard import Dashboard, LateString
from infra.constructs.functions import Functions
from infra.constructs.order_workflow import OrderWorkflow
from infra.constructs.schedules import Schedules
from infra.constructs.streams import StreamTriggers
from infra.constructs.tables import Tables
from infra.constructs.websocket import WebSocket
from infra.dashboard_config import dashboard_config
from infra.wiring import settings_aliases
from inplay.config import API, DASHBOARD_ENVS, DISCORD_NOTIFIER, ORDER_WORKER, WEBSOCKET

__all__ = ["InplayStack"]


class InplayStack(Stack):
    """Environment-agnostic (no account/region lookups), so it synthesizes offline.

    ``cors_origins``: origins besides the dashboard's own (its CloudFront domain, always allowed)
    whose pages may call the API. ``dashboard_dir``: the built dashboard (default ``frontend/dist``).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str = STACK_ID,
        *,
        layer_asset: Path,
        cors_origins: Sequence[str] = DEFAULT_CORS_ORIGINS,
        dashboard_dir: Path | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            scope, construct_id, description=STACK_DESCRIPTION, analytics_reporting=False, **kwargs
        )
        Tags.of(self).add(*PROJECT_TAG)
        self.tables = Tables(self, TABLES_ID)
        self.alerts = Alerts(self, ALERTS_ID, channels=alert_channels(self.node.try_get_context))
        self.auth = Auth(self, AUTH_ID)
        self.functions = Functions(
            self,
            FUNCTIONS_ID,
            tables=self.tables,
            layer_asset=layer_asset,
            secrets=self.alerts.secrets,
            topics=self.alerts.topics,
            auth=self.auth.references,
        )
        self.alerts.connect_notifier(self.functions.function(DISCORD_NOTIFIER))
        self.schedules = Schedules(self, SCHEDULES_ID, functions=self.functions.by_name)
        # The dashboard's config names the API, the API's CORS names the dashboard: its origin is
        # filled in once the distribution exists.
        dashboard_origin = LateString("the dashboard's origin (the Dashboard construct)")
        self.api = Api(
            self,
            API_ID,
            handler=self.functions.function(API),
            cors_origins=[*cors_origins, dashboard_origin.token],
            authorizer=self.auth.authorizer,
        )
        account = self.api.rest_api.node.try_find_child("Account")  # API Gateway's CloudWatch role
        self.websocket = WebSocket(
            self,
            WEBSOCKET_ID,
            handler=self.functions.function(WEBSOCKET),
            specs=self.functions.specs,
            functions=self.functions.by_name,
            after=[account] if account is not None else [],
        )
        self.dashboard = self._dashboard(dashboard_dir or paths.FRONTEND_DIST_DIR)
        dashboard_origin.set(self.dashboard.origin)
        self.api.allow_origin_on_gateway_errors(self.dashboard.origin)
        browser_origins = ",".join([self.dashboard.origin, *cors_origins])
        for spec in self.functions.specs:
            for env in sorted(DASHBOARD_ENVS):
                if env.value in settings_aliases(spec):
                    self.functions.function(spec).add_environment(env.value, browser_origins)
        self.order_workflow = OrderWorkflow(
            self, ORDER_WORKFLOW_ID, worker=self.functions.function(ORDER_WORKER)
        )
        self.order_workflow.connect_starters(self.functions.specs, self.functions.by_name)
        self.streams = StreamTriggers(
            self,
            STREAMS_ID,
            specs=self.functions.specs,
            functions=self.functions.by_name,
            tables=self.tables,
        )
        self.alarms = Alarms(
            self,
            ALARMS_ID,
            topic=self.alerts.topic,
            functions=self.functions.by_name,
            state_machines=self.order_workflow.by_logical_id,
            dead_letter_queues=[self.alerts.dead_letter_watch, *self.streams.dead_letter_watches],
            stream_consumers=self.streams.consumers,
        )
        CfnOutput(
            self,
            API_URL_OUTPUT,
            value=self.api.url,
            description="Base URL of the dashboard REST API (its routes live under it)",
        )
        CfnOutput(
            self,
            WEBSOCKET_URL_OUTPUT,
            value=self.websocket.url,
            description="Live updates (positions, bot status, kill switch): connect with ?token=<ID token>",
        )
        CfnOutput(
            self,
            DASHBOARD_URL_OUTPUT,
            value=self.dashboard.origin,
            description="The dashboard (CloudFront): sign in with a user of the user pool",
        )
        CfnOutput(
            self,
            USER_POOL_ID_OUTPUT,
            value=self.auth.user_pool.user_pool_id,
            description="Cognito user pool: create users with aws cognito-idp admin-create-user (see README)",
        )
        CfnOutput(
            self,
            USER_POOL_CLIENT_ID_OUTPUT,
            value=self.auth.client.user_pool_client_id,
            description="The dashboard's app client (sign in with POST /api/auth/sign-in)",
        )
        CfnOutput(
            self,
            ALERTS_TOPIC_OUTPUT,
            value=self.alerts.topic.topic_arn,
            description="SNS topic every alert is published to (Discord; email/SMS/PagerDuty if configured)",
        )
        CfnOutput(
            self,
            DISCORD_WEBHOOK_SECRET_OUTPUT,
            value=self.alerts.webhook_secret.secret_arn,
            description="Put your Discord webhook URL into this secret after the first deploy (see README)",
        )
        CfnOutput(
            self,
            ALERTS_DLQ_OUTPUT,
            value=self.alerts.dead_letter_queue.queue_url,
            description="Alerts that could not be delivered to Discord wait here (14 days) for a redrive",
        )
        CfnOutput(
            self,
            "OrderStateMachineArn",
            value=self.order_workflow.state_machine.state_machine_arn,
            description="Order workflow: start one execution per order intent, named by the intent id",
        )
        for trigger in self.streams.triggers:
            CfnOutput(
                self,
                f"{trigger.dead_letter_queue.node.id}Url",
                value=trigger.dead_letter_queue.queue_url,
                description=(
                    f"{trigger.table_env.value} stream records {trigger.function_name} gave up on (14 days)"
                ),
            )
        CfnOutput(
            self,
            "OrderBatchStateMachineArn",
            value=self.order_workflow.batch_state_machine.state_machine_arn,
            description="Batch order workflow: one execution per batch of intents, named by the batch id",
        )

    def _dashboard(self, dist_dir: Path) -> Dashboard:
        """The dashboard site; its ``config.json`` points at this stack's API, WebSocket and pool."""
        suffix = f"execute-api.{Aws.REGION}.{Aws.URL_SUFFIX}"
        websocket_origin = f"wss://{self.websocket.api.api_id}.{suffix}"
        config = dashboard_config(
            api_base=self.api.base_url,
            live_transport="websocket",
            live_url=self.websocket.url,
            region=Aws.REGION,
            user_pool_id=self.auth.user_pool.user_pool_id,
            client_id=self.auth.client.user_pool_client_id,
            environment="aws",
        )
        return Dashboard(
            self,
            DASHBOARD_ID,
            dist_dir=dist_dir,
            config=config,
            connect_sources=[
                self.api.origin,
                websocket_origin,
                f"https://cognito-idp.{Aws.REGION}.{Aws.URL_SUFFIX}",
            ],
        )
