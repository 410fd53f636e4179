"""The bot state machine's graph."""

from __future__ import annotations

from datetime import UTC, datetime

from inplay.bots import ACTIVE_STATES, TRANSITIONS, BotRecord, BotState, BotStateConflict, sources_of
from inplay.orders.intents import TradingMode


def test_every_state_has_its_moves_and_is_reachable_from_stopped() -> None:
    assert set(TRANSITIONS) == set(BotState)
    seen, frontier = {BotState.STOPPED}, [BotState.STOPPED]
    while frontier:
        for nxt in TRANSITIONS[frontier.pop()]:
            if nxt not in seen:
                seen.add(nxt)
                frontier.append(nxt)
    assert seen == set(BotState)


def test_every_state_can_get_back_to_stopped() -> None:
    for start in BotState:
        seen, frontier = {start}, [start]
        while frontier:
            for nxt in TRANSITIONS[frontier.pop()]:
                if nxt not in seen:
                    seen.add(nxt)
                    frontier.append(nxt)
        assert BotState.STOPPED in seen or start is BotState.STOPPED, start


def test_the_documented_moves() -> None:
    assert sources_of(BotState.STARTING) == {BotState.STOPPED, BotState.ERROR}
    assert sources_of(BotState.RUNNING) == {BotState.STARTING, BotState.PAUSED}
    assert sources_of(BotState.PAUSED) == {BotState.RUNNING}
    assert sources_of(BotState.STOPPED) == {BotState.STARTING, BotState.STOPPING}
    assert sources_of(BotState.ERROR) == {BotState.STARTING, BotState.RUNNING, BotState.PAUSED}
    assert BotState.RUNNING not in TRANSITIONS[BotState.STOPPED]  # no start without pre-flight
    assert BotState.STARTING not in TRANSITIONS[BotState.RUNNING]


def test_only_running_and_paused_bots_trade() -> None:
    assert {BotState.RUNNING, BotState.PAUSED} == ACTIVE_STATES
    paused = BotRecord("u", "b", BotState.PAUSED)
    assert paused.paused and paused.active
    assert not BotRecord("u", "b", BotState.STARTING).active


def test_a_record_as_json_and_a_conflict_message() -> None:
    at = datetime(2026, 1, 15, tzinfo=UTC)
    record = BotRecord("u", "b", BotState.RUNNING, {"leagues": "nba"}, None, at, "u", TradingMode.PAPER)
    assert record.as_json() == {
        "bot_id": "b",
        "state": "RUNNING",
        "reason": None,
        "changed_at": "2026-01-15T00:00:00+00:00",
        "by": "u",
        "mode": "paper",
        "settings": {"leagues": "nba"},
    }
    conflict = BotStateConflict(record, BotState.STARTING)
    assert str(conflict) == "bot b is RUNNING; it cannot become STARTING from there"
    assert conflict.current is record
