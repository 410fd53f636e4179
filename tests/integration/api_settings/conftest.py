from __future__ import annotations

from collections.abc import Iterator

import pytest

from local.cloud.moto_runtime import local_mock_aws
from tests.integration.api_settings.support import ApiClient, install_api
from tests.support.auth import CognitoUsers


@pytest.fixture
def client(monkeypatch: pytest.MonkeyPatch) -> Iterator[ApiClient]:
    """The api function on moto tables; users ``alice`` and ``bob`` (user ids ``alice``, ``bob``)."""
    with local_mock_aws(patch_lambda=False):
        install_api(monkeypatch)
        users = CognitoUsers().install(monkeypatch)
        users.create("alice", user_id="alice")
        users.create("bob", user_id="bob")
        yield ApiClient(users)
