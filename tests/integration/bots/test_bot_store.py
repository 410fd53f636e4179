"""The bot lifecycle and the trading mode in the bots table (conditional writes under moto)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from inplay.bots import BotState, BotStateConflict
from inplay.orders.intents import TradingMode
from inplay.store.bots import ModeChangeConflict
from tests.integration.bots.support import USER, BotsHarness

NOW = datetime(2026, 1, 15, 1, 30, tzinfo=UTC)


def test_a_bot_without_a_record_is_stopped_and_starts(harness: BotsHarness) -> None:
    store = harness.controls
    assert store.bot(USER, "b1").state is BotState.STOPPED
    assert not store.bot(USER, "b1").stored
    moved = store.transition_bot(
        USER, "b1", BotState.STARTING, by=USER, at=NOW, settings={"leagues": "nba"}, mode=TradingMode.PAPER
    )
    assert moved.state is BotState.STARTING
    assert moved.settings == {"leagues": "nba"}
    assert moved.mode is TradingMode.PAPER
    assert moved.changed_at == NOW and moved.by == USER


def test_a_transition_from_the_wrong_state_is_refused_with_the_current_state(harness: BotsHarness) -> None:
    store = harness.controls
    with pytest.raises(BotStateConflict) as refused:
        store.transition_bot(USER, "b1", BotState.PAUSED, by=USER, at=NOW)
    assert refused.value.current.state is BotState.STOPPED
    store.transition_bot(USER, "b1", BotState.STARTING, by=USER, at=NOW)
    with pytest.raises(BotStateConflict) as again:
        store.transition_bot(USER, "b1", BotState.STARTING, by=USER, at=NOW)
    assert again.value.current.state is BotState.STARTING


def test_settings_and_the_kill_switch_survive_transitions(harness: BotsHarness) -> None:
    store = harness.controls
    store.put_bot_settings(USER, "b1", {"max_contracts_per_order": "7"})
    store.transition_bot(USER, "b1", BotState.STARTING, by=USER, at=NOW)
    assert store.bot_config(USER, "b1").limits.max_contracts_per_order == 7
    assert not store.kill_switch(USER).tripped


def test_active_bots_lists_running_and_paused_of_every_user(harness: BotsHarness) -> None:
    store = harness.controls
    for user, bot, path in (
        ("u1", "a", [BotState.STARTING, BotState.RUNNING]),
        ("u1", "b", [BotState.STARTING, BotState.RUNNING, BotState.PAUSED]),
        ("u2", "c", [BotState.STARTING]),
        ("u2", "d", [BotState.STARTING, BotState.RUNNING, BotState.STOPPING, BotState.STOPPED]),
        ("u3", "e", [BotState.STARTING, BotState.RUNNING]),
    ):
        for state in path:
            store.transition_bot(user, bot, state, by=user, at=NOW)
    store.trip(
        "u1", trigger="manual", reason="x", values={}, by="u1", event_id="ks-1", at=NOW
    )  # a kill-switch item shares the state attribute: it must not look like a bot
    active = store.active_bots()
    assert [(b.user_id, b.bot_id, b.state) for b in active] == [
        ("u1", "a", BotState.RUNNING),
        ("u1", "b", BotState.PAUSED),
        ("u3", "e", BotState.RUNNING),
    ]
    assert active[1].paused and not active[0].paused


def test_mark_error_moves_only_an_active_bot(harness: BotsHarness) -> None:
    store = harness.controls
    store.transition_bot(USER, "b1", BotState.STARTING, by=USER, at=NOW)
    assert store.mark_error(USER, "b1", "bad settings", NOW) is False
    store.transition_bot(USER, "b1", BotState.RUNNING, by=USER, at=NOW)
    assert store.mark_error(USER, "b1", "bad settings", NOW) is True
    assert store.mark_error(USER, "b1", "again", NOW) is False
    bot = store.bot(USER, "b1")
    assert bot.state is BotState.ERROR and bot.reason == "bad settings" and bot.by == "strategy"


def test_the_trading_mode_defaults_to_paper_and_switches_while_bots_are_idle(harness: BotsHarness) -> None:
    store = harness.controls
    assert store.trading_mode(USER) is TradingMode.PAPER
    store.put_user_settings(USER, {"kill_daily_loss": "50"})
    store.transition_bot(USER, "b1", BotState.STARTING, by=USER, at=NOW)
    store.transition_bot(USER, "b1", BotState.STOPPED, by=USER, at=NOW)
    store.set_trading_mode(USER, TradingMode.LIVE, expected=TradingMode.PAPER, bots=store.bots(USER))
    assert store.trading_mode(USER) is TradingMode.LIVE
    assert store.user_settings(USER) == {"kill_daily_loss": "50"}  # the settings map is kept
    with pytest.raises(ModeChangeConflict):  # expected mode is stale
        store.set_trading_mode(USER, TradingMode.LIVE, expected=TradingMode.PAPER, bots=[])


def test_the_mode_does_not_change_when_a_bot_started_in_between(harness: BotsHarness) -> None:
    store = harness.controls
    store.transition_bot(USER, "b1", BotState.STARTING, by=USER, at=NOW)
    store.transition_bot(USER, "b1", BotState.STOPPED, by=USER, at=NOW)
    seen = store.bots(USER)  # read while idle …
    store.transition_bot(USER, "b1", BotState.STARTING, by=USER, at=NOW)  # … then it starts
    with pytest.raises(ModeChangeConflict) as refused:
        store.set_trading_mode(USER, TradingMode.LIVE, expected=TradingMode.PAPER, bots=seen)
    assert [(b.bot_id, b.state) for b in refused.value.bots] == [("b1", BotState.STARTING)]
    assert store.trading_mode(USER) is TradingMode.PAPER


def test_running_requires_the_mode_the_start_checked(harness: BotsHarness) -> None:
    store = harness.controls
    store.transition_bot(USER, "b1", BotState.STARTING, by=USER, at=NOW)
    store.put_user_settings(USER, {})
    store._model(USER, "SETTINGS").update(actions=[store._model.trading_mode.set("live")])
    with pytest.raises(BotStateConflict) as refused:
        store.transition_bot(USER, "b1", BotState.RUNNING, by=USER, at=NOW, expect_mode=TradingMode.PAPER)
    assert "trading mode changed to live" in str(refused.value)
    assert store.bot(USER, "b1").state is BotState.STARTING
    running = store.transition_bot(
        USER, "b1", BotState.RUNNING, by=USER, at=NOW, expect_mode=TradingMode.LIVE
    )
    assert running.state is BotState.RUNNING


def test_an_unknown_stored_state_reads_as_error(harness: BotsHarness) -> None:
    store = harness.controls
    store._model(USER, "BOT#b1").update(actions=[store._model.state.set("DANCING")])
    bot = store.bot(USER, "b1")
    assert bot.state is BotState.ERROR and "DANCING" in (bot.reason or "")
