from __future__ import annotations

from collections.abc import Iterator

import pytest

from inplay.store.schema import AUDIT, BOTS, FILLS, GAMES, POSITIONS, RISK
from local.cloud.moto_runtime import local_mock_aws
from tests.integration.bots.support import TABLES, BotsHarness, env
from tests.integration.risk_store.tables import create_table
from tests.support.auth import SigningInUsers


@pytest.fixture
def harness(monkeypatch: pytest.MonkeyPatch) -> Iterator[BotsHarness]:
    """Moto tables for the bot routes, the api settings in the environment, and the api
    function's bot dependencies replaced by real stores plus fake venues/reconciler/alerts."""
    import api.deps

    for name, value in env().items():
        monkeypatch.setenv(name, value)
    with local_mock_aws(patch_lambda=False):
        for spec, key in (
            (GAMES, "games"),
            (BOTS, "bots"),
            (FILLS, "fills"),
            (POSITIONS, "positions"),
            (AUDIT, "audit"),
            (RISK, "risk"),
        ):
            create_table(spec, TABLES[key])
        api.deps.bot_deps.cache_clear()
        running = BotsHarness(SigningInUsers().install(monkeypatch))
        running.real_bot_deps = api.deps.bot_deps
        monkeypatch.setattr(api.deps, "bot_deps", lambda: running.deps)
        yield running
        running.real_bot_deps.cache_clear()
