"""Shared fixtures: throw-away keys generated per test session, a fake clock, the fake exchange."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from inplay.venues.kalshi import BASIC_LIMITS, KalshiClient, KalshiCredentials, RecoveryPolicy, RetryPolicy
from tests.unit.venues.kalshi_fake import BASE_URL, FakeClock, FakeKalshi

KEY_ID = "a952bcbe-ec3b-4b5b-b8f9-11dae589608c"


@pytest.fixture(scope="session")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="session")
def ed25519_key() -> ed25519.Ed25519PrivateKey:
    return ed25519.Ed25519PrivateKey.generate()


def pem(key: Any, fmt: serialization.PrivateFormat) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, fmt, serialization.NoEncryption())


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def fake(rsa_key: rsa.RSAPrivateKey, clock: FakeClock) -> FakeKalshi:
    return FakeKalshi(rsa_key.public_key(), KEY_ID, clock)


@pytest.fixture
def credentials(rsa_key: rsa.RSAPrivateKey) -> KalshiCredentials:
    return KalshiCredentials(key_id=KEY_ID, private_key=rsa_key)


MakeClient = Callable[..., KalshiClient]


@pytest.fixture
def make_client(fake: FakeKalshi, clock: FakeClock, credentials: KalshiCredentials) -> MakeClient:
    """A client wired to the fake exchange; keyword arguments override the defaults."""

    def make(**overrides: Any) -> KalshiClient:
        options: dict[str, Any] = {
            "credentials": credentials,
            "transport": fake.transport(),
            "clock": clock,
            "rng": random.Random(7),
            "rate_limits": BASIC_LIMITS,
            "retry": RetryPolicy(max_attempts=4, base_delay=0.25, max_delay=8.0),
            "recovery": RecoveryPolicy(),
        }
        options.update(overrides)
        return KalshiClient(BASE_URL, **options)

    return make


@pytest.fixture
def client(make_client: MakeClient) -> KalshiClient:
    return make_client()
