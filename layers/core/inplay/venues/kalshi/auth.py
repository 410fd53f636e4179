"""Kalshi request signing: RSA-PSS (SHA-256, salt = digest length) or Ed25519.

Signed text = ``timestamp_ms + METHOD + path``: the timestamp in Unix milliseconds as a decimal
string, the upper-case HTTP method, and the URL path *including* ``/trade-api/v2`` and *excluding*
the query string and host; the body is not signed. The signature travels base64-encoded (standard
alphabet, padded) with the key id and the timestamp in three ``KALSHI-ACCESS-*`` headers.

``cryptography`` is imported only when a key is loaded or a signature made or checked, so that
importing the Kalshi venue stays cheap for code that never signs.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, RSAPublicKey

    PrivateKey = RSAPrivateKey | Ed25519PrivateKey
    PublicKey = RSAPublicKey | Ed25519PublicKey

__all__ = [
    "HEADER_KEY",
    "HEADER_SIGNATURE",
    "HEADER_TIMESTAMP",
    "KalshiCredentials",
    "KeyLoadError",
    "auth_headers",
    "load_private_key",
    "sign",
    "signing_message",
    "verify",
]

HEADER_KEY: Final = "KALSHI-ACCESS-KEY"
HEADER_SIGNATURE: Final = "KALSHI-ACCESS-SIGNATURE"
HEADER_TIMESTAMP: Final = "KALSHI-ACCESS-TIMESTAMP"
MAX_PEM_BYTES: Final = 64 * 1024


class KeyLoadError(ValueError):
    """The private key cannot be used: unreadable, encrypted, malformed or an unsupported type.

    The message never contains key material.
    """


def signing_message(timestamp_ms: int, method: str, path: str) -> bytes:
    """The exact bytes Kalshi verifies: ``f"{timestamp_ms}{METHOD}{path}"`` with the query dropped.

    >>> signing_message(1703123456789, "get", "/trade-api/v2/portfolio/orders?limit=5")
    b'1703123456789GET/trade-api/v2/portfolio/orders'
    """
    if isinstance(timestamp_ms, bool) or not isinstance(timestamp_ms, int) or timestamp_ms < 0:
        raise ValueError(f"timestamp_ms must be a non-negative int, got {timestamp_ms!r}")
    bare_path = path.split("?", 1)[0]
    if not bare_path.startswith("/"):
        raise ValueError(f"path must be an absolute URL path starting with '/', got {bare_path!r}")
    if not method or not method.isalpha():
        raise ValueError(f"not an HTTP method: {method!r}")
    return f"{timestamp_ms}{method.upper()}{bare_path}".encode()


def load_private_key(pem: bytes | str) -> PrivateKey:
    """Load an unencrypted PEM private key: RSA (PKCS#1 or PKCS#8) or Ed25519 (PKCS#8)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey

    data = pem.encode() if isinstance(pem, str) else pem
    if b"ENCRYPTED" in data:
        raise KeyLoadError(
            "the private key is encrypted; Kalshi keys are used unencrypted (decrypt it first)"
        )
    if b"-----BEGIN" not in data:
        raise KeyLoadError(
            "not a PEM private key (expected '-----BEGIN RSA PRIVATE KEY-----'"
            " or '-----BEGIN PRIVATE KEY-----')"
        )
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as exc:
        # cryptography's messages describe the structure, not the key bytes; keep only the class.
        raise KeyLoadError(f"the PEM private key could not be parsed ({type(exc).__name__})") from None
    except Exception as exc:  # an unsupported algorithm surfaces as UnsupportedAlgorithm
        raise KeyLoadError(f"the PEM private key could not be loaded ({type(exc).__name__})") from None
    if isinstance(key, RSAPrivateKey | Ed25519PrivateKey):
        return key
    raise KeyLoadError(f"unsupported key type {type(key).__name__}: Kalshi accepts RSA or Ed25519 keys")


def sign(key: PrivateKey, message: bytes) -> str:
    """Sign ``message``; returns the base64 signature. RSA uses PSS/MGF1-SHA256, salt 32 bytes."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    if isinstance(key, Ed25519PrivateKey):
        raw = key.sign(message)
    else:
        raw = key.sign(
            message,
            padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=padding.PSS.DIGEST_LENGTH),
            hashes.SHA256(),
        )
    return base64.b64encode(raw).decode("ascii")


def verify(public_key: PublicKey, message: bytes, signature_b64: str) -> bool:
    """Check a Kalshi signature exactly as the exchange does (used by tests and the simulator)."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    try:
        raw = base64.b64decode(signature_b64, validate=True)
    except (binascii.Error, ValueError):
        return False
    try:
        if isinstance(public_key, Ed25519PublicKey):
            public_key.verify(raw, message)
        else:
            public_key.verify(
                raw,
                message,
                padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=padding.PSS.DIGEST_LENGTH),
                hashes.SHA256(),
            )
    except InvalidSignature:
        return False
    return True


@dataclass(frozen=True, slots=True)
class KalshiCredentials:
    """An API key id and its private key. ``repr``/``str`` never show the key."""

    key_id: str
    private_key: PrivateKey = field(repr=False)

    def __post_init__(self) -> None:
        if not self.key_id or not self.key_id.strip() or any(c.isspace() for c in self.key_id):
            raise KeyLoadError("the API key id must be a non-empty string without whitespace")

    def __repr__(self) -> str:
        return f"KalshiCredentials(key_id={self.key_id!r}, private_key=<{self.key_type} redacted>)"

    __str__ = __repr__

    @property
    def key_type(self) -> str:
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

        return "ed25519" if isinstance(self.private_key, Ed25519PrivateKey) else "rsa"

    @classmethod
    def from_pem(cls, key_id: str, pem: bytes | str) -> KalshiCredentials:
        return cls(key_id=key_id, private_key=load_private_key(pem))

    @classmethod
    def from_file(cls, key_id: str, path: str | Path) -> KalshiCredentials:
        """Read the key from a PEM file; a missing or unreadable file is a :class:`KeyLoadError`."""
        file = Path(path).expanduser()
        try:
            if file.stat().st_size > MAX_PEM_BYTES:
                raise KeyLoadError(f"{file} is too large to be a PEM private key")
            data = file.read_bytes()
        except OSError as exc:
            raise KeyLoadError(f"cannot read private key file {file}: {exc.strerror or exc}") from None
        try:
            return cls.from_pem(key_id, data)
        except KeyLoadError as exc:
            raise KeyLoadError(f"{file}: {exc}") from None

    def headers(self, timestamp_ms: int, method: str, path: str) -> dict[str, str]:
        return auth_headers(self, timestamp_ms, method, path)


def auth_headers(credentials: KalshiCredentials, timestamp_ms: int, method: str, path: str) -> dict[str, str]:
    """The three ``KALSHI-ACCESS-*`` headers for one request."""
    message = signing_message(timestamp_ms, method, path)
    return {
        HEADER_KEY: credentials.key_id,
        HEADER_TIMESTAMP: str(timestamp_ms),
        HEADER_SIGNATURE: sign(credentials.private_key, message),
    }
