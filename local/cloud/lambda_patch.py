"""Run the real Python handlers inside moto's Lambda: the one patch the local cloud applies to moto.

moto 5.2.5 funnels every Lambda invocation (direct ``Invoke``, Step Functions ``Task``, SNS → Lambda,
DynamoDB stream → Lambda) through ``moto.awslambda.models.LambdaFunction._invoke_lambda(self, event)
-> (payload_json: str, errored: bool, logs: str)``, its only Docker call site. :func:`install`
replaces that one method with :func:`run_handler`, which imports the function's ``Handler`` string
with importlib and calls it in this process with the event and a Lambda-like context.

Errors come back shaped like the AWS Python runtime's (``errorType`` = the exception class name),
so Step Functions ``Retry``/``Catch`` on custom error names behave as on AWS.

Handlers read their configuration from ``os.environ``; all functions share this process, so
:func:`merge_function_environments` builds the union of their ``Environment.Variables`` once (a
variable set to two different values is an error unless an explicit override settles it) and
:func:`apply_environment` applies it.
"""

from __future__ import annotations

import importlib
import json
import logging
import os
import threading
import time
import traceback
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

from local.cloud.errors import EnvConflictError

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Mapping

__all__ = [
    "FunctionTarget",
    "Invocation",
    "LocalLambdaContext",
    "apply_environment",
    "install",
    "is_installed",
    "merge_function_environments",
    "patched",
    "run_handler",
    "uninstall",
]

logger = logging.getLogger(__name__)

_MARKER: Final = "_inplay_local_cloud_patch"
_lock = threading.Lock()
_import_lock = threading.RLock()
_original: Callable[..., tuple[str, bool, str]] | None = None


@dataclass(frozen=True, slots=True)
class FunctionTarget:
    """What the runtime needs to know about the function being invoked."""

    function_name: str
    handler: str
    function_arn: str
    timeout_seconds: float = 3.0
    memory_mb: int = 128
    version: str = "$LATEST"
    log_group_name: str = ""


@dataclass(slots=True)
class LocalLambdaContext:
    """The attributes and method of the AWS Python runtime's ``LambdaContext`` that handlers use."""

    function_name: str
    function_version: str
    invoked_function_arn: str
    memory_limit_in_mb: int
    aws_request_id: str
    log_group_name: str
    log_stream_name: str
    deadline: float
    """``time.monotonic()`` value at which the function's Timeout expires."""
    identity: Any = None
    client_context: Any = None
    tenant_id: str | None = None

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self.deadline - time.monotonic()) * 1000))


@dataclass(frozen=True, slots=True)
class Invocation:
    """The outcome in moto's terms: the JSON payload, whether it is an error, and log text."""

    payload: str
    errored: bool
    logs: str = ""
    error_type: str | None = None
    duration_seconds: float = field(default=0.0, compare=False)


def _error(error_type: str, message: str, request_id: str, stack: list[str], started: float) -> Invocation:
    body = {"errorMessage": message, "errorType": error_type, "requestId": request_id, "stackTrace": stack}
    return Invocation(
        payload=json.dumps(body),
        errored=True,
        logs=f"[ERROR] {error_type}: {message}\n" + "".join(stack),
        error_type=error_type,
        duration_seconds=time.monotonic() - started,
    )


def _normalise_event(event: Any) -> Any:
    # moto passes the parsed JSON body, or the *string* "{}" when the request had no payload.
    if event is None or event == "{}":
        return {}
    return event


def run_handler(target: FunctionTarget, event: Any) -> Invocation:
    """Import ``target.handler`` and call it with ``event``; never raises for handler failures."""
    started = time.monotonic()
    request_id = str(uuid.uuid4())
    module_name, _, attribute = target.handler.rpartition(".")
    if not module_name or not attribute:
        return _error(
            "Runtime.MalformedHandlerName",
            f"Bad handler '{target.handler}': not enough values to unpack (expected 2, got 1)",
            request_id,
            [],
            started,
        )
    try:
        with _import_lock:  # concurrent first imports of powertools fail half-initialized
            module = importlib.import_module(module_name)
    except Exception as exc:
        stack = traceback.format_list(traceback.extract_tb(exc.__traceback__))
        return _error(
            "Runtime.ImportModuleError",
            f"Unable to import module '{module_name}': {exc}",
            request_id,
            stack,
            started,
        )
    function = getattr(module, attribute, None)
    if not callable(function):
        return _error(
            "Runtime.HandlerNotFound",
            f"Handler '{attribute}' missing on module '{module_name}'",
            request_id,
            [],
            started,
        )
    context = LocalLambdaContext(
        function_name=target.function_name,
        function_version=target.version,
        invoked_function_arn=target.function_arn,
        memory_limit_in_mb=target.memory_mb,
        aws_request_id=request_id,
        log_group_name=target.log_group_name or f"/aws/lambda/{target.function_name}",
        log_stream_name=f"local/[{target.version}]{request_id.replace('-', '')}",
        deadline=started + target.timeout_seconds,
    )
    try:
        result = function(_normalise_event(event), context)
    except Exception as exc:
        stack = traceback.format_list(traceback.extract_tb(exc.__traceback__)[1:])
        logger.warning("function %s raised %s: %s", target.function_name, type(exc).__name__, exc)
        return _error(type(exc).__name__, str(exc), request_id, stack, started)
    elapsed = time.monotonic() - started
    if elapsed > target.timeout_seconds:
        logger.warning(
            "function %s ran %.1f s, longer than its %.0f s timeout (AWS would have stopped it)",
            target.function_name,
            elapsed,
            target.timeout_seconds,
        )
    try:
        payload = json.dumps(result)
    except (TypeError, ValueError) as exc:
        return _error("Runtime.MarshalError", f"Unable to marshal response: {exc}", request_id, [], started)
    return Invocation(payload=payload, errored=False, duration_seconds=elapsed)


def _target_of(function: Any) -> FunctionTarget:
    return FunctionTarget(
        function_name=str(function.function_name),
        handler=str(function.handler),
        function_arn=str(function.function_arn),
        timeout_seconds=float(function.timeout or 3),
        memory_mb=int(function.memory_size or 128),
        version=str(function.version),
        log_group_name=str(getattr(function, "logs_group_name", "") or ""),
    )


def _invoke_in_process(self: Any, event: Any = None) -> tuple[str, bool, str]:
    """Replacement for ``LambdaFunction._invoke_lambda`` (same signature and return shape)."""
    outcome = run_handler(_target_of(self), event)
    return outcome.payload, outcome.errored, outcome.logs


setattr(_invoke_in_process, _MARKER, True)


def _lambda_function_class() -> Any:
    from moto.awslambda.models import LambdaFunction

    return LambdaFunction


def is_installed() -> bool:
    return bool(getattr(_lambda_function_class()._invoke_lambda, _MARKER, False))


def install() -> None:
    """Route every moto Lambda invocation in this process to :func:`run_handler` (idempotent)."""
    global _original
    with _lock:
        cls = _lambda_function_class()
        if getattr(cls._invoke_lambda, _MARKER, False):
            return
        _original = cls._invoke_lambda
        cls._invoke_lambda = _invoke_in_process


def uninstall() -> None:
    """Restore moto's original method (no-op when not installed)."""
    global _original
    with _lock:
        cls = _lambda_function_class()
        if _original is not None and getattr(cls._invoke_lambda, _MARKER, False):
            cls._invoke_lambda = _original
        _original = None


@contextmanager
def patched() -> Iterator[None]:
    """Install the patch for the duration of the block; leave it as found afterwards."""
    was_installed = is_installed()
    install()
    try:
        yield
    finally:
        if not was_installed:
            uninstall()


def merge_function_environments(
    environments: Mapping[str, Mapping[str, str]],
    overrides: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The union of the functions' variables (keyed by function name), then ``overrides`` on top.

    Raises :class:`EnvConflictError` when two functions disagree on a variable that is not overridden.
    """
    overrides = dict(overrides or {})
    merged: dict[str, str] = {}
    owner: dict[str, str] = {}
    conflicts: list[str] = []
    for function_name in sorted(environments):
        for name, value in environments[function_name].items():
            if name in merged and merged[name] != value and name not in overrides:
                conflicts.append(
                    f"{name}: {owner[name]} sets {merged[name]!r} but {function_name} sets {value!r}"
                )
                continue
            merged.setdefault(name, value)
            owner.setdefault(name, function_name)
    if conflicts:
        raise EnvConflictError(
            "functions share one process locally, so their environment variables must agree "
            "(or be given an explicit override): " + "; ".join(conflicts)
        )
    merged.update(overrides)
    return merged


def apply_environment(variables: Mapping[str, str]) -> Callable[[], None]:
    """Set ``variables`` in ``os.environ``; return a function that restores the previous values."""
    previous = {name: os.environ.get(name) for name in variables}
    os.environ.update(variables)

    def restore() -> None:
        for name, value in previous.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value

    return restore
