from __future__ import annotations

from collections.abc import Iterator

import pytest

from local.cloud.moto_runtime import local_mock_aws
from tests.integration.api_settings.support import ApiClient, install_api
from tests.support.auth import CognitoUsers


@pytest.fixture
def client(monkeypatch: pytest.MonkeyPatch) -> Iterator[ApiClient]:
    """The api function (its real wiring) on moto tables; users ``alice`` and ``bob``. Kalshi is a
    dead loopback port: nothing here may reach a venue over the network."""
    with local_mock_aws(patch_lambda=False):
        install_api(monkeypatch)
        monkeypatch.setenv("INPLAY_KALSHI_BASE_URL", "http://127.0.0.1:9/trade-api/v2")
        users = CognitoUsers().install(monkeypatch)
        users.create("alice", user_id="alice")
        users.create("bob", user_id="bob")
        yield ApiClient(users)
