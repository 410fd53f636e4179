"""At-most-once order placement: our client against the simulator under every injected fault.

For each fault the simulator itself is the witness: how many orders carry the client order id
(exactly 1, or 0 when the order was refused), how many create requests reached it and how it
answered each. The client must return the order (``recovered`` when it had to look it up) or
raise — and when the order may exist, only ever :class:`AmbiguousOutcomeError`.
"""

from __future__ import annotations

import random
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest

from inplay.venues.base import (
    AmbiguousOutcomeError,
    DuplicateClientOrderIdError,
    ExchangeUnavailableError,
    InsufficientBalanceError,
    MarketClosedError,
    OrderAck,
    OrderStatus,
    RateLimitedError,
    SystemClock,
    TradingPausedError,
    VenueError,
)
from inplay.venues.kalshi import BASIC_LIMITS, KalshiClient, RecoveryPolicy, RetryPolicy
from local.kalshi_sim.engine import MarketState
from local.kalshi_sim.ratelimit import BucketLimit, TierLimits
from tests.integration.kalshi.support import CREATE, Venue, running_venue

Inject = Callable[[Venue], None]
ACK, RECOVERED = "ack", "recovered"


def nothing(venue: Venue) -> None:
    return None


def drop(venue: Venue) -> None:
    venue.sim.drop_next_response(CREATE)


def fail(status: int, when: str = "before", count: int = 1) -> Inject:
    def inject(venue: Venue) -> None:
        venue.sim.fail_next(status, count=count, operation=CREATE, when=when)  # type: ignore[arg-type]

    return inject


def both(*injects: Inject) -> Inject:
    def inject(venue: Venue) -> None:
        for one in injects:
            one(venue)

    return inject


def stale(ms: int) -> Inject:
    def inject(venue: Venue) -> None:
        venue.sim.set_stale_reads(ms)

    return inject


def latency(ms: int) -> Inject:
    def inject(venue: Venue) -> None:
        venue.sim.set_latency(ms, CREATE)

    return inject


def delay_next(ms: int) -> Inject:
    def inject(venue: Venue) -> None:
        venue.sim.delay_next(ms, CREATE)

    return inject


def pause(ticker: bool) -> Inject:
    def inject(venue: Venue) -> None:
        venue.sim.pause_trading(venue.home if ticker else None)

    return inject


def close_market(venue: Venue) -> None:
    venue.sim.set_market_status(venue.home, MarketState.CLOSED)


@dataclass(frozen=True)
class Case:
    id: str
    inject: Inject
    outcome: str | type[VenueError]
    creates: int
    """Create requests that reached the simulator."""
    orders: int
    """Orders the simulator holds for the client order id afterwards."""
    client: dict[str, Any] = field(default_factory=dict)
    intent: dict[str, Any] = field(default_factory=dict)
    statuses: tuple[int, ...] | None = None
    """How the simulator answered each create, in arrival order (when the order is certain)."""
    waited: float = 0.0
    """Virtual seconds the client must have waited before concluding (lag window, stale data)."""


REAL_TIME_RECOVERY = RecoveryPolicy(lag_window=1.5, poll_interval=0.1, max_poll_interval=0.2, max_wait=5.0)
IOC_CROSSING = {"price": "0.55", "time_in_force": "ioc", "count": "5"}

CASES = [
    Case("no-fault", nothing, ACK, creates=1, orders=1, statuses=(201,)),
    Case("accept-then-drop-response", drop, RECOVERED, creates=1, orders=1, statuses=(201,)),
    Case("ioc-fills-then-drop-response", drop, RECOVERED, creates=1, orders=1, intent=IOC_CROSSING),
    Case("5xx-before-processing", fail(503), ACK, creates=2, orders=1, statuses=(503, 201), waited=3.0),
    Case("5xx-after-processing", fail(500, "after"), RECOVERED, creates=1, orders=1, statuses=(500,)),
    Case(
        "5xx-before-every-send",
        fail(502, count=2),
        AmbiguousOutcomeError,
        creates=2,
        orders=0,
        statuses=(502, 502),
        waited=3.0,
    ),
    Case("429-then-accepted", fail(429, count=2), ACK, creates=3, orders=1, statuses=(429, 429, 201)),
    Case("429-until-retries-run-out", fail(429, count=4), RateLimitedError, creates=4, orders=0),
    Case(
        "latency-beyond-timeout-found-by-lookup",
        latency(700),
        RECOVERED,
        creates=1,
        orders=1,
        client={"clock": SystemClock(), "timeout": 0.3, "recovery": REAL_TIME_RECOVERY},
        statuses=(201,),
    ),
    Case(
        "latency-on-every-send",
        latency(500),
        RECOVERED,
        creates=2,
        orders=1,
        client={"timeout": 0.4},
        statuses=(201, 409),
    ),
    Case(
        "delayed-original-overtaken-by-its-resend",
        delay_next(900),
        ACK,
        creates=2,
        orders=1,
        client={"timeout": 0.3},
        statuses=(409, 201),
    ),
    Case(
        "stale-reads-then-drop-response",
        both(stale(5000), drop),
        RECOVERED,
        creates=1,
        orders=1,
        statuses=(201,),
        waited=5.0,
    ),
    Case(
        "stale-reads-then-5xx-before",
        both(stale(5000), fail(503)),
        ACK,
        creates=2,
        orders=1,
        statuses=(503, 201),
        waited=6.0,  # portfolio data validated 1.5 s after the failed send (± 0.5 s of Date skew)
    ),
    Case("exchange-trading-paused", pause(ticker=False), TradingPausedError, creates=1, orders=0),
    Case("market-paused", pause(ticker=True), TradingPausedError, creates=1, orders=0),
    Case("market-closed", close_market, MarketClosedError, creates=1, orders=0),
    Case(
        "insufficient-balance",
        nothing,
        InsufficientBalanceError,
        creates=1,
        orders=0,
        intent={"count": "100000"},
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_fault_matrix(venue: Venue, case: Case) -> None:
    cid = f"matrix-{case.id}"
    client = venue.client(**case.client)
    intent = venue.intent(cid, **case.intent)
    case.inject(venue)
    slept_before = venue.clock.slept
    result: OrderAck | VenueError
    try:
        result = client.place_order(intent)
    except VenueError as exc:
        result = exc
    finally:
        client.close()
    venue.idle()

    held = venue.orders(cid)
    assert len(held) == case.orders, [o.order_id for o in held]
    assert venue.creates(cid) == case.creates
    if case.statuses is not None:
        assert tuple(venue.create_statuses(cid)) == case.statuses
    if isinstance(case.outcome, str):
        assert isinstance(result, OrderAck), result
        assert result.recovered is (case.outcome == RECOVERED)
        assert result.client_order_id == cid
        (order,) = held
        assert result.order_id == order.order_id
        assert result.filled_count == Decimal(order.filled) / 100
        assert result.remaining_count == Decimal(order.remaining) / 100
        assert result.status is OrderStatus(order.status)
        if result.recovered:
            assert result.order is not None and result.order.order_id == order.order_id
    else:
        assert isinstance(result, case.outcome), result
        assert result.order_may_exist is issubclass(case.outcome, AmbiguousOutcomeError)
        if isinstance(result, AmbiguousOutcomeError):
            assert result.client_order_id == cid
    assert venue.clock.slept - slept_before >= case.waited


def test_ioc_recovered_after_a_lost_response_reports_its_fills(venue: Venue) -> None:
    client = venue.client()
    venue.sim.drop_next_response(CREATE)
    ack = client.place_order(venue.intent("lost-ioc", side="no", price="0.55", time_in_force="ioc"))
    assert ack.recovered and ack.status is OrderStatus.EXECUTED
    assert ack.filled_count == 3 and ack.remaining_count == 0
    assert ack.average_fill_price == Decimal("0.52")  # NO price: the maker's 0.48 YES bid
    assert ack.order is not None and ack.order.side.value == "no"
    (fill,) = client.get_fills(order_id=ack.order_id)
    assert fill.count == 3 and fill.price == Decimal("0.52")


def test_explicit_resend_of_a_client_order_id_returns_the_existing_order(venue: Venue) -> None:
    client = venue.client()
    first = client.place_order(venue.intent("dup-1"))
    again = client.place_order(venue.intent("dup-1"))
    assert not first.recovered and again.recovered
    assert again.order_id == first.order_id
    assert venue.create_statuses("dup-1") == [201, 409]
    assert len(venue.orders("dup-1")) == 1

    # the same id with the opposite direction: the existing order is not adopted
    with pytest.raises(DuplicateClientOrderIdError) as other_terms:
        client.place_order(venue.intent("dup-1", action="sell"))
    assert other_terms.value.order_may_exist and first.order_id in str(other_terms.value)
    # the same id on another market: Kalshi's ids are per account, the order is not on that market
    with pytest.raises(DuplicateClientOrderIdError):
        client.place_order(venue.intent("dup-1", market_ticker=venue.away))
    assert venue.create_statuses("dup-1") == [201, 409, 409, 409]
    assert [o.order_id for o in venue.orders("dup-1")] == [first.order_id]


def test_real_token_bucket_429s_are_resent_and_never_duplicate(venue: Venue) -> None:
    tight = TierLimits(
        "basic", read=BucketLimit(1_000, 1_000), write=BucketLimit(10, 10), balance=BucketLimit(5, 5)
    )
    venue.sim.set_limits(venue.creds.user_id, tight)  # one order per second
    unaware = venue.client(rate_limits=BASIC_LIMITS, retry=RetryPolicy(max_attempts=8, base_delay=0.5))
    acks = [unaware.place_order(venue.intent(f"bucket-{i}")) for i in range(6)]
    limited = venue.sim.traffic.count(CREATE, 429)
    assert limited > 0
    assert venue.creates() == 6 + limited
    for i, ack in enumerate(acks):
        assert [o.order_id for o in venue.orders(f"bucket-{i}")] == [ack.order_id]
        assert not ack.recovered

    # a client that reads GET /account/limits paces itself to the same bucket: one create a second
    venue.clock.advance(2.0)
    aware = venue.client()
    assert aware.load_rate_limits().write.capacity == 10
    for i in range(4):
        ack = aware.place_order(venue.intent(f"paced-{i}"))
        assert [o.order_id for o in venue.orders(f"paced-{i}")] == [ack.order_id]
    paced = [r for r in venue.sim.traffic.records(CREATE) if r.client_order_ids[0].startswith("paced-")]
    gaps = [b.received_ms - a.received_ms for a, b in pairwise(paced)]
    assert len(paced) >= 4 and min(gaps) >= 950, gaps  # (network jitter may still cost a rare 429)


def test_connection_refused_is_a_plain_failure_after_retries(venue: Venue) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = KalshiClient(
        f"http://127.0.0.1:{port}/trade-api/v2",
        credentials=venue.credentials(),
        clock=venue.clock,
        rng=random.Random(1),
        rate_limits=BASIC_LIMITS,
    )
    with pytest.raises(ExchangeUnavailableError) as refused:
        client.place_order(venue.intent("never-sent"))
    assert not refused.value.order_may_exist
    assert venue.creates() == 0


BATCH = "batch_create_orders_v2"
BATCH_FAULTS = [
    ("drop-response", lambda venue: venue.sim.drop_next_response(BATCH), True, 1),
    ("5xx-after", lambda venue: venue.sim.fail_next(500, operation=BATCH, when="after"), True, 1),
    ("5xx-before", lambda venue: venue.sim.fail_next(503, operation=BATCH), False, 2),
]


@pytest.mark.parametrize(
    ("inject", "recovered", "sends"),
    [(inject, recovered, sends) for _, inject, recovered, sends in BATCH_FAULTS],
    ids=[name for name, *_ in BATCH_FAULTS],
)
def test_batch_create_under_faults(venue: Venue, inject: Inject, recovered: bool, sends: int) -> None:
    client = venue.client()
    intents = [venue.intent(f"batch-{i}", price=f"0.4{i}") for i in range(3)]
    inject(venue)
    results = client.batch_place_orders(intents)
    venue.idle()
    for intent, result in zip(intents, results, strict=True):
        assert isinstance(result, OrderAck), result
        assert result.recovered is recovered
        assert [o.order_id for o in venue.orders(intent.client_order_id)] == [result.order_id]
        assert venue.creates(intent.client_order_id) == sends


def run_random_session(
    tmp_path: Path, seed: int, orders: int
) -> tuple[dict[str, list[OrderAck | VenueError]], list[str]]:
    """Place ``orders`` random intents, each under a random fault; every result per id, and the
    faults injected."""
    rng = random.Random(seed)
    with running_venue(tmp_path, seed=seed) as venue:
        client = venue.client(timeout=0.3, rng=random.Random(seed))
        faults: list[tuple[str, Inject]] = [
            ("none", nothing),
            ("drop", drop),
            ("503-before", fail(503)),
            ("500-after", fail(500, "after")),
            ("502-before-twice", fail(502, count=2)),
            ("429", fail(429, count=2)),
            ("delay", delay_next(600)),
            ("stale+drop", both(stale(4000), drop)),
            ("stale+503", both(stale(4000), fail(503))),
            ("paused", pause(ticker=False)),
            ("market-paused", pause(ticker=True)),
            ("resend", nothing),
        ]
        results: dict[str, list[OrderAck | VenueError]] = {}
        injected: list[str] = []
        for n in range(orders):
            name, inject = rng.choice(faults)
            injected.append(name)
            cid = f"rnd-{seed}-{n}"
            intent = venue.intent(
                cid,
                market_ticker=rng.choice([venue.home, venue.away]),
                side=rng.choice(["yes", "no"]),
                action=rng.choice(["buy", "sell"]),
                price=f"0.{rng.randint(40, 60)}",
                count=str(rng.randint(1, 4)),
                time_in_force=rng.choice(["gtc", "gtc", "ioc"]),
            )
            inject(venue)
            attempts = 2 if name == "resend" else 1
            for _ in range(attempts):
                try:
                    results.setdefault(cid, []).append(client.place_order(intent))
                except VenueError as exc:
                    results[cid].append(exc)
            venue.idle()
            venue.sim.clear_faults()
            venue.sim.resume_trading()
            for ticker in (venue.home, venue.away):
                venue.sim.resume_trading(ticker)
        client.close()
        venue.idle()
        check_accounting(venue, results)
        return results, injected


def check_accounting(venue: Venue, results: dict[str, list[OrderAck | VenueError]]) -> None:
    """≤ 1 order per client order id, and every order the simulator holds is accounted for."""
    held_ids = [o.client_order_id for o in venue.orders()]
    assert len(held_ids) == len(set(held_ids)), "a client order id is carried by two orders"
    assert set(held_ids) <= set(results), "the simulator holds an order nobody asked for"
    for cid, outcomes in results.items():
        held = venue.orders(cid)
        acks = {r.order_id for r in outcomes if isinstance(r, OrderAck)}
        ambiguous = any(isinstance(r, VenueError) and r.order_may_exist for r in outcomes)
        if held:
            (order,) = held
            assert acks <= {order.order_id}, (cid, acks, order.order_id)
            assert acks or ambiguous, f"{cid}: order {order.order_id} exists but was reported as failed"
        else:
            assert not acks, f"{cid}: acknowledged {acks} but the simulator has no such order"


def test_random_faults_never_duplicate_and_every_order_is_accounted_for(tmp_path: Path) -> None:
    results, injected = run_random_session(tmp_path, seed=2026, orders=50)
    assert len(set(injected)) >= 10  # (nearly) every kind of fault was exercised
    outcomes = [r for rs in results.values() for r in rs]
    assert any(isinstance(r, OrderAck) and r.recovered for r in outcomes)
    assert any(isinstance(r, OrderAck) and not r.recovered for r in outcomes)
    assert any(isinstance(r, VenueError) and not r.order_may_exist for r in outcomes)


def test_concurrent_placement_under_faults_never_duplicates(venue: Venue) -> None:
    """Four threads share one client while faults land on whichever create comes next."""
    client = venue.client(timeout=0.5)
    results: dict[str, list[OrderAck | VenueError]] = {}
    lock = threading.Lock()
    faults: list[Inject] = [nothing, drop, fail(503), fail(500, "after"), delay_next(700), nothing]

    def worker(number: int) -> None:
        rng = random.Random(number)
        for n in range(10):
            rng.choice(faults)(venue)
            intent = venue.intent(
                f"thread-{number}-{n}", side=rng.choice(["yes", "no"]), price=f"0.{rng.randint(40, 60)}"
            )
            try:
                outcome: OrderAck | VenueError = client.place_order(intent)
            except VenueError as exc:
                outcome = exc
            with lock:
                results[intent.client_order_id] = [outcome]

    threads = [threading.Thread(target=worker, args=(number,)) for number in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    client.close()
    venue.sim.clear_faults()
    venue.idle()
    assert len(results) == 40
    check_accounting(venue, results)
    acks = [r for (r,) in results.values() if isinstance(r, OrderAck)]
    assert len(acks) >= 20 and any(ack.recovered for ack in acks)  # not vacuous
