"""The watchdog: staleness rule, paging, re-paging, recovery and its own heartbeat (fake clock)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from inplay.alerts.model import Alert, AlertKind, Mode, Severity
from inplay.alerts.publisher import AlertPublishError, RecordingPublisher
from inplay.config import FUNCTIONS, GAME_POLLER, WATCHDOG, FunctionSpec, WatchdogSettings
from inplay.risk.records import Heartbeat
from inplay.risk.store import InMemoryRiskStore, WatchdogPage
from inplay.risk.watchdog import (
    WATCHDOG_COMPONENT,
    WatchdogAlertError,
    check,
    expected_heartbeats,
    run_watchdog,
    stale_after,
)

T0 = datetime(2026, 1, 18, 20, 0, tzinfo=UTC)
EXPECTED = {"game_poller": 60, "reconciler": 300}
REPAGE = 900


class Clock:
    def __init__(self, start: datetime = T0) -> None:
        self.now = start

    def advance(self, seconds: float) -> datetime:
        self.now += timedelta(seconds=seconds)
        return self.now


class Watch:
    """A store, a recording publisher and a clock; ``run()`` is one scheduled watchdog run."""

    def __init__(self, expected: dict[str, int] = EXPECTED) -> None:
        self.store = InMemoryRiskStore()
        self.alerts = RecordingPublisher()
        self.clock = Clock()
        self.expected = expected

    def beat(self, component: str, *, ago: float = 0, ok: bool = True, **details: str) -> None:
        at = self.clock.now - timedelta(seconds=ago)
        self.store.beat(Heartbeat(component=component, at=at, ok=ok, details=details))

    def run(self, mode: Mode = Mode.LIVE):
        return run_watchdog(
            self.store,
            self.alerts,
            expected=self.expected,
            now=self.clock.now,
            repage_seconds=REPAGE,
            mode=mode,
        )

    def new_alerts(self, seen: int) -> list[Alert]:
        return self.alerts.alerts[seen:]


# the staleness rule


@pytest.mark.parametrize(("period", "allowed"), [(30, 90), (60, 120), (120, 240), (300, 600)])
def test_stale_after_is_two_periods_and_at_least_a_minute_of_slack(period: int, allowed: int) -> None:
    assert stale_after(period) == timedelta(seconds=allowed)


def test_expected_heartbeats_come_from_the_function_specs() -> None:
    assert expected_heartbeats(FUNCTIONS) == {
        "game_poller": 60,
        "reconciler": 300,
        "kill_switch": 60,
        "strategy": 60,
    }
    assert expected_heartbeats([WATCHDOG]) == {}
    strategy = FunctionSpec(
        name="strategy",
        settings=WatchdogSettings,
        tables={},
        handler="strategy.handler.handler",
        description="x",
        timeout_seconds=30,
        memory_mb=256,
        heartbeat_seconds=30,
    )
    assert expected_heartbeats([GAME_POLLER, strategy]) == {"game_poller": 60, "strategy": 30}


def _beat(component: str, at: datetime, ok: bool = True) -> Heartbeat:
    return Heartbeat(component=component, at=at, ok=ok)


def test_check_flags_only_beats_older_than_allowed() -> None:
    beats = {
        "game_poller": _beat("game_poller", T0 - timedelta(seconds=120)),  # exactly the allowed age
        "reconciler": _beat("reconciler", T0 - timedelta(seconds=601)),
        "unwatched": _beat("unwatched", T0 - timedelta(days=3)),
    }
    stale = check(beats, EXPECTED, T0)
    assert [item.component for item in stale] == ["reconciler"]
    assert stale[0].age == timedelta(seconds=601) and stale[0].allowed == timedelta(seconds=600)
    assert stale[0].last_beat == beats["reconciler"] and stale[0].period_seconds == 300
    beats["game_poller"] = _beat("game_poller", T0 - timedelta(seconds=121))
    assert [item.component for item in check(beats, EXPECTED, T0)] == ["game_poller", "reconciler"]


def test_a_failed_beat_still_counts_as_alive() -> None:
    assert check({"game_poller": _beat("game_poller", T0, ok=False)}, {"game_poller": 60}, T0) == []


def test_never_seen_is_stale_unless_within_the_grace_since_watching() -> None:
    assert [item.last_beat for item in check({}, {"game_poller": 60}, T0)] == [None]
    assert check({}, {"game_poller": 60}, T0, watching_since=T0 - timedelta(seconds=120)) == []
    stale = check({}, {"game_poller": 60}, T0, watching_since=T0 - timedelta(seconds=121))
    assert len(stale) == 1 and stale[0].age == timedelta(seconds=121)


def test_check_refuses_naive_times_and_bad_periods() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        check({}, EXPECTED, datetime(2026, 1, 18, 20))
    with pytest.raises(ValueError, match="positive"):
        check({}, {"game_poller": 0}, T0)


# runs


def test_a_fresh_deployment_is_not_paged_before_its_components_could_beat() -> None:
    watch = Watch()
    run = watch.run()
    assert run.stale == () and watch.alerts.alerts == []
    own = watch.store.heartbeats()[WATCHDOG_COMPONENT]
    assert own.ok and own.at == T0 and own.details["watching_since"] == T0.isoformat()
    watch.clock.advance(120)
    assert watch.run().stale == ()
    watch.clock.advance(1)
    run = watch.run()
    assert [item.component for item in run.stale] == ["game_poller"] and run.paged == ("game_poller",)
    (alert,) = watch.alerts.alerts
    assert (
        alert.kind is AlertKind.WATCHDOG and alert.severity is Severity.CRITICAL and alert.mode is Mode.LIVE
    )
    assert "never sent a heartbeat" in alert.title
    # watching_since is carried forward, not reset by each run
    assert watch.store.heartbeats()[WATCHDOG_COMPONENT].details["watching_since"] == T0.isoformat()


def test_a_stale_component_is_paged_once_per_repage_window_then_recovers() -> None:
    watch = Watch()
    watch.beat("reconciler")
    watch.beat("game_poller", ago=121)
    watch.run(mode=Mode.PAPER)
    (page,) = watch.alerts.alerts
    assert page.title == "game_poller stopped beating" and page.mode is Mode.PAPER
    assert page.correlation_id == "watchdog:game_poller"
    assert {field.name: field.value for field in page.fields}["Last beat"] == (
        (T0 - timedelta(seconds=121)).isoformat()
    )
    assert watch.store.watchdog_pages()["game_poller"] == WatchdogPage("game_poller", T0, T0, 1)

    for _ in range(14):  # every minute for the next 14 minutes: still stale, not paged again
        watch.clock.advance(60)
        watch.beat("reconciler")
        assert watch.run().paged == ()
    assert len(watch.alerts.alerts) == 1
    watch.clock.advance(60)  # 15 minutes after the first page
    watch.beat("reconciler")
    assert watch.run().paged == ("game_poller",)
    second = watch.alerts.alerts[1]
    assert "Page 2" in (second.description or "") and second.alert_id != page.alert_id

    watch.clock.advance(30)
    watch.beat("game_poller")
    run = watch.run()
    assert run.recovered == ("game_poller",) and run.stale == ()
    recovery = watch.alerts.alerts[2]
    assert recovery.severity is Severity.INFO and recovery.kind is AlertKind.WATCHDOG
    assert recovery.title == "game_poller is beating again"
    assert watch.store.watchdog_pages() == {}

    watch.clock.advance(60)
    assert watch.run().recovered == ()  # announced once
    watch.clock.advance(121)
    watch.beat("reconciler")
    assert watch.run().paged == ("game_poller",)  # a new outage is paged at once
    assert watch.store.watchdog_pages()["game_poller"].pages == 1
    assert len(watch.alerts.alerts) == 4


def test_each_component_has_its_own_repage_window() -> None:
    watch = Watch()
    watch.beat("game_poller", ago=200)
    watch.beat("reconciler")
    watch.run()
    watch.clock.advance(600)
    watch.beat("reconciler", ago=601)
    run = watch.run()
    assert [item.component for item in run.stale] == ["game_poller", "reconciler"]
    assert run.paged == ("reconciler",)
    watch.clock.advance(300)
    assert watch.run().paged == ("game_poller",)


def test_a_page_quotes_a_last_run_that_failed() -> None:
    watch = Watch({"reconciler": 300})
    watch.beat("reconciler", ago=700, ok=False, error="kalshi 503", users="3")
    watch.run()
    (alert,) = watch.alerts.alerts
    assert "reported a failure" in (alert.description or "")
    assert {field.name: field.value for field in alert.fields}["Last run"] == "error=kalshi 503, users=3"


class _FailingPublisher(RecordingPublisher):
    def __init__(self) -> None:
        super().__init__()
        self.fail = True

    def publish(self, alert: Alert) -> str:
        if self.fail:
            raise AlertPublishError("sns is down")
        return super().publish(alert)


def test_an_alert_that_cannot_be_sent_is_retried_by_the_next_run() -> None:
    watch = Watch({"game_poller": 60})
    watch.alerts = _FailingPublisher()
    watch.beat("game_poller", ago=500)
    with pytest.raises(WatchdogAlertError, match="sns is down") as caught:
        watch.run()
    assert caught.value.run.paged == () and caught.value.run.failures
    assert watch.store.watchdog_pages() == {}  # not recorded as paged
    own = watch.store.heartbeats()[WATCHDOG_COMPONENT]
    assert own.ok is False and own.at == T0
    watch.alerts.fail = False
    watch.clock.advance(60)
    assert watch.run().paged == ("game_poller",)
    assert len(watch.alerts.alerts) == 1


def test_a_recovery_that_cannot_be_sent_keeps_the_page_open() -> None:
    watch = Watch({"game_poller": 60})
    watch.beat("game_poller", ago=500)
    watch.run()
    failing = _FailingPublisher()
    watch.alerts = failing
    watch.clock.advance(60)
    watch.beat("game_poller")
    with pytest.raises(WatchdogAlertError):
        watch.run()
    assert "game_poller" in watch.store.watchdog_pages()
    failing.fail = False
    watch.clock.advance(60)
    assert watch.run().recovered == ("game_poller",)


class _StaleView(InMemoryRiskStore):
    """Reads no open pages, as a second watchdog run that read before the first one paged."""

    def watchdog_pages(self) -> dict[str, WatchdogPage]:
        return {}


def test_overlapping_runs_page_once() -> None:
    watch = Watch({"game_poller": 60})
    watch.store = _StaleView()
    watch.beat("game_poller", ago=500)
    assert watch.run().paged == ("game_poller",)
    assert watch.run().paged == ()
    assert len(watch.alerts.alerts) == 1


def test_a_page_for_a_component_no_longer_watched_is_closed() -> None:
    watch = Watch({"game_poller": 60, "strategy": 30})
    watch.beat("game_poller")
    watch.run()
    watch.clock.advance(91)
    watch.beat("game_poller")
    assert watch.run().paged == ("strategy",)
    watch.expected = {"game_poller": 60}
    watch.clock.advance(60)
    watch.beat("game_poller")
    assert watch.run().recovered == ("strategy",)
    assert watch.alerts.alerts[-1].title == "strategy is no longer watched"


def test_run_refuses_bad_arguments() -> None:
    watch = Watch()
    with pytest.raises(ValueError, match="timezone-aware"):
        run_watchdog(
            watch.store,
            watch.alerts,
            expected=EXPECTED,
            now=datetime(2026, 1, 1),
            repage_seconds=900,
            mode=Mode.LIVE,
        )
    with pytest.raises(ValueError, match="repage_seconds"):
        run_watchdog(watch.store, watch.alerts, expected=EXPECTED, now=T0, repage_seconds=0, mode=Mode.LIVE)
    assert watch.store.heartbeats() == {}
