"""Settings: validated once from the environment, every bad variable named."""

import pytest

from inplay.config import (
    ALL_LEAGUES,
    FUNCTIONS,
    ApiSettings,
    Env,
    GamePollerSettings,
    SettingsError,
    load_settings,
)
from inplay.sports.models import League


def test_game_poller_settings_from_environment() -> None:
    settings = load_settings(
        GamePollerSettings,
        {
            Env.GAMES_TABLE: "games",
            Env.RISK_TABLE: "risk",
            Env.LEAGUES: "nba, nfl",
            Env.POLL_INTERVAL_SECONDS: "5",
            Env.ESPN_BASE_URL: "http://127.0.0.1:9/apis/site/v2/sports",
        },
    )
    assert settings.games_table == "games"
    assert settings.leagues == (League.NBA, League.NFL)
    assert all(isinstance(league, League) for league in settings.leagues)
    assert settings.poll_interval_seconds == 5.0
    assert settings.espn_base_url.startswith("http://127.0.0.1")


def test_defaults_cover_every_league() -> None:
    settings = load_settings(GamePollerSettings, {Env.GAMES_TABLE: "games", Env.RISK_TABLE: "risk"})
    assert settings.leagues == ALL_LEAGUES
    # The window keeps live state fresher than 10 s across invocation boundaries.
    assert settings.poll_interval_seconds <= 10
    assert 60 - settings.poll_window_seconds < 10


def test_every_bad_variable_is_named() -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings(GamePollerSettings, {Env.LEAGUES: "nba,xfl", Env.POLL_INTERVAL_SECONDS: "-1"})
    message = str(caught.value)
    assert Env.GAMES_TABLE in message
    assert "xfl" in message
    assert Env.POLL_INTERVAL_SECONDS in message


def test_empty_league_list_is_rejected() -> None:
    with pytest.raises(SettingsError, match="at least one league"):
        load_settings(GamePollerSettings, {Env.GAMES_TABLE: "g", Env.LEAGUES: " , "})


def test_api_settings_need_the_games_table() -> None:
    with pytest.raises(SettingsError, match=Env.GAMES_TABLE):
        load_settings(ApiSettings, {})


def test_function_specs_name_tables_their_settings_declare() -> None:
    for spec in FUNCTIONS:
        aliases = {field.alias for field in spec.settings.model_fields.values()}
        assert set(spec.tables) <= aliases, spec.name
        assert spec.handler.startswith(f"{spec.name}.handler.")
