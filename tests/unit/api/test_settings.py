"""The settings document without AWS: it covers every setting the bot reads, validates exactly like
the models that read them, stores each part where it is read, and saves with an audit record."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from inplay.api import settings as settings_module
from inplay.api.errors import BadRequest, Conflict
from inplay.api.settings import (
    BOT_SETTING_KEYS,
    ExecutionSettings,
    KillSwitchSettings,
    OrderLimitsSettings,
    SettingsDeps,
    SettingsDocument,
    SizingSettings,
    ThresholdSettings,
    bot_settings_map,
    effective_settings,
    kill_settings_map,
    read_settings,
    save_settings,
)
from inplay.audit.chain import AuditKind
from inplay.audit.store import InMemoryAuditLog
from inplay.bots.lifecycle import BotRecord, BotState
from inplay.orders.workflow import ExecutionPolicy
from inplay.risk.limits import PreTradeLimits
from inplay.risk.triggers import KillSwitchLimits, parse_limits
from inplay.sports.models import League
from inplay.store.bots import SettingsConflict, config_from_settings
from inplay.strategy.model import InvalidStrategyParams, StrategyParams, params_from_settings

NOW = datetime(2026, 3, 1, 18, 0, tzinfo=UTC)
USER = "alice"

CHANGED: dict[str, Any] = {
    "risk": {
        "kill_switch": {
            "daily_loss_limit": "120.50",
            "max_drawdown": "0.3",
            "api_error_rate": None,
            "consecutive_losses": 4,
            "consecutive_window": 6,
            "market_paused": False,
        },
        "order_limits": {
            "max_contracts_per_order": "25",
            "max_cost_per_order": "40",
            "slippage_tolerance": "0.01",
        },
        "execution": {"max_wait_seconds": 90, "poll_seconds": 2, "partial_fill_threshold": "0.5"},
    },
    "sizing": {"default_size": "20", "max_position": "75", "kelly_fraction": "0.5", "streak_floor": "0.5"},
    "thresholds": {
        "edge_threshold": "0.05",
        "min_confidence": "0.6",
        "take_profit": "0.12",
        "cooldown_seconds": 300,
        "hold_to_settlement": True,
    },
    "leagues": ["nba", "nhl"],
}


def _sections() -> dict[str, type[BaseModel]]:
    return {
        "kill": KillSwitchSettings,
        "limits": OrderLimitsSettings,
        "execution": ExecutionSettings,
        "sizing": SizingSettings,
        "thresholds": ThresholdSettings,
    }


# ---------------------------------------------------------------------------------------------
# One source of truth


def test_the_document_covers_every_setting_the_bot_reads_exactly_once() -> None:
    sections = _sections()
    fields = [name for section in sections.values() for name in section.model_fields] + ["leagues"]
    assert len(fields) == len(set(fields))
    assert set(sections["kill"].model_fields) == set(KillSwitchLimits.model_fields)
    strategy = set(SizingSettings.model_fields) | set(ThresholdSettings.model_fields) | {"leagues"}
    assert strategy == set(StrategyParams.model_fields)
    assert set(OrderLimitsSettings.model_fields) == set(PreTradeLimits.model_fields)
    assert set(ExecutionSettings.model_fields) == set(ExecutionPolicy.model_fields)
    assert strategy | set(PreTradeLimits.model_fields) | set(ExecutionPolicy.model_fields) == BOT_SETTING_KEYS


def test_the_defaults_are_the_models_defaults() -> None:
    document = SettingsDocument()
    assert KillSwitchLimits.model_validate(dict(document.risk.kill_switch)) == KillSwitchLimits()
    assert PreTradeLimits.model_validate(dict(document.risk.order_limits)) == PreTradeLimits()
    assert ExecutionPolicy.model_validate(dict(document.risk.execution)) == ExecutionPolicy()
    strategy = {**dict(document.sizing), **dict(document.thresholds), "leagues": document.leagues}
    assert StrategyParams.model_validate(strategy) == StrategyParams()
    assert effective_settings({}, {}) == (document, [])


SOURCES: dict[type[BaseModel], type[BaseModel]] = {
    KillSwitchSettings: KillSwitchLimits,
    OrderLimitsSettings: PreTradeLimits,
    ExecutionSettings: ExecutionPolicy,
    SizingSettings: StrategyParams,
    ThresholdSettings: StrategyParams,
}
PROBES: list[object] = [
    "-1",
    "0",
    "0.01",
    "0.5",
    "0.9999",
    "1",
    "1.5",
    "3600",
    "86400",
    "86401",
    "1e9",
    "12.3456789",
    "abc",
    -5,
    0,
    1,
    10,
    60,
    61,
    101,
    100_000,
    None,
    True,
]


@pytest.mark.parametrize(
    ("section", "name"),
    [(section, name) for section in SOURCES for name in section.model_fields],
    ids=lambda value: getattr(value, "__name__", str(value)),
)
def test_each_field_accepts_and_refuses_exactly_what_its_model_does(
    section: type[BaseModel], name: str
) -> None:
    source = SOURCES[section]
    default = source.model_fields[name].default
    for probe in PROBES:
        try:
            expected = source.model_validate({name: probe}).model_dump()[name]
        except ValidationError:
            expected = "refused"
        try:
            found = section.model_validate({name: probe}).model_dump()[name]
        except ValidationError:
            found = "refused"
        assert found == expected, f"{section.__name__}.{name} = {probe!r}: {found!r} != {expected!r}"
    assert section.model_fields[name].default == default


@pytest.mark.parametrize(
    ("section", "name"),
    [
        (section, name)
        for section in SOURCES
        for name, info in section.model_fields.items()
        if info.annotation not in (bool, bool | None)
    ],
    ids=lambda value: getattr(value, "__name__", str(value)),
)
def test_a_json_float_is_refused_for_every_number(section: type[BaseModel], name: str) -> None:
    with pytest.raises(ValidationError) as caught:
        section.model_validate({name: 1.0})
    assert "write decimal numbers as strings" in str(caught.value)


@pytest.mark.parametrize("text", ["1E-999999", "0.00000000001"])
def test_a_decimal_with_too_many_places_is_refused(text: str) -> None:
    with pytest.raises(ValidationError) as caught:
        ThresholdSettings.model_validate({"take_profit": text})
    assert "use at most 10 decimal places" in str(caught.value)


def test_decimals_are_stored_compactly() -> None:
    document = SettingsDocument.model_validate(
        {"thresholds": {"take_profit": "0.1000000000000000000000"}, "sizing": {"default_size": "20.00"}}
    )
    assert bot_settings_map(document) == {"take_profit": "0.1", "default_size": "20"}


def test_the_kill_switch_cross_field_rule_applies() -> None:
    with pytest.raises(ValidationError) as caught:
        KillSwitchSettings.model_validate({"consecutive_losses": 6, "consecutive_window": 5})
    assert "kill_consecutive_losses (6) cannot exceed kill_consecutive_window (5)" in str(caught.value)
    assert KillSwitchSettings.model_validate({"consecutive_losses": 6, "consecutive_window": 6})


@pytest.mark.parametrize(
    ("body", "where"),
    [
        ({"sizing": {"defualt_size": "10"}}, "defualt_size"),
        ({"tresholds": {}}, "tresholds"),
        ({"leagues": ["nba", "xfl"]}, "leagues"),
        ({"leagues": "nba"}, "leagues"),
        ({"risk": {"kill_switch": {"daily_loss_limit": "-1"}}}, "daily_loss_limit"),
        ({"thresholds": {"edge_threshold": "0.51"}}, "edge_threshold"),
        ({"user_id": "bob"}, "user_id"),
    ],
)
def test_bad_documents_name_the_field(body: dict[str, Any], where: str) -> None:
    with pytest.raises(ValidationError) as caught:
        SettingsDocument.model_validate(body)
    assert any(where in ".".join(map(str, error["loc"])) for error in caught.value.errors())


def test_the_schema_describes_decimals_as_strings_with_their_range() -> None:
    schema = SettingsDocument.model_json_schema()["$defs"]
    edge = schema["ThresholdSettings"]["properties"]["edge_threshold"]
    assert edge["type"] == "string" and "pattern" in edge
    assert "Range: ≥ 0 and ≤ 0.5." in edge["description"]
    loss = schema["KillSwitchSettings"]["properties"]["daily_loss_limit"]
    assert {"type": "null"} in loss["anyOf"] and "null turns it off" in loss["description"]
    window = schema["ExecutionSettings"]["properties"]["poll_seconds"]
    assert (window["type"], window["minimum"], window["maximum"]) == ("integer", 1, 60)


# ---------------------------------------------------------------------------------------------
# Where each part is stored


def test_the_maps_are_what_the_kill_switch_the_orders_and_the_strategy_read() -> None:
    document = SettingsDocument.model_validate(CHANGED)
    user_map = kill_settings_map(document.risk.kill_switch)
    bot_map = bot_settings_map(document)
    assert user_map["kill_max_drawdown"] == "30%" and user_map["kill_api_error_rate"] == "off"
    assert set(user_map) == {f"kill_{name}" for name in CHANGED["risk"]["kill_switch"]}
    limits = KillSwitchLimits.from_settings(user_map)
    assert limits.daily_loss_limit == Decimal("120.50") and limits.api_error_rate is None
    assert limits.market_paused is False and limits.consecutive_window == 6
    config = config_from_settings(bot_map)
    assert config.limits.max_contracts_per_order == 25 and config.policy.poll_seconds == 2
    assert config.policy.partial_fill_threshold == Decimal("0.5")
    params = params_from_settings(bot_map)
    assert params.leagues == (League.NBA, League.NHL) and params.hold_to_settlement is True
    assert params.default_size == 20 and params.cooldown_seconds == 300
    assert params.espn_weight == StrategyParams().espn_weight  # absent: no key, the default
    assert "espn_weight" not in bot_map
    assert effective_settings(user_map, bot_map) == (document, [])


def test_every_non_default_value_round_trips_through_the_stored_strings() -> None:
    document = SettingsDocument.model_validate(
        {
            "risk": {
                "kill_switch": {
                    name: _other(KillSwitchSettings, name) for name in KillSwitchSettings.model_fields
                }
                | {"consecutive_losses": 2},
                "order_limits": {
                    name: _other(OrderLimitsSettings, name) for name in OrderLimitsSettings.model_fields
                },
                "execution": {
                    name: _other(ExecutionSettings, name) for name in ExecutionSettings.model_fields
                },
            },
            "sizing": {name: _other(SizingSettings, name) for name in SizingSettings.model_fields},
            "thresholds": {name: _other(ThresholdSettings, name) for name in ThresholdSettings.model_fields},
            "leagues": ["mlb"],
        }
    )
    found, problems = effective_settings(
        kill_settings_map(document.risk.kill_switch), bot_settings_map(document)
    )
    assert problems == []
    assert found == document
    assert found != SettingsDocument()


def _other(section: type[BaseModel], name: str) -> object:
    """A valid value other than the default."""
    default = section.model_fields[name].default
    if isinstance(default, bool):
        return not default
    if isinstance(default, int):
        return default + 1
    assert isinstance(default, Decimal)
    return str(default * Decimal("0.9"))


def test_stored_values_that_do_not_validate_are_reported_with_the_default_shown() -> None:
    document, problems = effective_settings(
        {"kill_max_drawdown": "lots", "kill_daily_loss_limit": "75"},
        {"default_size": "-3", "leagues": "nba,xfl", "edge_threshold": "0.04", "color": "blue"},
    )
    assert document.risk.kill_switch.daily_loss_limit == 75
    assert document.risk.kill_switch.max_drawdown == KillSwitchLimits().max_drawdown
    assert document.sizing.default_size == StrategyParams().default_size
    assert document.thresholds.edge_threshold == Decimal("0.04")
    assert document.leagues == tuple(League)
    assert len(problems) == 3
    assert any(p.startswith("risk.kill_switch: kill_max_drawdown") for p in problems)
    assert any(p.startswith("sizing.default_size") and "'-3'" in p for p in problems)
    assert any(p.startswith("leagues") for p in problems)


# ---------------------------------------------------------------------------------------------
# Read and save


@dataclass
class FakeStore:
    users: dict[str, dict[str, str]] = field(default_factory=dict)
    bots: dict[tuple[str, str], dict[str, str]] = field(default_factory=dict)
    states: dict[tuple[str, str], BotState] = field(default_factory=dict)
    writes: int = 0
    interfere: dict[str, str] | None = None
    """A concurrent change of the bot's map between the read and the write."""

    def user_settings(self, user_id: str) -> dict[str, str]:
        return dict(self.users.get(user_id, {}))

    def bot(self, user_id: str, bot_id: str) -> BotRecord:
        record = BotRecord(
            user_id=user_id,
            bot_id=bot_id,
            state=self.states.get((user_id, bot_id), BotState.STOPPED),
            settings=dict(self.bots.get((user_id, bot_id), {})),
        )
        if self.interfere is not None:
            self.bots[(user_id, bot_id)] = dict(self.interfere)
        return record

    def replace_settings(
        self,
        user_id: str,
        bot_id: str,
        *,
        user_settings: Mapping[str, str],
        bot_settings: Mapping[str, str],
        expected_user: Mapping[str, str],
        expected_bot: Mapping[str, str],
    ) -> None:
        if (
            self.users.get(user_id, {}) != expected_user
            or self.bots.get((user_id, bot_id), {}) != expected_bot
        ):
            raise SettingsConflict("changed")
        self.users[user_id] = dict(user_settings)
        self.bots[(user_id, bot_id)] = dict(bot_settings)
        self.writes += 1


def deps(store: FakeStore, audit: Any = None) -> SettingsDeps:
    return SettingsDeps(store=store, audit=audit if audit is not None else InMemoryAuditLog())


def audit_payloads(audit: InMemoryAuditLog, user: str = USER) -> list[tuple[str, dict[str, Any]]]:
    return [(record.kind, json.loads(record.payload)) for record in audit.records(user)]


def test_read_returns_the_effective_document_of_the_bot() -> None:
    store = FakeStore(
        users={USER: {"kill_daily_loss_limit": "80"}}, bots={(USER, "b2"): {"default_size": "15"}}
    )
    view = read_settings(store, user_id=USER, bot_id="b2")
    assert view.bot_id == "b2" and view.problems == []
    assert view.settings.risk.kill_switch.daily_loss_limit == 80
    assert view.settings.sizing.default_size == 15
    assert read_settings(store, user_id=USER, bot_id="default").settings.sizing.default_size == 10


def test_save_replaces_managed_keys_keeps_foreign_ones_and_audits_old_and_new_values() -> None:
    store = FakeStore(
        users={USER: {"kill_daily_loss_limit": "80", "kill_balance_drop": "10%", "theme": "dark"}},
        bots={(USER, "default"): {"default_size": "15", "espn_weight": "0.7", "color": "blue"}},
    )
    audit = InMemoryAuditLog()
    document = SettingsDocument.model_validate(CHANGED)
    saved = save_settings(deps(store, audit), document, user_id=USER, bot_id="default", now=NOW)
    assert store.users[USER]["theme"] == "dark" and "kill_balance_drop" not in store.users[USER]
    assert (
        store.bots[(USER, "default")]["color"] == "blue"
        and "espn_weight" not in store.bots[(USER, "default")]
    )
    assert saved.settings == document
    assert "sizing.default_size" in saved.changed and "thresholds.espn_weight" in saved.changed
    assert "risk.kill_switch.balance_drop" in saved.changed  # 10 % → the default 25 %
    assert "thresholds.max_spread" not in saved.changed
    assert "apply to bot default when it starts" in saved.message
    [(kind, payload)] = audit_payloads(audit)
    assert kind == AuditKind.SETTINGS_CHANGED and payload["bot_id"] == "default"
    changes = {change["setting"]: (change["from"], change["to"]) for change in payload["changes"]}
    assert changes["sizing.default_size"] == ("15.0000", "20.0000")
    assert changes["risk.kill_switch.api_error_rate"] == ("0.50", None)
    assert changes["leagues"][1] == ["nba", "nhl"]
    assert set(changes) == set(saved.changed)


def test_saving_the_same_document_again_writes_and_audits_nothing() -> None:
    store = FakeStore()
    audit = InMemoryAuditLog()
    document = SettingsDocument.model_validate(CHANGED)
    save_settings(deps(store, audit), document, user_id=USER, bot_id="default", now=NOW)
    again = save_settings(deps(store, audit), document, user_id=USER, bot_id="default", now=NOW)
    assert store.writes == 1 and len(audit_payloads(audit)) == 1
    assert again.changed == [] and again.message == "nothing changed"


def test_an_empty_document_resets_everything_to_the_defaults() -> None:
    store = FakeStore()
    save_settings(
        deps(store), SettingsDocument.model_validate(CHANGED), user_id=USER, bot_id="default", now=NOW
    )
    saved = save_settings(deps(store), SettingsDocument(), user_id=USER, bot_id="default", now=NOW)
    assert store.users[USER] == {} and store.bots[(USER, "default")] == {}
    assert saved.settings == SettingsDocument()


def test_a_running_bot_is_told_to_pick_the_change_up() -> None:
    store = FakeStore(states={(USER, "default"): BotState.RUNNING})
    saved = save_settings(
        deps(store), SettingsDocument.model_validate(CHANGED), user_id=USER, bot_id="default", now=NOW
    )
    assert "RUNNING and uses them from its next evaluation" in saved.message


def test_a_concurrent_change_is_a_conflict_and_nothing_is_written() -> None:
    store = FakeStore(interfere={"default_size": "99"})
    audit = InMemoryAuditLog()
    with pytest.raises(Conflict) as caught:
        save_settings(
            deps(store, audit),
            SettingsDocument.model_validate(CHANGED),
            user_id=USER,
            bot_id="default",
            now=NOW,
        )
    assert "read them again and retry" in caught.value.message
    assert store.bots[(USER, "default")] == {"default_size": "99"} and store.writes == 0
    assert audit_payloads(audit) == []


def test_maps_the_bot_would_refuse_are_a_bad_request(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(settings: Mapping[str, str] | None) -> StrategyParams:
        raise InvalidStrategyParams("invalid strategy settings: max_position: too small")

    monkeypatch.setattr(settings_module, "params_from_settings", refuse)
    store = FakeStore()
    with pytest.raises(BadRequest) as caught:
        save_settings(deps(store), SettingsDocument(), user_id=USER, bot_id="default", now=NOW)
    assert caught.value.errors == ("invalid strategy settings: max_position: too small",)
    assert store.writes == 0


def test_a_failed_audit_does_not_undo_the_save(caplog: pytest.LogCaptureFixture) -> None:
    class BrokenAudit:
        def append(self, *args: Any, **kwargs: Any) -> Any:
            raise RuntimeError("audit table unavailable")

    store = FakeStore()
    with caplog.at_level(logging.ERROR):
        saved = save_settings(
            deps(store, BrokenAudit()),
            SettingsDocument.model_validate(CHANGED),
            user_id=USER,
            bot_id="default",
            now=NOW,
        )
    assert store.writes == 1 and saved.changed
    assert "settings audit failed" in caplog.text


def test_one_users_save_touches_only_that_users_maps() -> None:
    store = FakeStore(
        users={"bob": {"kill_daily_loss_limit": "10"}}, bots={("bob", "default"): {"default_size": "3"}}
    )
    save_settings(
        deps(store), SettingsDocument.model_validate(CHANGED), user_id=USER, bot_id="default", now=NOW
    )
    assert store.users["bob"] == {"kill_daily_loss_limit": "10"}
    assert store.bots[("bob", "default")] == {"default_size": "3"}
    assert parse_limits(store.users[USER])[1] == ()


def test_the_openapi_document_describes_both_routes_with_their_models() -> None:
    import api.handler

    document = json.loads(api.handler.app.get_openapi_json_schema())
    route = document["paths"]["/api/settings"]
    assert route["get"]["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/SettingsView"
    )
    assert route["put"]["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/SettingsSaved"
    )
    body = route["put"]["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    assert body.rsplit("/", 1)[1].startswith("SettingsDocument")
    assert [p["name"] for p in route["get"]["parameters"]] == ["bot_id"]
