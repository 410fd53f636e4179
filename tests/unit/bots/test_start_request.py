"""The start body: settings become the exact strings the bots table stores."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from inplay.api.bots import BotRequest, StartRequest


def test_settings_become_strings() -> None:
    request = StartRequest.model_validate(
        {
            "bot_id": "b-1",
            "settings": {
                "leagues": ["nba", " nhl"],
                "cooldown_seconds": 60,
                "hold_to_settlement": True,
                "edge_threshold": " 0.04 ",
            },
        }
    )
    assert request.settings == {
        "leagues": "nba,nhl",
        "cooldown_seconds": "60",
        "hold_to_settlement": "true",
        "edge_threshold": "0.04",
    }
    assert StartRequest().bot_id == "default" and StartRequest().settings is None


def test_floats_and_objects_are_refused_naming_the_key() -> None:
    with pytest.raises(ValidationError, match=r"edge_threshold: write decimal numbers as strings"):
        StartRequest.model_validate({"settings": {"edge_threshold": 0.04}})
    with pytest.raises(ValidationError, match=r"leagues: must be a string"):
        StartRequest.model_validate({"settings": {"leagues": {"a": 1}}})


def test_bot_ids_and_unknown_fields() -> None:
    with pytest.raises(ValidationError):
        BotRequest.model_validate({"bot_id": "has space"})
    with pytest.raises(ValidationError):
        BotRequest.model_validate({"bot_id": "x", "force": True})
