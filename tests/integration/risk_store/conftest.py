"""Risk stores for the shared behavioural suite: in memory, and on DynamoDB under moto."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from inplay.risk.store import InMemoryRiskStore
from inplay.store import bots as bots_store
from inplay.store import risk as risk_store
from inplay.store.risk import DynamoRiskStore
from inplay.store.schema import RISK
from local.cloud import ddb_atomic
from local.cloud.moto_runtime import local_mock_aws
from tests.integration.risk_store.tables import create_table


@pytest.fixture(autouse=True)
def _cold_models() -> Iterator[None]:
    """Each test binds its table models afresh (as a Lambda cold start would)."""
    risk_store._model_for.cache_clear()
    bots_store._model_for.cache_clear()
    yield
    risk_store._model_for.cache_clear()
    bots_store._model_for.cache_clear()


@pytest.fixture
def moto() -> Iterator[None]:
    """``mock_aws`` as the local cloud runs it: conditional writes are atomic (ddb_atomic)."""
    with local_mock_aws(patch_lambda=False):
        assert ddb_atomic.is_installed()
        yield


@pytest.fixture
def risk_table(moto: None) -> str:
    create_table(RISK, "inplay-risk-test")
    return "inplay-risk-test"


@pytest.fixture(params=["memory", "dynamo"])
def store(request: pytest.FixtureRequest) -> Any:
    if request.param == "memory":
        return InMemoryRiskStore()
    return DynamoRiskStore(request.getfixturevalue("risk_table"))
