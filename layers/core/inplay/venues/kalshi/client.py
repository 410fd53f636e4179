"""The Kalshi Trade API v2 client: signed HTTP, typed errors, pacing, retries, at-most-once orders.

Retry rules (each request is classified after every attempt):

- *not sent* — a connect error/timeout, or HTTP 429 (Kalshi rejects before processing): always
  safe to retry, for every endpoint, with the same body.
- *unknown* — a read timeout, a dropped connection, a 5xx: the exchange may have acted. Retried
  only for reads and idempotent writes (cancel, cancel-all, batch cancel, decrease-to); a
  non-idempotent write (amend, decrease-by) ends in :class:`AmbiguousOutcomeError`.
- *rejected* — any other 4xx: final, raised as its typed error.

Retries back off exponentially with full jitter: attempt ``n`` sleeps ``uniform(0, min(cap,
base·2ⁿ⁻¹))`` (at least a 429's ``Retry-After`` when one is sent). Order creation has its own
procedure, documented on :meth:`KalshiClient.place_order`.
"""

from __future__ import annotations

import json
import logging
import random
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from email.utils import parsedate_to_datetime
from enum import Enum
from typing import Any, Final, TypeVar
from urllib.parse import quote, urlsplit

import httpx
from pydantic import BaseModel, ValidationError

from inplay.money import format_count, format_dollars
from inplay.venues.base import (
    Action,
    AmbiguousOutcomeError,
    AuthenticationError,
    Balance,
    CancelAck,
    Clock,
    DuplicateClientOrderIdError,
    ExchangeStatus,
    ExchangeUnavailableError,
    Fill,
    InvalidIntentError,
    InvalidResponseError,
    Market,
    NotFoundError,
    Order,
    OrderAck,
    OrderBook,
    OrderIntent,
    OrderStatus,
    OutcomeSide,
    Position,
    RateLimitedError,
    SystemClock,
    VenueError,
)
from inplay.venues.kalshi import mapping
from inplay.venues.kalshi.auth import KalshiCredentials
from inplay.venues.kalshi.errors import VENUE, RequestKind, error_from_response
from inplay.venues.kalshi.models import (
    AccountLimits,
    AmendOrderResponse,
    BatchCancelOrdersResponse,
    BatchCreateItem,
    BatchCreateOrdersResponse,
    CancelOrderResponse,
    CreateOrderResponse,
    DecreaseOrderResponse,
    ExchangeSchedule,
    GetBalanceResponse,
    GetEventResponse,
    GetEventsResponse,
    GetFillsResponse,
    GetMarketResponse,
    GetMarketsResponse,
    GetOrderbookResponse,
    GetOrderResponse,
    GetOrdersResponse,
    GetPositionsResponse,
    GetSeriesListResponse,
    GetSeriesResponse,
    GetTradesResponse,
    KalshiError,
    KalshiEvent,
    KalshiExchangeStatus,
    KalshiMarket,
    KalshiOrder,
    KalshiSeries,
    KalshiTrade,
    UserDataTimestamp,
    utc_from_ms,
)
from inplay.venues.kalshi.ratelimit import (
    BASIC_LIMITS,
    DEFAULT_COST,
    Bucket,
    BucketLimit,
    RateLimiter,
    TierLimits,
    balance_limit_for_tier,
)

__all__ = [
    "API_PATH_PREFIX",
    "DEMO_BASE_URL",
    "PRODUCTION_BASE_URL",
    "KalshiClient",
    "RecoveryPolicy",
    "RetryPolicy",
    "is_production_url",
    "normalize_base_url",
]

log = logging.getLogger(__name__)

PRODUCTION_BASE_URL: Final = "https://external-api.kalshi.com/trade-api/v2"
DEMO_BASE_URL: Final = "https://external-api.demo.kalshi.co/trade-api/v2"
API_PATH_PREFIX: Final = "/trade-api/v2"
LOOPBACK_HOSTS: Final = frozenset({"127.0.0.1", "localhost", "::1"})
USER_AGENT: Final = "inplay/0.1 kalshi-client"
PAGE_LIMIT: Final = 1000
MAX_PAGES: Final = 50
"""Portfolio listings stop with an error past this many pages: a silently truncated list of
orders or positions is worse than no list."""
LEGACY_BATCH_CAP: Final = 20
"""Kalshi's V2 batch cap is unpublished ("scales with your tier"); V1 allowed 20."""


# ---------------------------------------------------------------------------------------------
# Base URLs


def is_production_url(url: str) -> bool:
    """True for any ``kalshi.com`` host (production); demo is ``kalshi.co``."""
    host = (urlsplit(url).hostname or "").lower().rstrip(".")
    return host == "kalshi.com" or host.endswith(".kalshi.com")


def normalize_base_url(url: str) -> str:
    """Validate a base URL (``scheme://host[:port]/…/trade-api/v2``) and drop a trailing slash.

    Plain ``http`` is allowed only for loopback hosts (the local simulator).
    """
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"not an http(s) URL: {url!r}")
    if parts.username or parts.password:
        raise ValueError("the base URL must not carry a user name or password")
    if parts.query or parts.fragment:
        raise ValueError(f"the base URL must not carry a query or fragment: {url!r}")
    if parts.scheme == "http" and parts.hostname not in LOOPBACK_HOSTS:
        raise ValueError(f"plain http is only allowed for a local simulator (127.0.0.1/localhost): {url!r}")
    path = parts.path.rstrip("/")
    if not path.endswith(API_PATH_PREFIX):
        raise ValueError(
            f"the base URL path must end with {API_PATH_PREFIX} (it is part of what Kalshi signs): {url!r}"
        )
    netloc = parts.netloc
    return f"{parts.scheme}://{netloc}{path}"


# ---------------------------------------------------------------------------------------------
# Policies


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Exponential backoff with full jitter for retryable attempts."""

    max_attempts: int = 4
    base_delay: float = 0.25
    max_delay: float = 8.0

    def __post_init__(self) -> None:
        if self.max_attempts < 1 or self.base_delay < 0 or self.max_delay < 0:
            raise ValueError(f"invalid retry policy: {self}")

    def delay(self, attempt: int, rng: random.Random, error: VenueError | None = None) -> float:
        """Sleep before attempt ``attempt + 1``: ``uniform(0, min(max, base·2^(attempt−1)))``."""
        ceiling = min(self.max_delay, self.base_delay * (2 ** (attempt - 1)))
        delay = rng.uniform(0, ceiling)
        if isinstance(error, RateLimitedError) and error.retry_after is not None:
            delay = max(delay, min(error.retry_after, self.max_delay))
        return delay


@dataclass(frozen=True, slots=True)
class RecoveryPolicy:
    """How ``place_order`` settles a create request whose outcome is unknown.

    A not-found counts as definitive only after ``lag_window`` seconds since the failed attempt
    ended *and*, when Kalshi serves ``GET /exchange/user_data_timestamp``, once the portfolio data
    has been validated at least ``freshness_margin`` seconds after that moment (server clock,
    corrected by the skew measured from ``Date`` headers).
    """

    lag_window: float = 3.0
    """Kalshi's REST portfolio data trails the matching engine "slightly" (undocumented)."""
    max_wait: float = 15.0
    """Give up looking (→ AmbiguousOutcomeError) after this long per recovery round."""
    poll_interval: float = 0.5
    max_poll_interval: float = 4.0
    freshness_margin: float = 1.5
    resend: bool = True
    """Re-send (same client_order_id) after a definitive not-found. False: never re-send."""
    max_sends: int = 2
    """Most create requests with an unknown outcome per intent (the original included)."""

    def __post_init__(self) -> None:
        if self.max_wait < 0 or self.lag_window < 0 or self.poll_interval <= 0 or self.max_sends < 1:
            raise ValueError(f"invalid recovery policy: {self}")


# ---------------------------------------------------------------------------------------------
# Endpoints


class RetryMode(Enum):
    ALWAYS = "always"
    """Reads and idempotent writes: retry not-sent and unknown attempts."""
    UNSENT_ONLY = "unsent_only"
    """Non-idempotent writes: retry only attempts that never reached the exchange."""


@dataclass(frozen=True, slots=True)
class Endpoint:
    method: str
    path: str
    bucket: Bucket = Bucket.READ
    cost: int = DEFAULT_COST
    kind: RequestKind = RequestKind.READ
    retry: RetryMode = RetryMode.ALWAYS
    signed: bool = True
    """Requires credentials (market data is public; the client still signs it when it can)."""

    def label(self) -> str:
        return f"{self.method} {self.path}"


_W = Bucket.WRITE
_OW = RequestKind.ORDER_WRITE
EXCHANGE_STATUS: Final = Endpoint("GET", "/exchange/status", signed=False)
EXCHANGE_SCHEDULE: Final = Endpoint("GET", "/exchange/schedule", signed=False)
USER_DATA_TIMESTAMP: Final = Endpoint("GET", "/exchange/user_data_timestamp", signed=False)
ACCOUNT_LIMITS: Final = Endpoint("GET", "/account/limits")
MARKETS: Final = Endpoint("GET", "/markets", signed=False)
MARKET: Final = Endpoint("GET", "/markets/{ticker}", signed=False)
ORDERBOOK: Final = Endpoint("GET", "/markets/{ticker}/orderbook", signed=False)
TRADES: Final = Endpoint("GET", "/markets/trades", signed=False)
EVENTS: Final = Endpoint("GET", "/events", signed=False)
EVENT: Final = Endpoint("GET", "/events/{event_ticker}", signed=False)
SERIES_LIST: Final = Endpoint("GET", "/series", signed=False)
SERIES: Final = Endpoint("GET", "/series/{series_ticker}", signed=False)
BALANCE: Final = Endpoint("GET", "/portfolio/balance", bucket=Bucket.BALANCE, cost=1)
POSITIONS: Final = Endpoint("GET", "/portfolio/positions")
FILLS: Final = Endpoint("GET", "/portfolio/fills")
ORDERS: Final = Endpoint("GET", "/portfolio/orders")
ORDER: Final = Endpoint("GET", "/portfolio/orders/{order_id}", cost=2)
HISTORICAL_ORDERS: Final = Endpoint("GET", "/historical/orders")
CREATE_ORDER: Final = Endpoint("POST", "/portfolio/events/orders", _W, kind=_OW, retry=RetryMode.UNSENT_ONLY)
CANCEL_ORDER: Final = Endpoint("DELETE", "/portfolio/events/orders/{order_id}", _W, cost=2, kind=_OW)
AMEND_ORDER: Final = Endpoint(
    "POST", "/portfolio/events/orders/{order_id}/amend", _W, kind=_OW, retry=RetryMode.UNSENT_ONLY
)
DECREASE_ORDER_TO: Final = Endpoint("POST", "/portfolio/events/orders/{order_id}/decrease", _W, kind=_OW)
DECREASE_ORDER_BY: Final = Endpoint(
    "POST", "/portfolio/events/orders/{order_id}/decrease", _W, kind=_OW, retry=RetryMode.UNSENT_ONLY
)
BATCH_CREATE: Final = Endpoint(
    "POST", "/portfolio/events/orders/batched", _W, kind=_OW, retry=RetryMode.UNSENT_ONLY
)
BATCH_CANCEL: Final = Endpoint("DELETE", "/portfolio/events/orders/batched", _W, cost=2, kind=_OW)
CANCEL_ALL: Final = Endpoint("DELETE", "/portfolio/events/orders", _W, cost=2, kind=_OW)


class Outcome(Enum):
    OK = "ok"
    NOT_SENT = "not_sent"
    """Certainly not processed: connect failure or 429."""
    REJECTED = "rejected"
    """Processed and refused (4xx other than 429)."""
    UNKNOWN = "unknown"
    """May have been processed: read timeout, dropped connection, 5xx, unusable 2xx."""


@dataclass(slots=True)
class Attempt:
    outcome: Outcome
    response: httpx.Response | None = None
    error: VenueError | None = None
    ended_at: float = 0.0
    """Wall time (local clock) when the attempt finished."""


@dataclass(slots=True)
class CallResult:
    response: httpx.Response | None
    error: VenueError | None
    attempts: int
    unknown_attempts: int

    def unwrap(self) -> httpx.Response:
        if self.error is not None:
            raise self.error
        assert self.response is not None
        return self.response


@dataclass(slots=True)
class _Item:
    """One intent's result from one create request."""

    outcome: Outcome
    ack: OrderAck | None = None
    error: VenueError | None = None
    duplicate: bool = False


@dataclass(slots=True)
class _PlaceState:
    unknown_sends: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    last_cause: dict[str, VenueError] = field(default_factory=dict)


M = TypeVar("M", bound=BaseModel)


def _transport_outcome(exc: httpx.HTTPError) -> Outcome:
    """Connect-phase failures never reached the exchange; anything later might have."""
    if isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout):
        return Outcome.NOT_SENT
    return Outcome.UNKNOWN


def _item_error(error: KalshiError) -> VenueError:
    """A batch item's nested error → its typed error (no HTTP status of its own)."""
    typed = error_from_response(400, json.dumps({"error": error.model_dump()}), kind=RequestKind.ORDER_WRITE)
    typed.status = None
    return typed


def _creation_key(order: KalshiOrder) -> tuple[bool, float]:
    return (order.created_time is None, order.created_time.timestamp() if order.created_time else 0.0)


def _summarize(exc: ValidationError) -> str:
    problems = [
        f"{'.'.join(str(p) for p in err['loc']) or '<root>'}: {err['msg']}" for err in exc.errors()[:3]
    ]
    more = f" (+{exc.error_count() - 3} more)" if exc.error_count() > 3 else ""
    return "; ".join(problems) + more


class KalshiClient:
    """A production Kalshi client implementing :class:`inplay.venues.base.Venue`.

    ``base_url`` targets production, demo or the local simulator
    (``http://127.0.0.1:PORT/trade-api/v2``). ``transport``, ``clock`` and ``rng`` are for tests.
    Without ``rate_limits`` the client asks ``GET /account/limits`` once (Basic defaults if that
    fails). ``cancel_order_on_pause`` is sent on every order: resting in-play orders should not
    survive an exchange or market pause.
    """

    name = "kalshi"

    def __init__(
        self,
        base_url: str = DEMO_BASE_URL,
        *,
        credentials: KalshiCredentials | None = None,
        transport: httpx.BaseTransport | None = None,
        timeout: float = 10.0,
        retry: RetryPolicy | None = None,
        recovery: RecoveryPolicy | None = None,
        rate_limits: TierLimits | None = None,
        clock: Clock | None = None,
        rng: random.Random | None = None,
        self_trade_prevention: mapping.SelfTradePrevention = "taker_at_cross",
        cancel_order_on_pause: bool = True,
        subaccount: int | None = None,
        user_agent: str = USER_AGENT,
    ) -> None:
        self.base_url = normalize_base_url(base_url)
        self.credentials = credentials
        self._clock: Clock = clock or SystemClock()
        self._rng = rng or random.Random()
        self._retry = retry or RetryPolicy()
        self._recovery = recovery or RecoveryPolicy()
        self._limiter = RateLimiter(rate_limits or BASIC_LIMITS, self._clock)
        self._limits_resolved = rate_limits is not None
        self._self_trade_prevention = self_trade_prevention
        self._cancel_on_pause = cancel_order_on_pause
        self._subaccount = subaccount
        self._skew: float | None = None
        self._user_data_ts_supported = True
        self._http = httpx.Client(
            transport=transport,
            timeout=httpx.Timeout(timeout, connect=min(timeout, 5.0)),
            headers={"User-Agent": user_agent, "Accept": "application/json"},
            follow_redirects=False,
        )

    def __repr__(self) -> str:
        return f"KalshiClient(base_url={self.base_url!r}, credentials={self.credentials!r})"

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> KalshiClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -----------------------------------------------------------------------------------------
    # Transport

    @property
    def clock_skew(self) -> float | None:
        """Server minus local clock in seconds, from the last response's ``Date`` header (±0.5 s)."""
        return self._skew

    @property
    def rate_limits(self) -> TierLimits:
        return self._limiter.limits

    def _observe_date(self, response: httpx.Response, started: float, ended: float) -> None:
        header = response.headers.get("date")
        if not header:
            return
        try:
            server = parsedate_to_datetime(header).timestamp()
        except (TypeError, ValueError):
            return
        # Date has whole-second resolution: the server time lies in [server, server + 1).
        self._skew = server + 0.5 - (started + ended) / 2

    def _build(
        self, endpoint: Endpoint, path: str, params: Mapping[str, Any] | None, body: Any
    ) -> httpx.Request:
        clean = {k: v for k, v in (params or {}).items() if v is not None}
        request = self._http.build_request(
            endpoint.method,
            self.base_url + path,
            params=clean or None,
            json=body if body is not None else None,
        )
        if self.credentials is not None:
            signed_path = request.url.raw_path.split(b"?", 1)[0].decode("ascii")
            timestamp_ms = int(self._clock.time() * 1000)
            request.headers.update(self.credentials.headers(timestamp_ms, endpoint.method, signed_path))
        return request

    def _attempt(
        self,
        endpoint: Endpoint,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        body: Any = None,
        cost: float | None = None,
    ) -> Attempt:
        if endpoint.signed and self.credentials is None:
            raise AuthenticationError(
                f"{endpoint.label()} needs credentials (API key id and private key)", venue=VENUE
            )
        if endpoint is not ACCOUNT_LIMITS:
            self._ensure_rate_limits()
        self._limiter.acquire(endpoint.bucket, endpoint.cost if cost is None else cost)
        request = self._build(endpoint, path, params, body)
        started = self._clock.time()
        try:
            response = self._http.send(request)
            response.read()
        except httpx.HTTPError as exc:
            outcome = _transport_outcome(exc)
            verb = (
                "could not reach Kalshi" if outcome is Outcome.NOT_SENT else "no usable response from Kalshi"
            )
            error: VenueError = ExchangeUnavailableError(
                f"{endpoint.label()}: {verb} ({type(exc).__name__}: {exc})", venue=VENUE
            )
            return Attempt(outcome, error=error, ended_at=self._clock.time())
        ended = self._clock.time()
        self._observe_date(response, started, ended)
        if response.is_success:
            return Attempt(Outcome.OK, response=response, ended_at=ended)
        error = error_from_response(
            response.status_code,
            response.content,
            kind=endpoint.kind,
            headers=dict(response.headers),
            what=endpoint.label(),
        )
        if response.status_code == 429:
            self._limiter.drain(endpoint.bucket)
            return Attempt(Outcome.NOT_SENT, response=response, error=error, ended_at=ended)
        if response.status_code >= 500:
            return Attempt(Outcome.UNKNOWN, response=response, error=error, ended_at=ended)
        return Attempt(Outcome.REJECTED, response=response, error=error, ended_at=ended)

    def _call(
        self,
        endpoint: Endpoint,
        *,
        path_params: Mapping[str, str] | None = None,
        params: Mapping[str, Any] | None = None,
        body: Any = None,
        cost: float | None = None,
    ) -> CallResult:
        path = endpoint.path.format(**{k: quote(v, safe="") for k, v in (path_params or {}).items()})
        attempts = unknown = 0
        while True:
            attempts += 1
            attempt = self._attempt(endpoint, path, params=params, body=body, cost=cost)
            if attempt.outcome is Outcome.OK:
                return CallResult(attempt.response, None, attempts, unknown)
            assert attempt.error is not None
            if attempt.outcome is Outcome.UNKNOWN:
                unknown += 1
            retryable = attempt.outcome is Outcome.NOT_SENT or (
                attempt.outcome is Outcome.UNKNOWN and endpoint.retry is RetryMode.ALWAYS
            )
            if not retryable or attempts >= self._retry.max_attempts:
                break
            delay = self._retry.delay(attempts, self._rng, attempt.error)
            log.warning(
                "kalshi %s attempt %d failed (%s); retrying in %.2fs",
                endpoint.label(),
                attempts,
                attempt.error,
                delay,
            )
            self._clock.sleep(delay)
        error = attempt.error
        if attempt.outcome is Outcome.UNKNOWN and endpoint.retry is not RetryMode.ALWAYS:
            error = AmbiguousOutcomeError(
                f"{endpoint.label()}: outcome unknown ({attempt.error}); the change may have been applied",
                venue=VENUE,
                cause=attempt.error,
            )
        return CallResult(attempt.response, error, attempts, unknown)

    def _request(self, endpoint: Endpoint, **kwargs: Any) -> httpx.Response:
        return self._call(endpoint, **kwargs).unwrap()

    def _parse(self, model: type[M], response: httpx.Response, what: str) -> M:
        try:
            return model.model_validate_json(response.content)
        except ValidationError as exc:
            raise InvalidResponseError(
                f"{what}: HTTP {response.status_code} body is not a valid {model.__name__}: "
                f"{_summarize(exc)}",
                venue=VENUE,
                status=response.status_code,
                body=response.text[:2000],
            ) from None

    def _get(self, endpoint: Endpoint, model: type[M], **kwargs: Any) -> M:
        return self._parse(model, self._request(endpoint, **kwargs), endpoint.label())

    def _pages(
        self,
        endpoint: Endpoint,
        model: type[M],
        items: str,
        *,
        params: Mapping[str, Any] | None = None,
        max_pages: int | None = MAX_PAGES,
    ) -> Iterator[Any]:
        """Follow ``cursor`` until it is empty; a repeated cursor or too many pages raises."""
        seen: set[str] = set()
        cursor: str | None = None
        pages = 0
        while True:
            query = dict(params or {})
            if cursor:
                query["cursor"] = cursor
            page = self._get(endpoint, model, params=query)
            pages += 1
            yield from getattr(page, items)
            cursor = getattr(page, "cursor", None)
            if not cursor:
                return
            if cursor in seen:
                raise InvalidResponseError(f"{endpoint.label()}: pagination cursor repeated", venue=VENUE)
            seen.add(cursor)
            if max_pages is not None and pages >= max_pages:
                raise VenueError(
                    f"{endpoint.label()}: more than {max_pages} pages; narrow the query", venue=VENUE
                )

    # -----------------------------------------------------------------------------------------
    # Rate limits

    def _ensure_rate_limits(self) -> None:
        if self._limits_resolved:
            return
        self._limits_resolved = True
        if self.credentials is not None:
            self.load_rate_limits()

    def account_limits(self) -> AccountLimits:
        """``GET /account/limits``: the usage tier and the read/write token buckets."""
        return self._get(ACCOUNT_LIMITS, AccountLimits)

    def load_rate_limits(self) -> TierLimits:
        """Configure the buckets from ``GET /account/limits``; keep the current ones if unavailable."""
        self._limits_resolved = True
        try:
            limits = self.account_limits()
        except VenueError as exc:
            log.warning(
                "kalshi: GET /account/limits failed (%s); pacing at %s budgets", exc, self.rate_limits.tier
            )
            return self.rate_limits
        tier = TierLimits(
            tier=limits.usage_tier,
            read=BucketLimit(refill_rate=limits.read.refill_rate, capacity=limits.read.bucket_capacity),
            write=BucketLimit(refill_rate=limits.write.refill_rate, capacity=limits.write.bucket_capacity),
            balance=balance_limit_for_tier(limits.usage_tier),
            from_venue=True,
        )
        self._limiter.configure(tier)
        return tier

    # -----------------------------------------------------------------------------------------
    # Exchange

    def exchange_status(self) -> ExchangeStatus:
        return mapping.exchange_status_from_kalshi(self.kalshi_exchange_status())

    def kalshi_exchange_status(self) -> KalshiExchangeStatus:
        """``GET /exchange/status``; Kalshi may send the status with a 5xx during maintenance."""
        result = self._call(EXCHANGE_STATUS)
        if (
            result.error is not None
            and isinstance(result.error, ExchangeUnavailableError)
            and result.response is not None
        ):
            try:
                return KalshiExchangeStatus.model_validate_json(result.response.content)
            except ValidationError:
                pass
        return self._parse(KalshiExchangeStatus, result.unwrap(), EXCHANGE_STATUS.label())

    def exchange_schedule(self) -> ExchangeSchedule:
        return self._get(EXCHANGE_SCHEDULE, ExchangeSchedule)

    def user_data_timestamp(self) -> datetime:
        """When Kalshi last validated the REST portfolio data (balance, orders, fills, positions)."""
        return self._get(USER_DATA_TIMESTAMP, UserDataTimestamp).as_of_time

    def measure_clock_skew(self) -> float | None:
        """One ``GET /exchange/status`` to measure server − local time; ``None`` without ``Date``."""
        self._skew = None
        self._call(EXCHANGE_STATUS)
        return self._skew

    # -----------------------------------------------------------------------------------------
    # Market data

    def iter_markets(
        self,
        *,
        event_ticker: str | None = None,
        series_ticker: str | None = None,
        status: str | None = None,
        tickers: Sequence[str] | None = None,
        page_size: int = PAGE_LIMIT,
        max_pages: int | None = None,
    ) -> Iterator[KalshiMarket]:
        params = {
            "limit": page_size,
            "event_ticker": event_ticker,
            "series_ticker": series_ticker,
            "status": status,
            "tickers": ",".join(tickers) if tickers else None,
        }
        return self._pages(MARKETS, GetMarketsResponse, "markets", params=params, max_pages=max_pages)

    def get_kalshi_market(self, ticker: str) -> KalshiMarket:
        return self._get(MARKET, GetMarketResponse, path_params={"ticker": ticker}).market

    def get_market(self, market_ticker: str) -> Market:
        return mapping.market_from_kalshi(self.get_kalshi_market(market_ticker))

    def get_orderbook(self, market_ticker: str, *, depth: int = 0) -> OrderBook:
        if not 0 <= depth <= 100:
            raise ValueError(f"depth must be 0 (all) to 100, got {depth}")
        response = self._get(
            ORDERBOOK,
            GetOrderbookResponse,
            path_params={"ticker": market_ticker},
            params={"depth": depth or None},
        )
        return mapping.orderbook_from_kalshi(market_ticker, response)

    def iter_trades(
        self,
        ticker: str,
        min_ts: int | None = None,
        *,
        max_ts: int | None = None,
        page_size: int = PAGE_LIMIT,
        max_pages: int | None = MAX_PAGES,
    ) -> Iterator[KalshiTrade]:
        """``GET /markets/trades`` of one market, newest first as Kalshi sends them; ``min_ts`` /
        ``max_ts`` are Unix seconds (inclusive). Block trades (off the book) are left out."""
        params = {
            "limit": page_size,
            "ticker": ticker,
            "min_ts": min_ts,
            "max_ts": max_ts,
            "is_block_trade": "false",
        }
        for trade in self._pages(TRADES, GetTradesResponse, "trades", params=params, max_pages=max_pages):
            if not trade.is_block_trade:
                yield trade

    def iter_events(
        self,
        *,
        series_ticker: str | None = None,
        status: str | None = None,
        with_nested_markets: bool = False,
        page_size: int = 200,
        max_pages: int | None = None,
    ) -> Iterator[KalshiEvent]:
        params = {
            "limit": page_size,
            "series_ticker": series_ticker,
            "status": status,
            "with_nested_markets": "true" if with_nested_markets else None,
        }
        return self._pages(EVENTS, GetEventsResponse, "events", params=params, max_pages=max_pages)

    def get_event(self, event_ticker: str, *, with_nested_markets: bool = False) -> GetEventResponse:
        params = {"with_nested_markets": "true" if with_nested_markets else None}
        return self._get(EVENT, GetEventResponse, path_params={"event_ticker": event_ticker}, params=params)

    def list_series(self, *, category: str | None = None, tags: str | None = None) -> list[KalshiSeries]:
        return self._get(
            SERIES_LIST, GetSeriesListResponse, params={"category": category, "tags": tags}
        ).series

    def get_series(self, series_ticker: str) -> KalshiSeries:
        return self._get(SERIES, GetSeriesResponse, path_params={"series_ticker": series_ticker}).series

    # -----------------------------------------------------------------------------------------
    # Portfolio

    def _sub(self) -> dict[str, Any]:
        return {"subaccount": self._subaccount} if self._subaccount is not None else {}

    def get_balance(self) -> Balance:
        return mapping.balance_from_kalshi(self._get(BALANCE, GetBalanceResponse, params=self._sub()))

    def get_positions(self, *, market_ticker: str | None = None) -> list[Position]:
        params = {"limit": PAGE_LIMIT, "ticker": market_ticker, **self._sub()}
        rows = self._pages(POSITIONS, GetPositionsResponse, "market_positions", params=params)
        return [mapping.position_from_kalshi(row) for row in rows]

    def get_fills(
        self, *, market_ticker: str | None = None, order_id: str | None = None, since: datetime | None = None
    ) -> list[Fill]:
        params = {
            "limit": PAGE_LIMIT,
            "ticker": market_ticker,
            "order_id": order_id,
            "min_ts": mapping.unix_seconds(since) if since else None,
            **self._sub(),
        }
        return [
            mapping.fill_from_kalshi(row)
            for row in self._pages(FILLS, GetFillsResponse, "fills", params=params)
        ]

    # -----------------------------------------------------------------------------------------
    # Orders: reads

    def get_kalshi_order(self, order_id: str) -> KalshiOrder:
        return self._get(ORDER, GetOrderResponse, path_params={"order_id": order_id}).order

    def get_order(self, order_id: str) -> Order:
        return mapping.order_from_kalshi(self.get_kalshi_order(order_id))

    def iter_kalshi_orders(
        self,
        *,
        status: OrderStatus | None = None,
        market_ticker: str | None = None,
        since: datetime | None = None,
        max_pages: int | None = MAX_PAGES,
    ) -> Iterator[KalshiOrder]:
        params = {
            "limit": PAGE_LIMIT,
            "ticker": market_ticker,
            "status": status.value if status else None,
            "min_ts": mapping.unix_seconds(since) if since else None,
            **self._sub(),
        }
        return self._pages(ORDERS, GetOrdersResponse, "orders", params=params, max_pages=max_pages)

    def list_orders(
        self, *, status: OrderStatus | None = None, market_ticker: str | None = None
    ) -> list[Order]:
        return [
            mapping.order_from_kalshi(o)
            for o in self.iter_kalshi_orders(status=status, market_ticker=market_ticker)
        ]

    def _historical_orders(self, market_ticker: str | None) -> Iterator[KalshiOrder]:
        params = {"limit": PAGE_LIMIT, "ticker": market_ticker, **self._sub()}
        return self._pages(HISTORICAL_ORDERS, GetOrdersResponse, "orders", params=params)

    def _find_kalshi_orders(
        self,
        client_order_ids: set[str],
        *,
        market_ticker: str | None,
        since: datetime | None = None,
        include_historical: bool = False,
    ) -> dict[str, KalshiOrder]:
        """Scan ``GET /portfolio/orders`` (filtered by ticker, all statuses) for these client ids.

        Kalshi cannot filter orders by client id, so this pages through the market's orders. With
        ``include_historical`` the archive (``GET /historical/orders``) is searched too, unless the
        server does not serve it.
        """
        found: dict[str, KalshiOrder] = {}
        for order in self.iter_kalshi_orders(market_ticker=market_ticker, since=since):
            self._keep_match(found, order, client_order_ids)
        if include_historical and client_order_ids - found.keys():
            try:
                for order in self._historical_orders(market_ticker):
                    self._keep_match(found, order, client_order_ids)
            except NotFoundError:
                log.info("kalshi: GET /historical/orders not served here; skipped")
        return found

    @staticmethod
    def _keep_match(found: dict[str, KalshiOrder], order: KalshiOrder, wanted: set[str]) -> None:
        cid = order.client_order_id
        if not cid or cid not in wanted:
            return
        previous = found.get(cid)
        if previous is not None and previous.order_id != order.order_id:
            log.error(
                "kalshi: client_order_id %s is carried by two orders (%s, %s); keeping the earlier",
                cid,
                previous.order_id,
                order.order_id,
            )
            found[cid] = min(previous, order, key=_creation_key)
            return
        found[cid] = order

    def find_order_by_client_id(
        self, client_order_id: str, *, market_ticker: str | None = None, since: datetime | None = None
    ) -> Order | None:
        """The order carrying ``client_order_id`` (scans the market's orders; pass the ticker)."""
        found = self._find_kalshi_orders({client_order_id}, market_ticker=market_ticker, since=since)
        order = found.get(client_order_id)
        return mapping.order_from_kalshi(order) if order else None

    # -----------------------------------------------------------------------------------------
    # Orders: placing

    def _order_body(self, intent: OrderIntent) -> dict[str, Any]:
        return mapping.intent_to_v2(
            intent,
            self_trade_prevention=self._self_trade_prevention,
            cancel_order_on_pause=self._cancel_on_pause,
            subaccount=self._subaccount,
        )

    def place_order(self, intent: OrderIntent) -> OrderAck:
        """Place ``intent`` with ``client_order_id`` as the idempotency key; never twice.

        Procedure (``POST /portfolio/events/orders``, V2 body from :func:`mapping.intent_to_v2`):

        1. Send. A 201 with a valid body is the answer. 429 or a connect failure (not sent):
           back off and send the same body again, up to ``retry.max_attempts``.
        2. A definitive 4xx rejection raises its typed error — the order does not exist — unless
           an earlier send of this intent had an unknown outcome (then see 4).
        3. 409 ``order_already_exists``: the order exists. Look it up by client id (live orders of
           the ticker, then ``/historical/orders``) until found → return it (``recovered``); if it
           stays invisible → :class:`DuplicateClientOrderIdError` (an ambiguous outcome).
        4. Unknown outcome (read timeout, dropped connection, 5xx, a 2xx without a usable body —
           a 2xx is never taken as success unless it parses): look the order up by client id,
           polling with backoff for up to ``recovery.max_wait`` s. Found → return it. Definitively
           not found (see :class:`RecoveryPolicy`) → re-send the SAME body (Kalshi deduplicates by
           client id: a 409 then leads to 3), at most ``recovery.max_sends`` unknown sends in
           all. Otherwise → :class:`AmbiguousOutcomeError`. A rejection of a re-send also ends in
           :class:`AmbiguousOutcomeError` unless the lookup finds the order: the first send may
           have landed after all.

        Residual risk, by design of the venue: if Kalshi deduplicated client ids only among open
        orders (unconfirmed) and an earlier send were executed later than the lag window, a
        re-send could duplicate it; ``RecoveryPolicy(resend=False)`` removes re-sends entirely.
        """
        body = self._order_body(intent)
        result = self._place({intent.client_order_id: intent}, {intent.client_order_id: body}, batch=False)
        outcome = result[intent.client_order_id]
        if isinstance(outcome, VenueError):
            raise outcome
        return outcome

    def batch_place_orders(self, intents: Sequence[OrderIntent]) -> list[OrderAck | VenueError]:
        """Batch create (V2), one result per intent in order, with :meth:`place_order`'s guarantees.

        Batches are split to fit the write bucket (10 tokens per order) and at most 20 orders.
        Client order ids must be unique within the call.
        """
        ids = [intent.client_order_id for intent in intents]
        if len(set(ids)) != len(ids):
            raise InvalidIntentError("client_order_id values must be unique within a batch", venue=VENUE)
        results: dict[str, OrderAck | VenueError] = {}
        bodies: dict[str, dict[str, Any]] = {}
        valid: dict[str, OrderIntent] = {}
        for intent in intents:
            try:
                bodies[intent.client_order_id] = self._order_body(intent)
                valid[intent.client_order_id] = intent
            except InvalidIntentError as exc:
                results[intent.client_order_id] = exc
        self._ensure_rate_limits()
        size = min(LEGACY_BATCH_CAP, self._limiter.max_items(Bucket.WRITE, BATCH_CREATE.cost))
        chunk_ids = list(valid)
        for start in range(0, len(chunk_ids), size):
            chunk = {cid: valid[cid] for cid in chunk_ids[start : start + size]}
            results.update(self._place(chunk, {cid: bodies[cid] for cid in chunk}, batch=True))
        return [results[cid] for cid in ids]

    def _place(
        self, intents: dict[str, OrderIntent], bodies: dict[str, dict[str, Any]], *, batch: bool
    ) -> dict[str, OrderAck | VenueError]:
        results: dict[str, OrderAck | VenueError] = {}
        state = _PlaceState()
        pending = dict(intents)
        not_sent = 0
        while pending:
            attempt, items = self._send_create(pending, bodies, batch=batch)
            if attempt.outcome is Outcome.NOT_SENT:
                assert attempt.error is not None
                not_sent += 1
                if not_sent < self._retry.max_attempts:
                    delay = self._retry.delay(not_sent, self._rng, attempt.error)
                    log.warning("kalshi create order not sent (%s); retrying in %.2fs", attempt.error, delay)
                    self._clock.sleep(delay)
                    continue
                items = {cid: _Item(Outcome.REJECTED, error=attempt.error) for cid in pending}
            pending = self._settle(pending, items, state, attempt.ended_at, results)
        return results

    def _settle(
        self,
        pending: dict[str, OrderIntent],
        items: dict[str, _Item],
        state: _PlaceState,
        ended_at: float,
        results: dict[str, OrderAck | VenueError],
    ) -> dict[str, OrderIntent]:
        """Record final results; return the intents to send again."""
        to_find: dict[str, str] = {}
        duplicates: set[str] = set()
        for cid, item in items.items():
            if item.outcome is Outcome.OK:
                assert item.ack is not None
                results[cid] = item.ack
            elif item.duplicate:
                duplicates.add(cid)
                to_find[cid] = pending[cid].market_ticker
            elif item.outcome is Outcome.REJECTED and not state.unknown_sends[cid]:
                assert item.error is not None
                results[cid] = item.error
            else:  # unknown, or rejected after an earlier unknown send
                assert item.error is not None
                if item.outcome is Outcome.UNKNOWN:
                    state.unknown_sends[cid] += 1
                state.last_cause[cid] = item.error
                to_find[cid] = pending[cid].market_ticker
        if not to_find:
            return {}
        found = self._resolve(to_find, ended_at, include_historical=bool(duplicates))
        again: dict[str, OrderIntent] = {}
        for cid in to_find:
            intent = pending[cid]
            order, definitive = found[cid]
            if order is not None and (
                order.ticker != intent.market_ticker or order.direction.yes_direction != intent.yes_direction
            ):
                log.error(
                    "kalshi: client_order_id %s belongs to order %s with other terms", cid, order.order_id
                )
                results[cid] = DuplicateClientOrderIdError(
                    f"client_order_id {cid} is carried by order {order.order_id} ({order.ticker}, "
                    f"{order.direction.value}), which does not match this intent; refusing to adopt it",
                    venue=VENUE,
                    client_order_id=cid,
                )
            elif order is not None:
                results[cid] = mapping.ack_from_order(order, intent)
                log.info("kalshi: order %s for client_order_id %s recovered by lookup", order.order_id, cid)
            elif cid in duplicates:
                results[cid] = DuplicateClientOrderIdError(
                    f"Kalshi reports an order with client_order_id {cid} but it could not be retrieved",
                    venue=VENUE,
                    client_order_id=cid,
                    code="order_already_exists",
                )
            elif (
                items[cid].outcome is Outcome.UNKNOWN
                and definitive
                and self._recovery.resend
                and state.unknown_sends[cid] < self._recovery.max_sends
            ):
                log.warning(
                    "kalshi: client_order_id %s definitively not found; re-sending the same order", cid
                )
                again[cid] = intent
            else:
                cause = state.last_cause.get(cid)
                results[cid] = AmbiguousOutcomeError(
                    f"order {cid}: outcome unknown after {state.unknown_sends[cid]} unanswered send(s)"
                    f" ({cause}); it may exist — settle it from venue evidence",
                    venue=VENUE,
                    client_order_id=cid,
                    cause=cause,
                )
        return again

    def _send_create(
        self, pending: dict[str, OrderIntent], bodies: dict[str, dict[str, Any]], *, batch: bool
    ) -> tuple[Attempt, dict[str, _Item]]:
        if batch:
            payload: Any = {"orders": [bodies[cid] for cid in pending]}
            attempt = self._attempt(
                BATCH_CREATE, BATCH_CREATE.path, body=payload, cost=BATCH_CREATE.cost * len(pending)
            )
        else:
            (cid,) = pending
            attempt = self._attempt(CREATE_ORDER, CREATE_ORDER.path, body=bodies[cid])
        if attempt.outcome is Outcome.NOT_SENT:
            return attempt, {}
        if attempt.outcome is Outcome.OK:
            assert attempt.response is not None
            items = (
                self._batch_items(attempt.response, pending)
                if batch
                else self._single_item(attempt.response, pending)
            )
            return attempt, items
        assert attempt.error is not None
        is_duplicate = isinstance(attempt.error, DuplicateClientOrderIdError)
        return attempt, {
            cid: _Item(attempt.outcome, error=attempt.error, duplicate=is_duplicate) for cid in pending
        }

    def _single_item(self, response: httpx.Response, pending: dict[str, OrderIntent]) -> dict[str, _Item]:
        (cid, intent) = next(iter(pending.items()))
        try:
            created = self._parse(CreateOrderResponse, response, CREATE_ORDER.label())
            return {cid: _Item(Outcome.OK, ack=mapping.ack_from_create(created, intent))}
        except (InvalidResponseError, mapping.AckMismatch) as exc:
            error = exc if isinstance(exc, VenueError) else InvalidResponseError(str(exc), venue=VENUE)
            log.error("kalshi: unusable 2xx for create order %s: %s", cid, error)
            return {cid: _Item(Outcome.UNKNOWN, error=error)}

    def _batch_items(self, response: httpx.Response, pending: dict[str, OrderIntent]) -> dict[str, _Item]:
        try:
            parsed = self._parse(BatchCreateOrdersResponse, response, BATCH_CREATE.label())
        except InvalidResponseError as exc:
            return {cid: _Item(Outcome.UNKNOWN, error=exc) for cid in pending}
        by_cid: dict[str, BatchCreateItem] = {}
        if all(item.client_order_id for item in parsed.orders):
            by_cid = {item.client_order_id: item for item in parsed.orders if item.client_order_id}
        elif len(parsed.orders) == len(pending):
            by_cid = dict(zip(pending, parsed.orders, strict=True))
        out: dict[str, _Item] = {}
        for cid, intent in pending.items():
            item = by_cid.get(cid)
            if item is None:
                missing = InvalidResponseError(f"batch create response has no item for {cid}", venue=VENUE)
                out[cid] = _Item(Outcome.UNKNOWN, error=missing)
            elif item.error is not None:
                error = _item_error(item.error)
                out[cid] = _Item(
                    Outcome.REJECTED, error=error, duplicate=isinstance(error, DuplicateClientOrderIdError)
                )
            else:
                assert item.fill_count is not None and item.remaining_count is not None  # item validator
                created = CreateOrderResponse(
                    order_id=item.order_id or "",
                    client_order_id=item.client_order_id,
                    fill_count=item.fill_count,
                    remaining_count=item.remaining_count,
                    average_fill_price=item.average_fill_price,
                    average_fee_paid=item.average_fee_paid,
                    ts_ms=item.ts_ms if item.ts_ms is not None else int(self._clock.time() * 1000),
                )
                try:
                    out[cid] = _Item(Outcome.OK, ack=mapping.ack_from_create(created, intent))
                except mapping.AckMismatch as exc:
                    out[cid] = _Item(Outcome.UNKNOWN, error=InvalidResponseError(str(exc), venue=VENUE))
        return out

    def _portfolio_fresh_since(self, moment: float) -> bool | None:
        """Has Kalshi validated portfolio data after local time ``moment`` (+ margin)? None: unknown."""
        if not self._user_data_ts_supported:
            return None
        try:
            as_of = self.user_data_timestamp()
        except NotFoundError:
            self._user_data_ts_supported = False
            return None
        except VenueError as exc:
            log.warning("kalshi: user data timestamp unavailable (%s)", exc)
            return None
        server_moment = moment + (self._skew or 0.0)
        return as_of.timestamp() >= server_moment + self._recovery.freshness_margin

    def _resolve(
        self, targets: dict[str, str], ended_at: float, *, include_historical: bool
    ) -> dict[str, tuple[KalshiOrder | None, bool]]:
        """Poll for orders by client id. Each value: (order or None, whether "None" is definitive)."""
        policy = self._recovery
        deadline = self._clock.monotonic() + policy.max_wait
        interval = policy.poll_interval
        remaining = dict(targets)
        out: dict[str, tuple[KalshiOrder | None, bool]] = {}
        while True:
            try:
                waited_enough = self._clock.time() - ended_at >= policy.lag_window
                # Read the freshness stamp before listing: the listing is then at least that fresh.
                fresh = self._portfolio_fresh_since(ended_at) if waited_enough else False
                by_ticker: dict[str, set[str]] = defaultdict(set)
                for cid, ticker in remaining.items():
                    by_ticker[ticker].add(cid)
                for ticker, cids in by_ticker.items():
                    found = self._find_kalshi_orders(
                        cids, market_ticker=ticker, include_historical=include_historical
                    )
                    for cid, order in found.items():
                        out[cid] = (order, True)
                        remaining.pop(cid, None)
                if not remaining:
                    return out
                if waited_enough and fresh is not False:
                    out.update(dict.fromkeys(remaining, (None, True)))
                    return out
            except VenueError as exc:
                log.warning("kalshi: order lookup by client id failed (%s)", exc)
            if self._clock.monotonic() + interval > deadline:
                out.update(dict.fromkeys(remaining, (None, False)))
                return out
            self._clock.sleep(interval)
            interval = min(interval * 2, policy.max_poll_interval)

    # -----------------------------------------------------------------------------------------
    # Orders: changing

    def cancel_order(self, order_id: str, *, market_ticker: str | None = None) -> CancelAck:
        """``DELETE /portfolio/events/orders/{id}`` (retried: cancelling is idempotent).

        Pass ``market_ticker`` so Kalshi can route to the right shard. If a retry answers 404
        after an attempt whose outcome was unknown, the order is fetched: not resting any more →
        the cancel is reported done with ``reduced_by=None`` (it may have been ours, or a fill).
        """
        params = {"market_ticker": market_ticker, **self._sub()}
        result = self._call(CANCEL_ORDER, path_params={"order_id": order_id}, params=params)
        if isinstance(result.error, NotFoundError) and result.unknown_attempts:
            order = self.get_kalshi_order(order_id)
            if order.status is not OrderStatus.RESTING:
                return CancelAck(
                    order_id=order_id, client_order_id=order.client_order_id or None, reduced_by=None
                )
        response = self._parse(CancelOrderResponse, result.unwrap(), CANCEL_ORDER.label())
        if response.order_id != order_id:
            raise InvalidResponseError(
                f"cancel answered for order {response.order_id}, not {order_id}", venue=VENUE
            )
        return CancelAck(
            order_id=response.order_id,
            client_order_id=response.client_order_id or None,
            reduced_by=response.reduced_by,
            venue_time=utc_from_ms(response.ts_ms),
        )

    def _gone(self, order_id: str) -> CancelAck | None:
        """After a retried cancel answered 404: the order is no longer resting → report it done."""
        try:
            order = self.get_kalshi_order(order_id)
        except VenueError:
            return None
        if order.status is OrderStatus.RESTING:
            return None
        return CancelAck(order_id=order_id, client_order_id=order.client_order_id or None, reduced_by=None)

    def amend_order(
        self,
        order_id: str,
        *,
        market_ticker: str,
        side: OutcomeSide,
        action: Action,
        price: Decimal,
        count: Decimal,
        client_order_id: str | None = None,
        updated_client_order_id: str | None = None,
        expiration: datetime | None = None,
        remove_expiration: bool = False,
    ) -> AmendOrderResponse:
        """Amend price and/or total count (filled + desired resting), in trader terms.

        Not retried once it may have reached Kalshi (an amend moves queue position);
        an unknown outcome raises :class:`AmbiguousOutcomeError`.
        """
        terms = mapping.intent_terms_to_v2(side, action, price)
        body: dict[str, Any] = {
            "ticker": market_ticker,
            "side": terms.side.value,
            "price": format_dollars(terms.price, min_places=mapping.REQUEST_PRICE_PLACES),
            "count": format_count(count),
        }
        if client_order_id:
            body["client_order_id"] = client_order_id
        if updated_client_order_id:
            body["updated_client_order_id"] = updated_client_order_id
        if remove_expiration:
            body["expiration_time"] = 0
        elif expiration is not None:
            body["expiration_time"] = mapping.unix_seconds(expiration)
        response = self._request(
            AMEND_ORDER, path_params={"order_id": order_id}, params=self._sub() or None, body=body
        )
        return self._parse(AmendOrderResponse, response, AMEND_ORDER.label())

    def decrease_order(
        self,
        order_id: str,
        *,
        reduce_by: Decimal | None = None,
        reduce_to: Decimal | None = None,
        market_ticker: str | None = None,
    ) -> DecreaseOrderResponse:
        """Decrease resting size; ``reduce_to`` is retried like a read, ``reduce_by`` is not.

        If a ``reduce_to`` retry answers 404 after an attempt whose outcome was unknown (the lost
        attempt emptied the order, e.g. ``reduce_to=0``, or a fill did), the order is fetched: not
        resting any more → reported with ``remaining_count`` 0, like a retried cancel.
        """
        if (reduce_by is None) == (reduce_to is None):
            raise ValueError("give exactly one of reduce_by or reduce_to")
        body: dict[str, Any] = {"market_ticker": market_ticker} if market_ticker else {}
        if reduce_to is not None:
            body["reduce_to"] = format_count(reduce_to)
            endpoint = DECREASE_ORDER_TO
        else:
            assert reduce_by is not None
            body["reduce_by"] = format_count(reduce_by)
            endpoint = DECREASE_ORDER_BY
        result = self._call(
            endpoint, path_params={"order_id": order_id}, params=self._sub() or None, body=body
        )
        if isinstance(result.error, NotFoundError) and result.unknown_attempts:
            order = self.get_kalshi_order(order_id)
            if order.status is not OrderStatus.RESTING:
                return DecreaseOrderResponse(
                    order_id=order_id,
                    client_order_id=order.client_order_id or None,
                    remaining_count=order.remaining_count_fp,
                    ts_ms=int(self._clock.time() * 1000),
                )
        return self._parse(DecreaseOrderResponse, result.unwrap(), endpoint.label())

    def batch_cancel_orders(self, orders: Sequence[tuple[str, str | None]]) -> list[CancelAck | VenueError]:
        """Cancel ``(order_id, market_ticker)`` pairs; one result per pair, in order."""
        results: list[CancelAck | VenueError] = []
        self._ensure_rate_limits()
        size = min(LEGACY_BATCH_CAP, self._limiter.max_items(Bucket.WRITE, BATCH_CANCEL.cost))
        for start in range(0, len(orders), size):
            chunk = orders[start : start + size]
            items = []
            for order_id, ticker in chunk:
                item: dict[str, Any] = {"order_id": order_id}
                if ticker:
                    item["market_ticker"] = ticker
                if self._subaccount is not None:
                    item["subaccount"] = self._subaccount
                items.append(item)
            call = self._call(BATCH_CANCEL, body={"orders": items}, cost=BATCH_CANCEL.cost * len(chunk))
            parsed = self._parse(BatchCancelOrdersResponse, call.unwrap(), BATCH_CANCEL.label())
            by_id = {entry.order_id: entry for entry in parsed.orders}
            for order_id, _ in chunk:
                entry = by_id.get(order_id)
                if entry is None:
                    results.append(
                        InvalidResponseError(f"batch cancel response has no item for {order_id}", venue=VENUE)
                    )
                elif entry.error is not None:
                    error = _item_error(entry.error)
                    gone = (
                        self._gone(order_id)
                        if call.unknown_attempts and isinstance(error, NotFoundError)
                        else None
                    )
                    results.append(gone or error)
                else:
                    results.append(
                        CancelAck(
                            order_id=order_id,
                            client_order_id=entry.client_order_id or None,
                            reduced_by=entry.reduced_by,
                            venue_time=utc_from_ms(entry.ts_ms) if entry.ts_ms is not None else None,
                        )
                    )
        return results

    def cancel_all_orders(self) -> None:
        """``DELETE /portfolio/events/orders``: every resting order (orders placed in the next
        minute may be cancelled too, per Kalshi)."""
        self._request(CANCEL_ALL, params=self._sub() or None)
