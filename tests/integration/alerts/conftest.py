"""The synthesized template provisioned into mock_aws, and a local Discord stand-in on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator
from types import SimpleNamespace

import pytest

from infra.constants import ALERTS_TOPIC_LOGICAL_ID
from local.alerts_sink import AlertSink, point_webhook_secret
from local.cloud.lambda_patch import apply_environment
from local.cloud.moto_runtime import local_mock_aws
from local.cloud.provisioner import ProvisionedStack, provision_file


@pytest.fixture(autouse=True)
def _cold_notifier() -> Iterator[None]:
    """Each test starts the notifier cold (settings, secret cache, HTTP client), as a new Lambda would."""
    import discord_notifier.handler

    discord_notifier.handler.notifier.cache_clear()
    yield
    discord_notifier.handler.notifier.cache_clear()


@pytest.fixture
def stack(template_path) -> Iterator[ProvisionedStack]:
    with local_mock_aws():
        provisioned = provision_file(template_path)
        restore = apply_environment(provisioned.environment)  # one process, one env (as LocalCloud)
        try:
            yield provisioned
        finally:
            restore()


@pytest.fixture
def topic_arn(stack: ProvisionedStack) -> str:
    return stack.topics[ALERTS_TOPIC_LOGICAL_ID]


@pytest.fixture
def sink(stack: ProvisionedStack) -> Iterator[AlertSink]:
    """A running sink whose URL is the webhook secret's value."""
    with AlertSink() as running:
        point_webhook_secret(stack, running.url)
        yield running


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The sender's waits, recorded instead of slept (only in ``inplay.alerts.discord``)."""
    recorded: list[float] = []
    monkeypatch.setattr("inplay.alerts.discord.time", SimpleNamespace(sleep=recorded.append))
    return recorded
