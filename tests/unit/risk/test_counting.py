"""The venue-call counter, the Step Functions batch starter, and protocol conformance."""

from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import boto3
import pytest
from moto import mock_aws

from inplay.orders.auditing import IdempotentOrderAudit
from inplay.orders.intents import TradingMode
from inplay.orders.workflow import BatchRequest, IntentSpec, OrderRequest
from inplay.risk.inputs import GameFeeds
from inplay.risk.store import InMemoryRiskStore, RiskStore
from inplay.risk.tripping import (
    BatchStarter,
    BatchStartError,
    KillAuditor,
    StepFunctionsBatchStarter,
    SwitchControls,
)
from inplay.store.bots import DynamoBotControls
from inplay.store.games import GamesStore
from inplay.venues.base import (
    Action,
    AmbiguousOutcomeError,
    AuthenticationError,
    ExchangeUnavailableError,
    InsufficientBalanceError,
    InvalidResponseError,
    NotFoundError,
    OrderRejectedError,
    OutcomeSide,
    RateLimitedError,
    TimeInForce,
    TradingPausedError,
    Venue,
    VenueError,
)
from inplay.venues.counting import CountingVenue, CountingVenues, is_api_error
from inplay.venues.factory import VenueProvider
from tests.unit.risk.support import NOW, USER, FakeVenue, FakeVenues, intent, market

D = Decimal


class Clock:
    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now


class FlakySink:
    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.store = InMemoryRiskStore()

    def count_api_calls(self, user_id: str, *, at: datetime, calls: int, errors: int) -> None:
        if self.failures:
            self.failures -= 1
            raise RuntimeError("ProvisionedThroughputExceeded")
        self.store.count_api_calls(user_id, at=at, calls=calls, errors=errors)


def counting_setup(sink: Any = None) -> tuple[CountingVenues, FakeVenue, Clock, Any]:
    venue = FakeVenue(markets={"M": market("M")})
    venues = FakeVenues(accounts={USER: venue, "bob": FakeVenue()})
    clock = Clock(NOW)
    sink = sink if sink is not None else InMemoryRiskStore()
    return CountingVenues(venues, sink, now=clock), venue, clock, sink


@pytest.mark.parametrize(
    ("error", "counted"),
    [
        (ExchangeUnavailableError("503"), True),
        (RateLimitedError("429"), True),
        (InvalidResponseError("no order object"), True),
        (AmbiguousOutcomeError("timeout"), True),
        (AuthenticationError("bad signature"), True),
        (NotFoundError("no such order"), False),
        (OrderRejectedError("post only cross"), False),
        (InsufficientBalanceError("no money"), False),
        (TradingPausedError("paused"), False),
    ],
)
def test_which_failures_are_api_errors(error: VenueError, counted: bool) -> None:
    assert is_api_error(error) is counted


def test_calls_and_errors_are_counted_per_user_and_minute_and_flushed_once() -> None:
    counting, venue, clock, store = counting_setup()
    alice = counting.account(USER, "kalshi", TradingMode.LIVE)
    bob = counting.venue_for(intent(user_id="bob"))
    alice.get_market("M")
    alice.get_balance()
    venue.fail["list_orders"] = RateLimitedError("429")
    with pytest.raises(RateLimitedError):
        alice.list_orders()
    with pytest.raises(NotFoundError):
        alice.get_market("NOPE")
    clock.now = NOW + timedelta(minutes=1, seconds=5)
    alice.exchange_status()
    bob.get_balance()
    assert counting.pending() == {
        (USER, NOW): (4, 1),
        (USER, NOW + timedelta(minutes=1)): (1, 0),
        ("bob", NOW + timedelta(minutes=1)): (1, 0),
    }
    assert counting.flush() is True
    assert counting.pending() == {}
    stats = store.api_stats(USER, since=NOW, until=NOW + timedelta(minutes=1))
    assert (stats.calls, stats.errors) == (5, 1)
    assert counting.flush() is True  # nothing more to write
    assert store.api_stats(USER, since=NOW, until=NOW + timedelta(minutes=1)).calls == 5


def test_a_failed_flush_never_raises_and_keeps_the_counts(caplog: pytest.LogCaptureFixture) -> None:
    sink = FlakySink(failures=1)
    counting, _, _, _ = counting_setup(sink)
    venue = counting.account(USER, "kalshi", TradingMode.PAPER)
    venue.get_market("M")
    venue.get_market("M")
    with caplog.at_level(logging.WARNING):
        assert counting.flush() is False
    assert "ProvisionedThroughputExceeded" in caplog.text
    venue.get_market("M")
    assert counting.pending() == {(USER, NOW): (3, 0)}
    assert counting.flush() is True
    assert sink.store.api_stats(USER, since=NOW, until=NOW).calls == 3


def test_the_wrapper_passes_everything_through() -> None:
    counting, venue, _, _ = counting_setup()
    wrapped = counting.account(USER, "kalshi", TradingMode.LIVE)
    assert isinstance(wrapped, CountingVenue) and wrapped.inner is venue
    assert wrapped.name == "kalshi"
    assert wrapped.get_market("M") == venue.markets["M"]
    assert counting.account_key(USER, "kalshi", TradingMode.PAPER) == "kalshi:alice"
    assert wrapped.calls == venue.calls  # a non-method attribute: not a call
    assert wrapped._enter("get_balance") is None  # any other method of the venue: counted
    assert counting.pending()[(USER, NOW)] == (2, 0)


# ---------------------------------------------------------------------------------------------
# Step Functions


def batch() -> BatchRequest:
    spec = IntentSpec(
        user_id=USER,
        bot_id="bot1",
        market_ticker="M",
        signal_id="ks-00000000000000001-manual",
        leg="kill-flatten",
        decision_bucket=NOW,
        side=OutcomeSide.YES,
        action=Action.SELL,
        price=D("0.45"),
        count=D(10),
        mode=TradingMode.PAPER,
        time_in_force=TimeInForce.IOC,
        reduce_only=True,
    )
    return BatchRequest(legs=(OrderRequest(intent=spec, reason="kill_switch"),))


@mock_aws
def test_the_step_functions_starter_names_the_execution_by_batch_id_and_starts_it_once() -> None:
    sfn = boto3.client("stepfunctions", region_name="us-east-1")
    machine = sfn.create_state_machine(
        name="Batch",
        definition=json.dumps({"StartAt": "Done", "States": {"Done": {"Type": "Succeed"}}}),
        roleArn="arn:aws:iam::123456789012:role/sfn",
    )["stateMachineArn"]
    starter = StepFunctionsBatchStarter(machine, client=sfn)
    request = batch()
    first = starter.start_batch(request)
    second = starter.start_batch(request)
    assert first == second and first.endswith(f":{request.batch_id()}")
    executions = sfn.list_executions(stateMachineArn=machine)["executions"]
    assert [e["name"] for e in executions] == [request.batch_id()]
    started = json.loads(sfn.describe_execution(executionArn=first)["input"])
    assert BatchRequest.model_validate(started) == request


@mock_aws
def test_a_refused_start_is_a_typed_error() -> None:
    sfn = boto3.client("stepfunctions", region_name="us-east-1")
    starter = StepFunctionsBatchStarter(
        "arn:aws:states:us-east-1:123456789012:stateMachine:Missing", client=sfn
    )
    with pytest.raises(BatchStartError, match="cannot start batch"):
        starter.start_batch(batch())


def _conformance(
    controls: DynamoBotControls,
    audit: IdempotentOrderAudit,
    games: GamesStore,
    risk: InMemoryRiskStore,
    starter: StepFunctionsBatchStarter,
    counting: CountingVenues,
    wrapped: CountingVenue,
) -> tuple[SwitchControls, KillAuditor, GameFeeds, RiskStore, BatchStarter, VenueProvider, Venue]:
    return controls, audit, games, risk, starter, counting, wrapped  # mypy: the real ones fit
