"""``inplay.auth.tokens``: what makes a Cognito ID token acceptable, with keys generated here."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from joserfc import jwt
from joserfc.jwk import KeySet, OctKey, RSAKey

from inplay.auth import AuthError, HttpJwks, Principal, StaticJwks, TokenVerifier, bearer_token
from inplay.auth.tokens import MAX_TOKEN_CHARS
from inplay.risk.records import SYSTEM_USER

NOW = 1_800_000_000
POOL = "us-east-1_TestPool1"
ISSUER = f"https://cognito-idp.us-east-1.amazonaws.com/{POOL}"
CLIENT = "dashboardclient1"


@pytest.fixture(scope="module")
def key() -> RSAKey:
    return RSAKey.generate_key(2048, parameters={"kid": "k1"}, private=True)


@pytest.fixture(scope="module")
def other_key() -> RSAKey:
    return RSAKey.generate_key(2048, parameters={"kid": "k2"}, private=True)


def document(*keys: RSAKey) -> dict[str, Any]:
    return KeySet(list(keys)).as_dict(private=False)


def claims(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "iss": ISSUER,
        "aud": CLIENT,
        "sub": "alice",
        "token_use": "id",
        "cognito:username": "alice",
        "iat": NOW - 10,
        "auth_time": NOW - 10,
        "exp": NOW + 3590,
    }
    base.update(changes)
    return {name: value for name, value in base.items() if value is not None}


def sign(key: RSAKey, **changes: Any) -> str:
    return jwt.encode({"alg": "RS256", "kid": key.kid}, claims(**changes), key)


def verifier(source: Any, *, now: float = NOW) -> TokenVerifier:
    return TokenVerifier(source, issuer=ISSUER, client_id=CLIENT, clock=lambda: now)


class CountingJwks:
    """A JWKS source that records every ``refresh`` it was asked for; after the first refresh it
    serves ``rotated`` (the pool's new keys) if given."""

    def __init__(self, initial: dict[str, Any], rotated: dict[str, Any] | None = None) -> None:
        self.calls: list[bool] = []
        self._initial = KeySet.import_key_set(initial)  # type: ignore[arg-type]
        self._rotated = None if rotated is None else KeySet.import_key_set(rotated)  # type: ignore[arg-type]

    def key_set(self, *, refresh: bool = False) -> KeySet:
        self.calls.append(refresh)
        if any(self.calls) and self._rotated is not None:
            return self._rotated
        return self._initial


# --------------------------------------------------------------------------- TokenVerifier


def test_a_valid_id_token_names_its_user(key: RSAKey) -> None:
    principal = verifier(StaticJwks(document(key))).verify(sign(key))
    assert principal == Principal(user_id="alice", username="alice")


def test_the_username_is_optional(key: RSAKey) -> None:
    token = sign(key, **{"cognito:username": None})
    assert verifier(StaticJwks(document(key))).verify(token) == Principal("alice", None)


def test_an_expired_token_is_refused_after_the_leeway(key: RSAKey) -> None:
    token = sign(key, iat=NOW - 7200, exp=NOW - 61)
    with pytest.raises(AuthError, match="expired; sign in again"):
        verifier(StaticJwks(document(key))).verify(token)
    # Within a minute's clock skew it is still good.
    assert (
        verifier(StaticJwks(document(key))).verify(sign(key, iat=NOW - 3600, exp=NOW - 30)).user_id == "alice"
    )


def test_a_token_issued_in_the_future_is_refused(key: RSAKey) -> None:
    with pytest.raises(AuthError, match=r"issued in the future"):
        verifier(StaticJwks(document(key))).verify(sign(key, iat=NOW + 600, exp=NOW + 4200))


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"iss": "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_OtherPool"}, "another user pool"),
        ({"aud": "someotherclient"}, "another app client"),
        ({"iss": None}, "another user pool"),
        ({"aud": None}, "another app client"),
        ({"exp": None}, "no expiry"),
        ({"sub": None}, "no user"),
    ],
)
def test_wrong_or_missing_claims_are_refused(key: RSAKey, changes: dict[str, Any], message: str) -> None:
    with pytest.raises(AuthError, match=message):
        verifier(StaticJwks(document(key))).verify(sign(key, **changes))


def test_an_access_token_is_refused(key: RSAKey) -> None:
    token = sign(key, token_use="access", aud=None, client_id=CLIENT)
    with pytest.raises(AuthError, match="ID token is required"):
        verifier(StaticJwks(document(key))).verify(token)


@pytest.mark.parametrize("user", [SYSTEM_USER, "has space", "x" * 300, ""])
def test_a_token_naming_no_valid_user_is_refused(key: RSAKey, user: str) -> None:
    with pytest.raises(AuthError, match=r"no valid user|no user|claims are invalid"):
        verifier(StaticJwks(document(key))).verify(sign(key, sub=user))


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def test_a_tampered_token_is_refused(key: RSAKey) -> None:
    header, _, signature = sign(key).split(".")
    forged = ".".join((header, _b64(claims(sub="bob")), signature))
    with pytest.raises(AuthError, match="signature is invalid"):
        verifier(StaticJwks(document(key))).verify(forged)


def test_a_token_signed_by_another_key_with_the_same_kid_is_refused(key: RSAKey) -> None:
    impostor = RSAKey.generate_key(2048, parameters={"kid": key.kid}, private=True)
    with pytest.raises(AuthError, match="signature is invalid"):
        verifier(StaticJwks(document(key))).verify(sign(impostor))


def test_only_rs256_is_accepted(key: RSAKey) -> None:
    secret = OctKey.generate_key(256, parameters={"kid": "k1"})
    hs256 = jwt.encode({"alg": "HS256", "kid": "k1"}, claims(), secret)
    with pytest.raises(AuthError):
        verifier(StaticJwks(document(key))).verify(hs256)
    unsigned = ".".join((_b64({"alg": "none", "kid": "k1"}), _b64(claims()), ""))
    with pytest.raises(AuthError):
        verifier(StaticJwks(document(key))).verify(unsigned)


@pytest.mark.parametrize(
    "token", ["", "abc", "a.b", "a.b.c.d", "x" * (MAX_TOKEN_CHARS + 1), "a.b.c", "%%%.%%%.%%%"]
)
def test_what_is_not_a_jwt_is_refused(key: RSAKey, token: str) -> None:
    with pytest.raises(AuthError):
        verifier(StaticJwks(document(key))).verify(token)


def test_an_unknown_kid_refreshes_the_keys_once_then_refuses(key: RSAKey, other_key: RSAKey) -> None:
    source = CountingJwks(document(key))
    with pytest.raises(AuthError, match="not signed by this user pool"):
        verifier(source).verify(sign(other_key))
    assert source.calls == [False, True]


def test_a_rotated_key_is_found_by_the_refresh(key: RSAKey, other_key: RSAKey) -> None:
    source = CountingJwks(document(key), rotated=document(key, other_key))
    assert verifier(source).verify(sign(other_key)).user_id == "alice"
    assert source.calls == [False, True]


def test_a_known_kid_never_refreshes(key: RSAKey) -> None:
    source = CountingJwks(document(key))
    for _ in range(3):
        verifier(source).verify(sign(key))
    with pytest.raises(AuthError):
        verifier(source).verify(sign(key, aud="other"))
    assert source.calls == [False] * 4


def test_the_verifier_needs_an_issuer_and_a_client(key: RSAKey) -> None:
    with pytest.raises(ValueError, match="required"):
        TokenVerifier(StaticJwks(document(key)), issuer="", client_id=CLIENT)
    with pytest.raises(ValueError, match="required"):
        TokenVerifier(StaticJwks(document(key)), issuer=ISSUER, client_id="")


# --------------------------------------------------------------------------- HttpJwks


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def jwks_client(
    responses: list[Callable[[], httpx.Response]],
) -> tuple[httpx.Client, list[httpx.Request]]:
    """An httpx client whose transport answers with the next of ``responses`` (no network)."""
    seen: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return responses[min(len(seen), len(responses)) - 1]()

    return httpx.Client(transport=httpx.MockTransport(handle)), seen


def test_http_jwks_fetches_once_and_keeps_the_keys(key: RSAKey) -> None:
    client, seen = jwks_client([lambda: httpx.Response(200, json=document(key))])
    jwks = HttpJwks("https://example.test/jwks.json", client=client, monotonic=Clock())
    for _ in range(3):
        jwks.key_set()
    assert len(seen) == 1
    assert str(seen[0].url) == "https://example.test/jwks.json"
    assert verifier(jwks).verify(sign(key)).user_id == "alice"
    assert len(seen) == 1


def test_http_jwks_refreshes_at_most_once_per_interval(key: RSAKey, other_key: RSAKey) -> None:
    clock = Clock()
    client, seen = jwks_client([lambda: httpx.Response(200, json=document(key))])
    jwks = HttpJwks("https://example.test/jwks.json", client=client, monotonic=clock, min_refresh_seconds=60)
    jwks.key_set()
    # Forged kids cannot hammer the endpoint: refreshes within the interval reuse the keys.
    for _ in range(5):
        with pytest.raises(AuthError, match="not signed by this user pool"):
            verifier(jwks).verify(sign(other_key))
    assert len(seen) == 1
    clock.now += 60
    jwks.key_set(refresh=True)
    assert len(seen) == 2
    jwks.key_set(refresh=True)
    assert len(seen) == 2


def test_http_jwks_picks_up_a_rotation_after_the_interval(key: RSAKey, other_key: RSAKey) -> None:
    clock = Clock()
    client, seen = jwks_client(
        [
            lambda: httpx.Response(200, json=document(key)),
            lambda: httpx.Response(200, json=document(key, other_key)),
        ]
    )
    jwks = HttpJwks("https://example.test/jwks.json", client=client, monotonic=clock)
    assert verifier(jwks).verify(sign(key)).user_id == "alice"
    clock.now += 61
    assert verifier(jwks).verify(sign(other_key)).user_id == "alice"
    assert len(seen) == 2


@pytest.mark.parametrize(
    "response",
    [
        lambda: httpx.Response(500, text="boom"),
        lambda: httpx.Response(200, text="not json"),
        lambda: httpx.Response(200, json={"keys": [{"kty": "nope"}]}),
    ],
    ids=["server-error", "not-json", "bad-key"],
)
def test_http_jwks_failures_refuse_the_request(key: RSAKey, response: Callable[[], httpx.Response]) -> None:
    client, _ = jwks_client([response])
    jwks = HttpJwks("https://example.test/jwks.json", client=client, monotonic=Clock())
    with pytest.raises(AuthError, match="cannot load the sign-in keys"):
        verifier(jwks).verify(sign(key))


def test_http_jwks_network_failure_refuses_the_request(key: RSAKey) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    jwks = HttpJwks(
        "https://example.test/jwks.json",
        client=httpx.Client(transport=httpx.MockTransport(refuse)),
        monotonic=Clock(),
    )
    with pytest.raises(AuthError, match=r"cannot load the sign-in keys \(ConnectError\)"):
        verifier(jwks).verify(sign(key))


# --------------------------------------------------------------------------- bearer_token


@pytest.mark.parametrize(
    "headers",
    [
        {"Authorization": "Bearer abc.def.ghi"},
        {"authorization": "bearer abc.def.ghi"},
        {"AUTHORIZATION": "  Bearer   abc.def.ghi  "},
        {"Content-Type": "application/json", "Authorization": "BEARER abc.def.ghi"},
    ],
)
def test_bearer_token_reads_the_authorization_header(headers: dict[str, str]) -> None:
    assert bearer_token(headers) == "abc.def.ghi"


@pytest.mark.parametrize("headers", [None, {}, {"X-Inplay-Local-User": "alice"}])
def test_no_authorization_header_says_how_to_sign_in(headers: dict[str, str] | None) -> None:
    with pytest.raises(AuthError, match=r"sign in first.*POST /api/auth/sign-in"):
        bearer_token(headers)


def test_a_bare_token_is_accepted_as_api_gateways_authorizer_does() -> None:
    assert bearer_token({"Authorization": "abc.def.ghi"}) == "abc.def.ghi"


@pytest.mark.parametrize(
    "value", ["Basic YWxpY2U6cHc=", "Bearer", "Bearer ", "Bearer a b", "abc.def", "a b.c.d", ""]
)
def test_a_malformed_authorization_header_is_refused_without_echoing_it(value: str) -> None:
    with pytest.raises(AuthError, match="must be 'Bearer <ID token>'") as raised:
        bearer_token({"Authorization": value})
    secret = value.removeprefix("Bearer").removeprefix("Basic").strip()
    if secret:
        assert secret not in str(raised.value)
