"""The reconciler against the Kalshi simulator (HTTP, real client) and DynamoDB stores (moto)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from inplay.alerts.model import AlertKind, Mode, Severity
from inplay.orders.fills import fill_record, position_id_for
from inplay.orders.intents import IntentState, TradingMode
from inplay.risk.records import FindingKind, OrphanKind, OrphanResolution
from inplay.venues.base import Action, Fill, OutcomeSide, TimeInForce
from tests.integration.reconcile.support import BOT, USER, Stack, running_stack

pytestmark = [
    pytest.mark.timeout(120),
    # The audit's powertools idempotency runs outside a Lambda here (no remaining-time context).
    pytest.mark.filterwarnings("ignore:Couldn't determine the remaining time left"),
]

D = Decimal
K = FindingKind
S = IntentState


@pytest.fixture
def stack() -> Iterator[Stack]:
    with running_stack() as running:
        yield running


def only(report, kind: FindingKind):
    found = [f for f in report.findings if f.kind is kind]
    assert len(found) == 1, report.findings
    return found[0]


def position_contracts(stack: Stack) -> Decimal:
    found = stack.trades.position(USER, position_id_for(BOT, "kalshi", stack.home, TradingMode.PAPER))
    return found.contracts if found is not None else D(0)


def test_order_placed_behind_the_bots_back_is_an_orphan_until_cancelled(stack: Stack) -> None:
    ack = stack.place("manual-phone-1", price="0.30", count="5")

    report = stack.reconcile()

    assert report.ok and report.venue_as_of is not None and report.venue_orders == 1
    finding = only(report, K.ORPHAN_ORDER)
    assert finding.critical and finding.order_id == ack.order_id and finding.market_ticker == stack.home
    orphan = stack.risk.orphan(USER, f"order:{ack.order_id}")
    assert orphan is not None and orphan.kind is OrphanKind.ORDER and not orphan.resolved
    assert (orphan.side, orphan.action, orphan.size, orphan.price) == (
        OutcomeSide.YES,
        Action.BUY,
        D(5),
        D("0.30"),
    )
    assert stack.controls.market_block(USER, stack.home) is not None  # Reserve refuses entries there
    assert stack.resting(ack.order_id)  # never cancelled by inplay
    [alert] = stack.alerts.alerts
    assert (alert.kind, alert.severity) == (AlertKind.RECONCILE, Severity.CRITICAL)
    assert alert.mode is Mode.LIVE  # nothing in the store says PAPER: the stakes are not understated

    stack.manual.cancel_order(ack.order_id)
    second = stack.reconcile()

    resolved = only(second, K.ORPHAN_RESOLVED)
    assert resolved.venue == OrphanResolution.MANUAL_CLOSE.value and resolved.action.endswith(
        "market unblocked"
    )
    assert stack.controls.market_block(USER, stack.home) is None
    assert stack.risk.orphans(USER, unresolved_only=True) == []
    assert [r.report_id for r in stack.risk.reports(USER)] == [second.report_id, report.report_id]


def test_resting_order_of_a_crashed_workflow_is_adopted(stack: Stack) -> None:
    crashed = stack.intent(S.SUBMITTED, ago=timedelta(minutes=20), price="0.30")
    ack = stack.place(crashed.intent_id, price="0.30", count="5")  # Place sent it, then the Lambda died

    report = stack.reconcile()

    finding = only(report, K.ADOPTED_ORDER)
    assert (finding.intent_id, finding.order_id, finding.venue) == (
        crashed.intent_id,
        ack.order_id,
        "CANCELLED",
    )
    settled = stack.ledger.get(crashed.intent_id)
    assert settled is not None and settled.status is S.CANCELLED and settled.venue_order_id == ack.order_id
    assert not stack.resting(ack.order_id)  # cancelled: no workflow watches it any more
    assert stack.risk.orphans(USER) == []
    assert stack.controls.market_block(USER, stack.home) is None
    assert [r.kind for r in stack.audit_log.records(USER)] == ["CANCEL"]

    stack.reconcile()  # a second run changes nothing and appends nothing
    assert len(list(stack.audit_log.records(USER))) == 1


def test_filled_order_of_a_crashed_workflow_is_recorded_then_closed_by_settlement(stack: Stack) -> None:
    crashed = stack.intent(S.SUBMITTED, ago=timedelta(minutes=20), price="0.52")
    stack.place(crashed.intent_id, price="0.52", count="5", tif=TimeInForce.IOC)

    report = stack.reconcile()

    finding = only(report, K.INTENT_SETTLED)
    assert (finding.store, finding.venue) == ("SUBMITTED", "FILLED")
    assert position_contracts(stack) == 5
    assert not [f for f in report.findings if f.kind is K.ORPHAN_POSITION]

    stack.venue.sim.settle(stack.home, "yes")
    settled = stack.reconcile()

    ghost = only(settled, K.GHOST_POSITION)
    assert not ghost.critical and "settlement (result yes)" in ghost.action
    closed = stack.trades.position(USER, position_id_for(BOT, "kalshi", stack.home, TradingMode.PAPER))
    assert closed is not None and closed.contracts == 0 and closed.realized_pnl == D("2.40")  # 5 × (1 − 0.52)
    assert stack.trades.fill(USER, f"kalshi#settle:{stack.home}:{BOT}") is not None
    again = stack.reconcile()  # recorded once: nothing left to do
    assert K.GHOST_POSITION not in {f.kind for f in again.findings}


def test_partial_venue_read_failure_aborts_without_conclusions(stack: Stack) -> None:
    manual = stack.place("manual-phone-2", price="0.30", count="3")
    crashed = stack.intent(S.SUBMITTED, ago=timedelta(minutes=20), price="0.31", signal="s2")
    ours = stack.place(crashed.intent_id, price="0.31", count="5")
    stack.venue.sim.fail_next(503, count=5, operation="get_positions")  # the orders read works, this not

    report = stack.reconcile()

    assert not report.ok and report.findings == ()
    assert "ExchangeUnavailableError" in (report.aborted_reason or "")
    assert stack.risk.orphans(USER) == []
    assert stack.controls.market_block(USER, stack.home) is None
    assert stack.ledger.get(crashed.intent_id).status is S.SUBMITTED
    assert stack.resting(manual.order_id) and stack.resting(ours.order_id)
    [alert] = stack.alerts.alerts
    assert alert.severity is Severity.CRITICAL and alert.title.startswith("Reconcile aborted")
    assert stack.risk.reports(USER) == [report]

    stack.venue.sim.clear_faults()
    recovered = stack.reconcile()

    assert recovered.ok
    assert {f.kind for f in recovered.findings} == {K.ORPHAN_ORDER, K.ADOPTED_ORDER}
    assert stack.resting(manual.order_id) and not stack.resting(ours.order_id)


def test_stale_portfolio_reads_defer_instead_of_concluding(stack: Stack) -> None:
    stack.venue.sim.set_stale_reads(60_000)  # the venue's portfolio data trails by a minute
    intent = stack.intent(S.SUBMITTED, ago=timedelta(0), price="0.52")
    ack = stack.place(intent.intent_id, price="0.52", count="5", tif=TimeInForce.IOC)
    now = datetime.now(UTC)
    venue_fill = Fill(
        fill_id="f-local-1",
        order_id=ack.order_id,
        market_ticker=stack.home,
        side=OutcomeSide.YES,
        action=Action.BUY,
        price=ack.average_fill_price or D("0.52"),
        count=D(5),
        fee=D(0),
        is_taker=True,
        created_time=now,
    )
    stack.trades.record_fill(fill_record(venue_fill, intent, recorded_at=now))  # the workflow's Record
    stack.ledger.transition(intent.intent_id, S.SUBMITTED, S.FILLED, version=intent.version, now=now)

    report = stack.reconcile()

    assert report.ok and report.venue_positions == 0  # the stale view: no holding yet
    finding = only(report, K.GHOST_POSITION)
    assert not finding.critical and finding.action.startswith("deferred: venue data as of")
    assert position_contracts(stack) == 5
    assert stack.risk.orphans(USER) == [] and stack.alerts.alerts == []
