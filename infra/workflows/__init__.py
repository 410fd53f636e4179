"""The order workflow's Amazon States Language, defined once in ``order.asl.json``.

- The single-order state machine is that file as is (CDK: ``DefinitionBody.from_file``).
- The batch state machine is generated from the same file (:func:`batch_definition`): a Map over
  ``$.legs`` whose item processor is every per-order state of the file (all but the ``Begin``
  wrapper, whose job the Map's ``ItemSelector`` does), so no state is ever copied by hand.

Both use the ``${OrderWorkerArn}`` definition substitution. Nothing here imports ``aws_cdk``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Final

__all__ = [
    "BATCH_MAX_CONCURRENCY",
    "BEGIN_STATE",
    "ORDER_ASL",
    "WORKER_ARN_SUBSTITUTION",
    "batch_definition",
    "load_order_definition",
    "substitutions_in",
]

ORDER_ASL: Final = Path(__file__).resolve().parent / "order.asl.json"
WORKER_ARN_SUBSTITUTION: Final = "OrderWorkerArn"
BEGIN_STATE: Final = "Begin"
BATCH_MAX_CONCURRENCY: Final = 5
"""Legs placed at once: within Kalshi's write budget on the Basic tier, fast enough for a flatten."""


def load_order_definition(path: Path = ORDER_ASL) -> dict[str, Any]:
    definition: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return definition


def substitutions_in(text: str) -> set[str]:
    """The ``${Name}`` placeholders a definition uses."""
    import re

    return set(re.findall(r"\$\{([A-Za-z0-9_]+)\}", text))


def batch_definition(order: dict[str, Any] | None = None) -> dict[str, Any]:
    """The batch state machine: one Map iteration per leg, each running the per-order states."""
    order = order if order is not None else load_order_definition()
    states: dict[str, Any] = dict(order["States"])
    begin = states.pop(order["StartAt"])
    if order["StartAt"] != BEGIN_STATE or begin.get("Type") != "Pass":
        raise ValueError(f"the order definition must start with the {BEGIN_STATE!r} Pass state")
    selector = {
        "request.$": "$$.Map.Item.Value",
        "execution_name.$": "$$.Execution.Name",
        "execution_id.$": "$$.Execution.Id",
        "leg_index.$": "$$.Map.Item.Index",
    }
    if set(begin["Parameters"]) - set(selector):
        raise ValueError(
            "the Map's ItemSelector must give each leg everything the Begin state gives an order"
        )
    return {
        "Comment": "inplay batch orders: the order workflow's states for each leg (one intent per leg). "
        "Execution name = batch id.",
        "StartAt": "Legs",
        "States": {
            "Legs": {
                "Type": "Map",
                "Comment": "One order intent per leg, each with its own record and result.",
                "ItemsPath": "$.legs",
                "MaxConcurrency": BATCH_MAX_CONCURRENCY,
                "ItemSelector": selector,
                "ItemProcessor": {
                    "ProcessorConfig": {"Mode": "INLINE"},
                    "StartAt": begin["Next"],
                    "States": states,
                },
                "Next": "Summary",
            },
            "Summary": {
                "Type": "Pass",
                "Comment": "The BatchResult: the batch id and one OrderResult per leg, in leg order.",
                "Parameters": {"batch_id.$": "$$.Execution.Name", "results.$": "$"},
                "End": True,
            },
        },
    }
