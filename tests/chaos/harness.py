"""The chaos trial: orders through the workflow steps with crashes and venue faults, orders placed
behind the bot's back, then one reconcile, then the invariants.

One Kalshi simulator server (HTTP on 127.0.0.1, the real ``KalshiClient`` through ``KalshiVenues``)
serves every trial; each trial gets a fresh simulator user (same RSA key pair, new key id: no key
generation per trial), a fresh game (two markets with a market maker: bid 0.48 / ask 0.52) and
fresh in-memory stores. The workflow runs in-process: :func:`drive` follows each step's ``next``
the way ``infra/workflows/order.asl.json`` routes it (same Retry counts and Catch → MarkUnknown),
with the Wait states instant. A *hard* crash before or after any step invocation abandons the
workflow (no Catch, nothing after it runs), as a dead Lambda would leave it.

Reconcile timing: the simulator stamps its portfolio data (``user_data_timestamp``) with the real
clock at read time, while the workflow, the stores and the reconciler run on a clock ``SHIFT``
behind it: every store change, including the ones the reconcile itself makes while settling
intents, is then older than the venue's data, as if the reconcile ran well after the trial. Without
the shift, a market where this run just settled an intent (even PENDING → REJECTED) is deferred to
the next run ("venue data as of … is older than our last change here"). ``lag_margin=0`` (one
clock) and ``stale_after=0`` / ``not_found_grace=0`` (every workflow was abandoned or finished
before the reconcile) let ONE reconcile conclude.
"""

from __future__ import annotations

import json
import random
import string
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from inplay.alerts.publisher import RecordingPublisher
from inplay.orders.errors import OrderStepError
from inplay.orders.intents import InMemoryIntentLedger, IntentState
from inplay.orders.steps import OrderDeps, run_step
from inplay.orders.workflow import OrderRequest
from inplay.reconcile import ReconcileDeps, ReconcileSettings, reconcile_user
from inplay.risk.records import FindingKind, OrphanKind, ReconcileReport, ReconcileTrigger
from inplay.risk.store import InMemoryRiskStore
from inplay.venues.base import Action, OrderIntent, OutcomeSide, TimeInForce
from inplay.venues.factory import KalshiVenues
from inplay.venues.kalshi import KalshiClient, KalshiCredentials
from inplay.venues.kalshi.client import RecoveryPolicy, RetryPolicy
from local.kalshi_sim import KalshiSimulator, MakerConfig, SimServer, Team
from local.kalshi_sim.auth import generate_private_key_pem, public_key_pem
from tests.unit.reconcile.fakes import FakeControls, MemoryAudit, MemoryTrades

D = Decimal
S = IntentState
BOT = "chaos-bot"
OWNER = "arn:aws:states:us-east-1:123456789012:execution:OrderStateMachine:"
POLICY = {"max_wait_seconds": 2, "poll_seconds": 1, "partial_fill_threshold": "0.8"}
"""2 fill checks, then cancel (the Wait states are instant here)."""
CLIENT_OPTIONS: dict[str, Any] = {
    "retry": RetryPolicy(max_attempts=2, base_delay=0.0),
    "recovery": RecoveryPolicy(lag_window=0.05, max_wait=1.0, poll_interval=0.02, freshness_margin=0.0),
    "timeout": 5.0,
}
SETTINGS = ReconcileSettings(lag_margin=timedelta(0), stale_after=timedelta(0), not_found_grace=timedelta(0))

# Retry (error name → max attempts) and the step after each step, as the ASL has them.
_RETRY_COMMON = {"VenueUnavailable": 3, "RateLimited": 3, "StoreUnavailable": 3}
RETRY: dict[str, dict[str, int]] = {
    "reserve": _RETRY_COMMON,
    "place": _RETRY_COMMON,
    "check_fill": _RETRY_COMMON,
    "cancel": _RETRY_COMMON,
    "verify_cancel": {**_RETRY_COMMON, "CancelNotConfirmed": 5},
    "record": {**_RETRY_COMMON, "FillsNotVisible": 5},
    "mark_unknown": {"StoreUnavailable": 5},
    "audit": {"StoreUnavailable": 5, "AuditBusy": 5},
    "alert": {"AlertPublishFailed": 3},
}
ROUTE = {"place": "place", "wait": "check_fill", "cancel": "cancel", "record": "record"}
FAULTS = (
    None,
    "drop_create",
    "fail_create",
    "fail_create_twice",
    "fail_create_after",
    "fail_get_order",
    "fail_cancel",
    "delay_create",
)
BOT_PRICES = ("0.30", "0.50", "0.52")
"""0.30 and 0.50 rest (then time out and are cancelled); 0.52 takes the maker's ask."""


class Crash(Exception):
    """The process died here."""


SHIFT = timedelta(minutes=5)


def store_now() -> datetime:
    """The clock of the workflow, the stores and the reconciler (``SHIFT`` behind the venue's)."""
    return datetime.now(UTC) - SHIFT


class LiveTrades(MemoryTrades):
    """:class:`MemoryTrades` stamping positions with :func:`store_now`."""

    @property  # type: ignore[override]
    def now(self) -> datetime:
        return store_now()

    @now.setter
    def now(self, value: datetime) -> None:
        pass


class Secrets:
    def __init__(self) -> None:
        self.values: dict[str, str] = {}

    def secret_string(self, name: str) -> str | None:
        return self.values.get(name)


@dataclass
class Tally:
    """What the trials exercised (so a run shows it covered crashes, faults and orphans)."""

    trials: int = 0
    orders: int = 0
    crashes: Counter[str] = field(default_factory=Counter)
    faults: Counter[str] = field(default_factory=Counter)
    outcomes: Counter[str] = field(default_factory=Counter)
    foreign_resting: int = 0
    foreign_filled: int = 0
    findings: Counter[str] = field(default_factory=Counter)


@dataclass
class ChaosVenue:
    sim: KalshiSimulator
    server: SimServer
    private_pem: bytes
    public_pem: bytes
    counter: int = 0

    def fresh_user(self) -> tuple[str, str]:
        uid = self.sim.create_user(balance_cents=10_000_000, tier="premier")
        key_id = self.sim.add_api_key(uid, self.public_pem)
        return uid, key_id

    def fresh_game(self) -> tuple[str, str]:
        self.counter += 1
        n, letters = self.counter, ""
        while n:
            n, r = divmod(n, 26)
            letters += string.ascii_uppercase[r]
        game = self.sim.add_game(
            Team(f"A{letters}", f"Away {letters}"),
            Team(f"H{letters}", f"Home {letters}"),
            maker=MakerConfig(levels=3),
        )
        return game.home_ticker, game.away_ticker


@contextmanager
def chaos_venue(seed: int = 7) -> Iterator[ChaosVenue]:
    sim = KalshiSimulator(seed=seed, maintenance=False)
    pem = generate_private_key_pem("rsa")
    with SimServer(sim, tick_ms=0) as server:
        yield ChaosVenue(sim, server, pem, public_key_pem(pem))


def drive(body: dict[str, Any], deps: OrderDeps, crash: tuple[int, str] | None) -> str:
    """Run one order's workflow; returns how it ended (``crashed`` or the intent's result)."""
    name = OrderRequest.model_validate(body).intent_id
    state: dict[str, Any] = {"request": body, "execution_name": name, "execution_id": OWNER + name}
    step: str | None = "reserve"
    invocations = 0
    attempts: Counter[str] = Counter()
    while step is not None:
        if crash is not None and crash == (invocations, "before"):
            raise Crash(f"before {step}")
        invocations += 1
        try:
            out = run_step({"step": step, "state": state}, deps)
        except Exception as exc:  # a Lambda error: Retry, else Catch
            if crash is not None and crash == (invocations - 1, "after"):
                raise Crash(f"after {step}") from None
            error = type(exc).__name__ if isinstance(exc, OrderStepError) else "Exception"
            limit = RETRY[step].get(error, 0)
            if attempts[(step, error)] < limit:
                attempts[(step, error)] += 1
                continue
            if step == "alert":
                break
            if step in ("audit", "mark_unknown"):
                step = "alert" if step == "audit" else "audit"
                continue
            state["error"] = {"Error": error, "Cause": str(exc)[:500]}
            step = "mark_unknown"
            continue
        if crash is not None and crash == (invocations - 1, "after"):
            raise Crash(f"after {step}")
        if step == "alert":
            break
        if step == "audit":
            step = "alert"
            continue
        state["order"] = out
        if step == "cancel":
            step = "verify_cancel"
        elif step in ("verify_cancel",):
            step = "record"
        elif step in ("record", "mark_unknown"):
            step = "audit"
        else:
            step = ROUTE.get(out["next"], "audit")
    result = (state.get("order") or {}).get("result") or {}
    return str(result.get("status") or "finished")


def _inject(sim: KalshiSimulator, fault: str | None) -> None:
    if fault == "drop_create":
        sim.drop_next_response("create_order_v2")
    elif fault == "fail_create":
        sim.fail_next(503, operation="create_order_v2")
    elif fault == "fail_create_twice":
        sim.fail_next(503, count=2, operation="create_order_v2")
    elif fault == "fail_create_after":
        sim.fail_next(500, operation="create_order_v2", when="after")
    elif fault == "fail_get_order":
        sim.fail_next(503, count=2, operation="get_order")
    elif fault == "fail_cancel":
        sim.fail_next(503, count=2, operation="cancel_order")
    elif fault == "delay_create":
        sim.delay_next(30, "create_order_v2")


def _request(user: str, ticker: str, signal: str, price: str, count: int) -> dict[str, Any]:
    return {
        "intent": {
            "user_id": user,
            "bot_id": BOT,
            "market_ticker": ticker,
            "signal_id": signal,
            "decision_bucket": store_now().isoformat(),
            "side": "yes",
            "action": "buy",
            "price": price,
            "count": str(count),
            "mode": "paper",
        },
        "policy": POLICY,
    }


def run_trial(venue: ChaosVenue, seed: int, tally: Tally) -> list[str]:
    """One seeded trial; returns the invariant breaches (empty when all hold)."""
    rng = random.Random(seed)
    sim = venue.sim
    user, key_id = venue.fresh_user()
    home, away = venue.fresh_game()
    tickers = (home, away)
    secrets = Secrets()
    secrets.values[f"inplay/kalshi/{user}"] = json.dumps(
        {"key_id": key_id, "private_key_pem": venue.private_pem.decode()}
    )
    venues = KalshiVenues(base_url=venue.server.base_url, secrets=secrets, client_options=CLIENT_OPTIONS)
    manual = KalshiClient(
        venue.server.base_url, credentials=KalshiCredentials.from_pem(key_id, venue.private_pem)
    )
    ledger = InMemoryIntentLedger()
    trades = LiveTrades()
    controls = FakeControls()
    risk = InMemoryRiskStore()
    audit = MemoryAudit()
    alerts = RecordingPublisher()
    order_deps = OrderDeps(
        ledger=ledger,
        controls=controls,
        trades=trades,
        audit=audit,
        alerts=alerts,
        venues=venues,
        now=store_now,
    )
    deps = ReconcileDeps(
        ledger=ledger,
        trades=trades,
        controls=controls,
        risk=risk,
        audit=audit,
        audit_log=audit,
        alerts=alerts,
        venues=venues,
        settings=SETTINGS,
        now=store_now,
    )
    actions: list[tuple[str, int]] = [("bot", i) for i in range(rng.randint(1, 3))]
    actions += [("foreign", i) for i in range(rng.randint(0, 2))]
    rng.shuffle(actions)
    foreign_resting: list[str] = []
    foreign_fill_tickers: set[str] = set()
    try:
        for kind, i in actions:
            ticker = rng.choice(tickers)
            count = rng.randint(1, 5)
            if kind == "foreign":
                crossing = rng.random() < 0.5
                foreign = uuid.UUID(int=rng.getrandbits(128), version=4)
                cid = rng.choice([str(foreign), f"phone-{foreign.hex[:16]}"])  # never an intent id
                ack = manual.place_order(
                    OrderIntent(
                        market_ticker=ticker,
                        side=OutcomeSide.YES,
                        action=Action.BUY,
                        price=D("0.55") if crossing else D("0.25"),
                        count=D(count),
                        client_order_id=cid,
                        time_in_force=TimeInForce.GTC,
                    )
                )
                if crossing:
                    tally.foreign_filled += 1
                    foreign_fill_tickers.add(ticker)
                else:
                    tally.foreign_resting += 1
                    foreign_resting.append(ack.order_id)
                continue
            fault = rng.choice(FAULTS)
            crash = None if rng.random() < 0.3 else (rng.randint(0, 7), rng.choice(["before", "after"]))
            body = _request(user, ticker, f"s{seed}-{i}", rng.choice(BOT_PRICES), count)
            tally.orders += 1
            tally.faults[str(fault)] += 1
            _inject(sim, fault)
            try:
                outcome = drive(body, order_deps, crash)
            except Crash as exc:
                outcome = "crashed"
                tally.crashes[str(exc)] += 1
            tally.outcomes[outcome] += 1
            sim.clear_faults()
        [report] = reconcile_user(deps, user, trigger=ReconcileTrigger.TEST)
        for finding in report.findings:
            tally.findings[finding.kind.value] += 1
        breaches = check(
            venue, user, manual, report, risk, ledger, trades, tickers, foreign_resting, foreign_fill_tickers
        )
    finally:
        sim.clear_faults()
        manual.close()
        venues.close()
    tally.trials += 1
    return [f"seed {seed}: {b}" for b in breaches]


def check(
    venue: ChaosVenue,
    user: str,
    manual: KalshiClient,
    report: ReconcileReport,
    risk: InMemoryRiskStore,
    ledger: InMemoryIntentLedger,
    trades: LiveTrades,
    tickers: tuple[str, str],
    foreign_resting: list[str],
    foreign_fill_tickers: set[str],
) -> list[str]:
    breaches: list[str] = []
    if not report.ok:
        return [f"reconcile aborted: {report.aborted_reason}"]
    held = {p.market_ticker: p.position for p in manual.get_positions()}
    orphans = risk.orphans(user, unresolved_only=True)
    for ticker in tickers:
        stored = sum((p.contracts for p in trades.open_positions(user) if p.market_ticker == ticker), D(0))
        orphaned = sum(
            (
                o.size if o.side is OutcomeSide.YES else -o.size
                for o in orphans
                if o.kind is OrphanKind.POSITION and o.market_ticker == ticker
            ),
            D(0),
        )
        if held.get(ticker, D(0)) != stored + orphaned:
            breaches.append(
                f"untracked position on {ticker}: venue {held.get(ticker, 0)}"
                f" != store {stored} + orphans {orphaned}"
            )
    with venue.sim.lock:
        cids = [
            o.client_order_id for o in venue.sim.exchange.accounts[user].orders.values() if o.client_order_id
        ]
    for cid, n in Counter(cids).items():
        if n > 1:
            breaches.append(f"duplicate orders: {n} with client order id {cid}")
    orphan_orders = {o.order_id for o in risk.orphans(user) if o.kind is OrphanKind.ORDER}
    for order_id in foreign_resting:
        if order_id not in orphan_orders:
            breaches.append(f"foreign resting order {order_id} not recorded as an orphan")
    for ticker in foreign_fill_tickers:
        if not any(o.kind is OrphanKind.POSITION and o.market_ticker == ticker for o in orphans):
            breaches.append(f"foreign fill on {ticker} not recorded as an orphan position")
    for finding in report.findings:
        if finding.kind is FindingKind.GHOST_POSITION and held.get(finding.market_ticker or "", D(0)) != 0:
            breaches.append(
                f"false ghost on {finding.market_ticker}: venue holds {held[finding.market_ticker or '']}"
            )
    for intent in ledger.list_by_user(user):
        if intent.status in (S.UNKNOWN, S.SUBMITTED, S.RESTING, S.PARTIAL):
            found = manual.find_order_by_client_id(intent.intent_id, market_ticker=intent.market_ticker)
            if found is not None and found.status.value != "resting":
                breaches.append(
                    f"intent {intent.intent_id} left {intent.status.value}"
                    f" but the venue order is {found.status.value}"
                )
    return breaches
