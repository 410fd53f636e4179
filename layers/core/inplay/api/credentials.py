"""``PUT /api/credentials/kalshi``, ``GET /api/credentials``, ``DELETE /api/credentials/kalshi``.

A key is saved only after Kalshi accepted it (a signed balance read at the deployment's base
URL): a rejection is 400 and a failed check 502, and nothing is stored in either case. No answer,
audit record, log line or error message carries the private key or the full key id; the key id
is shown as its last four characters.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated, Any, Final, Literal, Protocol

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, SecretStr, StringConstraints

from inplay.api.errors import BadRequest, Conflict, NotFound, ServiceUnavailable, UpstreamFailed
from inplay.audit.chain import AuditKind
from inplay.audit.store import AuditLog
from inplay.bots.lifecycle import BotRecord, BotState
from inplay.credentials.kalshi import (
    KEY_ID_PATTERN,
    MAX_PEM_CHARS,
    MIN_PEM_CHARS,
    CheckUnavailableError,
    CredentialsRejectedError,
    CredentialsShapeError,
    KalshiCheck,
    KalshiEnvironment,
    key_id_hint,
    normalize_pem,
    parse_credentials,
)
from inplay.credentials.store import CredentialStore, CredentialStoreError, StoredCredentials
from inplay.money import Dollars

__all__ = [
    "BUSY_STATES",
    "CredentialsApiDeps",
    "CredentialsOverview",
    "DeletedCredentials",
    "KalshiCredentialsRequest",
    "SavedCredentials",
    "VenueCredentialStatus",
    "credentials_overview",
    "delete_kalshi_credentials",
    "save_kalshi_credentials",
]

log = logging.getLogger(__name__)

VENUE: Final = "kalshi"
BUSY_STATES: Final = frozenset({BotState.STARTING, BotState.RUNNING, BotState.PAUSED, BotState.STOPPING})
"""A bot in one of these may be using the key: deleting it is refused."""


def _check_key_id(value: str) -> str:
    if re.fullmatch(KEY_ID_PATTERN, value) is None:
        raise ValueError("must be the API key id Kalshi shows next to the key (a UUID)")
    return value


def _check_pem_size(value: SecretStr) -> SecretStr:
    size = len(value.get_secret_value())
    if not MIN_PEM_CHARS <= size <= MAX_PEM_CHARS:
        raise ValueError(
            f"must be a PEM private key of {MIN_PEM_CHARS} to {MAX_PEM_CHARS} characters (got {size})"
        )
    return value


class KalshiCredentialsRequest(BaseModel):
    """A Kalshi API key: its id and the private key PEM Kalshi gave out (or the one you uploaded)."""

    model_config = ConfigDict(extra="forbid", hide_input_in_errors=True, frozen=True)

    key_id: Annotated[
        str,
        StringConstraints(strip_whitespace=True, max_length=64),
        AfterValidator(_check_key_id),
        Field(
            repr=False,
            description="The API key id (a UUID) shown by Kalshi next to the key.",
            examples=["00000000-0000-4000-8000-000000000000"],
            json_schema_extra={"pattern": KEY_ID_PATTERN},
        ),
    ]
    private_key_pem: Annotated[
        SecretStr,
        AfterValidator(_check_pem_size),
        Field(
            repr=False,
            description=(
                "The unencrypted private key, PEM: RSA (PKCS#1 '-----BEGIN RSA PRIVATE KEY-----' or "
                "PKCS#8 '-----BEGIN PRIVATE KEY-----', at least 2048 bits) or Ed25519 (PKCS#8). "
                "Newlines as \\n in JSON. Never returned by any route."
            ),
            json_schema_extra={"minLength": MIN_PEM_CHARS, "maxLength": MAX_PEM_CHARS},
        ),
    ]


class SavedCredentials(BaseModel):
    """The key is saved: Kalshi answered a signed balance read with it."""

    venue: Literal["kalshi"] = VENUE
    configured: Literal[True] = True
    key_id_hint: str = Field(description="The last four characters of the key id, e.g. '…608c'.")
    key_type: Literal["rsa", "ed25519"]
    environment: KalshiEnvironment = Field(description="Which Kalshi the key was checked against.")
    validated_at: datetime
    balance: Dollars = Field(description="Available balance Kalshi reported, in dollars.")
    replaced: bool = Field(description="True when a previously saved key was replaced.")


class VenueCredentialStatus(BaseModel):
    venue: Literal["kalshi"] = VENUE
    configured: bool
    key_id_hint: str | None = None
    updated_at: datetime | None = Field(default=None, description="When the saved key was written.")
    problem: str | None = Field(default=None, description="Why a saved key cannot be used, if it cannot.")


class CredentialsOverview(BaseModel):
    """Which venues have credentials saved; never the key or the full key id."""

    venues: list[VenueCredentialStatus]


class DeletedCredentials(BaseModel):
    venue: Literal["kalshi"] = VENUE
    configured: Literal[False] = False
    deleted_at: datetime
    recoverable_until: datetime | None = Field(
        default=None, description="Until then an operator can restore the secret in Secrets Manager."
    )


class BotLister(Protocol):
    def bots(self, user_id: str) -> list[BotRecord]:
        """Every bot of the user (consistent read)."""
        ...


def _ignore(_: str) -> None:
    return None


@dataclass(frozen=True, slots=True)
class CredentialsApiDeps:
    store: CredentialStore
    check: KalshiCheck
    bots: BotLister
    audit: AuditLog
    environment: KalshiEnvironment
    forget_client: Callable[[str], object] = field(default=_ignore)
    """Drops this process's cached Kalshi client of a user whose key changed."""


def _invalid(error: CredentialsShapeError) -> BadRequest:
    return BadRequest("invalid request", errors=[f"{error.field}: {error.message}"])


def _audit(
    deps: CredentialsApiDeps, user_id: str, kind: AuditKind, payload: dict[str, Any], at: datetime
) -> None:
    try:
        deps.audit.append(user_id, kind, payload, at=at)
    except Exception as exc:  # the change stands; the payload holds no key material, but keep it out
        log.error("credentials audit %s failed for %s (%s)", kind.value, user_id, type(exc).__name__)


def _forget(deps: CredentialsApiDeps, user_id: str) -> None:
    try:
        deps.forget_client(user_id)
    except Exception as exc:  # the cached client ages out within minutes anyway
        log.warning("could not drop the cached Kalshi client of %s (%s)", user_id, type(exc).__name__)


def save_kalshi_credentials(
    deps: CredentialsApiDeps, request: KalshiCredentialsRequest, *, user_id: str, now: datetime
) -> SavedCredentials:
    """Check the key live against Kalshi, then store it, audit it and drop the cached client."""
    pem = normalize_pem(request.private_key_pem.get_secret_value())
    try:
        credentials = parse_credentials(request.key_id, pem)
    except CredentialsShapeError as exc:
        raise _invalid(exc) from None
    hint = key_id_hint(request.key_id)
    where = deps.environment
    try:
        balance = deps.check.check(credentials)
    except CredentialsRejectedError as exc:
        raise BadRequest(
            "Kalshi rejected these credentials; nothing was saved",
            errors=[exc.reason],
            environment=where,
            kalshi_status=exc.status,
        ) from None
    except CheckUnavailableError as exc:
        raise UpstreamFailed(
            f"could not check these credentials with Kalshi ({where}): {exc.reason}; nothing was saved, "
            "try again",
            environment=where,
        ) from None
    try:
        replaced = deps.store.save(user_id, request.key_id, pem)
    except CredentialStoreError as exc:
        raise ServiceUnavailable(f"the credentials could not be stored ({exc}); try again") from None
    _forget(deps, user_id)
    _audit(
        deps,
        user_id,
        AuditKind.CREDENTIALS_SAVED,
        {
            "venue": VENUE,
            "key_id_hint": hint,
            "key_type": credentials.key_type,
            "environment": where,
            "replaced": replaced,
            "balance": balance.available,
        },
        now,
    )
    log.info("kalshi credentials saved for %s (key %s, %s)", user_id, hint, where)
    return SavedCredentials(
        key_id_hint=hint,
        key_type="ed25519" if credentials.key_type == "ed25519" else "rsa",
        environment=where,
        validated_at=now,
        balance=balance.available,
        replaced=replaced,
    )


def _status(stored: StoredCredentials | None) -> VenueCredentialStatus:
    if stored is None:
        return VenueCredentialStatus(configured=False)
    problem = None
    if not stored.usable:
        problem = "the saved secret does not hold a key id and a private key; save the key again"
    return VenueCredentialStatus(
        configured=True,
        key_id_hint=key_id_hint(stored.key_id) if stored.key_id else None,
        updated_at=stored.updated_at,
        problem=problem,
    )


def credentials_overview(deps: CredentialsApiDeps, *, user_id: str) -> CredentialsOverview:
    try:
        stored = deps.store.load(user_id)
    except CredentialStoreError as exc:
        raise ServiceUnavailable(f"the credential store could not be read ({exc}); try again") from None
    return CredentialsOverview(venues=[_status(stored)])


def _busy(bots: Iterable[BotRecord]) -> list[dict[str, str]]:
    return [{"bot_id": b.bot_id, "state": b.state.value} for b in bots if b.state in BUSY_STATES]


def delete_kalshi_credentials(deps: CredentialsApiDeps, *, user_id: str, now: datetime) -> DeletedCredentials:
    """Schedule the key's deletion (recoverable for a while), unless a bot may be using it."""
    busy = _busy(deps.bots.bots(user_id))
    if busy:
        raise Conflict(
            "stop your bots before deleting the Kalshi credentials (a bot is starting, running, "
            "paused or stopping)",
            bots=busy,
        )
    try:
        stored = deps.store.load(user_id)
        recoverable_until = deps.store.delete(user_id)
    except CredentialStoreError as exc:
        raise ServiceUnavailable(f"the credentials could not be deleted ({exc}); try again") from None
    if stored is None and recoverable_until is None:
        raise NotFound("no Kalshi credentials are saved")
    _forget(deps, user_id)
    hint = key_id_hint(stored.key_id) if stored is not None and stored.key_id else None
    _audit(
        deps,
        user_id,
        AuditKind.CREDENTIALS_DELETED,
        {"venue": VENUE, "key_id_hint": hint, "recoverable_until": recoverable_until},
        now,
    )
    log.info("kalshi credentials deleted for %s (key %s)", user_id, hint)
    return DeletedCredentials(deleted_at=now, recoverable_until=recoverable_until)
