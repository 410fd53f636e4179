"""Batch orders: a Map over legs, each leg its own intent running the same per-order states."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from botocore.exceptions import ClientError

from inplay.orders.workflow import BatchRequest
from tests.integration.order_workflow.support import BATCH_MACHINE, Harness

pytestmark = [pytest.mark.timeout(120)]

D = Decimal


def run_batch(harness: Harness, legs: list[dict[str, Any]]) -> tuple[str, dict[str, Any]]:
    batch = {"legs": legs}
    batch_id = BatchRequest.model_validate(batch).batch_id()
    arn = harness.start(batch, name=batch_id, machine=BATCH_MACHINE)
    return batch_id, harness.finish(arn, timeout=90)


def test_a_batch_enters_several_markets_each_leg_with_its_own_intent(harness: Harness) -> None:
    away = harness.venue.game.away_ticker
    legs = [
        harness.request(price="0.52", count="10", signal="home"),
        harness.request(price="0.52", count="5", signal="away", market=away),
        harness.request(price="0.52", count="500", signal="too-big"),
    ]
    batch_id, out = run_batch(harness, legs)

    assert out["batch_id"] == batch_id and batch_id.startswith("ib-")
    results = out["results"]
    assert [r["status"] for r in results] == ["FILLED", "FILLED", "ERROR"]  # in leg order
    assert results[2]["error"]["code"] == "limit_max_contracts"
    ids = [harness.intent_id(leg) for leg in legs]
    assert [r["intent_id"] for r in results] == ids and len(set(ids)) == 3
    assert [harness.intent(i).status for i in ids] == ["FILLED", "FILLED", "REJECTED"]
    assert [len(harness.venue.orders(i)) for i in ids] == [1, 1, 0]
    assert {row["market_ticker"]["S"]: D(row["contracts"]["N"]) for row in harness.positions()} == {
        harness.venue.home: 10,
        away: 5,
    }
    assert sorted(harness.audit_kinds()) == ["ENTRY", "ENTRY", "ERROR"]
    assert len(harness.alerts()) == 3

    with pytest.raises(ClientError) as refused:
        harness.start({"legs": legs}, name=batch_id, machine=BATCH_MACHINE)
    assert refused.value.response["Error"]["Code"] == "ExecutionAlreadyExists"


def test_a_batch_closes_many_positions(harness: Harness) -> None:
    away = harness.venue.game.away_ticker
    harness.run(harness.request(price="0.52", count="10", signal="in-home"))
    harness.run(harness.request(price="0.52", count="5", signal="in-away", market=away))
    harness.trip_kill_switch("flatten everything")  # exits still pass: they only reduce exposure
    exits = [
        harness.request(
            price="0.48",
            count=count,
            side="yes",
            action="sell",
            tif="ioc",
            reduce_only=True,
            purpose="exit",
            signal=f"out-{name}",
            market=ticker,
        )
        for name, ticker, count in (("home", harness.venue.home, "10"), ("away", away, "5"))
    ]
    _, out = run_batch(harness, exits)

    assert [r["status"] for r in out["results"]] == ["FILLED", "FILLED"]
    assert all(r["purpose"] == "exit" for r in out["results"])
    assert harness.position_contracts() == 0
    assert sum((D(r["realized_pnl"]) for r in out["results"]), D(0)) == D("-0.60")  # 15 × (0.48 − 0.52)
    # The switch was tripped by writing its item directly, so the kill-switch function (woken by
    # the fills' stream) may announce the trip with its own record: only the orders are counted.
    assert sorted(k for k in harness.audit_kinds() if k != "KILL_SWITCH") == [
        "ENTRY",
        "ENTRY",
        "EXIT",
        "EXIT",
    ]


def test_a_leg_already_settled_is_reported_not_placed_again(harness: Harness) -> None:
    first = harness.request(price="0.52", count="10", signal="done-already")
    harness.run(first)
    second = harness.request(price="0.52", count="4", signal="new-one")
    _, out = run_batch(harness, [first, second])

    assert [r["status"] for r in out["results"]] == ["FILLED", "FILLED"]
    done_id = harness.intent_id(first)
    assert harness.venue.creates(done_id) == 1  # adopted from the ledger: no second order
    assert D(out["results"][0]["filled_count"]) == 10
    assert harness.position_contracts() == 14
    assert harness.audit_kinds() == ["ENTRY", "ENTRY"]  # the settled leg's record is not appended twice
