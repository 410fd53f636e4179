"""Session-wide fixtures shared by every suite.

The CDK stack is synthesized once per test session (in-process, offline, ~10 s); the infra tests
assert on that template, and the local cloud, integration and e2e tests provision from it, so
every suite runs against the same template a user would deploy.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from infra.synth import load_template, synthesize


@pytest.fixture(scope="session")
def cloud_assembly(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The synthesized cloud assembly directory (cdk-nag ran: synth would have raised)."""
    outdir = tmp_path_factory.mktemp("cdk.out")
    synthesize(outdir)
    return outdir


@pytest.fixture(scope="session")
def template_path(cloud_assembly: Path) -> Path:
    return cloud_assembly / "Inplay.template.json"


@pytest.fixture(scope="session")
def template(template_path: Path) -> dict[str, Any]:
    return load_template(template_path)


@pytest.fixture(autouse=True)
def _fresh_process_caches() -> None:
    """Handlers build settings and store clients once per process, as on Lambda (cold start).

    Tests change the environment between cases (table names, the ESPN base URL, moto endpoints),
    so each test starts from a cold start.
    """
    import discord_notifier.handler
    import game_poller.handler
    import kill_switch.handler
    import order_worker.handler
    import reconciler.handler
    import strategy.handler
    import watchdog.handler
    from inplay.audit import store as audit_store
    from inplay.config import cached_settings
    from inplay.live import connections as live_connections
    from inplay.store import bots, games, intents, paper, risk, trades

    cached_settings.cache_clear()
    _clear_module_caches("api")
    _clear_module_caches("websocket")
    _clear_module_caches("broadcaster")
    live_connections._model_for.cache_clear()
    strategy.handler.runtime.cache_clear()
    game_poller.handler.heartbeats.cache_clear()
    kill_switch.handler.runtime.cache_clear()
    reconciler.handler.runtime.cache_clear()
    watchdog.handler.dependencies.cache_clear()
    risk._model_for.cache_clear()
    game_poller.handler.poller.cache_clear()
    discord_notifier.handler.notifier.cache_clear()
    games._model_for.cache_clear()
    intents._model_for.cache_clear()
    audit_store._model_for.cache_clear()
    order_worker.handler.dependencies.cache_clear()
    bots._model_for.cache_clear()
    trades._models.cache_clear()
    paper._model_for.cache_clear()


def _clear_module_caches(package: str) -> None:
    """Clear every ``functools.cache`` factory defined at module level in ``package``'s modules
    (the api function's dependencies live in several route modules)."""
    import sys

    for name, module in list(sys.modules.items()):
        if module is None or not (name == package or name.startswith(package + ".")):
            continue
        for value in list(vars(module).values()):
            clear = getattr(value, "cache_clear", None)
            if callable(clear) and getattr(value, "__module__", None) == name:
                clear()
