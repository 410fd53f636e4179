"""GET/PUT /api/settings: risk limits, sizing, thresholds, leagues."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Body, Query

from api import deps
from api.routes.common import new_router
from api.security import user_id
from inplay.api.settings import (
    SettingsDeps,
    SettingsDocument,
    SettingsSaved,
    SettingsView,
    read_settings,
    save_settings,
)
from inplay.bots.lifecycle import BOT_ID_PATTERN, DEFAULT_BOT_ID

router = new_router()

BotIdQuery = Annotated[
    str,
    Query(
        pattern=BOT_ID_PATTERN,
        description=(
            "The bot whose settings are read or replaced (the kill-switch limits are the user's, "
            "for every bot)"
        ),
    ),
]


@cache
def settings_deps() -> SettingsDeps:
    """The settings routes' store (the bots table) and audit log."""
    from inplay.audit.store import DynamoAuditLog
    from inplay.store.bots import DynamoBotControls

    config = deps.settings()
    return SettingsDeps(store=DynamoBotControls(config.bots_table), audit=DynamoAuditLog(config.audit_table))


@router.get("/api/settings")
def get_settings(bot_id: BotIdQuery = DEFAULT_BOT_ID) -> SettingsView:
    """The effective settings: what is stored, and the default for everything else."""
    return read_settings(settings_deps().store, user_id=user_id(router), bot_id=bot_id)


@router.put("/api/settings")
def put_settings(
    document: Annotated[
        SettingsDocument, Body(description="The whole document; absent fields take their defaults")
    ],
    bot_id: BotIdQuery = DEFAULT_BOT_ID,
) -> SettingsSaved:
    """Replace the settings (validated with the ranges the bot applies; audited)."""
    return save_settings(
        settings_deps(), document, user_id=user_id(router), bot_id=bot_id, now=datetime.now(UTC)
    )
