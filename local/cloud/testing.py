"""Test helpers for code running on the local cloud (importable by any test suite).

- :func:`instant_waits`: moto's executing Step Functions really sleep in ``Wait`` states and between
  ``Retry`` attempts; this makes both return at once (the number of attempts is unchanged).
- :func:`wait_for_execution`: executions run in a background thread; poll until one finishes.
"""

from __future__ import annotations

import time
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from local.cloud.errors import LocalCloudError

if TYPE_CHECKING:
    from collections.abc import Iterator

    from mypy_boto3_stepfunctions import SFNClient
    from mypy_boto3_stepfunctions.type_defs import DescribeExecutionOutputTypeDef

__all__ = ["instant_waits", "wait_for_execution"]


class _TimeWithoutSleep:
    """Stands in for the ``time`` module inside moto's retrier: everything but ``sleep`` is real."""

    def __getattr__(self, name: str) -> Any:
        return getattr(time, name)

    @staticmethod
    def sleep(seconds: float) -> None:
        return None


@contextmanager
def instant_waits(*, retries: bool = True) -> Iterator[None]:
    """Make Step Functions ``Wait`` states (and, with ``retries``, ``Retry`` intervals) instant.

    Process-wide while active, so it covers executions run by the threaded moto server too.
    """
    from moto.stepfunctions.parser.asl.component.common.retry import retrier_decl
    from moto.stepfunctions.parser.asl.component.state.wait.wait_function.wait_function import WaitFunction

    original_wait = WaitFunction._wait_interval
    original_time = getattr(retrier_decl, "time")  # noqa: B009

    def no_wait(self: Any, env: Any, wait_seconds: int) -> None:
        return None

    setattr(WaitFunction, "_wait_interval", no_wait)  # noqa: B010
    if retries:
        setattr(retrier_decl, "time", _TimeWithoutSleep())  # noqa: B010
    try:
        yield
    finally:
        setattr(WaitFunction, "_wait_interval", original_wait)  # noqa: B010
        setattr(retrier_decl, "time", original_time)  # noqa: B010


def wait_for_execution(
    sfn: SFNClient, execution_arn: str, *, timeout: float = 10.0, poll: float = 0.02
) -> DescribeExecutionOutputTypeDef:
    """Poll ``describe_execution`` until the execution leaves RUNNING; raise after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while True:
        description = sfn.describe_execution(executionArn=execution_arn)
        if description["status"] != "RUNNING":
            return description
        if time.monotonic() > deadline:
            raise LocalCloudError(f"execution {execution_arn} still RUNNING after {timeout} s")
        time.sleep(poll)
