"""Kalshi signing: the exact signed text, RSA-PSS parameters, key formats, Ed25519, redaction."""

from __future__ import annotations

import base64

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding

from inplay.venues.kalshi.auth import (
    HEADER_KEY,
    HEADER_SIGNATURE,
    HEADER_TIMESTAMP,
    KalshiCredentials,
    KeyLoadError,
    load_private_key,
    sign,
    signing_message,
    verify,
)
from tests.unit.venues.conftest import KEY_ID, pem

# Ed25519 with a fixed seed is deterministic, so these are true known-answer vectors.
SEED = bytes(range(32))
ED25519_BALANCE_SIGNATURE = (
    "hkBtGNHKCfMll7XdniCzUygg/ek7JdCINuVOaGq0bDS3feQIdYVMirJSybX93bQtj8CMmr3q0RiAToeTeMOwBg=="
)
"""Ed25519(seed 00..1f) over ``1703123456789GET/trade-api/v2/portfolio/balance``."""
MESSAGE_VECTORS = [
    (
        1703123456789,
        "GET",
        "/trade-api/v2/portfolio/orders?limit=5",
        b"1703123456789GET/trade-api/v2/portfolio/orders",
    ),
    (
        1767225600000,
        "post",
        "/trade-api/v2/portfolio/events/orders",
        b"1767225600000POST/trade-api/v2/portfolio/events/orders",
    ),
    (
        1767225600123,
        "DELETE",
        "/trade-api/v2/portfolio/events/orders/3b23c1c7-f4ef-4f0d?market_ticker=KXNBAGAME-26MAR25BKNGSW-GSW",
        b"1767225600123DELETE/trade-api/v2/portfolio/events/orders/3b23c1c7-f4ef-4f0d",
    ),
]


@pytest.mark.parametrize(("ts", "method", "path", "expected"), MESSAGE_VECTORS)
def test_signing_message_is_timestamp_method_path_without_query(ts, method, path, expected):
    assert signing_message(ts, method, path) == expected


@pytest.mark.parametrize(
    ("ts", "method", "path"),
    [
        (-1, "GET", "/x"),
        (True, "GET", "/x"),
        (1, "GET", "portfolio/orders"),
        (1, "", "/x"),
        (1, "G ET", "/x"),
    ],
)
def test_signing_message_rejects_bad_parts(ts, method, path):
    with pytest.raises(ValueError):
        signing_message(ts, method, path)


def test_ed25519_known_answer_and_sdk_agreement():
    key = ed25519.Ed25519PrivateKey.from_private_bytes(SEED)
    message = signing_message(1703123456789, "GET", "/trade-api/v2/portfolio/balance")
    ours = sign(key, message)
    assert ours == ED25519_BALANCE_SIGNATURE
    assert len(base64.b64decode(ours)) == 64
    assert verify(key.public_key(), message, ours)
    assert not verify(
        key.public_key(), signing_message(1703123456790, "GET", "/trade-api/v2/portfolio/balance"), ours
    )


def test_rsa_pss_uses_sha256_mgf1_and_32_byte_salt(rsa_key):
    message = signing_message(1767225600000, "GET", "/trade-api/v2/portfolio/balance")
    signature = base64.b64decode(sign(rsa_key, message), validate=True)
    assert len(signature) == 256  # 2048-bit key
    # Verifies with an explicit 32-byte salt (a MAX_LENGTH salt would fail this check).
    rsa_key.public_key().verify(
        signature, message, padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32), hashes.SHA256()
    )
    with pytest.raises(InvalidSignature):
        rsa_key.public_key().verify(
            signature,
            message,
            padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=64),
            hashes.SHA256(),
        )


def test_verify_rejects_tampering_and_garbage(rsa_key):
    message = signing_message(1, "GET", "/trade-api/v2/x")
    good = sign(rsa_key, message)
    assert verify(rsa_key.public_key(), message, good)
    assert not verify(rsa_key.public_key(), signing_message(1, "GET", "/trade-api/v2/y"), good)
    assert not verify(rsa_key.public_key(), message, "not base64!")
    assert not verify(rsa_key.public_key(), message, base64.b64encode(b"x" * 256).decode())


def test_official_sdk_signature_verifies_against_our_message(rsa_key, ed25519_key, monkeypatch):
    sdk_auth = pytest.importorskip("kalshi_python_sync.auth")
    monkeypatch.setattr(sdk_auth.time, "time", lambda: 1767225600.5)
    for key, fmt in (
        (rsa_key, serialization.PrivateFormat.TraditionalOpenSSL),
        (ed25519_key, serialization.PrivateFormat.PKCS8),
    ):
        headers = sdk_auth.KalshiAuth(KEY_ID, pem(key, fmt).decode()).create_auth_headers(
            "GET", "https://external-api.kalshi.com/trade-api/v2/portfolio/orders?limit=5"
        )
        assert headers["KALSHI-ACCESS-TIMESTAMP"] == "1767225600500"
        message = signing_message(1767225600500, "GET", "/trade-api/v2/portfolio/orders?limit=5")
        assert verify(key.public_key(), message, headers["KALSHI-ACCESS-SIGNATURE"])
        ours = KalshiCredentials.from_pem(KEY_ID, pem(key, fmt)).headers(
            1767225600500, "GET", "/trade-api/v2/portfolio/orders"
        )
        assert ours[HEADER_TIMESTAMP] == headers["KALSHI-ACCESS-TIMESTAMP"]
        if key is ed25519_key:  # deterministic: byte-identical to the official SDK
            assert ours[HEADER_SIGNATURE] == headers["KALSHI-ACCESS-SIGNATURE"]


@pytest.mark.parametrize(
    ("fmt", "marker"),
    [
        (serialization.PrivateFormat.TraditionalOpenSSL, b"-----BEGIN RSA PRIVATE KEY-----"),
        (serialization.PrivateFormat.PKCS8, b"-----BEGIN PRIVATE KEY-----"),
    ],
)
def test_rsa_keys_load_from_pkcs1_and_pkcs8(rsa_key, fmt, marker):
    data = pem(rsa_key, fmt)
    assert data.startswith(marker)
    loaded = load_private_key(data)
    message = signing_message(5, "GET", "/trade-api/v2/portfolio/balance")
    assert verify(rsa_key.public_key(), message, sign(loaded, message))
    assert load_private_key(data.decode()).private_numbers() == rsa_key.private_numbers()


def test_ed25519_key_loads_from_pkcs8(ed25519_key):
    data = pem(ed25519_key, serialization.PrivateFormat.PKCS8)
    loaded = load_private_key(data)
    assert isinstance(loaded, ed25519.Ed25519PrivateKey)
    assert KalshiCredentials(KEY_ID, loaded).key_type == "ed25519"


def test_encrypted_key_is_refused_without_leaking(rsa_key):
    data = rsa_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"secret-pass"),
    )
    with pytest.raises(KeyLoadError, match="encrypted"):
        load_private_key(data)


def test_unsupported_and_malformed_keys_are_refused():
    ec_key = ec.generate_private_key(ec.SECP256R1())
    with pytest.raises(KeyLoadError, match="unsupported key type"):
        load_private_key(pem(ec_key, serialization.PrivateFormat.PKCS8))
    with pytest.raises(KeyLoadError, match="not a PEM"):
        load_private_key(b"hello")
    garbage = b"-----BEGIN PRIVATE KEY-----\nAAAAB3NzaC1yc2EAAAADAQABAAABAQ\n-----END PRIVATE KEY-----\n"
    with pytest.raises(KeyLoadError, match="could not be"):
        load_private_key(garbage)


def test_credentials_from_file_and_errors(tmp_path, rsa_key):
    path = tmp_path / "kalshi.pem"
    path.write_bytes(pem(rsa_key, serialization.PrivateFormat.TraditionalOpenSSL))
    credentials = KalshiCredentials.from_file(KEY_ID, path)
    assert credentials.key_type == "rsa"
    with pytest.raises(KeyLoadError, match="cannot read private key file"):
        KalshiCredentials.from_file(KEY_ID, tmp_path / "missing.pem")
    (tmp_path / "bad.pem").write_text("nope")
    with pytest.raises(KeyLoadError, match=r"bad\.pem: not a PEM"):
        KalshiCredentials.from_file(KEY_ID, tmp_path / "bad.pem")
    with pytest.raises(KeyLoadError, match="key id"):
        KalshiCredentials.from_file("  ", path)


def test_repr_redacts_key_material(rsa_key):
    data = pem(rsa_key, serialization.PrivateFormat.PKCS8).decode()
    credentials = KalshiCredentials.from_pem(KEY_ID, data)
    body_line = data.splitlines()[1]
    for text in (repr(credentials), str(credentials), f"{credentials}", repr([credentials])):
        assert "redacted" in text
        assert KEY_ID in text
        assert body_line not in text
        assert str(rsa_key.private_numbers().d) not in text


def test_headers_carry_key_timestamp_and_valid_signature(credentials, rsa_key):
    headers = credentials.headers(
        1767225600000, "delete", "/trade-api/v2/portfolio/events/orders?subaccount=0"
    )
    assert headers[HEADER_KEY] == KEY_ID
    assert headers[HEADER_TIMESTAMP] == "1767225600000"
    message = b"1767225600000DELETE/trade-api/v2/portfolio/events/orders"
    assert verify(rsa_key.public_key(), message, headers[HEADER_SIGNATURE])
