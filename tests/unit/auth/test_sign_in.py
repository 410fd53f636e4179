"""``inplay.api.auth.CognitoSignIn``: Cognito's answers → tokens or the API's typed errors."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError

from inplay.api.auth import WRONG_CREDENTIALS, CognitoSignIn, SignInRequest, Tokens
from inplay.api.errors import ApiError

RESULT = {
    "AuthenticationResult": {
        "IdToken": "id.token.value",
        "AccessToken": "access.token.value",
        "RefreshToken": "refresh-token-value",
        "ExpiresIn": 3600,
        "TokenType": "Bearer",
    }
}


class FakeCognito:
    def __init__(self, answer: Any) -> None:
        self.answer = answer
        self.calls: list[dict[str, Any]] = []

    def initiate_auth(self, **kwargs: Any) -> Any:
        self.calls.append(kwargs)
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer


def error(code: str, message: str = "Cognito says something about user alice") -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": message}}, "InitiateAuth")


def service(answer: Any) -> tuple[CognitoSignIn, FakeCognito]:
    fake = FakeCognito(answer)
    return CognitoSignIn("client123", "us-east-1", client=fake), fake


def test_sign_in_uses_the_password_flow_of_the_app_client() -> None:
    sign_in, fake = service(RESULT)
    tokens = sign_in.sign_in("alice", "Correct-Horse-9")
    assert tokens == Tokens("id.token.value", "access.token.value", "refresh-token-value", 3600)
    assert fake.calls == [
        {
            "ClientId": "client123",
            "AuthFlow": "USER_PASSWORD_AUTH",
            "AuthParameters": {"USERNAME": "alice", "PASSWORD": "Correct-Horse-9"},
        }
    ]
    assert tokens.response().model_dump() == {
        "id_token": "id.token.value",
        "access_token": "access.token.value",
        "refresh_token": "refresh-token-value",
        "expires_in": 3600,
        "token_type": "Bearer",
    }


def test_refresh_uses_the_refresh_flow_and_may_answer_no_new_refresh_token() -> None:
    answer = {
        "AuthenticationResult": {
            k: v for k, v in RESULT["AuthenticationResult"].items() if k != "RefreshToken"
        }
    }
    sign_in, fake = service(answer)
    tokens = sign_in.refresh("refresh-token-value")
    assert tokens.refresh_token is None
    assert fake.calls[0]["AuthFlow"] == "REFRESH_TOKEN_AUTH"
    assert fake.calls[0]["AuthParameters"] == {"REFRESH_TOKEN": "refresh-token-value"}


def test_tokens_never_print() -> None:
    tokens = Tokens("id.token.value", "access.token.value", "refresh-token-value", 3600)
    assert "token.value" not in repr(tokens) and "refresh-token-value" not in str(tokens)
    request = SignInRequest(username="alice", password="Correct-Horse-9")  # type: ignore[arg-type]
    assert "Correct-Horse-9" not in repr(request)


@pytest.mark.parametrize(
    ("code", "status", "message"),
    [
        ("NotAuthorizedException", HTTPStatus.UNAUTHORIZED, WRONG_CREDENTIALS),
        ("UserNotFoundException", HTTPStatus.UNAUTHORIZED, WRONG_CREDENTIALS),
        ("TooManyRequestsException", HTTPStatus.TOO_MANY_REQUESTS, "too many sign-in attempts"),
        ("LimitExceededException", HTTPStatus.TOO_MANY_REQUESTS, "too many sign-in attempts"),
        ("PasswordResetRequiredException", HTTPStatus.CONFLICT, "admin-set-user-password"),
        ("UserNotConfirmedException", HTTPStatus.CONFLICT, "admin-confirm-sign-up"),
        ("ResourceNotFoundException", HTTPStatus.SERVICE_UNAVAILABLE, "not configured"),
        ("InvalidParameterException", HTTPStatus.BAD_REQUEST, "malformed"),
        ("InternalErrorException", HTTPStatus.BAD_GATEWAY, "user pool failed"),
    ],
)
def test_cognito_errors_map_to_api_errors(code: str, status: HTTPStatus, message: str) -> None:
    sign_in, _ = service(error(code))
    with pytest.raises(ApiError) as raised:
        sign_in.sign_in("alice", "Correct-Horse-9")
    assert raised.value.status == status
    assert message in raised.value.message
    assert "alice" not in raised.value.message  # Cognito's own text is never passed on
    assert raised.value.__cause__ is None and raised.value.__suppress_context__


def test_a_wrong_refresh_token_asks_to_sign_in_again() -> None:
    sign_in, _ = service(error("NotAuthorizedException", "Refresh Token has been revoked"))
    with pytest.raises(ApiError) as raised:
        sign_in.refresh("stale")
    assert raised.value.status == HTTPStatus.UNAUTHORIZED
    assert "sign in again" in raised.value.message


def test_an_unreachable_pool_is_502() -> None:
    sign_in, _ = service(EndpointConnectionError(endpoint_url="https://cognito-idp.us-east-1.amazonaws.com/"))
    with pytest.raises(ApiError) as raised:
        sign_in.sign_in("alice", "Correct-Horse-9")
    assert raised.value.status == HTTPStatus.BAD_GATEWAY
    assert "EndpointConnectionError" in raised.value.message


@pytest.mark.parametrize(
    ("challenge", "hint"),
    [
        ("NEW_PASSWORD_REQUIRED", "admin-set-user-password"),
        ("SOFTWARE_TOKEN_MFA", "multi-factor"),
        ("MFA_SETUP", "multi-factor"),
        ("CUSTOM_CHALLENGE", "cannot answer"),
    ],
)
def test_a_challenge_is_409_naming_it(challenge: str, hint: str) -> None:
    sign_in, _ = service({"ChallengeName": challenge, "Session": "opaque", "ChallengeParameters": {}})
    with pytest.raises(ApiError) as raised:
        sign_in.sign_in("alice", "Temporary-pass-1")
    assert raised.value.status == HTTPStatus.CONFLICT
    assert challenge in raised.value.message and hint in raised.value.message
    assert raised.value.body()["challenge"] == challenge
    assert "opaque" not in str(raised.value.body())


def test_an_answer_without_tokens_is_502() -> None:
    sign_in, _ = service({"AuthenticationResult": {"ExpiresIn": 3600}})
    with pytest.raises(ApiError) as raised:
        sign_in.sign_in("alice", "Correct-Horse-9")
    assert raised.value.status == HTTPStatus.BAD_GATEWAY
