"""KalshiClient reads over the wire: signing, parsing, pagination, retries, pacing, base URLs."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from inplay.venues.base import (
    AuthenticationError,
    ExchangeUnavailableError,
    InvalidResponseError,
    MarketStatus,
    NotFoundError,
    OrderStatus,
    OutcomeSide,
    VenueError,
)
from inplay.venues.kalshi import (
    BASIC_LIMITS,
    DEMO_BASE_URL,
    PRODUCTION_BASE_URL,
    BucketLimit,
    KalshiCredentials,
    RetryPolicy,
    TierLimits,
    is_production_url,
    normalize_base_url,
)
from inplay.venues.kalshi.auth import HEADER_SIGNATURE
from inplay.venues.kalshi.ratelimit import Bucket, TokenBucket, balance_limit_for_tier
from tests.unit.venues.conftest import KEY_ID
from tests.unit.venues.kalshi_fake import FakeClock, Fault, error_body, market

TICKER = "KXNBAGAME-26MAR25BKNGSW-GSW"


def jitter(seed: int, attempts: int, base: float = 0.25, cap: float = 8.0) -> list[float]:
    rng = random.Random(seed)
    return [rng.uniform(0, min(cap, base * 2 ** (n - 1))) for n in range(1, attempts + 1)]


# ---------------------------------------------------------------------------------------------
# Base URLs


def test_base_urls():
    assert is_production_url(PRODUCTION_BASE_URL)
    assert is_production_url("https://api.elections.kalshi.com/trade-api/v2")
    assert not is_production_url(DEMO_BASE_URL)
    assert not is_production_url("https://demo-api.kalshi.co/trade-api/v2")
    assert not is_production_url("http://127.0.0.1:8123/trade-api/v2")
    assert not is_production_url("https://notkalshi.com/trade-api/v2")
    assert normalize_base_url("http://127.0.0.1:8123/trade-api/v2/") == "http://127.0.0.1:8123/trade-api/v2"
    for bad in (
        "http://example.com/trade-api/v2",
        "https://external-api.kalshi.com",
        "https://external-api.kalshi.com/trade-api/v2?x=1",
        "ftp://127.0.0.1/trade-api/v2",
        "https://user:secret@external-api.kalshi.com/trade-api/v2",
        "not a url",
    ):
        with pytest.raises(ValueError):
            normalize_base_url(bad)


# ---------------------------------------------------------------------------------------------
# Reads


def test_every_request_is_signed_over_the_full_path(client, fake):
    fake.markets[TICKER] = market(TICKER)
    client.get_balance()
    client.get_market(TICKER)
    assert fake.requests, "no request reached the exchange"
    for recorded in fake.requests:
        assert HEADER_SIGNATURE in recorded.headers  # the fake verified each against the public key
        assert recorded.headers["user-agent"].startswith("inplay/")


def test_bad_signature_is_an_authentication_error(make_client, ed25519_key):
    wrong = KalshiCredentials(key_id=KEY_ID, private_key=ed25519_key)
    client = make_client(credentials=wrong)
    with pytest.raises(AuthenticationError, match="INCORRECT_API_KEY_SIGNATURE"):
        client.get_balance()


def test_without_credentials_public_reads_work_and_private_reads_refuse(make_client, fake):
    client = make_client(credentials=None)
    assert client.exchange_status().exchange_active
    assert HEADER_SIGNATURE not in fake.requests[-1].headers
    sent = len(fake.requests)
    with pytest.raises(AuthenticationError, match="needs credentials"):
        client.get_balance()
    assert len(fake.requests) == sent


def test_balance_positions_fills(client, fake):
    balance = client.get_balance()
    assert balance.available == Decimal("123.45") and balance.portfolio_value == Decimal("173.45")
    fake.page_size_cap = 2
    fake.positions = [
        {
            "ticker": f"T-{i}",
            "exchange_index": 0,
            "total_traded_dollars": "1.0000",
            "position_fp": f"{i - 2}.00",
            "market_exposure_dollars": "0.5000",
            "realized_pnl_dollars": "0.0000",
            "fees_paid_dollars": "0.0100",
            "last_updated_ts": "2026-03-25T23:00:00Z",
        }
        for i in range(5)
    ]
    positions = client.get_positions()
    assert [p.market_ticker for p in positions] == [f"T-{i}" for i in range(5)]
    assert [p.position for p in positions] == [Decimal(i - 2) for i in range(5)]
    assert len(fake.calls("GET /portfolio/positions")) == 3
    fake.fills = [
        {
            "fill_id": "f-1",
            "trade_id": "f-1",
            "order_id": "o-1",
            "ticker": TICKER,
            "market_ticker": TICKER,
            "outcome_side": "yes",
            "book_side": "bid",
            "count_fp": "2.00",
            "yes_price_dollars": "0.5600",
            "no_price_dollars": "0.4400",
            "is_taker": False,
            "fee_cost": "0.0000",
            "exchange_index": 0,
        }
    ]
    fills = client.get_fills(market_ticker=TICKER, since=datetime(2026, 3, 25, tzinfo=UTC))
    assert fills[0].price == Decimal("0.56") and fills[0].side is OutcomeSide.YES
    assert fake.calls("GET /portfolio/fills")[-1].params["min_ts"] == "1774396800"


def test_orders_reads(client, fake):
    resting = fake.add_order(client_order_id="c-1")
    fake.add_order(client_order_id="c-2", status="canceled", ticker="OTHER")
    assert client.get_order(resting["order_id"]).client_order_id == "c-1"
    with pytest.raises(NotFoundError):
        client.get_order("nope")
    listed = client.list_orders(status=OrderStatus.RESTING)
    assert [o.client_order_id for o in listed] == ["c-1"]
    assert fake.calls("GET /portfolio/orders")[-1].params == {"limit": "1000", "status": "resting"}
    found = client.find_order_by_client_id("c-2", market_ticker="OTHER")
    assert found is not None and found.status is OrderStatus.CANCELED
    assert client.find_order_by_client_id("c-404", market_ticker=TICKER) is None


def test_market_data(client, fake):
    fake.markets = {t: market(t) for t in (TICKER, "KXNBAGAME-26MAR25BKNGSW-BKN")}
    fake.orderbooks[TICKER] = {
        "yes_dollars": [["0.5000", "3.00"], ["0.5500", "10.00"]],
        "no_dollars": [["0.4300", "7.00"]],
    }
    fake.events = [
        {
            "event_ticker": "KXNBAGAME-26MAR25BKNGSW",
            "series_ticker": "KXNBAGAME",
            "title": "Brooklyn at Golden State",
        }
    ]
    fake.series = [
        {"ticker": "KXNBAGAME", "title": "NBA games", "fee_type": "quadratic", "fee_multiplier": 0.07}
    ]
    fake.page_size_cap = 1
    assert [m.ticker for m in client.iter_markets()] == list(fake.markets)
    assert client.get_market(TICKER).status is MarketStatus.OPEN
    book = client.get_orderbook(TICKER, depth=5)
    assert book.best_yes_bid == Decimal("0.55") and book.best_yes_ask == Decimal("0.57")
    assert fake.calls(f"GET /markets/{TICKER}/orderbook")[-1].params == {"depth": "5"}
    assert [e.event_ticker for e in client.iter_events()] == ["KXNBAGAME-26MAR25BKNGSW"]
    event = client.get_event("KXNBAGAME-26MAR25BKNGSW")
    assert len(event.markets) == 2
    series = client.get_series("KXNBAGAME")
    assert series.fee_multiplier == Decimal("0.07")
    assert [s.ticker for s in client.list_series()] == ["KXNBAGAME"]
    with pytest.raises(NotFoundError):
        client.get_market("NOPE")


def test_exchange_status_schedule_and_user_data_timestamp(client, fake, clock):
    status = client.exchange_status()
    assert status.exchange_active and status.trading_active
    schedule = client.exchange_schedule()
    assert schedule.schedule.maintenance_windows[0].start_datetime == datetime(2026, 1, 8, 8, tzinfo=UTC)
    fake.lag = 2.0
    assert client.user_data_timestamp() == datetime.fromtimestamp(clock.now - 2.0, tz=UTC)


def test_exchange_status_during_maintenance_comes_with_a_5xx(client, fake):
    body = {
        "exchange_active": False,
        "trading_active": False,
        "exchange_estimated_resume_time": "2026-01-08T10:00:00Z",
    }
    fake.fail("GET /exchange/status", *[Fault("status", 503, body)] * 4)
    status = client.exchange_status()
    assert not status.exchange_active and status.estimated_resume_time == datetime(2026, 1, 8, 10, tzinfo=UTC)


def test_clock_skew_from_date_header(client, fake):
    fake.server_skew = 3.0
    skew = client.measure_clock_skew()
    assert skew is not None and abs(skew - 3.0) <= 0.5
    fake.send_date = False
    assert client.measure_clock_skew() is None


def test_2xx_without_the_promised_object_is_an_error(client, fake):
    fake.fail("GET /portfolio/balance", Fault("status", 200, {}))
    with pytest.raises(InvalidResponseError, match="GetBalanceResponse"):
        client.get_balance()
    fake.fail("GET /portfolio/orders/o-1", Fault("status", 200, {"error": {"code": "x"}}))
    with pytest.raises(InvalidResponseError):
        client.get_order("o-1")
    fake.fail("GET /portfolio/balance", Fault("status", 200, "not json"))
    with pytest.raises(InvalidResponseError):
        client.get_balance()


def test_pagination_guards(client, fake, monkeypatch):
    fake.page_size_cap = 1
    for i in range(3):
        fake.add_order(client_order_id=f"c-{i}")
    assert len(client.list_orders()) == 3
    monkeypatch.setattr("inplay.venues.kalshi.client.MAX_PAGES", 2)
    assert len(list(client.iter_kalshi_orders(max_pages=None))) == 3
    with pytest.raises(VenueError, match="more than 2 pages"):
        list(client.iter_kalshi_orders(max_pages=2))
    stuck = {"orders": [], "cursor": "same"}
    fake.fail("GET /portfolio/orders", Fault("status", 200, stuck), Fault("status", 200, stuck))
    with pytest.raises(InvalidResponseError, match="cursor repeated"):
        client.list_orders()


# ---------------------------------------------------------------------------------------------
# Retries


def test_reads_retry_5xx_and_timeouts_with_full_jitter(client, fake, clock):
    fake.positions = [
        {
            "ticker": TICKER,
            "exchange_index": 0,
            "position_fp": "3.00",
            "market_exposure_dollars": "1.6800",
            "realized_pnl_dollars": "0.0000",
            "fees_paid_dollars": "0.0200",
        }
    ]
    fake.fail(
        "GET /portfolio/positions",
        Fault("status", 500, error_body("internal", "boom")),
        Fault("timeout_before"),
        Fault("status", 502, "<html>bad gateway</html>"),
    )
    assert client.get_positions()[0].position == 3
    assert len(fake.calls("GET /portfolio/positions")) == 4
    assert clock.sleeps == jitter(7, 3)  # full jitter: uniform(0, 0.25·2^(n−1)), seeded


def test_read_retries_are_bounded(make_client, fake, clock):
    client = make_client(
        rate_limits=TierLimits("x", BucketLimit(1e6, 1e6), BucketLimit(1e6, 1e6), BucketLimit(1e6, 1e6))
    )
    fake.fail("GET /portfolio/positions", *[Fault("status", 503, "")] * 10)
    with pytest.raises(ExchangeUnavailableError):
        client.get_positions()
    assert len(fake.calls("GET /portfolio/positions")) == 4
    assert clock.sleeps == jitter(7, 3)


def test_connect_errors_and_429_are_retried(client, fake, clock):
    fake.fail("GET /markets", Fault("connect"), Fault("status", 429, {"error": "too many requests"}))
    assert list(client.iter_markets()) == []
    assert len(fake.calls("GET /markets")) == 3


def test_undecodable_body_is_an_unknown_outcome_and_retried(client, fake):
    garbage = Fault("status", 200, b"definitely not gzip", headers={"Content-Encoding": "gzip"})
    fake.fail("GET /portfolio/positions", garbage)
    assert client.get_positions() == []
    fake.fail("GET /portfolio/positions", *[garbage] * 4)
    with pytest.raises(ExchangeUnavailableError, match="DecodingError"):
        client.get_positions()


def test_4xx_is_not_retried(client, fake):
    fake.fail("GET /portfolio/fills", Fault("status", 400, error_body("bad_request", "bad limit")))
    with pytest.raises(VenueError, match="bad limit"):
        client.get_fills()
    assert len(fake.calls("GET /portfolio/fills")) == 1


def test_retry_policy_delay_bounds():
    policy = RetryPolicy(max_attempts=5, base_delay=1.0, max_delay=3.0)
    rng = random.Random(1)
    for attempt in range(1, 10):
        assert 0 <= policy.delay(attempt, rng) <= min(3.0, 2 ** (attempt - 1))
    with pytest.raises(ValueError):
        RetryPolicy(max_attempts=0)


# ---------------------------------------------------------------------------------------------
# Rate limits


def test_token_bucket_debt_and_refill():
    clock = FakeClock()
    bucket = TokenBucket(BucketLimit(refill_rate=5, capacity=10), clock)
    assert bucket.reserve(10) == 0
    assert bucket.reserve(10) == pytest.approx(2.0)
    clock.advance(2.0)
    assert bucket.tokens() == pytest.approx(0.0)
    clock.advance(100)
    assert bucket.tokens() == 10  # capped at capacity
    assert bucket.reserve(50) == 0  # a cost above capacity is capped
    bucket.drain()
    assert bucket.tokens() == 0
    bucket.reconfigure(BucketLimit(refill_rate=1, capacity=2))
    clock.advance(10)
    assert bucket.tokens() == 2


def test_limits_come_from_the_account_on_first_use(make_client, fake):
    client = make_client(rate_limits=None)
    client.get_positions()
    assert [r.path for r in fake.requests[:2]] == ["/account/limits", "/portfolio/positions"]
    limits = client.rate_limits
    assert limits.from_venue and limits.tier == "advanced"
    assert limits.write == BucketLimit(refill_rate=300, capacity=600)
    assert limits.balance == balance_limit_for_tier("advanced") == BucketLimit(1, 1)
    assert balance_limit_for_tier("premier") == BucketLimit(5, 5)
    client.get_positions()
    assert len(fake.calls("GET /account/limits")) == 1


def test_documented_defaults_when_limits_are_unavailable(make_client, fake):
    fake.limits = None
    client = make_client(rate_limits=None)
    client.get_positions()
    assert client.rate_limits == BASIC_LIMITS and not client.rate_limits.from_venue


def test_client_paces_reads_to_the_bucket(make_client, fake, clock):
    slow = TierLimits("t", read=BucketLimit(20, 20), write=BucketLimit(100, 100), balance=BucketLimit(1, 1))
    client = make_client(rate_limits=slow)
    for _ in range(5):
        client.get_positions()
    # 5 × 10 tokens against a 20-token bucket refilling 20/s: 30 tokens of debt = 1.5 s of waiting
    assert sum(clock.sleeps) == pytest.approx(1.5)
    assert clock.sleeps == pytest.approx([0.5, 0.5, 0.5])


def test_balance_has_its_own_bucket(client, clock):
    for _ in range(3):
        client.get_balance()
    assert clock.sleeps == pytest.approx([1.0, 1.0])
    assert client._limiter.bucket(Bucket.READ).tokens() == pytest.approx(200)


def test_429_drains_the_bucket_before_the_retry(make_client, fake, clock):
    client = make_client(
        rate_limits=TierLimits("t", BucketLimit(100, 100), BucketLimit(100, 100), BucketLimit(5, 5))
    )
    fake.fail("GET /portfolio/positions", Fault("status", 429, {"error": "too many requests"}))
    client.get_positions()
    backoff = jitter(7, 1)[0]
    assert backoff < 0.1  # the seeded backoff is shorter than the refill time of one request
    # after the drain the retry owes its 10 tokens (0.1 s at 100/s), less what refilled meanwhile
    assert clock.sleeps == pytest.approx([backoff, 0.1 - backoff])
