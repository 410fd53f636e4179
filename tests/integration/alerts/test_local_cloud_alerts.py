"""The recipe ``inplay demo`` follows, on the running local cloud (moto server, not mock_aws):
start the sink, start the cloud, point the webhook secret at the sink, publish → one printed line."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest

from infra.constants import ALERTS_TOPIC_LOGICAL_ID
from inplay.alerts import Alert, AlertKind, Mode, Severity, SnsAlertPublisher
from local.alerts_sink import point_webhook_secret, start_alert_sink
from local.cloud import LocalCloud

pytestmark = [
    pytest.mark.slow,
    pytest.mark.timeout(180),
    pytest.mark.filterwarnings("ignore:No application metrics to publish:UserWarning"),
]


def test_the_demo_recipe_prints_alerts(template_path) -> None:
    out = io.StringIO()
    url, stop_sink = start_alert_sink(out)
    overrides = {"POWERTOOLS_METRICS_DISABLED": "true"}
    try:
        with LocalCloud(
            template_path, http_port=0, env_overrides=overrides, schedules_enabled=False
        ) as cloud:
            point_webhook_secret(cloud.provisioned, url)
            publisher = SnsAlertPublisher(cloud.provisioned.topics[ALERTS_TOPIC_LOGICAL_ID])
            publisher.publish(
                Alert(
                    kind=AlertKind.INFO,
                    severity=Severity.INFO,
                    mode=Mode.PAPER,
                    title="inplay demo is running",
                    description="Alerts from the local cloud print here.",
                    occurred_at=datetime.now(UTC),
                )
            )
    finally:
        stop_sink()
    (line,) = out.getvalue().splitlines()
    assert "ALERT 🟡 PAPER · inplay demo is running — Alerts from the local cloud print here. [info]" in line
