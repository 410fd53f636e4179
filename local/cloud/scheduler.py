"""Fires the template's schedules locally (moto stores EventBridge rules but never fires them).

Every enabled rule fires once immediately at :meth:`Scheduler.start` (so a demo shows data at once),
then on its expression, with time sped up by ``speed`` (``rate(1 minute)`` at speed 10 fires every
6 s; cron times are computed on a virtual clock running ``speed`` times faster). Each fire runs in
its own worker thread and invokes every target with an EventBridge scheduled event (or the
target's constant ``Input``). Like EventBridge, a rule fires even while its previous run is still
going, but at most ``max_concurrent`` runs per rule are in flight; further fires are skipped with
a warning. Missed fires are not caught up.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

from local.cloud.errors import LocalCloudError
from local.cloud.events import scheduled_event
from local.cloud.schedules import Schedule, parse_schedule_expression

if TYPE_CHECKING:
    from mypy_boto3_lambda import LambdaClient
    from mypy_boto3_stepfunctions import SFNClient

    from local.cloud.provisioner import ScheduledRule, ScheduleTarget

__all__ = ["RuleStats", "Scheduler", "TargetFailedError", "TargetInvoker", "boto3_target_invoker"]

logger = logging.getLogger(__name__)


class TargetFailedError(LocalCloudError):
    """The target ran and reported an error (the run counts as failed)."""


class TargetInvoker(Protocol):
    """Delivers one event to one schedule target (a Lambda invoke or a Step Functions start)."""

    def __call__(self, target: ScheduleTarget, payload: str) -> None: ...


def boto3_target_invoker(lambda_client: LambdaClient, sfn_client: SFNClient) -> TargetInvoker:
    """Invoke targets through the (moto) AWS APIs, so the Lambda patch runs the real handler."""

    def invoke(target: ScheduleTarget, payload: str) -> None:
        if target.kind == "states":
            sfn_client.start_execution(stateMachineArn=target.arn, input=payload)
            return
        response = lambda_client.invoke(FunctionName=target.name, Payload=payload.encode())
        if response.get("FunctionError"):
            detail = response["Payload"].read().decode("utf-8", "replace")
            try:
                error = json.loads(detail)
                detail = f"{error.get('errorType')}: {error.get('errorMessage')}"
            except (json.JSONDecodeError, AttributeError):
                pass
            raise TargetFailedError(f"function {target.name} failed: {detail}")

    return invoke


@dataclass
class RuleStats:
    fired: int = 0
    skipped: int = 0
    failed: int = 0
    completed: int = 0


@dataclass
class _RuleState:
    rule: ScheduledRule
    schedule: Schedule
    next_due: float
    stats: RuleStats = field(default_factory=RuleStats)
    workers: list[threading.Thread] = field(default_factory=list)

    def running(self) -> int:
        self.workers = [worker for worker in self.workers if worker.is_alive()]
        return len(self.workers)


class Scheduler:
    """Drives ``rules``; ``clock`` (monotonic seconds) and ``now`` (UTC) are injectable for tests.

    Tests can call :meth:`tick` directly instead of :meth:`start` to step the schedule.
    """

    def __init__(
        self,
        rules: Sequence[ScheduledRule],
        invoke: TargetInvoker,
        *,
        speed: float = 1.0,
        max_concurrent: int = 2,
        clock: Callable[[], float] = time.monotonic,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        max_wait_seconds: float = 1.0,
    ) -> None:
        if speed <= 0:
            raise LocalCloudError(f"speed must be positive, got {speed}")
        if max_concurrent < 1:
            raise LocalCloudError(f"max_concurrent must be at least 1, got {max_concurrent}")
        self._invoke = invoke
        self._speed = speed
        self._max_concurrent = max_concurrent
        self._clock = clock
        self._now = now
        self._max_wait = max_wait_seconds
        self._rules = [rule for rule in rules if rule.enabled and rule.targets]
        self._states: list[_RuleState] = []
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._origin_clock = 0.0
        self._origin_time = datetime.now(UTC)
        self._schedules = {
            rule.logical_id: parse_schedule_expression(rule.expression) for rule in self._rules
        }
        self.reset()

    # ---- time

    def _virtual(self, moment: float) -> datetime:
        return self._origin_time + timedelta(seconds=(moment - self._origin_clock) * self._speed)

    def _real(self, virtual: datetime) -> float:
        return self._origin_clock + (virtual - self._origin_time).total_seconds() / self._speed

    def reset(self) -> None:
        """Make every rule due now (the immediate first fire)."""
        self._origin_clock = self._clock()
        self._origin_time = self._now()
        self._states = [
            _RuleState(rule=rule, schedule=self._schedules[rule.logical_id], next_due=self._origin_clock)
            for rule in self._rules
        ]

    def _advance(self, state: _RuleState, now: float) -> None:
        due = state.next_due
        while due <= now:
            due = self._real(state.schedule.next_after(self._virtual(due)))
        state.next_due = due

    # ---- firing

    def tick(self) -> float:
        """Fire every rule that is due; return the seconds until the next one is due."""
        now = self._clock()
        with self._lock:
            for state in self._states:
                if state.next_due <= now:
                    self._fire(state)
                    self._advance(state, now)
            if not self._states:
                return self._max_wait
            return max(0.0, min(state.next_due for state in self._states) - now)

    def _fire(self, state: _RuleState) -> None:
        rule = state.rule
        running = state.running()
        if running >= self._max_concurrent:
            state.stats.skipped += 1
            logger.warning(
                "schedule %s: skipping this fire, %d runs still in flight (cap %d)",
                rule.name,
                running,
                self._max_concurrent,
            )
            return
        if running:
            logger.warning(
                "schedule %s: previous run still in flight; firing anyway (as EventBridge does)", rule.name
            )
        state.stats.fired += 1
        event = json.dumps(scheduled_event(rule.arn, now=self._now()))
        worker = threading.Thread(
            target=self._run,
            args=(state, event),
            name=f"schedule-{rule.name}-{state.stats.fired}",
            daemon=True,
        )
        state.workers.append(worker)
        worker.start()

    def _run(self, state: _RuleState, event: str) -> None:
        for target in state.rule.targets:
            try:
                self._invoke(target, target.input if target.input is not None else event)
            except TargetFailedError as exc:
                with self._lock:
                    state.stats.failed += 1
                logger.warning("schedule %s: %s", state.rule.name, exc)
            except Exception as exc:
                with self._lock:
                    state.stats.failed += 1
                logger.warning("schedule %s: delivering to %s failed: %s", state.rule.name, target.name, exc)
        with self._lock:
            state.stats.completed += 1

    # ---- lifecycle

    def start(self) -> None:
        """Start the dispatcher thread; every enabled rule fires straight away."""
        if self._thread is not None:
            return
        self._stop.clear()
        self.reset()
        self._thread = threading.Thread(target=self._loop, name="local-cloud-scheduler", daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while not self._stop.is_set():
            delay = self.tick()
            self._stop.wait(min(delay, self._max_wait))

    def stop(self, timeout: float = 5.0) -> bool:
        """Stop firing and wait up to ``timeout`` s for runs in flight; True if all finished (idempotent)."""
        self._stop.set()
        deadline = time.monotonic() + timeout
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(timeout)
        return self.wait_idle(max(0.0, deadline - time.monotonic()))

    def wait_idle(self, timeout: float) -> bool:
        """Wait up to ``timeout`` s for every run in flight; True when none is left."""
        deadline = time.monotonic() + timeout
        with self._lock:
            workers = [worker for state in self._states for worker in state.workers]
        for worker in workers:
            worker.join(max(0.0, deadline - time.monotonic()))
        left = [worker.name for worker in workers if worker.is_alive()]
        if left:
            logger.warning("scheduler: %d run(s) still in flight: %s", len(left), ", ".join(left))
        return not left

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def stats(self) -> dict[str, RuleStats]:
        """Fire/skip/failure counts by rule logical id."""
        with self._lock:
            return {state.rule.logical_id: RuleStats(**vars(state.stats)) for state in self._states}

    def next_due_in(self) -> dict[str, float]:
        """Seconds until each rule is next due (for status output and tests)."""
        now = self._clock()
        return {state.rule.logical_id: state.next_due - now for state in self._states}

    def __enter__(self) -> Scheduler:
        self.start()
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.stop()
