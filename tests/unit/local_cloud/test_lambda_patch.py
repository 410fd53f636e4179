import json
import os

import pytest

from local.cloud import lambda_patch
from local.cloud.errors import EnvConflictError
from local.cloud.lambda_patch import FunctionTarget, run_handler

ARN = "arn:aws:lambda:us-east-1:123456789012:function:{}"


def target(handler, name="Fn", timeout=30.0, memory=512):
    return FunctionTarget(
        function_name=name,
        handler=handler,
        function_arn=ARN.format(name),
        timeout_seconds=timeout,
        memory_mb=memory,
    )


def test_runs_the_handler_with_event_and_a_lambda_context():
    outcome = run_handler(target("lc_handlers.echo.handler", name="Echo"), {"a": [1, 2]})
    assert not outcome.errored
    result = json.loads(outcome.payload)
    assert result["event"] == {"a": [1, 2]}
    assert result["function_name"] == "Echo"
    assert result["memory_limit_in_mb"] == 512
    assert result["invoked_function_arn"] == ARN.format("Echo")
    assert len(result["aws_request_id"]) == 36
    assert 29_000 < result["remaining_ms"] <= 30_000


def test_remaining_time_honours_the_timeout():
    result = json.loads(run_handler(target("lc_handlers.echo.handler", timeout=2), {}).payload)
    assert 1_000 < result["remaining_ms"] <= 2_000


@pytest.mark.parametrize("event", [None, "{}"])
def test_no_payload_becomes_an_empty_object(event):
    assert json.loads(run_handler(target("lc_handlers.echo.handler"), event).payload)["event"] == {}


def test_an_exception_is_an_aws_shaped_error_named_after_its_class():
    outcome = run_handler(target("lc_handlers.failing.handler"), {"market": "KXNBA"})
    assert outcome.errored
    assert outcome.error_type == "VenueUnavailableError"
    body = json.loads(outcome.payload)
    assert body["errorType"] == "VenueUnavailableError"
    assert body["errorMessage"] == "venue down for KXNBA"
    assert any("failing.py" in line for line in body["stackTrace"])
    assert "VenueUnavailableError" in outcome.logs


@pytest.mark.parametrize(
    ("handler", "error_type"),
    [
        ("lc_handlers.nope.handler", "Runtime.ImportModuleError"),
        ("lc_handlers.echo.missing", "Runtime.HandlerNotFound"),
        ("nohandler", "Runtime.MalformedHandlerName"),
        ("lc_handlers.failing.unserializable", "Runtime.MarshalError"),
    ],
)
def test_runtime_errors_use_the_lambda_runtime_error_types(handler, error_type):
    outcome = run_handler(target(handler), {})
    assert outcome.errored
    assert json.loads(outcome.payload)["errorType"] == error_type


def test_install_is_idempotent_and_uninstall_restores_moto():
    from moto.awslambda.models import LambdaFunction

    original = LambdaFunction._invoke_lambda
    was_installed = lambda_patch.is_installed()
    lambda_patch.uninstall()
    try:
        pristine = LambdaFunction._invoke_lambda
        lambda_patch.install()
        lambda_patch.install()
        assert lambda_patch.is_installed()
        assert LambdaFunction._invoke_lambda is not pristine
        lambda_patch.uninstall()
        assert LambdaFunction._invoke_lambda is pristine
        assert not lambda_patch.is_installed()
        with lambda_patch.patched():
            assert lambda_patch.is_installed()
        assert LambdaFunction._invoke_lambda is pristine
    finally:
        if was_installed:
            lambda_patch.install()
    assert (LambdaFunction._invoke_lambda is original) or was_installed


def test_patched_leaves_an_existing_install_in_place():
    lambda_patch.install()
    try:
        with lambda_patch.patched():
            pass
        assert lambda_patch.is_installed()
    finally:
        lambda_patch.uninstall()


def test_environments_merge_into_one_union():
    merged = lambda_patch.merge_function_environments(
        {"poller": {"TABLE": "Games", "URL": "https://espn"}, "api": {"TABLE": "Games", "LEVEL": "INFO"}},
        {"URL": "http://127.0.0.1:9000"},
    )
    assert merged == {"TABLE": "Games", "URL": "http://127.0.0.1:9000", "LEVEL": "INFO"}


def test_conflicting_values_are_an_error_naming_both_functions():
    with pytest.raises(EnvConflictError, match=r"LEVEL: api sets 'INFO' but poller sets 'DEBUG'"):
        lambda_patch.merge_function_environments({"poller": {"LEVEL": "DEBUG"}, "api": {"LEVEL": "INFO"}})


def test_an_override_settles_a_conflict():
    merged = lambda_patch.merge_function_environments(
        {"poller": {"LEVEL": "DEBUG"}, "api": {"LEVEL": "INFO"}}, {"LEVEL": "WARNING"}
    )
    assert merged == {"LEVEL": "WARNING"}


def test_apply_environment_restores_previous_values(monkeypatch):
    monkeypatch.setenv("LC_EXISTING", "before")
    monkeypatch.delenv("LC_NEW", raising=False)
    restore = lambda_patch.apply_environment({"LC_EXISTING": "after", "LC_NEW": "new"})
    assert (os.environ["LC_EXISTING"], os.environ["LC_NEW"]) == ("after", "new")
    restore()
    assert os.environ["LC_EXISTING"] == "before"
    assert "LC_NEW" not in os.environ
