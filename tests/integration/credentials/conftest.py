from __future__ import annotations

from collections.abc import Iterator

import pytest

from inplay.store.schema import AUDIT, BOTS
from local.cloud.moto_runtime import local_mock_aws
from local.kalshi_sim import KalshiSimulator, SimServer
from tests.integration.credentials.support import TABLES, CredentialsHarness, env
from tests.integration.risk_store.tables import create_table
from tests.support.auth import CognitoUsers


@pytest.fixture
def sim_server() -> Iterator[SimServer]:
    """The deployment's Kalshi: the simulator on 127.0.0.1 (system clock, no maintenance)."""
    with SimServer(KalshiSimulator(seed=7, maintenance=False), tick_ms=0) as server:
        yield server


@pytest.fixture
def harness(monkeypatch: pytest.MonkeyPatch, sim_server: SimServer) -> Iterator[CredentialsHarness]:
    """moto Secrets Manager, bots and audit tables and Cognito; alice and bob signed in."""
    for name, value in env(sim_server.base_url).items():
        monkeypatch.setenv(name, value)
    with local_mock_aws(patch_lambda=False):
        create_table(BOTS, TABLES["bots"])
        create_table(AUDIT, TABLES["audit"])
        users = CognitoUsers().install(monkeypatch)
        users.create("alice", user_id="alice")
        users.create("bob", user_id="bob")
        yield CredentialsHarness(users, sim_server.sim, sim_server)
