"""The ASL file against the code: step names, error names, routes, reachability, the batch Map."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from infra.workflows import (
    BEGIN_STATE,
    ORDER_ASL,
    WORKER_ARN_SUBSTITUTION,
    batch_definition,
    load_order_definition,
    substitutions_in,
)
from inplay.orders.errors import CAUGHT_ERRORS, RETRIED_ERRORS
from inplay.orders.workflow import Next, StepName

ORDER = load_order_definition()
STATES: dict[str, Any] = ORDER["States"]
TASKS = {name: state for name, state in STATES.items() if state["Type"] == "Task"}


def _targets(state: dict[str, Any]) -> Iterator[str]:
    if "Next" in state:
        yield state["Next"]
    if "Default" in state:
        yield state["Default"]
    for choice in state.get("Choices", []):
        yield choice["Next"]
    for catch in state.get("Catch", []):
        yield catch["Next"]


def _reachable(definition: dict[str, Any]) -> set[str]:
    seen: set[str] = set()
    todo = [definition["StartAt"]]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        todo.extend(_targets(definition["States"][name]))
    return seen


def test_every_task_runs_the_worker_with_a_known_step() -> None:
    steps = set()
    for name, task in TASKS.items():
        assert task["Resource"] == "${" + WORKER_ARN_SUBSTITUTION + "}", name
        assert task["Parameters"]["state.$"] == "$", name
        steps.add(StepName(task["Parameters"]["step"]))
        assert task["TimeoutSeconds"] > 60  # longer than the worker's own Lambda timeout
    assert steps == set(StepName)
    assert substitutions_in(ORDER_ASL.read_text()) == {WORKER_ARN_SUBSTITUTION}


def test_error_names_are_the_worker_exception_classes() -> None:
    known = RETRIED_ERRORS | CAUGHT_ERRORS
    for name, task in TASKS.items():
        for retry in task.get("Retry", []):
            for error in retry["ErrorEquals"]:
                assert error.startswith("Lambda.") or error in RETRIED_ERRORS, (name, error)
            assert retry["IntervalSeconds"] <= 2 and retry["MaxAttempts"] <= 5
        for catch in task["Catch"]:
            for error in catch["ErrorEquals"]:
                assert error == "States.ALL" or error in known, (name, error)
        assert task["Catch"][-1]["ErrorEquals"] == ["States.ALL"], name  # nothing escapes a step
    retried = {e for task in TASKS.values() for r in task.get("Retry", []) for e in r["ErrorEquals"]}
    assert retried >= RETRIED_ERRORS
    assert "AmbiguousOutcome" not in retried  # an order that may exist is never re-placed blindly
    assert STATES["Place"]["Catch"][0] == {
        "ErrorEquals": ["AmbiguousOutcome"],
        "ResultPath": "$.error",
        "Next": "MarkUnknown",
    }


def test_venue_steps_fall_back_to_mark_unknown() -> None:
    for name in ("Reserve", "Place", "CheckFill", "Cancel", "VerifyCancel", "Record"):
        assert TASKS[name]["Catch"][-1]["Next"] == "MarkUnknown", name
    assert TASKS["MarkUnknown"]["Catch"][-1]["Next"] == "Unrecorded"
    assert TASKS["Audit"]["Catch"][-1]["Next"] == "Alert"
    assert TASKS["Alert"]["Catch"][-1]["Next"] == "Done"


def test_the_route_covers_every_next_value() -> None:
    route = STATES["Route"]
    routed = {choice["StringEquals"]: choice["Next"] for choice in route["Choices"]}
    assert set(routed) | {Next.FINISH.value} == {n.value for n in Next}
    assert route["Default"] == "Audit"
    assert routed == {"place": "Place", "wait": "WaitForFill", "cancel": "Cancel", "record": "Record"}
    assert STATES["WaitForFill"]["SecondsPath"] == "$.order.policy.poll_seconds"


def test_every_state_is_reachable_and_ends_in_done() -> None:
    assert _reachable(ORDER) == set(STATES)
    assert ORDER["StartAt"] == BEGIN_STATE
    assert [name for name, state in STATES.items() if state.get("End")] == ["Done"]
    assert STATES["Done"]["OutputPath"] == "$.order.result"


def test_the_batch_map_runs_the_same_states() -> None:
    batch = batch_definition()
    legs = batch["States"]["Legs"]
    processor = legs["ItemProcessor"]
    assert processor["States"] == {name: state for name, state in STATES.items() if name != BEGIN_STATE}
    assert processor["StartAt"] == STATES[BEGIN_STATE]["Next"]
    assert _reachable(processor) == set(processor["States"])
    assert set(STATES[BEGIN_STATE]["Parameters"]) <= set(legs["ItemSelector"])
    assert legs["ItemSelector"]["leg_index.$"] == "$$.Map.Item.Index"
    assert _reachable(batch) == {"Legs", "Summary"}


def test_a_definition_without_the_begin_wrapper_is_refused(tmp_path: Path) -> None:
    broken = dict(ORDER, StartAt="Reserve")
    with pytest.raises(ValueError, match="Begin"):
        batch_definition(broken)
    path = tmp_path / "x.asl.json"
    path.write_text(json.dumps(ORDER))
    assert load_order_definition(path) == ORDER
