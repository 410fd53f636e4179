"""The synthesized template provisioned into ``mock_aws``, for the intent ledger and the audit log."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from inplay.audit import store as audit_store
from inplay.store import intents as intent_store
from local.cloud import ddb_atomic
from local.cloud.moto_runtime import local_mock_aws
from local.cloud.provisioner import ProvisionedStack, provision_file


@pytest.fixture(autouse=True)
def _cold_models() -> Iterator[None]:
    """Each test binds its table models afresh (as a Lambda cold start would)."""
    intent_store._model_for.cache_clear()
    audit_store._model_for.cache_clear()
    yield
    intent_store._model_for.cache_clear()
    audit_store._model_for.cache_clear()


@pytest.fixture
def atomic_moto() -> None:
    """The concurrency tests need DynamoDB's atomic conditional writes, which ``local_mock_aws``
    restores in moto through :mod:`local.cloud.ddb_atomic` (as the local cloud does)."""
    assert ddb_atomic.is_installed()


@pytest.fixture
def stack(template_path) -> Iterator[ProvisionedStack]:
    with local_mock_aws(patch_lambda=False):
        yield provision_file(template_path)
