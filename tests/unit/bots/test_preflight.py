"""Each pre-flight check passes and fails on its own (fakes for every outside system)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from inplay.api.safety import InvocationFailed, InvocationTimedOut
from inplay.bots.preflight import (
    Check,
    CheckName,
    PreflightDeps,
    ReconcilerFunction,
    run_preflight,
)
from inplay.orders.intents import TradingMode
from inplay.risk.kill_switch import KillSwitch, KillSwitchState
from inplay.risk.records import OrphanKind, OrphanRecord
from inplay.sports.models import League
from inplay.store.games import FeedHeartbeat
from inplay.venues.base import AuthenticationError, Balance, ExchangeStatus, ExchangeUnavailableError
from inplay.venues.factory import SecretUnavailableError, VenueConfigError

NOW = datetime(2026, 1, 15, 1, 30, tzinfo=UTC)


@dataclass
class Venue:
    name: str = "kalshi"
    balance: Decimal = Decimal(100)
    trading: bool = True
    status_error: Exception | None = None
    balance_error: Exception | None = None

    def exchange_status(self) -> ExchangeStatus:
        if self.status_error:
            raise self.status_error
        return ExchangeStatus(exchange_active=True, trading_active=self.trading)

    def get_balance(self) -> Balance:
        if self.balance_error:
            raise self.balance_error
        return Balance(available=self.balance)


@dataclass
class Venues:
    venue: Venue = field(default_factory=Venue)
    error: Exception | None = None

    def account(self, user_id: str, venue: str, mode: TradingMode) -> Any:
        if self.error:
            raise self.error
        return self.venue

    def venue_for(self, intent: Any) -> Any:
        raise NotImplementedError

    def account_key(self, user_id: str, venue: str, mode: TradingMode) -> str:
        return user_id


@dataclass
class Controls:
    switch: KillSwitch = field(default_factory=KillSwitch)

    def kill_switch(self, user_id: str) -> KillSwitch:
        return self.switch


@dataclass
class Feed:
    beats: list[FeedHeartbeat] = field(default_factory=list)

    def feed_status(self, leagues: Iterable[League]) -> list[FeedHeartbeat]:
        wanted = set(leagues)
        return [b for b in self.beats if b.league in wanted]


@dataclass
class Reconciler:
    result: Check = field(default_factory=lambda: Check(CheckName.ORPHANS, True, "no orphans"))
    calls: int = 0

    def reconcile_for_start(self, user_id: str) -> Check:
        self.calls += 1
        return self.result


def beat(league: League, age: float, *, ok: bool = True, last_ok_age: float | None = None) -> FeedHeartbeat:
    return FeedHeartbeat(
        league=league,
        polled_at=NOW - timedelta(seconds=age),
        live_games=0,
        ok=ok,
        last_ok_at=None if last_ok_age is None else NOW - timedelta(seconds=last_ok_age),
    )


@dataclass
class World:
    controls: Controls = field(default_factory=Controls)
    venues: Venues = field(default_factory=Venues)
    feed: Feed = field(default_factory=lambda: Feed([beat(League.NBA, 10), beat(League.NHL, 30)]))
    reconciler: Reconciler = field(default_factory=Reconciler)

    def run(self, leagues: tuple[League, ...] = (League.NBA, League.NHL)) -> dict[str, Check]:
        deps = PreflightDeps(self.controls, self.venues, self.feed, self.reconciler, timedelta(seconds=90))
        report = run_preflight(deps, "u1", mode=TradingMode.LIVE, leagues=leagues, now=NOW)
        assert report.ok == all(c.ok for c in report.checks)
        return {c.name.value: c for c in report.checks}


def failing(checks: Mapping[str, Check]) -> list[str]:
    return [name for name, check in checks.items() if not check.ok]


def test_all_checks_pass() -> None:
    checks = World().run()
    assert failing(checks) == []
    assert list(checks) == ["kill_switch", "credentials", "venue", "balance", "orphans", "feed"]
    assert checks["feed"].detail == "fresh: nba 10 s ago, nhl 30 s ago"


def test_a_tripped_kill_switch() -> None:
    world = World(controls=Controls(KillSwitch(KillSwitchState.TRIPPED, reason="daily loss")))
    checks = world.run()
    assert failing(checks) == ["kill_switch"] and "daily loss" in checks["kill_switch"].detail


@pytest.mark.parametrize(
    "error",
    [
        VenueConfigError("credentials_missing", "no Kalshi credentials secret inplay/kalshi/u1"),
        VenueConfigError("credentials_invalid", "secret must hold JSON"),
        SecretUnavailableError("throttled"),
    ],
)
def test_no_usable_account_skips_the_venue_and_the_reconcile(error: Exception) -> None:
    world = World(venues=Venues(error=error))
    checks = world.run()
    assert failing(checks) == ["credentials", "venue", "balance", "orphans"]
    assert world.reconciler.calls == 0


def test_refused_credentials() -> None:
    world = World(venues=Venues(Venue(balance_error=AuthenticationError("bad signature", status=401))))
    checks = world.run()
    assert failing(checks) == ["credentials", "balance", "orphans"]
    assert "refused" in checks["credentials"].detail


def test_an_unreachable_or_closed_venue() -> None:
    checks = World(venues=Venues(Venue(status_error=ExchangeUnavailableError("down")))).run()
    assert failing(checks) == ["venue"]
    checks = World(venues=Venues(Venue(trading=False))).run()
    assert failing(checks) == ["venue"] and "not trading" in checks["venue"].detail


def test_an_empty_account() -> None:
    checks = World(venues=Venues(Venue(balance=Decimal(0)))).run()
    assert failing(checks) == ["balance"] and "fund the account" in checks["balance"].detail


def test_a_paper_account_needs_no_credentials() -> None:
    checks = World(venues=Venues(Venue(name="paper"))).run()
    assert failing(checks) == [] and "none needed" in checks["credentials"].detail


def test_orphans_fail_the_start() -> None:
    world = World(reconciler=Reconciler(Check(CheckName.ORPHANS, False, "1 unresolved")))
    assert failing(world.run()) == ["orphans"]


def test_a_stale_missing_or_failing_feed() -> None:
    world = World(feed=Feed([beat(League.NBA, 200), beat(League.NHL, 5, ok=False, last_ok_age=500)]))
    checks = world.run((League.NBA, League.NHL, League.NFL))
    assert failing(checks) == ["feed"]
    detail = checks["feed"].detail
    assert "nba last polled 200 s ago" in detail
    assert "nhl last polled 500 s ago" in detail
    assert "nfl has not been polled successfully" in detail
    assert failing(World(feed=Feed([beat(League.NBA, 5, ok=False)])).run((League.NBA,))) == ["feed"]


class Invoker:
    def __init__(self, answer: Any) -> None:
        self.answer = answer
        self.payloads: list[dict[str, Any]] = []

    def invoke(self, function_name: str, payload: Mapping[str, Any], *, wait_seconds: float) -> Any:
        self.payloads.append(dict(payload))
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer


@dataclass
class Risk:
    found: list[OrphanRecord] = field(default_factory=list)

    def orphans(self, user_id: str, *, unresolved_only: bool = False) -> list[OrphanRecord]:
        return [o for o in self.found if not (unresolved_only and o.resolved)]


def orphan(ticker: str, *, resolved: bool = False) -> OrphanRecord:
    return OrphanRecord.model_validate(
        {
            "user_id": "u1",
            "orphan_id": ticker,
            "kind": OrphanKind.ORDER,
            "venue": "kalshi",
            "mode": "live",
            "market_ticker": ticker,
            "side": "yes",
            "size": "2",
            "detected_at": NOW,
            "resolved": resolved,
        }
    )


def test_the_reconciler_function_is_asked_to_reconcile_for_a_bot_start() -> None:
    invoker = Invoker({"reports": [{"ok": True}]})
    check = ReconcilerFunction(invoker, "fn", Risk([orphan("OLD", resolved=True)])).reconcile_for_start("u1")
    assert check.ok
    assert invoker.payloads == [{"command": "reconcile", "user_id": "u1", "trigger": "bot_start"}]


@pytest.mark.parametrize(
    ("answer", "words"),
    [
        (InvocationTimedOut("late"), "still running"),
        (InvocationFailed("fn failed: boom"), "boom"),
        ({"nonsense": 1}, "unexpectedly"),
        ({"reports": [{"ok": False, "aborted_reason": "venue down"}]}, "venue down"),
    ],
)
def test_a_reconcile_that_did_not_complete_fails_the_check(answer: Any, words: str) -> None:
    check = ReconcilerFunction(Invoker(answer), "fn", Risk()).reconcile_for_start("u1")
    assert not check.ok and words in check.detail


def test_unresolved_orphans_are_named_by_market() -> None:
    risk = Risk([orphan("KXB"), orphan("KXA"), orphan("KXA")])
    check = ReconcilerFunction(Invoker({"reports": [{"ok": True}]}), "fn", risk).reconcile_for_start("u1")
    assert not check.ok and "3 unresolved" in check.detail and "(KXA, KXB)" in check.detail
