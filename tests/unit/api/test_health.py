"""The trading health report without AWS: each component's rules, the overall verdict, and that a
failing check is a ``down`` component rather than an exception."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from inplay.api.health import (
    RECONCILE_MAX_AGE,
    ComponentStatus,
    DynamoTableProbe,
    HealthDeps,
    Overall,
    not_checked,
    table_probes,
    trading_health,
)
from inplay.bots.lifecycle import BotRecord, BotState
from inplay.config import API, ApiSettings, Env
from inplay.orders.intents import TradingMode
from inplay.risk.kill_switch import KillSwitch, KillSwitchState
from inplay.risk.records import Finding, FindingKind, ReconcileReport, ReconcileTrigger
from inplay.sports.models import League
from inplay.store.games import FeedHeartbeat
from inplay.store.schema import AUDIT, BOTS
from inplay.venues.base import AuthenticationError, Balance, VenueError
from inplay.venues.factory import VenueConfigError

NOW = datetime(2026, 3, 1, 18, 0, tzinfo=UTC)
USER = "alice"
OK, DEGRADED, DOWN = ComponentStatus.OK, ComponentStatus.DEGRADED, ComponentStatus.DOWN


@dataclass
class FakeControls:
    mode: TradingMode = TradingMode.PAPER
    switch: KillSwitch = field(default_factory=KillSwitch)
    records: list[BotRecord] = field(default_factory=list)
    fail: set[str] = field(default_factory=set)

    def _check(self, name: str) -> None:
        if name in self.fail:
            raise RuntimeError(f"{name} read failed")

    def trading_mode(self, user_id: str) -> TradingMode:
        self._check("mode")
        return self.mode

    def kill_switch(self, user_id: str) -> KillSwitch:
        self._check("kill_switch")
        return self.switch

    def bots(self, user_id: str) -> list[BotRecord]:
        self._check("bots")
        return list(self.records)


class FakeVenue:
    def __init__(self, name: str, answer: Any, *, gate: threading.Event | None = None) -> None:
        self.name = name
        self.answer = answer
        self.gate = gate

    def get_balance(self) -> Balance:
        if self.gate is not None:
            self.gate.wait(5)
        if isinstance(self.answer, Exception):
            raise self.answer
        return Balance(available=self.answer)


@dataclass
class FakeVenues:
    answer: Any = Decimal("250")
    account_error: Exception | None = None
    gate: threading.Event | None = None
    asked: list[tuple[str, str, TradingMode]] = field(default_factory=list)

    def account(self, user_id: str, venue: str, mode: TradingMode) -> Any:
        self.asked.append((user_id, venue, mode))
        if self.account_error is not None:
            raise self.account_error
        return FakeVenue("paper" if mode is TradingMode.PAPER else "kalshi", self.answer, gate=self.gate)

    def venue_for(self, intent: Any) -> Any:
        raise NotImplementedError

    def account_key(self, user_id: str, venue: str, mode: TradingMode) -> str:
        return f"{venue}:{mode.value}:{user_id}"


@dataclass
class FakeFeed:
    ages: dict[League, float | None] = field(default_factory=dict)
    """Seconds since the last good poll; None: polled but never successfully."""
    asked: list[League] = field(default_factory=list)

    def feed_status(self, leagues: Iterable[League]) -> list[FeedHeartbeat]:
        wanted = list(leagues)
        self.asked.extend(wanted)
        beats = []
        for league in wanted:
            if league not in self.ages:
                continue
            age = self.ages[league]
            if age is None:
                beats.append(FeedHeartbeat(league, NOW, 0, ok=False, error="ESPN 503"))
            else:
                at = NOW - timedelta(seconds=age)
                beats.append(FeedHeartbeat(league, at, 1, ok=True, last_ok_at=at))
        return beats


@dataclass
class FakeReports:
    latest: list[ReconcileReport] = field(default_factory=list)
    error: Exception | None = None

    def reports(self, user_id: str, *, limit: int = 20) -> list[ReconcileReport]:
        if self.error is not None:
            raise self.error
        return self.latest[:limit]


class FakeProbe:
    def __init__(self, error: Exception | None = None) -> None:
        self.error = error
        self.calls = 0

    def probe(self) -> None:
        self.calls += 1
        if self.error is not None:
            raise self.error


def report(
    *, age: timedelta = timedelta(minutes=2), ok: bool = True, critical: bool = False
) -> ReconcileReport:
    finished = NOW - age
    findings = (
        (Finding(kind=FindingKind.ORPHAN_ORDER, market_ticker="KXNBA-X", critical=True),) if critical else ()
    )
    return ReconcileReport(
        user_id=USER,
        report_id="r1",
        trigger=ReconcileTrigger.SCHEDULE,
        venue="paper",
        mode=TradingMode.PAPER,
        started_at=finished - timedelta(seconds=3),
        finished_at=finished,
        ok=ok,
        aborted_reason=None if ok else "venue unreachable",
        findings=findings,
    )


def fresh_feed() -> FakeFeed:
    return FakeFeed(ages=dict.fromkeys(League, 5.0))


@dataclass
class World:
    controls: FakeControls = field(default_factory=FakeControls)
    venues: FakeVenues = field(default_factory=FakeVenues)
    feed: FakeFeed = field(default_factory=fresh_feed)
    reports: FakeReports = field(default_factory=lambda: FakeReports([report()]))
    tables: dict[str, FakeProbe] = field(default_factory=lambda: {"bots": FakeProbe(), "games": FakeProbe()})
    ticks: list[float] = field(default_factory=list)
    timeout: float = 2.0

    def deps(self) -> HealthDeps:
        clock: Iterator[float] | None = iter(self.ticks) if self.ticks else None
        return HealthDeps(
            controls=self.controls,
            venues=self.venues,
            feed=self.feed,
            reports=self.reports,
            tables=self.tables,
            feed_max_age=timedelta(seconds=90),
            venue_timeout_seconds=self.timeout,
            monotonic=(lambda: next(clock)) if clock is not None else (lambda: 0.0),
        )

    def check(self) -> Any:
        return trading_health(self.deps(), user_id=USER, now=NOW)


def test_everything_fine_is_healthy() -> None:
    world = World()
    health = world.check()
    assert health.status is Overall.HEALTHY and health.summary == "every check passed"
    components = health.components
    assert {getattr(components, name).status for name in type(components).model_fields} == {OK}
    assert components.venue.available == Decimal("250") and components.venue.mode is TradingMode.PAPER
    assert components.venue.account == "paper"
    assert world.venues.asked == [(USER, "kalshi", TradingMode.PAPER)]
    assert [t.table for t in components.dynamodb.tables] == ["bots", "games"]
    assert all(probe.calls == 1 for probe in world.tables.values())
    assert components.reconcile.age_seconds == 120 and components.reconcile.ok is True
    assert components.kill_switch.state is KillSwitchState.ACTIVE
    assert health.checked_at == NOW


def test_a_tripped_kill_switch_is_unhealthy() -> None:
    switch = KillSwitch(KillSwitchState.TRIPPED, reason="daily loss limit reached", trigger="daily_loss")
    health = World(controls=FakeControls(switch=switch)).check()
    assert health.status is Overall.UNHEALTHY
    assert health.components.kill_switch.status is DOWN
    assert "daily loss limit reached" in health.components.kill_switch.detail
    assert health.summary.startswith("kill_switch: tripped")


@pytest.mark.parametrize(
    ("venues", "words"),
    [
        (
            FakeVenues(account_error=VenueConfigError("credentials_missing", "no Kalshi credentials")),
            "credentials_missing",
        ),
        (FakeVenues(answer=AuthenticationError("bad signature", venue="kalshi", status=401)), "refused"),
        (FakeVenues(answer=VenueError("connection reset", venue="kalshi")), "did not answer"),
    ],
)
def test_a_venue_that_cannot_be_used_is_down(venues: FakeVenues, words: str) -> None:
    health = World(controls=FakeControls(mode=TradingMode.LIVE), venues=venues).check()
    assert health.status is Overall.UNHEALTHY
    assert health.components.venue.status is DOWN and words in health.components.venue.detail
    assert health.components.venue.mode is TradingMode.LIVE


def test_a_venue_that_does_not_answer_in_time_is_down() -> None:
    gate = threading.Event()
    try:
        health = World(venues=FakeVenues(gate=gate), timeout=0.05).check()
    finally:
        gate.set()
    assert health.components.venue.status is DOWN
    assert "did not answer within 0.05 s" in health.components.venue.detail


def test_a_slow_venue_is_degraded_and_timed() -> None:
    # monotonic: venue start, venue end, then one pair per table probe
    health = World(ticks=[10.0, 13.5, 20.0, 20.001, 21.0, 21.002]).check()
    assert health.status is Overall.DEGRADED
    assert health.components.venue.status is DEGRADED and health.components.venue.latency_ms == 3500
    assert [t.latency_ms for t in health.components.dynamodb.tables] == [1, 2]


def test_an_empty_account_is_degraded() -> None:
    health = World(venues=FakeVenues(answer=Decimal("0"))).check()
    assert health.components.venue.status is DEGRADED and "fund the account" in health.components.venue.detail


def test_a_table_that_cannot_be_read_is_down_and_named() -> None:
    world = World(tables={"bots": FakeProbe(), "risk": FakeProbe(RuntimeError("ResourceNotFoundException"))})
    health = world.check()
    assert health.status is Overall.UNHEALTHY
    database = health.components.dynamodb
    assert database.status is DOWN and database.detail == "1 of 2 tables could not be read: risk"
    assert [(t.table, t.status) for t in database.tables] == [("bots", OK), ("risk", DOWN)]
    assert "ResourceNotFoundException" in (database.tables[1].error or "")


def test_only_the_leagues_the_bots_trade_are_checked() -> None:
    bots = [
        BotRecord(user_id=USER, bot_id="default", settings={"leagues": "nba"}),
        BotRecord(user_id=USER, bot_id="b2", settings={"leagues": "nhl,nba"}),
        BotRecord(user_id=USER, bot_id="broken", settings={"leagues": "xfl"}),
    ]
    feed = FakeFeed(ages={League.NBA: 10.0, League.NHL: 30.0, League.MLB: 9999.0})
    health = World(controls=FakeControls(records=bots), feed=feed).check()
    assert health.components.feed.status is OK
    assert [row.league for row in health.components.feed.leagues] == [League.NBA, League.NHL]
    assert health.components.feed.leagues[1].age_seconds == 30


def test_without_bots_every_league_is_checked_and_a_stale_one_is_degraded() -> None:
    feed = fresh_feed()
    feed.ages[League.NFL] = 91.0
    feed.ages[League.MLB] = None
    del feed.ages[League.WNBA]
    health = World(feed=feed).check()
    assert health.status is Overall.DEGRADED
    component = health.components.feed
    assert component.status is DEGRADED and component.max_age_seconds == 90
    rows = {row.league: row for row in component.leagues}
    assert set(rows) == set(League)
    assert rows[League.NFL].status is DEGRADED and rows[League.NFL].age_seconds == 91
    assert rows[League.MLB].error == "ESPN 503" and rows[League.MLB].last_ok_at is None
    assert rows[League.NBA].status is OK
    assert "nfl 91 s ago" in component.detail and "wnba never polled" in component.detail


def test_a_bot_in_error_is_degraded() -> None:
    bots = [
        BotRecord(user_id=USER, bot_id="default", state=BotState.RUNNING, mode=TradingMode.PAPER),
        BotRecord(user_id=USER, bot_id="b2", state=BotState.ERROR, reason="invalid strategy settings"),
    ]
    health = World(controls=FakeControls(records=bots)).check()
    assert health.status is Overall.DEGRADED
    assert health.components.bots.status is DEGRADED
    assert health.components.bots.detail == "bot b2 is in ERROR: invalid strategy settings"
    assert [b.state for b in health.components.bots.bots] == [BotState.RUNNING, BotState.ERROR]


def test_running_bots_are_counted() -> None:
    bots = [BotRecord(user_id=USER, bot_id=f"b{n}", state=BotState.RUNNING) for n in range(2)]
    health = World(controls=FakeControls(records=[*bots, BotRecord(user_id=USER, bot_id="c")])).check()
    assert health.components.bots.detail == "2 running, 1 stopped"


@pytest.mark.parametrize(
    ("reports", "words"),
    [
        ([], "no reconcile has run"),
        ([report(age=RECONCILE_MAX_AGE + timedelta(seconds=1))], "finished 901 s ago"),
        ([report(ok=False)], "aborted: venue unreachable"),
        ([report(critical=True)], "1 critical issue"),
    ],
)
def test_reconcile_rules(reports: Sequence[ReconcileReport], words: str) -> None:
    health = World(reports=FakeReports(list(reports))).check()
    assert health.status is Overall.DEGRADED
    assert health.components.reconcile.status is DEGRADED and words in health.components.reconcile.detail


def test_a_reconcile_exactly_at_the_limit_is_ok() -> None:
    health = World(reports=FakeReports([report(age=RECONCILE_MAX_AGE)])).check()
    assert health.components.reconcile.status is OK


def test_a_check_that_fails_is_a_down_component_not_an_exception() -> None:
    world = World(
        controls=FakeControls(fail={"bots", "kill_switch"}),
        reports=FakeReports(error=RuntimeError("throttled")),
    )
    health = world.check()
    assert health.status is Overall.UNHEALTHY
    components = health.components
    assert components.bots.status is DOWN and "bots read failed" in components.bots.detail
    assert components.kill_switch.status is DOWN and components.kill_switch.detail.startswith(
        "the check failed"
    )
    assert components.reconcile.status is DOWN and "RuntimeError: throttled" in components.reconcile.detail
    assert components.venue.status is OK and components.dynamodb.status is OK
    assert components.feed.status is OK and len(components.feed.leagues) == len(League)  # every league


def test_a_mode_that_cannot_be_read_leaves_the_venue_down() -> None:
    health = World(controls=FakeControls(fail={"mode"})).check()
    assert health.components.venue.status is DOWN and "mode read failed" in health.components.venue.detail


def test_down_wins_over_degraded() -> None:
    health = World(
        venues=FakeVenues(answer=VenueError("timeout", venue="kalshi")), reports=FakeReports([])
    ).check()
    assert health.status is Overall.UNHEALTHY
    assert health.summary.startswith("venue: ") and "reconcile: " in health.summary


def test_not_checked_reports_every_component_down() -> None:
    health = not_checked(RuntimeError("no region"), now=NOW)
    assert health.status is Overall.UNHEALTHY
    assert health.components.venue.status is DOWN and "no region" in health.components.feed.detail


def test_the_report_serializes_money_as_strings() -> None:
    body = World().check().model_dump(mode="json")
    assert body["components"]["venue"]["available"] == "250.0000"
    assert body["status"] == "healthy" and body["checked_at"].startswith("2026-03-01T18:00:00")


class RecordingClient:
    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    def get_item(self, **kwargs: Any) -> dict[str, Any]:
        self.calls.append(kwargs)
        return {}


def test_table_probes_read_one_key_per_table_the_api_reads_consistently() -> None:
    environ = {
        **{env.value: f"t-{env.name.lower()}" for env in Env if env.name.endswith("_TABLE")},
        Env.COGNITO_USER_POOL_ID.value: "us-east-1_abc",
        Env.COGNITO_CLIENT_ID.value: "client1",
        Env.ALERTS_TOPIC_ARN.value: "arn:aws:sns:us-east-1:123456789012:alerts",
        Env.ORDER_STATE_MACHINE_ARN.value: "arn:sm",
        Env.RECONCILER_FUNCTION.value: "rec",
        Env.KILL_SWITCH_FUNCTION.value: "kill",
    }
    settings = ApiSettings.model_validate(environ)
    client = RecordingClient()
    probes = table_probes(settings, API.tables, client)  # type: ignore[arg-type]
    expected = {env.value.removeprefix("INPLAY_").removesuffix("_TABLE").lower() for env in API.tables}
    assert set(probes) == expected
    for probe in probes.values():
        probe.probe()
    by_table = {call["TableName"]: call for call in client.calls}
    assert len(by_table) == len(API.tables)
    assert all(call["ConsistentRead"] is True for call in client.calls)
    assert by_table["t-bots_table"]["Key"] == {
        "user_id": {"S": "inplay-health-probe"},
        "sk": {"S": "inplay-health-probe"},
    }
    assert by_table["t-audit_table"]["Key"]["seq"] == {"N": "-1"}
    assert isinstance(probes["bots"], DynamoTableProbe)
    assert BOTS.env in API.tables and AUDIT.env in API.tables


def test_the_openapi_document_describes_the_report() -> None:
    import json

    import api.handler

    document = json.loads(api.handler.app.get_openapi_json_schema())
    answer = document["paths"]["/api/health/trading"]["get"]["responses"]["200"]
    assert answer["content"]["application/json"]["schema"]["$ref"].endswith("/TradingHealth")
    schemas = document["components"]["schemas"]
    assert set(schemas["HealthComponents"]["properties"]) == {
        "venue",
        "dynamodb",
        "feed",
        "bots",
        "reconcile",
        "kill_switch",
    }
    assert schemas["ComponentStatus"]["enum"] == ["ok", "degraded", "down"]
