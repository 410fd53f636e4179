"""A cold start for every handler in this process (what a new Lambda instance would be)."""

from __future__ import annotations


def cold_start() -> None:
    """Forget every handler's cached settings and clients. Module-scoped fixtures that start a
    local cloud call it too (they are set up before this file's per-test fixture runs)."""
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
