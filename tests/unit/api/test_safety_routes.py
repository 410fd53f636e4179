"""The kill-switch and reconcile routes' domain part: validation, the command sent, the HTTP mapping."""

from __future__ import annotations

import io
import json
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

import pytest
from botocore.exceptions import ReadTimeoutError
from pydantic import ValidationError

from inplay.api.safety import (
    MAX_INVOKE_SECONDS,
    InvocationFailed,
    InvocationTimedOut,
    LambdaInvoker,
    emergency_stop,
    reconcile,
    reset_kill_switch,
)
from inplay.risk.commands import EmergencyStopRequest, KillSwitchCommand, ReconcileCommand, ResetRequest


class FakeInvoker:
    def __init__(self, answer: Any) -> None:
        self.answer = answer
        self.calls: list[tuple[str, dict[str, Any], float]] = []

    def invoke(self, function_name: str, payload: Mapping[str, Any], *, wait_seconds: float) -> Any:
        self.calls.append((function_name, dict(payload), wait_seconds))
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer


def reply(status: str, state: str = "TRIPPED", **extra: Any) -> dict[str, Any]:
    return {"status": status, "state": state, **extra}


def test_emergency_stop_sends_a_manual_trip_and_answers_200() -> None:
    invoker = FakeInvoker(reply("tripped", event_id="ks-1-manual", trigger="manual", cancelled_orders=2))
    out = emergency_stop(
        EmergencyStopRequest(close_positions=False, reason="going to bed"),
        user_id="u1",
        invoker=invoker,
        function_name="kill-fn",
    )
    assert out.status == HTTPStatus.OK
    assert out.body["message"] == "kill switch tripped"
    assert out.body["cancelled_orders"] == 2
    name, payload, wait = invoker.calls[0]
    assert name == "kill-fn" and wait == MAX_INVOKE_SECONDS
    assert KillSwitchCommand.model_validate(payload) == KillSwitchCommand(
        command="emergency_stop", user_id="u1", by="u1", reason="going to bed", close_positions=False
    )


def test_emergency_stop_on_a_tripped_switch_is_idempotent() -> None:
    out = emergency_stop(
        EmergencyStopRequest(), user_id="u1", invoker=FakeInvoker(reply("already_tripped")), function_name="k"
    )
    assert out.status == HTTPStatus.OK
    assert "already tripped" in out.body["message"]


def test_emergency_stop_closes_positions_by_default() -> None:
    assert EmergencyStopRequest().close_positions is True


@pytest.mark.parametrize(
    "body", [{}, {"reason": ""}, {"reason": "   "}, {"reason": "x" * 501}, {"reason": 5}]
)
def test_reset_needs_a_reason(body: dict[str, Any]) -> None:
    with pytest.raises(ValidationError) as caught:
        ResetRequest.model_validate(body)
    assert "reason" in str(caught.value)


def test_reset_of_a_switch_that_is_not_tripped_is_a_conflict() -> None:
    invoker = FakeInvoker(reply("not_tripped", state="ACTIVE"))
    out = reset_kill_switch(
        ResetRequest(reason="all clear"), user_id="u1", invoker=invoker, function_name="k"
    )
    assert out.status == HTTPStatus.CONFLICT
    assert out.body["message"].startswith("the kill switch is not tripped")
    assert invoker.calls[0][1]["command"] == "reset"
    assert invoker.calls[0][1]["reason"] == "all clear"


def test_reset_answers_200_when_it_reset() -> None:
    out = reset_kill_switch(
        ResetRequest(reason="limits raised"),
        user_id="u1",
        invoker=FakeInvoker(reply("reset", state="ACTIVE")),
        function_name="k",
    )
    assert out.status == HTTPStatus.OK
    assert out.body["state"] == "ACTIVE"


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (InvocationTimedOut("slow"), HTTPStatus.ACCEPTED),
        (InvocationFailed("kill-fn failed: boom"), HTTPStatus.BAD_GATEWAY),
    ],
)
def test_invocation_problems_map_to_clear_statuses(error: Exception, status: HTTPStatus) -> None:
    out = emergency_stop(EmergencyStopRequest(), user_id="u1", invoker=FakeInvoker(error), function_name="k")
    assert out.status == status
    assert out.body["message"]


def test_an_unexpected_answer_is_a_bad_gateway_not_a_crash() -> None:
    out = reset_kill_switch(
        ResetRequest(reason="r"), user_id="u1", invoker=FakeInvoker({"weird": True}), function_name="k"
    )
    assert out.status == HTTPStatus.BAD_GATEWAY


def test_reconcile_returns_the_reports_and_flags_an_aborted_run() -> None:
    invoker = FakeInvoker({"reports": [{"ok": True, "report_id": "r1"}, {"ok": False, "report_id": "r2"}]})
    out = reconcile(user_id="u1", invoker=invoker, function_name="recon-fn")
    assert out.status == HTTPStatus.OK
    assert out.body["status"] == "aborted"
    assert [report["report_id"] for report in out.body["reports"]] == ["r1", "r2"]
    assert ReconcileCommand.model_validate(invoker.calls[0][1]).trigger == "api"


def test_reconcile_past_the_wait_is_accepted() -> None:
    out = reconcile(user_id="u1", invoker=FakeInvoker(InvocationTimedOut("slow")), function_name="r")
    assert out.status == HTTPStatus.ACCEPTED


class FakeLambda:
    def __init__(
        self, payload: bytes, function_error: str | None = None, raises: Exception | None = None
    ) -> None:
        self.payload = payload
        self.function_error = function_error
        self.raises = raises
        self.requests: list[dict[str, Any]] = []

    def invoke(self, **request: Any) -> dict[str, Any]:
        self.requests.append(request)
        if self.raises is not None:
            raise self.raises
        response: dict[str, Any] = {"StatusCode": 200, "Payload": io.BytesIO(self.payload)}
        if self.function_error:
            response["FunctionError"] = self.function_error
        return response


def test_lambda_invoker_invokes_synchronously_and_parses_json() -> None:
    client = FakeLambda(b'{"status": "reset"}')
    assert LambdaInvoker(client).invoke("fn", {"a": 1}, wait_seconds=5) == {"status": "reset"}
    request = client.requests[0]
    assert request["InvocationType"] == "RequestResponse"
    assert json.loads(request["Payload"]) == {"a": 1}


def test_lambda_invoker_reports_a_function_error_with_its_message() -> None:
    client = FakeLambda(b'{"errorMessage": "venue down", "errorType": "X"}', function_error="Unhandled")
    with pytest.raises(InvocationFailed, match="venue down"):
        LambdaInvoker(client).invoke("fn", {}, wait_seconds=5)


def test_lambda_invoker_turns_a_read_timeout_into_timed_out() -> None:
    client = FakeLambda(b"", raises=ReadTimeoutError(endpoint_url="http://127.0.0.1"))
    with pytest.raises(InvocationTimedOut):
        LambdaInvoker(client).invoke("fn", {}, wait_seconds=5)
