"""Venue credentials: save (validated live), status, delete; never returned."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Body

from api import deps
from api.routes.common import new_router
from api.security import user_id
from inplay.api.credentials import (
    CredentialsApiDeps,
    CredentialsOverview,
    DeletedCredentials,
    KalshiCredentialsRequest,
    SavedCredentials,
    credentials_overview,
    delete_kalshi_credentials,
    save_kalshi_credentials,
)

router = new_router()


def forget_cached_kalshi_client(user: str) -> bool:
    """Drop ``user``'s cached Kalshi client in the bot routes' venues (the next use re-reads the
    secret). Venues this process never built are left alone; True when a client was dropped."""
    factory = deps.bot_deps
    cache_info = getattr(factory, "cache_info", None)
    if callable(cache_info) and cache_info().currsize == 0:
        return False
    provider = factory().preflight.venues
    dropped = False
    for candidate in (provider, getattr(provider, "live", None)):
        forget = getattr(candidate, "forget", None)
        if callable(forget):
            dropped = bool(forget(user)) or dropped
    return dropped


@cache
def credentials_deps() -> CredentialsApiDeps:
    """The credential routes' store, live check, bots and audit log (built once per process)."""
    from inplay.audit.store import DynamoAuditLog
    from inplay.credentials import KalshiBalanceCheck, SecretsManagerCredentialStore, kalshi_environment
    from inplay.store.bots import DynamoBotControls

    config = deps.settings()
    return CredentialsApiDeps(
        store=SecretsManagerCredentialStore(config.kalshi_secret_prefix),
        check=KalshiBalanceCheck(
            config.kalshi_base_url,
            timeout_seconds=config.kalshi_timeout_seconds,
            max_attempts=min(2, config.kalshi_max_attempts),
        ),
        bots=DynamoBotControls(config.bots_table),
        audit=DynamoAuditLog(config.audit_table),
        environment=kalshi_environment(config.kalshi_base_url),
        forget_client=forget_cached_kalshi_client,
    )


@router.put(
    "/api/credentials/kalshi",
    summary="Save a Kalshi API key (checked live first)",
    description=(
        "Signs GET /portfolio/balance with the key at the deployment's Kalshi base URL; saves it "
        "only when Kalshi answers. 400: the key is malformed or Kalshi rejected it; 502: Kalshi "
        "could not be asked. Nothing is saved in either case."
    ),
)
def put_kalshi_credentials(request: Annotated[KalshiCredentialsRequest, Body()]) -> SavedCredentials:
    return save_kalshi_credentials(
        credentials_deps(), request, user_id=user_id(router), now=datetime.now(UTC)
    )


@router.get("/api/credentials", summary="Which venue credentials are saved (never the key)")
def get_credentials() -> CredentialsOverview:
    return credentials_overview(credentials_deps(), user_id=user_id(router))


@router.delete(
    "/api/credentials/kalshi",
    summary="Delete the saved Kalshi API key",
    description="409 while a bot is starting, running, paused or stopping; 404 when none is saved.",
)
def delete_kalshi() -> DeletedCredentials:
    return delete_kalshi_credentials(credentials_deps(), user_id=user_id(router), now=datetime.now(UTC))
