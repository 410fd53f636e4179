"""Kalshi request signatures: registered public keys, verification, and key/sign helpers.

Pre-sign text: ``timestamp_ms + METHOD + path`` (UTF-8, no separators), where ``path`` is the
request path as sent, including ``/trade-api/v2`` and excluding the query string. RSA keys sign
with RSA-PSS / SHA-256 / MGF1(SHA-256) / salt = digest length; Ed25519 keys sign the same text.
Headers: ``KALSHI-ACCESS-KEY``, ``KALSHI-ACCESS-SIGNATURE`` (standard base64),
``KALSHI-ACCESS-TIMESTAMP`` (Unix ms).
"""

from __future__ import annotations

import base64
import binascii
import functools
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final, Literal

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, padding, rsa

from .errors import SimError

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = [
    "ACCESS_KEY",
    "ACCESS_SIGNATURE",
    "ACCESS_TIMESTAMP",
    "ApiKey",
    "KeyRegistry",
    "generate_private_key_pem",
    "public_key_pem",
    "sign_headers",
]

ACCESS_KEY: Final = "KALSHI-ACCESS-KEY"
ACCESS_SIGNATURE: Final = "KALSHI-ACCESS-SIGNATURE"
ACCESS_TIMESTAMP: Final = "KALSHI-ACCESS-TIMESTAMP"
DEFAULT_MAX_SKEW_MS: Final = 30_000
"""Accepted distance between the request timestamp and the server clock (Kalshi: UNCONFIRMED)."""

KeyType = Literal["rsa", "ed25519"]
PublicKey = rsa.RSAPublicKey | ed25519.Ed25519PublicKey
_PSS: Final = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=padding.PSS.DIGEST_LENGTH)


@dataclass(frozen=True, slots=True)
class ApiKey:
    key_id: str
    user_id: str
    key_type: KeyType
    public_key: PublicKey
    created_ms: int
    name: str = ""


def _load_public(pem: str | bytes) -> tuple[PublicKey, KeyType]:
    data = pem.encode() if isinstance(pem, str) else pem
    try:
        key = serialization.load_pem_public_key(data)
    except ValueError as exc:
        raise SimError.bad_request("public_key is not a PEM public key", str(exc)) from exc
    if isinstance(key, rsa.RSAPublicKey):
        if key.key_size < 2048:
            raise SimError.bad_request("RSA keys must be at least 2048 bits")
        return key, "rsa"
    if isinstance(key, ed25519.Ed25519PublicKey):
        return key, "ed25519"
    raise SimError.bad_request("public key must be RSA or Ed25519")


class KeyRegistry:
    """API keys by id. Callers serialize access (the simulator lock)."""

    def __init__(self, max_skew_ms: int = DEFAULT_MAX_SKEW_MS) -> None:
        self.max_skew_ms = max_skew_ms
        self._keys: dict[str, ApiKey] = {}

    def register(
        self, key_id: str, user_id: str, public_pem: str | bytes, now_ms: int, name: str = ""
    ) -> ApiKey:
        if key_id in self._keys:
            raise SimError.bad_request(f"api key {key_id} already exists")
        public, key_type = _load_public(public_pem)
        key = ApiKey(key_id, user_id, key_type, public, now_ms, name)
        self._keys[key_id] = key
        return key

    def remove(self, key_id: str) -> None:
        if self._keys.pop(key_id, None) is None:
            raise SimError.not_found(f"api key {key_id} not found")

    def keys_of(self, user_id: str) -> list[ApiKey]:
        return [k for k in self._keys.values() if k.user_id == user_id]

    def verify(self, headers: Mapping[str, str], method: str, path: str, now_ms: int) -> str:
        """Check the three headers against the request; returns the user id or raises 401."""
        lowered = {name.lower(): value for name, value in headers.items()}
        key_id = lowered.get(ACCESS_KEY.lower())
        signature_b64 = lowered.get(ACCESS_SIGNATURE.lower())
        timestamp = lowered.get(ACCESS_TIMESTAMP.lower())
        if not key_id or not signature_b64 or not timestamp:
            raise SimError.unauthorized("missing KALSHI-ACCESS-KEY, -SIGNATURE or -TIMESTAMP header")
        if not timestamp.isdigit():
            raise SimError.unauthorized("KALSHI-ACCESS-TIMESTAMP must be Unix milliseconds")
        if abs(now_ms - int(timestamp)) > self.max_skew_ms:
            raise SimError.unauthorized("STALE_TIMESTAMP: request timestamp outside the allowed window")
        key = self._keys.get(key_id)
        if key is None:
            raise SimError.unauthorized("INVALID_API_KEY: unknown key id")
        try:
            signature = base64.b64decode(signature_b64, validate=True)
        except (binascii.Error, ValueError):
            raise SimError.unauthorized("INCORRECT_API_KEY_SIGNATURE") from None
        message = (timestamp + method.upper() + path).encode()
        try:
            if isinstance(key.public_key, rsa.RSAPublicKey):
                key.public_key.verify(signature, message, _PSS, hashes.SHA256())
            else:
                key.public_key.verify(signature, message)
        except InvalidSignature:
            raise SimError.unauthorized("INCORRECT_API_KEY_SIGNATURE") from None
        return key.user_id


def generate_private_key_pem(key_type: KeyType = "rsa") -> bytes:
    """A fresh private key as PEM: RSA 2048 in PKCS#1 (as Kalshi issues it) or Ed25519 in PKCS#8."""
    if key_type == "rsa":
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        return key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
    if key_type == "ed25519":
        ed_key = ed25519.Ed25519PrivateKey.generate()
        return ed_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    raise ValueError(f"unknown key type {key_type!r}")


def _load_private(private_pem: str | bytes) -> rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey:
    return _load_private_bytes(private_pem.encode() if isinstance(private_pem, str) else private_pem)


@functools.lru_cache(maxsize=64)
def _load_private_bytes(data: bytes) -> rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey:
    """Parsing (and validating) an RSA key takes tens of ms, so signers reuse parsed keys."""
    key = serialization.load_pem_private_key(data, password=None)
    if not isinstance(key, rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey):
        raise ValueError("private key must be RSA or Ed25519")
    return key


def public_key_pem(private_pem: str | bytes) -> bytes:
    """The SubjectPublicKeyInfo PEM of a private key."""
    return (
        _load_private(private_pem)
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )


def sign_headers(
    private_pem: str | bytes, key_id: str, method: str, path: str, timestamp_ms: int
) -> dict[str, str]:
    """The three Kalshi auth headers for a request (``path`` without the query string)."""
    key = _load_private(private_pem)
    message = (str(timestamp_ms) + method.upper() + path).encode()
    if isinstance(key, rsa.RSAPrivateKey):
        signature = key.sign(message, _PSS, hashes.SHA256())
    else:
        signature = key.sign(message)
    return {
        ACCESS_KEY: key_id,
        ACCESS_SIGNATURE: base64.b64encode(signature).decode(),
        ACCESS_TIMESTAMP: str(timestamp_ms),
    }
