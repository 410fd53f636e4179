"""GET/PUT /api/settings through the api function's real handler on moto: signed in, validated,
stored where the kill switch, the order workflow and the strategy read them, audited, per user."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from inplay.audit.store import DynamoAuditLog
from inplay.bots.lifecycle import BotRecord, BotState
from inplay.config import Env
from inplay.risk.triggers import KillSwitchLimits
from inplay.sports.models import League
from inplay.store.bots import DynamoBotControls
from inplay.strategy.model import StrategyParams, params_from_settings
from tests.integration.api_settings.support import ApiClient, table_name

NEW: dict[str, Any] = {
    "risk": {
        "kill_switch": {"daily_loss_limit": "75", "max_drawdown": "0.15", "slippage_spike": None},
        "order_limits": {"max_contracts_per_order": "20", "max_cost_per_order": "30"},
        "execution": {"max_wait_seconds": 120},
    },
    "sizing": {"default_size": "25", "max_position": "80"},
    "thresholds": {"edge_threshold": "0.045", "exit_before_end_seconds": 300, "hold_to_settlement": True},
    "leagues": ["nba", "nfl"],
}


def controls() -> DynamoBotControls:
    return DynamoBotControls(table_name(Env.BOTS_TABLE))


def audit(user: str) -> list[tuple[str, dict[str, Any]]]:
    log = DynamoAuditLog(table_name(Env.AUDIT_TABLE))
    return [(record.kind, json.loads(record.payload)) for record in log.records(user)]


def test_a_new_user_gets_the_defaults(client: ApiClient) -> None:
    status, body = client.request("GET", "/api/settings", user="alice")
    assert status == 200
    assert body["bot_id"] == "default" and body["problems"] == []
    settings = body["settings"]
    assert settings["sizing"]["default_size"] == "10.0000"
    assert settings["thresholds"]["edge_threshold"] == "0.03"
    assert settings["risk"]["kill_switch"]["daily_loss_limit"] == "50.0000"
    assert settings["risk"]["execution"]["max_wait_seconds"] == 60
    assert settings["leagues"] == [league.value for league in League]


@pytest.mark.parametrize("method", ["GET", "PUT"])
def test_signing_in_is_required(client: ApiClient, method: str) -> None:
    status, body = client.request(method, "/api/settings", {} if method == "PUT" else None, user=None)
    assert status == 401 and body["message"]
    assert controls().user_settings("alice") == {}


def test_put_stores_each_part_where_it_is_read_and_get_returns_it(client: ApiClient) -> None:
    status, saved = client.request("PUT", "/api/settings", NEW, user="alice")
    assert status == 200, saved
    assert saved["message"].startswith("settings saved")
    assert "sizing.default_size" in saved["changed"] and "leagues" in saved["changed"]
    status, body = client.request("GET", "/api/settings", user="alice")
    assert status == 200 and body["settings"] == saved["settings"]
    assert body["settings"]["risk"]["kill_switch"]["slippage_spike"] is None
    assert body["settings"]["risk"]["kill_switch"]["max_drawdown"] == "0.15"
    assert body["settings"]["leagues"] == ["nba", "nfl"]

    store = controls()
    kill = KillSwitchLimits.from_settings(store.user_settings("alice"))  # what the kill switch reads
    assert kill.daily_loss_limit == 75 and kill.max_drawdown == Decimal("0.15")
    assert kill.slippage_spike is None
    config = store.bot_config("alice", "default")  # what the order workflow reads
    assert config.limits.max_contracts_per_order == 20 and config.policy.max_wait_seconds == 120
    params = params_from_settings(store.bot("alice", "default").settings)  # what the strategy reads
    assert params.default_size == 25 and params.leagues == (League.NBA, League.NFL)
    assert params.hold_to_settlement is True and params.espn_weight == StrategyParams().espn_weight


def test_a_running_bot_reads_the_change_on_its_next_evaluation(client: ApiClient) -> None:
    store = controls()
    now = datetime.now(UTC)
    store.transition_bot("alice", "default", BotState.STARTING, by="alice", at=now)
    store.transition_bot("alice", "default", BotState.RUNNING, by="alice", at=now)
    status, saved = client.request("PUT", "/api/settings", NEW, user="alice")
    assert status == 200 and "is RUNNING and uses them from its next evaluation" in saved["message"]
    [running] = store.active_bots()
    assert running.state is BotState.RUNNING  # the bot's state is untouched
    assert params_from_settings(running.settings).default_size == 25


def test_the_change_is_audited_with_old_and_new_values(client: ApiClient) -> None:
    client.request("PUT", "/api/settings", NEW, user="alice")
    status, _ = client.request("PUT", "/api/settings", NEW, user="alice")  # unchanged: no record
    assert status == 200
    [(kind, payload)] = audit("alice")
    assert kind == "SETTINGS_CHANGED" and payload["bot_id"] == "default"
    changes = {change["setting"]: (change["from"], change["to"]) for change in payload["changes"]}
    assert changes["sizing.default_size"] == ("10.0000", "25.0000")
    assert changes["risk.kill_switch.slippage_spike"] == ("0.0500", None)
    assert changes["thresholds.exit_before_end_seconds"] == (120, 300)


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (
            {"sizing": {"default_size": 12.5}},
            'sizing.default_size: write decimal numbers as strings (e.g. "0.03")',
        ),
        ({"sizing": {"default_size": "0"}}, "sizing.default_size: Input should be greater than 0"),
        (
            {"thresholds": {"edge_threshold": "0.6"}},
            "thresholds.edge_threshold: Input should be less than or equal",
        ),
        (
            {"risk": {"execution": {"poll_seconds": 0}}},
            "risk.execution.poll_seconds: Input should be greater",
        ),
        (
            {"risk": {"kill_switch": {"max_drawdown": "1"}}},
            "risk.kill_switch.max_drawdown: Input should be less",
        ),
        ({"risk": {"kill_switch": {"consecutive_losses": 9}}}, "cannot exceed kill_consecutive_window (5)"),
        ({"leagues": ["nba", "cricket"]}, "leagues.1: Input should be"),
        ({"sizing": {"size": "10"}}, "sizing.size: Extra inputs are not permitted"),
        ({"user_id": "bob"}, "user_id: Extra inputs are not permitted"),
    ],
)
def test_invalid_documents_are_refused_and_nothing_changes(client: ApiClient, body: Any, error: str) -> None:
    status, answer = client.request("PUT", "/api/settings", body, user="alice")
    assert status == 400, answer
    assert answer["message"] == "invalid request"
    assert any(problem.startswith(error) or error in problem for problem in answer["errors"]), answer
    assert controls().user_settings("alice") == {} and not controls().bot("alice", "default").stored
    assert audit("alice") == []


@pytest.mark.parametrize("raw", [b"", b"not json", b"[]"])
def test_a_body_that_is_not_a_document_is_a_bad_request(client: ApiClient, raw: bytes) -> None:
    status, answer = client.request("PUT", "/api/settings", user="alice", raw=raw)
    assert 400 <= status < 500 and answer["message"]


@pytest.mark.parametrize("bot_id", ["", "a/b", "x" * 65, "bot id"])
def test_a_bad_bot_id_is_refused(client: ApiClient, bot_id: str) -> None:
    status, answer = client.request("GET", "/api/settings", user="alice", query=[("bot_id", bot_id)])
    assert status == 400 and answer["message"] == "invalid request"
    assert any(problem.startswith("bot_id") for problem in answer["errors"])


def test_bot_settings_are_per_bot_and_the_kill_switch_per_user(client: ApiClient) -> None:
    status, _ = client.request("PUT", "/api/settings", NEW, user="alice", query=[("bot_id", "b2")])
    assert status == 200
    _, default = client.request("GET", "/api/settings", user="alice")
    _, b2 = client.request("GET", "/api/settings", user="alice", query=[("bot_id", "b2")])
    assert b2["bot_id"] == "b2" and b2["settings"]["sizing"]["default_size"] == "25.0000"
    assert default["settings"]["sizing"]["default_size"] == "10.0000"
    assert default["settings"]["risk"]["kill_switch"]["daily_loss_limit"] == "75.0000"
    assert not controls().bot("alice", "default").stored  # no bot item made for an untouched bot


def test_a_put_by_one_user_never_changes_another_users_settings(client: ApiClient) -> None:
    bob = {"sizing": {"default_size": "3"}, "risk": {"kill_switch": {"daily_loss_limit": "5"}}}
    assert client.request("PUT", "/api/settings", bob, user="bob")[0] == 200
    store = controls()
    bob_user, bob_bot = store.user_settings("bob"), dict(store.bot("bob", "default").settings)
    _, bob_before = client.request("GET", "/api/settings", user="bob")

    # Alice writes every way she can: her default bot, a bot named like bob's, a user id in the query.
    assert client.request("PUT", "/api/settings", NEW, user="alice")[0] == 200
    assert client.request("PUT", "/api/settings", NEW, user="alice", query=[("user_id", "bob")])[0] == 200
    assert client.request("PUT", "/api/settings", {}, user="alice", query=[("bot_id", "default")])[0] == 200
    assert client.request("PUT", "/api/settings", {"user_id": "bob"}, user="alice")[0] == 400

    assert store.user_settings("bob") == bob_user and dict(store.bot("bob", "default").settings) == bob_bot
    _, bob_after = client.request("GET", "/api/settings", user="bob")
    assert bob_after == bob_before
    assert bob_after["settings"]["sizing"]["default_size"] == "3.0000"
    [(kind, payload)] = audit("bob")  # his own save only
    assert kind == "SETTINGS_CHANGED" and {c["setting"] for c in payload["changes"]} == {
        "sizing.default_size",
        "risk.kill_switch.daily_loss_limit",
    }
    assert len(audit("alice")) == 2  # NEW, then the reset to defaults ({}); the repeat changed nothing


def test_a_concurrent_change_is_a_conflict(client: ApiClient, monkeypatch: pytest.MonkeyPatch) -> None:
    """A bot start with settings lands between the read and the write: the save is refused."""
    import api.routes.settings
    from inplay.api.settings import SettingsDeps

    class RacingControls(DynamoBotControls):
        def bot(self, user_id: str, bot_id: str) -> BotRecord:
            record = super().bot(user_id, bot_id)
            self.put_bot_settings(user_id, bot_id, {"default_size": "99"})
            return record

    racing = SettingsDeps(
        store=RacingControls(table_name(Env.BOTS_TABLE)), audit=DynamoAuditLog(table_name(Env.AUDIT_TABLE))
    )
    monkeypatch.setattr(api.routes.settings, "settings_deps", lambda: racing)
    status, answer = client.request("PUT", "/api/settings", NEW, user="alice")
    assert status == 409 and "read them again and retry" in answer["message"]
    assert controls().bot("alice", "default").settings == {"default_size": "99"}
    assert controls().user_settings("alice") == {}  # the user's map was not written either
    assert audit("alice") == []


def test_stored_values_that_do_not_validate_are_shown_as_problems(client: ApiClient) -> None:
    controls().put_user_settings("alice", {"kill_max_drawdown": "much"})
    controls().put_bot_settings("alice", "default", {"edge_threshold": "2"})
    status, body = client.request("GET", "/api/settings", user="alice")
    assert status == 200
    assert len(body["problems"]) == 2 and body["settings"]["thresholds"]["edge_threshold"] == "0.03"
    status, saved = client.request("PUT", "/api/settings", body["settings"], user="alice")  # GET-modify-PUT
    assert status == 200 and saved["problems"] == []
    assert client.request("GET", "/api/settings", user="alice")[1]["problems"] == []
