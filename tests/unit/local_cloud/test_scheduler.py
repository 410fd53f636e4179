import json
import threading
from datetime import UTC, datetime, timedelta

import pytest

from local.cloud.errors import LocalCloudError
from local.cloud.provisioner import ScheduledRule, ScheduleTarget
from local.cloud.scheduler import Scheduler


class FakeClock:
    def __init__(self):
        self.t = 1000.0
        self.wall = datetime(2026, 11, 24, 12, 0, 0, tzinfo=UTC)

    def monotonic(self):
        return self.t

    def now(self):
        return self.wall + timedelta(seconds=self.t - 1000.0)

    def advance(self, seconds):
        self.t += seconds


def rule(name, expression, *, enabled=True, target_input=None):
    target = ScheduleTarget(
        "Target0",
        "lambda",
        f"arn:aws:lambda:us-east-1:123456789012:function:{name}Fn",
        f"{name}Fn",
        f"{name}FnABCD1234",
        target_input,
    )
    return ScheduledRule(
        f"{name}Rule12345678",
        f"{name}Rule",
        f"arn:aws:events:us-east-1:123456789012:rule/{name}",
        expression,
        enabled,
        (target,),
    )


class Recorder:
    def __init__(self, block=None):
        self.calls = []
        self.block = block
        self.lock = threading.Lock()

    def __call__(self, target, payload):
        with self.lock:
            self.calls.append((target.name, json.loads(payload)))
        if self.block is not None:
            assert self.block.wait(5)


def make(rules, invoke, clock, **kwargs):
    return Scheduler(rules, invoke, clock=clock.monotonic, now=clock.now, **kwargs)


def names(recorder):
    return sorted(name for name, _ in recorder.calls)


def test_every_enabled_rule_fires_immediately_then_on_its_interval():
    clock, calls = FakeClock(), Recorder()
    scheduler = make(
        [
            rule("Poll", "rate(1 minute)"),
            rule("Recon", "rate(5 minutes)"),
            rule("Off", "rate(1 minute)", enabled=False),
        ],
        calls,
        clock,
    )
    assert scheduler.tick() == pytest.approx(60)
    assert scheduler.wait_idle(5)
    assert names(calls) == ["PollFn", "ReconFn"]
    clock.advance(59.9)
    scheduler.tick()
    assert scheduler.wait_idle(5)
    assert len(calls.calls) == 2
    clock.advance(0.1)
    assert scheduler.tick() == pytest.approx(60)
    assert scheduler.wait_idle(5)
    assert names(calls) == ["PollFn", "PollFn", "ReconFn"]
    clock.advance(240)
    scheduler.tick()
    assert scheduler.wait_idle(5)
    assert names(calls) == ["PollFn", "PollFn", "PollFn", "ReconFn", "ReconFn"]


def test_speed_divides_the_interval():
    clock, calls = FakeClock(), Recorder()
    scheduler = make([rule("Poll", "rate(1 minute)")], calls, clock, speed=10)
    assert scheduler.tick() == pytest.approx(6)
    # Each fire runs in a worker thread: let it finish, or a loaded machine can leave two in
    # flight and the per-rule cap (2) would skip the third — not what this test is about.
    assert scheduler.wait_idle(5)
    clock.advance(6)
    assert scheduler.tick() == pytest.approx(6)
    assert scheduler.wait_idle(5)
    clock.advance(6)
    scheduler.tick()
    assert scheduler.wait_idle(5)
    assert len(calls.calls) == 3


def test_cron_runs_on_a_sped_up_virtual_clock():
    clock, calls = FakeClock(), Recorder()  # wall clock starts at 12:00:00
    scheduler = make([rule("Quarter", "cron(0/15 * * * ? *)")], calls, clock, speed=60)
    assert scheduler.tick() == pytest.approx(15)  # 15 virtual minutes = 15 real seconds at speed 60
    assert scheduler.wait_idle(5)
    clock.advance(15)
    scheduler.tick()
    assert scheduler.wait_idle(5)
    assert len(calls.calls) == 2


def test_missed_fires_are_not_caught_up():
    clock, calls = FakeClock(), Recorder()
    scheduler = make([rule("Poll", "rate(1 minute)")], calls, clock)
    scheduler.tick()
    clock.advance(600)  # ten intervals late
    assert scheduler.tick() == pytest.approx(60)
    assert scheduler.wait_idle(5)
    assert len(calls.calls) == 2


def test_the_payload_is_a_scheduled_event_or_the_constant_input():
    clock, calls = FakeClock(), Recorder()
    scheduler = make(
        [rule("Poll", "rate(1 minute)"), rule("Job", "rate(1 hour)", target_input='{"job":1}')], calls, clock
    )
    scheduler.tick()
    assert scheduler.wait_idle(5)
    events = dict(calls.calls)
    assert events["JobFn"] == {"job": 1}
    event = events["PollFn"]
    assert event["detail-type"] == "Scheduled Event"
    assert event["source"] == "aws.events"
    assert event["resources"] == ["arn:aws:events:us-east-1:123456789012:rule/Poll"]
    assert event["time"] == "2026-11-24T12:00:00Z"
    assert len(event["id"]) == 36


def test_overlapping_runs_fire_anyway_up_to_the_cap(caplog):
    clock, release = FakeClock(), threading.Event()
    calls = Recorder(block=release)
    scheduler = make([rule("Slow", "rate(1 minute)")], calls, clock, max_concurrent=2)
    try:
        scheduler.tick()
        clock.advance(60)
        scheduler.tick()  # previous still running: fires anyway
        clock.advance(60)
        scheduler.tick()  # two in flight: skipped
        stats = scheduler.stats()["SlowRule12345678"]
        assert (stats.fired, stats.skipped) == (2, 1)
        assert "firing anyway" in caplog.text
        assert "skipping this fire" in caplog.text
    finally:
        release.set()
    assert scheduler.wait_idle(5)
    assert scheduler.stats()["SlowRule12345678"].completed == 2


def test_a_failing_target_is_counted_and_does_not_stop_the_schedule():
    clock = FakeClock()

    def boom(target, payload):
        raise RuntimeError("moto unavailable")

    scheduler = make([rule("Poll", "rate(1 minute)")], boom, clock)
    scheduler.tick()
    assert scheduler.wait_idle(5)
    clock.advance(60)
    scheduler.tick()
    assert scheduler.wait_idle(5)
    stats = scheduler.stats()["PollRule12345678"]
    assert (stats.fired, stats.failed) == (2, 2)


def test_threaded_start_fires_at_once_and_stops_cleanly():
    calls = Recorder()
    fired = threading.Event()

    def invoke(target, payload):
        calls(target, payload)
        if len(calls.calls) >= 3:
            fired.set()

    # rate(1 minute) at speed 600 → every 0.1 s.
    scheduler = Scheduler([rule("Poll", "rate(1 minute)")], invoke, speed=600, max_wait_seconds=0.05)
    scheduler.start()
    try:
        assert fired.wait(5)
        assert scheduler.running
    finally:
        assert scheduler.stop(timeout=5)
    assert not scheduler.running
    assert not any(
        t.name.startswith(("local-cloud-scheduler", "schedule-Poll")) for t in threading.enumerate()
    )
    count = len(calls.calls)
    assert scheduler.stop(timeout=1)  # idempotent
    assert len(calls.calls) == count


def test_invalid_settings_are_rejected():
    with pytest.raises(LocalCloudError, match="speed must be positive"):
        Scheduler([], Recorder(), speed=0)
    with pytest.raises(LocalCloudError, match="max_concurrent"):
        Scheduler([], Recorder(), max_concurrent=0)
