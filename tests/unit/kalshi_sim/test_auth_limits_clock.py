"""Signature verification, token buckets and the US-Eastern maintenance window."""

from __future__ import annotations

import base64
from datetime import UTC, datetime

import pytest

from local.kalshi_sim.auth import KeyRegistry, generate_private_key_pem, public_key_pem, sign_headers
from local.kalshi_sim.clock import ManualClock, eastern_wall_time, in_maintenance, iso_ms, maintenance_windows
from local.kalshi_sim.errors import SimError
from local.kalshi_sim.ratelimit import BucketLimit, RateLimiter, TierLimits, TokenBucket, tier_limits

NOW = 1_795_000_000_000
PATH = "/trade-api/v2/portfolio/orders"


@pytest.fixture(scope="module")
def rsa_pem() -> bytes:
    return generate_private_key_pem("rsa")


@pytest.fixture(scope="module")
def ed_pem() -> bytes:
    return generate_private_key_pem("ed25519")


def registry(pem: bytes) -> KeyRegistry:
    keys = KeyRegistry(max_skew_ms=30_000)
    keys.register("key-1", "user-1", public_key_pem(pem), NOW)
    return keys


@pytest.mark.parametrize("key_type", ["rsa", "ed25519"])
def test_valid_signature_identifies_the_user(key_type: str, rsa_pem: bytes, ed_pem: bytes) -> None:
    pem = rsa_pem if key_type == "rsa" else ed_pem
    headers = sign_headers(pem, "key-1", "get", PATH, NOW)
    assert registry(pem).verify(headers, "GET", PATH, NOW + 5_000) == "user-1"


def test_rsa_pem_is_pkcs1_and_signature_uses_pss(rsa_pem: bytes) -> None:
    assert rsa_pem.startswith(b"-----BEGIN RSA PRIVATE KEY-----")
    sig = base64.b64decode(sign_headers(rsa_pem, "k", "GET", PATH, NOW)["KALSHI-ACCESS-SIGNATURE"])
    assert len(sig) == 256  # RSA-2048


def test_header_names_are_case_insensitive(rsa_pem: bytes) -> None:
    headers = {k.lower(): v for k, v in sign_headers(rsa_pem, "key-1", "GET", PATH, NOW).items()}
    assert registry(rsa_pem).verify(headers, "GET", PATH, NOW) == "user-1"


@pytest.mark.parametrize(
    ("method", "path", "now", "detail"),
    [
        ("POST", PATH, NOW, "INCORRECT_API_KEY_SIGNATURE"),  # method is signed
        ("GET", PATH + "/x", NOW, "INCORRECT_API_KEY_SIGNATURE"),  # path is signed
        ("GET", PATH, NOW + 30_001, "STALE_TIMESTAMP"),
        ("GET", PATH, NOW - 30_001, "STALE_TIMESTAMP"),
    ],
)
def test_rejections(rsa_pem: bytes, method: str, path: str, now: int, detail: str) -> None:
    headers = sign_headers(rsa_pem, "key-1", "GET", PATH, NOW)
    with pytest.raises(SimError) as err:
        registry(rsa_pem).verify(headers, method, path, now)
    assert (err.value.status, err.value.code) == (401, "authentication_error")
    assert err.value.details is not None and detail in err.value.details


def test_unknown_key_wrong_key_and_missing_headers(rsa_pem: bytes) -> None:
    keys = registry(rsa_pem)
    other = generate_private_key_pem("ed25519")
    for headers in (
        sign_headers(rsa_pem, "nope", "GET", PATH, NOW),
        sign_headers(other, "key-1", "GET", PATH, NOW),
        {"KALSHI-ACCESS-KEY": "key-1", "KALSHI-ACCESS-TIMESTAMP": str(NOW)},
        {**sign_headers(rsa_pem, "key-1", "GET", PATH, NOW), "KALSHI-ACCESS-SIGNATURE": "%%%"},
    ):
        with pytest.raises(SimError) as err:
            keys.verify(headers, "GET", PATH, NOW)
        assert err.value.status == 401


def test_register_rejects_garbage_and_duplicates(rsa_pem: bytes) -> None:
    keys = registry(rsa_pem)
    with pytest.raises(SimError):
        keys.register("key-2", "u", "not a pem", NOW)
    with pytest.raises(SimError):
        keys.register("key-1", "u", public_key_pem(rsa_pem), NOW)


def test_token_bucket_refills_at_rate() -> None:
    bucket = TokenBucket(BucketLimit(refill_rate=10, bucket_capacity=20), NOW)
    assert bucket.take(20, NOW)
    assert not bucket.take(10, NOW)
    assert not bucket.take(10, NOW + 999)
    assert bucket.take(10, NOW + 1_000)
    assert bucket.tokens(NOW + 60_000) == 20  # capped at capacity


def test_rate_limiter_per_identity_and_budget() -> None:
    limiter = RateLimiter()
    limiter.set_limits("u", TierLimits("basic", BucketLimit(10, 10), BucketLimit(10, 20), BucketLimit(1, 1)))
    assert limiter.allow("u", "basic", "read", 10, NOW)
    assert not limiter.allow("u", "basic", "read", 10, NOW)
    assert limiter.allow("u", "basic", "write", 20, NOW)  # separate bucket
    assert limiter.allow("v", "basic", "read", 10, NOW)  # separate identity
    assert limiter.allow("u", "basic", "balance", 1, NOW)
    assert not limiter.allow("u", "basic", "balance", 1, NOW + 500)
    assert RateLimiter(enabled=False).allow("u", "basic", "read", 10**9, NOW)


def test_tier_limits() -> None:
    basic, premier = tier_limits("basic"), tier_limits("premier")
    assert (basic.read.refill_rate, basic.write.refill_rate, basic.write.bucket_capacity) == (200, 100, 100)
    assert premier.write.bucket_capacity == 2 * premier.write.refill_rate
    assert (basic.balance.refill_rate, premier.balance.refill_rate) == (1, 5)
    with pytest.raises(ValueError, match="unknown tier"):
        tier_limits("gold")


def ms(year: int, month: int, day: int, hour: int, minute: int) -> int:
    return int(datetime(year, month, day, hour, minute, tzinfo=UTC).timestamp() * 1000)


def test_eastern_time_and_dst() -> None:
    assert eastern_wall_time(ms(2026, 7, 1, 12, 0)) == datetime(2026, 7, 1, 8, 0)  # EDT
    assert eastern_wall_time(ms(2026, 12, 1, 12, 0)) == datetime(2026, 12, 1, 7, 0)  # EST


def test_maintenance_window_is_thursday_3_to_5_eastern() -> None:
    assert not in_maintenance(ms(2026, 11, 26, 7, 59))  # Thu 02:59 EST
    assert in_maintenance(ms(2026, 11, 26, 8, 0))
    assert in_maintenance(ms(2026, 11, 26, 9, 59))
    assert not in_maintenance(ms(2026, 11, 26, 10, 0))
    assert in_maintenance(ms(2026, 7, 2, 7, 30))  # Thu 03:30 EDT
    start, end = maintenance_windows(ms(2026, 11, 24, 12, 0), 1)[0]
    assert (start, end) == (
        datetime(2026, 11, 26, 8, 0, tzinfo=UTC),
        datetime(2026, 11, 26, 10, 0, tzinfo=UTC),
    )


def test_manual_clock() -> None:
    clock = ManualClock(datetime(2026, 11, 24, tzinfo=UTC))
    assert iso_ms(clock.now_ms()) == "2026-11-24T00:00:00.000Z"
    clock.advance(1_500)
    assert iso_ms(clock.now_ms()) == "2026-11-24T00:00:01.500Z"
    with pytest.raises(ValueError):
        clock.advance(-1)
    with pytest.raises(ValueError):
        ManualClock(datetime(2026, 11, 24))  # naive on purpose
