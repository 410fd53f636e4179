"""``InplayStack``: the whole deployment, composed from one construct per concern."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from aws_cdk import CfnOutput, Stack, Tags
from constructs import Construct

from infra.constants import (
    ALARMS_ID,
    ALERTS_DLQ_OUTPUT,
    ALERTS_ID,
    ALERTS_TOPIC_OUTPUT,
    API_ID,
    API_URL_OUTPUT,
    AUTH_ID,
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
from infra.constructs.functions import Functions
from infra.constructs.order_workflow import OrderWorkflow
from infra.constructs.schedules import Schedules
from infra.constructs.streams import StreamTriggers
from infra.constructs.tables import Tables
from infra.constructs.websocket import WebSocket
from inplay.config import API, DISCORD_NOTIFIER, ORDER_WORKER, WEBSOCKET

__all__ = ["InplayStack"]


class InplayStack(Stack):
    """Environment-agnostic (no account/region lookups), so it synthesizes offline."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str = STACK_ID,
        *,
        layer_asset: Path,
        cors_origins: Sequence[str] = DEFAULT_CORS_ORIGINS,
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
        self.api = Api(
            self,
            API_ID,
            handler=self.functions.function(API),
            cors_origins=cors_origins,
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
