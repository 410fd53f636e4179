"""Signing in: username + password (or a refresh token) → Cognito tokens for ``Authorization: Bearer``.

The API itself never sees a password again after this call: every other route takes the ID token.
Cognito's answers are mapped to the API's typed errors here, with one message for a wrong password
and an unknown user (no user enumeration). Nothing here logs a password or a token.
"""

from __future__ import annotations

from dataclasses import dataclass
from http import HTTPStatus
from typing import Annotated, Any, Final, Literal, Protocol

from botocore.exceptions import BotoCoreError, ClientError
from pydantic import BaseModel, ConfigDict, Field, SecretStr

from inplay.api.errors import (
    ApiError,
    BadRequest,
    Conflict,
    ServiceUnavailable,
    Unauthorized,
    UpstreamFailed,
)

__all__ = [
    "MAX_PASSWORD_CHARS",
    "MAX_REFRESH_TOKEN_CHARS",
    "MAX_USERNAME_CHARS",
    "USERNAME_PATTERN",
    "WRONG_CREDENTIALS",
    "CognitoClient",
    "CognitoSignIn",
    "RefreshRequest",
    "SignIn",
    "SignInRequest",
    "TokenResponse",
    "Tokens",
    "TooManyRequests",
]

MAX_USERNAME_CHARS: Final = 128
"""Cognito's limit on a username."""
MAX_PASSWORD_CHARS: Final = 256
"""Cognito's limit on a password."""
MAX_REFRESH_TOKEN_CHARS: Final = 8192
WRONG_CREDENTIALS: Final = "wrong username or password"
"""The one answer for an unknown user and a wrong password alike."""
_THROTTLED: Final = frozenset({"TooManyRequestsException", "LimitExceededException"})
_WRONG: Final = frozenset({"NotAuthorizedException", "UserNotFoundException"})
USERNAME_PATTERN: Final = r"^[^\s\x00-\x1f\x7f]+$"
"""No spaces or control characters (Cognito's own rule, letters/marks/symbols/numbers/punctuation,
uses Unicode classes that JSON Schema regexes and test generators do not all support)."""
_CHALLENGE_HINTS: Final = {
    "NEW_PASSWORD_REQUIRED": (
        "the user still has its temporary password: set a permanent one with `aws cognito-idp "
        "admin-set-user-password --user-pool-id <UserPoolId> --username <name> --password <new> "
        "--permanent` (the stack's UserPoolId output), then sign in again"
    ),
    "MFA_SETUP": "multi-factor setup is not supported by this sign-in: turn MFA off for the pool or user",
    "SOFTWARE_TOKEN_MFA": "multi-factor sign-in is not supported by this API: turn MFA off for the user",
    "SMS_MFA": "multi-factor sign-in is not supported by this API: turn MFA off for the user",
}


class TooManyRequests(ApiError):
    """Cognito throttled the sign-in (or the account is temporarily locked after failed tries)."""

    status = HTTPStatus.TOO_MANY_REQUESTS


class SignInRequest(BaseModel):
    """Body of ``POST /api/auth/sign-in``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    username: Annotated[str, Field(min_length=1, max_length=MAX_USERNAME_CHARS, pattern=USERNAME_PATTERN)]
    password: Annotated[SecretStr, Field(min_length=1, max_length=MAX_PASSWORD_CHARS)]
    """Kept as a ``SecretStr``: it prints as ``**********`` in any repr or log line."""


class RefreshRequest(BaseModel):
    """Body of ``POST /api/auth/refresh``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    refresh_token: Annotated[SecretStr, Field(min_length=1, max_length=MAX_REFRESH_TOKEN_CHARS)]


class TokenResponse(BaseModel):
    """What sign-in and refresh answer. Send ``id_token`` as ``Authorization: Bearer <id_token>``."""

    id_token: str
    access_token: str
    """For Cognito's own user APIs (e.g. changing the password); this API refuses it."""
    refresh_token: str | None
    """Present on sign-in; a refresh keeps using the one it was given (``null``)."""
    expires_in: int
    """Seconds until ``id_token`` expires; refresh (or sign in) before then."""
    token_type: Literal["Bearer"] = "Bearer"


@dataclass(frozen=True, slots=True)
class Tokens:
    id_token: str
    access_token: str
    refresh_token: str | None
    expires_in: int

    def __repr__(self) -> str:  # never print a token by accident
        return f"Tokens(expires_in={self.expires_in}, refresh={self.refresh_token is not None})"

    def response(self) -> TokenResponse:
        return TokenResponse(
            id_token=self.id_token,
            access_token=self.access_token,
            refresh_token=self.refresh_token,
            expires_in=self.expires_in,
        )


class SignIn(Protocol):
    def sign_in(self, username: str, password: str) -> Tokens:
        """Tokens for a username and password; typed API errors for anything else."""
        ...

    def refresh(self, refresh_token: str) -> Tokens:
        """A new ID (and access) token for a refresh token."""
        ...


class CognitoClient(Protocol):
    """The one call of boto3's ``cognito-idp`` client used here."""

    def initiate_auth(self, **kwargs: Any) -> Any: ...


class CognitoSignIn:
    """:class:`SignIn` against a Cognito app client without a secret (``USER_PASSWORD_AUTH`` and
    ``REFRESH_TOKEN_AUTH``). ``InitiateAuth`` needs no IAM permission."""

    def __init__(self, client_id: str, region: str, *, client: CognitoClient | None = None) -> None:
        if client is None:
            import boto3

            client = boto3.client("cognito-idp", region_name=region)
        self._client = client
        self._client_id = client_id

    def sign_in(self, username: str, password: str) -> Tokens:
        return self._initiate(
            "USER_PASSWORD_AUTH",
            {"USERNAME": username, "PASSWORD": password},
            wrong=WRONG_CREDENTIALS,
        )

    def refresh(self, refresh_token: str) -> Tokens:
        return self._initiate(
            "REFRESH_TOKEN_AUTH",
            {"REFRESH_TOKEN": refresh_token},
            wrong="the refresh token is invalid, expired or revoked; sign in again",
        )

    def _initiate(
        self,
        flow: Literal["USER_PASSWORD_AUTH", "REFRESH_TOKEN_AUTH"],
        parameters: dict[str, str],
        *,
        wrong: str,
    ) -> Tokens:
        try:
            answer = self._client.initiate_auth(
                ClientId=self._client_id, AuthFlow=flow, AuthParameters=parameters
            )
        except ClientError as exc:
            raise _mapped(exc, wrong) from None
        except BotoCoreError as exc:
            raise UpstreamFailed(f"the user pool did not answer ({type(exc).__name__}); try again") from None
        return _tokens(answer)


def _tokens(answer: Any) -> Tokens:
    challenge = answer.get("ChallengeName")
    if challenge:
        hint = _CHALLENGE_HINTS.get(str(challenge), "this API cannot answer that challenge")
        raise Conflict(f"sign-in needs the {challenge} challenge: {hint}", challenge=str(challenge))
    result = answer.get("AuthenticationResult") or {}
    id_token, access_token = result.get("IdToken"), result.get("AccessToken")
    if not isinstance(id_token, str) or not isinstance(access_token, str):
        raise UpstreamFailed("the user pool answered without tokens")
    refresh = result.get("RefreshToken")
    return Tokens(
        id_token=id_token,
        access_token=access_token,
        refresh_token=refresh if isinstance(refresh, str) else None,
        expires_in=int(result.get("ExpiresIn") or 3600),
    )


def _mapped(exc: ClientError, wrong: str) -> ApiError:
    """Cognito's error → the API's. The message is ours: Cognito's may name the user."""
    code = str(exc.response.get("Error", {}).get("Code", ""))
    if code in _WRONG:
        return Unauthorized(wrong)
    if code in _THROTTLED:
        return TooManyRequests("too many sign-in attempts; wait a minute and try again")
    if code == "PasswordResetRequiredException":
        return Conflict(
            "the user must reset its password: an administrator sets a new one with `aws cognito-idp "
            "admin-set-user-password ... --permanent`",
            challenge="PASSWORD_RESET_REQUIRED",
        )
    if code == "UserNotConfirmedException":
        return Conflict(
            "the user is not confirmed: an administrator confirms it with `aws cognito-idp "
            "admin-confirm-sign-up`",
            challenge="USER_NOT_CONFIRMED",
        )
    if code == "InvalidParameterException":
        return BadRequest(
            "the user pool refused the sign-in request as malformed (InvalidParameterException)"
        )
    if code == "ResourceNotFoundException":
        return ServiceUnavailable("sign-in is not configured correctly: the app client does not exist")
    return UpstreamFailed(f"the user pool failed ({code or 'unknown error'}); try again")
