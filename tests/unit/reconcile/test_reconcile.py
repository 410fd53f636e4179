"""reconcile_user on in-memory fakes: one test per rule (see inplay.reconcile.reconciler)."""

from __future__ import annotations

import time
from datetime import timedelta
from decimal import Decimal

import pytest

from inplay.alerts.model import AlertKind, Mode, Severity
from inplay.alerts.publisher import AlertPublishError
from inplay.orders.intents import IntentState, TradingMode
from inplay.reconcile import ReconcileAlertError, reconcile_user
from inplay.risk.records import FindingKind, OrphanKind, OrphanResolution, ReconcileTrigger
from inplay.venues.base import (
    Action,
    ExchangeUnavailableError,
    MarketStatus,
    OrderStatus,
    OutcomeSide,
    RateLimitedError,
)
from inplay.venues.factory import VenueConfigError
from tests.unit.reconcile.fakes import BOT, LONG_AGO, NOW, USER, VENUE, World, fill, market, order, position

D = Decimal
K = FindingKind
S = IntentState


@pytest.fixture
def world() -> World:
    return World()


def run(world: World):
    reports = reconcile_user(world.deps(), USER, trigger=ReconcileTrigger.TEST)
    assert len(reports) == 1
    return reports[0]


def kinds(report) -> list[FindingKind]:
    return [f.kind for f in report.findings]


def only(report, kind: FindingKind):
    found = [f for f in report.findings if f.kind is kind]
    assert len(found) == 1, report.findings
    return found[0]


# ---------------------------------------------------------------------------------------------
# A clean account


def test_matching_account_has_no_findings_and_reads_three_lists(world: World) -> None:
    world.trades.put(position("MKT-A", "10", cost="4.00"))
    world.venue.hold("MKT-A", "10", exposure="4.00")
    live = world.intent(S.RESTING, ticker="MKT-B", at=NOW - timedelta(minutes=1), venue_order_id="o-live")
    world.venue.add_order(order("o-live", ticker="MKT-B", client_order_id=live.intent_id))

    report = run(world)

    assert report.ok and report.findings == () and not report.critical
    assert (report.venue_orders, report.venue_positions, report.store_positions) == (1, 1, 1)
    assert report.venue_as_of == NOW
    assert dict(world.venue.calls) == {"user_data_timestamp": 1, "list_orders": 1, "get_positions": 1}
    assert world.alerts.alerts == []
    assert world.risk.reports(USER) == [report]


# ---------------------------------------------------------------------------------------------
# Orphaned orders


def test_foreign_resting_order_is_recorded_blocked_and_alerted_once_never_cancelled(world: World) -> None:
    world.venue.add_order(order("o-manual", ticker="MKT-X", client_order_id="my-phone-order", price="0.35"))

    report = run(world)

    finding = only(report, K.ORPHAN_ORDER)
    assert finding.critical and finding.order_id == "o-manual" and finding.market_ticker == "MKT-X"
    [orphan] = world.risk.orphans(USER)
    assert orphan.orphan_id == "order:o-manual"
    assert (orphan.kind, orphan.side, orphan.action) == (OrphanKind.ORDER, OutcomeSide.YES, Action.BUY)
    assert (orphan.size, orphan.price, orphan.detected_at, orphan.detected_by) == (
        D(10),
        D("0.35"),
        NOW,
        report.report_id,
    )
    assert orphan.mode is TradingMode.PAPER and not orphan.resolved
    assert world.blocked() == {"MKT-X"}
    assert world.venue.cancels == []
    [alert] = world.alerts.alerts
    assert (alert.kind, alert.severity, alert.mode) == (AlertKind.RECONCILE, Severity.CRITICAL, Mode.PAPER)
    assert alert.alert_id == "reconcile:orphan:order:o-manual"

    world.advance(timedelta(minutes=5))
    again = run(world)

    assert not only(again, K.ORPHAN_ORDER).critical
    assert len(world.risk.orphans(USER)) == 1
    assert len(world.alerts.alerts) == 1  # no second alert, no summary: nothing new
    assert world.venue.cancels == []


def test_order_without_client_id_is_an_orphan(world: World) -> None:
    world.venue.add_order(order("o-bare", client_order_id=None))
    report = run(world)
    assert only(report, K.ORPHAN_ORDER).critical
    assert world.risk.orphans(USER)[0].notes == "no client order id"


def test_order_with_an_intent_id_the_ledger_lacks_is_an_orphan_not_adopted(world: World) -> None:
    stranger = "ip-" + "a" * 32
    world.venue.add_order(order("o-other", client_order_id=stranger))

    report = run(world)

    assert only(report, K.ORPHAN_ORDER).critical
    [orphan] = world.risk.orphans(USER)
    assert "ledger does not hold" in orphan.notes
    assert world.venue.cancels == []


def test_resting_order_of_a_stale_submitted_intent_is_adopted(world: World) -> None:
    crashed = world.intent(S.SUBMITTED, at=NOW - timedelta(minutes=20))
    world.venue.add_order(order("o-ours", client_order_id=crashed.intent_id))

    report = run(world)

    finding = only(report, K.ADOPTED_ORDER)
    assert (finding.intent_id, finding.order_id, finding.store, finding.venue) == (
        crashed.intent_id,
        "o-ours",
        "SUBMITTED",
        "CANCELLED",
    )
    assert not finding.critical
    settled = world.ledger.get(crashed.intent_id)
    assert settled is not None and settled.status is S.CANCELLED and settled.venue_order_id == "o-ours"
    assert world.venue.cancels == ["o-ours"]  # no workflow watches it any more
    assert world.risk.orphans(USER) == [] and world.blocked() == set()
    assert world.audit.count() == 1  # audited as its workflow would have
    assert [a.alert_id for a in world.alerts.alerts] == [f"order:{crashed.intent_id}:CANCELLED:CANCELLED"]


def test_resting_order_of_a_live_workflow_is_left_alone(world: World) -> None:
    fresh = world.intent(S.RESTING, at=NOW - timedelta(minutes=3), venue_order_id="o-1")
    world.venue.add_order(order("o-1", client_order_id=fresh.intent_id))

    report = run(world)

    assert report.findings == ()
    assert world.venue.cancels == []
    assert world.ledger.get(fresh.intent_id).status is S.RESTING


def test_resting_order_of_a_terminal_intent_is_an_orphan_unless_the_data_predates_it(world: World) -> None:
    done = world.intent(S.CANCELLED, at=NOW - timedelta(minutes=30), venue_order_id="o-1")
    world.venue.add_order(order("o-1", client_order_id=done.intent_id))
    report = run(world)
    assert only(report, K.ORPHAN_ORDER).critical
    assert "CANCELLED in the ledger" in world.risk.orphans(USER)[0].notes

    lagging = World()
    recent = lagging.intent(S.CANCELLED, at=NOW - timedelta(seconds=30), venue_order_id="o-2")
    lagging.venue.as_of = NOW - timedelta(minutes=1)  # the venue shows the order as it was before
    lagging.venue.add_order(order("o-2", client_order_id=recent.intent_id))
    deferred = run(lagging)
    finding = only(deferred, K.ORPHAN_ORDER)
    assert not finding.critical and finding.action.startswith("deferred")
    assert lagging.risk.orphans(USER) == []


# ---------------------------------------------------------------------------------------------
# Orphaned positions, mismatches


def test_venue_position_the_store_lacks_is_an_orphan_position(world: World) -> None:
    world.venue.hold("MKT-O", "-6", exposure="3.60")

    report = run(world)

    finding = only(report, K.ORPHAN_POSITION)
    assert finding.critical and (finding.store, finding.venue) == ("0", "-6")
    [orphan] = world.risk.orphans(USER)
    assert orphan.orphan_id == "position:MKT-O" and orphan.kind is OrphanKind.POSITION
    assert (orphan.side, orphan.size, orphan.price, orphan.action) == (OutcomeSide.NO, D(6), D("0.6"), None)
    assert world.blocked() == {"MKT-O"}
    assert [a.alert_id for a in world.alerts.alerts] == ["reconcile:orphan:position:MKT-O"]


def test_unsettled_intent_in_flight_explains_a_difference(world: World) -> None:
    world.intent(S.PARTIAL, at=NOW - timedelta(minutes=2), venue_order_id="o-1", filled_count=D(4))
    world.venue.hold("MKT-A", "4")

    report = run(world)

    finding = only(report, K.ORPHAN_POSITION)
    assert not finding.critical and finding.action.startswith("deferred: order(s) in flight")
    assert world.risk.orphans(USER) == []


def test_quantity_mismatch_is_critical_and_price_mismatch_is_not(world: World) -> None:
    world.trades.put(position("MKT-Q", "10", cost="4.00"))
    world.venue.hold("MKT-Q", "7", exposure="2.80")
    world.trades.put(position("MKT-P", "10", cost="4.00"))
    world.venue.hold("MKT-P", "10", exposure="6.00")
    world.trades.put(position("MKT-R", "10", cost="4.00"))
    world.venue.hold("MKT-R", "10", exposure="4.004")  # rounding, not a mismatch

    report = run(world)

    quantity = only(report, K.QUANTITY_MISMATCH)
    assert quantity.critical and (quantity.market_ticker, quantity.store, quantity.venue) == (
        "MKT-Q",
        "10",
        "7",
    )
    price = only(report, K.PRICE_MISMATCH)
    assert not price.critical and (price.market_ticker, price.store, price.venue) == (
        "MKT-P",
        "0.4000",
        "0.6000",
    )
    assert world.trades.rows[(USER, f"{BOT}#{VENUE}#MKT-Q#paper")].contracts == 10  # nothing changed
    [summary] = world.alerts.alerts
    assert summary.alert_id == f"reconcile:{report.report_id}" and summary.severity is Severity.CRITICAL


def test_store_sums_every_bot_and_both_modes_of_one_account(world: World) -> None:
    world.trades.put(position("MKT-A", "6", bot="b1", mode=TradingMode.PAPER))
    world.trades.put(position("MKT-A", "4", bot="b2", mode=TradingMode.LIVE))
    world.venue.hold("MKT-A", "10", exposure="4.00")

    report = run(world)

    assert report.findings == ()
    assert report.mode is TradingMode.LIVE  # a LIVE position is involved
    assert report.store_positions == 2


# ---------------------------------------------------------------------------------------------
# Ghost positions


def test_ghost_closed_by_unrecorded_venue_fills_of_ours(world: World) -> None:
    world.trades.put(position("MKT-G", "10", cost="4.00"))
    exit_ = world.intent(
        S.REJECTED, ticker="MKT-G", side=OutcomeSide.YES, action=Action.SELL, price="0.55", signal="exit"
    )
    world.venue.add_order(
        order("o-exit", ticker="MKT-G", client_order_id=exit_.intent_id, status=OrderStatus.EXECUTED)
    )
    world.venue.fills.append(fill("f-1", "o-exit", ticker="MKT-G", action=Action.SELL, price="0.55"))

    report = run(world)

    finding = only(report, K.GHOST_POSITION)
    assert not finding.critical and "recorded 1 venue fill" in finding.action
    closed = world.trades.rows[(USER, f"{BOT}#{VENUE}#MKT-G#paper")]
    assert closed.contracts == 0 and closed.realized_pnl == D("1.50")
    assert world.trades.fill(USER, f"{VENUE}#f-1").intent_id == exit_.intent_id
    assert world.venue.calls["get_market"] == 0  # the fills settled it; no settlement read
    assert world.alerts.alerts == []


@pytest.mark.parametrize(
    ("held", "cost", "result", "pnl"),
    [
        ("10", "4.00", OutcomeSide.YES, "6.00"),  # YES held, YES won: 10 × $1 − $4
        ("10", "4.00", OutcomeSide.NO, "-4.00"),
        ("-5", "-3.00", OutcomeSide.NO, "3.00"),  # NO held at 0.40 (YES 0.60): 5 × $1 − $2
        ("-5", "-3.00", OutcomeSide.YES, "-2.00"),
    ],
)
def test_ghost_closed_by_settlement_once(
    world: World, held: str, cost: str, result: OutcomeSide, pnl: str
) -> None:
    world.trades.put(position("MKT-S", held, cost=cost))
    world.venue.markets["MKT-S"] = market("MKT-S", MarketStatus.SETTLED, result)

    report = run(world)

    finding = only(report, K.GHOST_POSITION)
    assert not finding.critical and "settlement" in finding.action
    closed = world.trades.rows[(USER, f"{BOT}#{VENUE}#MKT-S#paper")]
    assert closed.contracts == 0 and closed.realized_pnl == D(pnl)
    record = world.trades.fill(USER, f"{VENUE}#settle:MKT-S:{BOT}")
    assert record is not None and record.fee == 0 and record.count == abs(D(held))

    world.advance(timedelta(minutes=5))
    again = run(world)
    assert again.findings == ()
    assert len(world.trades.fills) == 1


def test_ghost_without_evidence_is_critical_and_changes_nothing(world: World) -> None:
    world.trades.put(position("MKT-G", "10"))
    world.venue.fills.append(fill("f-x", "o-foreign", ticker="MKT-G", action=Action.SELL))

    report = run(world)

    finding = only(report, K.GHOST_POSITION)
    assert finding.critical and finding.action.startswith("not closed")
    assert "1 venue fill(s) of orders not ours" in finding.action
    assert world.trades.rows[(USER, f"{BOT}#{VENUE}#MKT-G#paper")].contracts == 10
    assert len(world.alerts.alerts) == 1

    world.advance(timedelta(minutes=5))
    again = run(world)
    assert only(again, K.GHOST_POSITION).critical and again.critical
    assert len(world.alerts.alerts) == 1  # the same problem is alerted once, listed in every report


def test_many_critical_findings_make_one_summary_alert(world: World) -> None:
    for ticker in ("G1", "G2", "G3"):
        world.trades.put(position(ticker, "5"))
    report = run(world)
    assert [f.kind for f in report.findings if f.critical] == [K.GHOST_POSITION] * 3
    [summary] = world.alerts.alerts
    assert "3 critical finding(s)" in summary.title


# ---------------------------------------------------------------------------------------------
# Intents


def test_unknown_intent_settled_from_venue_fills(world: World) -> None:
    unknown = world.intent(S.UNKNOWN, at=NOW - timedelta(minutes=1))
    world.venue.add_order(
        order("o-u", client_order_id=unknown.intent_id, status=OrderStatus.EXECUTED, filled="10")
    )
    world.venue.fills.append(fill("f-u", "o-u"))
    world.venue.hold("MKT-A", "10", exposure="4.00")

    report = run(world)

    finding = only(report, K.INTENT_SETTLED)
    assert (finding.store, finding.venue) == ("UNKNOWN", "FILLED") and not finding.critical
    assert world.ledger.get(unknown.intent_id).status is S.FILLED
    assert world.trades.rows[(USER, f"{BOT}#{VENUE}#MKT-A#paper")].contracts == 10
    assert K.ORPHAN_POSITION not in kinds(report)  # the fill it recorded accounts for the position
    assert world.audit.count() == 1
    [alert] = world.alerts.alerts
    assert alert.kind is AlertKind.TRADE_ENTRY


def test_stale_intent_settled_fresh_one_left_to_its_workflow(world: World) -> None:
    stale = world.intent(S.RESTING, signal="old", at=NOW - timedelta(minutes=11), venue_order_id="o-s")
    fresh = world.intent(S.RESTING, signal="new", at=NOW - timedelta(minutes=9), venue_order_id="o-f")
    world.venue.add_order(order("o-s", client_order_id=stale.intent_id, status=OrderStatus.CANCELED))
    world.venue.add_order(order("o-f", client_order_id=fresh.intent_id))

    report = run(world)

    finding = only(report, K.INTENT_SETTLED)
    assert finding.intent_id == stale.intent_id and finding.venue == "CANCELLED"
    assert world.ledger.get(stale.intent_id).status is S.CANCELLED
    assert world.ledger.get(fresh.intent_id).status is S.RESTING


def test_stale_pending_intent_is_rejected_without_a_venue_call(world: World) -> None:
    pending = world.intent(S.PENDING, at=NOW - timedelta(minutes=15))
    report = run(world)
    assert only(report, K.INTENT_SETTLED).venue == "REJECTED"
    assert world.ledger.get(pending.intent_id).error.code == "not_sent"


def test_reaudit_appends_exactly_once_and_only_when_missing(world: World) -> None:
    missing = world.intent(S.FILLED, signal="m", at=NOW - timedelta(minutes=10), filled_count=D(10))
    audited = world.intent(S.FILLED, signal="a", at=NOW - timedelta(minutes=10), filled_count=D(10))
    young = world.intent(S.FILLED, signal="young", at=NOW - timedelta(minutes=1), filled_count=D(10))
    world.intent(S.FILLED, signal="old", at=NOW - timedelta(minutes=45), filled_count=D(10))  # window
    from inplay.orders.outcomes import audit_key, result_of
    from inplay.orders.workflow import ExecutionPolicy

    world.audit.append_once(
        key=audit_key(result_of(audited, ExecutionPolicy())), user_id=USER, kind="ENTRY", payload={"x": 1}
    )
    world.venue.hold("MKT-A", "40")
    world.trades.put(position("MKT-A", "40", updated_at=NOW - timedelta(minutes=45)))

    report = run(world)

    finding = only(report, K.REAUDITED)
    assert finding.intent_id == missing.intent_id
    assert world.audit.count() == 2
    assert [a.alert_id for a in world.alerts.alerts] == [f"order:{missing.intent_id}:FILLED:FILLED"]

    world.advance(timedelta(minutes=5))  # "young" is past its workflow's grace now
    again = run(world)
    assert only(again, K.REAUDITED).intent_id == young.intent_id
    assert world.audit.count() == 3

    world.advance(timedelta(minutes=5))
    third = run(world)
    assert K.REAUDITED not in kinds(third)
    assert world.audit.count() == 3 and len(world.alerts.alerts) == 2


def test_reaudit_window_must_stay_inside_the_idempotency_expiry() -> None:
    from inplay.reconcile import ReconcileSettings

    with pytest.raises(ValueError, match="idempotency"):
        ReconcileSettings(reaudit_window=timedelta(days=2), intent_lookback=timedelta(days=3))


# ---------------------------------------------------------------------------------------------
# Portfolio lag


def test_differences_in_data_older_than_our_last_change_are_deferred(world: World) -> None:
    world.venue.as_of = NOW - timedelta(minutes=2)  # Kalshi's portfolio data trails the engine
    world.trades.put(position("MKT-NEW", "10", updated_at=NOW - timedelta(minutes=1)))  # venue: not yet
    world.intent(S.FILLED, ticker="MKT-SOLD", at=NOW - timedelta(seconds=30), filled_count=D(10),
                 action=Action.SELL)  # fmt: skip
    world.venue.hold("MKT-SOLD", "10")  # we sold; the stale venue data still shows the holding

    report = run(world)

    ghost = only(report, K.GHOST_POSITION)
    orphan = only(report, K.ORPHAN_POSITION)
    for finding in (ghost, orphan):
        assert not finding.critical and finding.action.startswith("deferred: venue data as of")
    assert world.risk.orphans(USER) == [] and world.blocked() == set()
    assert world.trades.rows[(USER, f"{BOT}#{VENUE}#MKT-NEW#paper")].contracts == 10
    assert world.venue.calls["get_fills"] == 0
    assert world.alerts.alerts == []


def test_without_a_venue_as_of_time_our_read_time_stands_in(world: World) -> None:
    world.venue.as_of = None
    world.trades.put(position("MKT-A", "10", updated_at=NOW + timedelta(seconds=1)))
    report = run(world)
    assert report.venue_as_of is None
    assert only(report, K.GHOST_POSITION).action.startswith("deferred")


# ---------------------------------------------------------------------------------------------
# Aborted runs


def _messy(world: World) -> str:
    crashed = world.intent(S.SUBMITTED, at=NOW - timedelta(minutes=20))
    world.venue.add_order(order("o-ours", client_order_id=crashed.intent_id))
    world.venue.add_order(order("o-manual", ticker="MKT-X", client_order_id="manual"))
    world.trades.put(position("MKT-G", "10"))
    world.venue.markets["MKT-G"] = market("MKT-G", MarketStatus.SETTLED, OutcomeSide.YES)
    world.venue.hold("MKT-O", "3")
    return crashed.intent_id


@pytest.mark.parametrize("method", ["user_data_timestamp", "list_orders", "get_positions"])
def test_failed_list_read_aborts_and_concludes_nothing(world: World, method: str) -> None:
    crashed = _messy(world)
    world.venue.fail[method] = ExchangeUnavailableError("503 from the venue", status=503)

    report = run(world)

    assert not report.ok and report.critical and "503 from the venue" in report.aborted_reason
    assert report.findings == ()
    assert world.ledger.get(crashed).status is S.SUBMITTED
    assert world.venue.cancels == []
    assert world.risk.orphans(USER) == [] and world.blocked() == set()
    assert world.trades.rows[(USER, f"{BOT}#{VENUE}#MKT-G#paper")].contracts == 10
    [alert] = world.alerts.alerts
    assert alert.severity is Severity.CRITICAL and alert.title.startswith("Reconcile aborted")
    assert world.risk.reports(USER) == [report]


@pytest.mark.parametrize(
    ("method", "settled"),
    [
        ("get_fills", []),  # the adopted order's own fills read fails first: it stays SUBMITTED
        ("get_market", [K.ADOPTED_ORDER]),  # settled on its own complete evidence before the failure
    ],
)
def test_failed_evidence_read_aborts_before_any_orphan_or_ghost_close(
    world: World, method: str, settled: list[FindingKind]
) -> None:
    _messy(world)
    world.venue.fail[method] = RateLimitedError("429")

    report = run(world)

    assert not report.ok
    assert world.risk.orphans(USER) == [] and world.blocked() == set()
    assert world.trades.rows[(USER, f"{BOT}#{VENUE}#MKT-G#paper")].contracts == 10
    assert [f.kind for f in report.findings] == settled
    assert world.alerts.alerts[-1].title.startswith("Reconcile aborted")


def test_an_aborted_run_is_alerted_once_while_it_keeps_failing(world: World) -> None:
    world.venue.fail["get_positions"] = ExchangeUnavailableError("down")
    run(world)
    world.advance(timedelta(minutes=5))
    run(world)
    assert len(world.alerts.alerts) == 1
    del world.venue.fail["get_positions"]
    world.advance(timedelta(minutes=5))
    assert run(world).ok


def test_unusable_credentials_abort_when_the_store_has_something_there(world: World) -> None:
    from tests.unit.reconcile.fakes import FakeVenues

    world.trades.put(position("MKT-A", "10"))
    world.venues = FakeVenues(world.venue, config_error=VenueConfigError("credentials_missing", "no secret"))
    report = run(world)
    assert not report.ok and "credentials_missing" in report.aborted_reason


def test_a_user_without_credentials_or_store_data_has_no_account(world: World) -> None:
    from tests.unit.reconcile.fakes import FakeVenues

    world.venues = FakeVenues(world.venue, config_error=VenueConfigError("credentials_missing", "no secret"))
    assert reconcile_user(world.deps(), USER) == []
    assert world.alerts.alerts == []


# ---------------------------------------------------------------------------------------------
# Recorded orphans that are gone


def test_orphan_order_cancelled_outside_inplay_is_resolved_and_market_unblocked(world: World) -> None:
    world.venue.add_order(order("o-m", ticker="MKT-X", client_order_id="manual"))
    world.venue.add_order(order("o-n", ticker="MKT-X", client_order_id="manual-2"))
    run(world)
    assert world.blocked() == {"MKT-X"}

    world.venue.orders["o-m"] = order(
        "o-m", ticker="MKT-X", client_order_id="manual", status=OrderStatus.CANCELED
    )
    world.advance(timedelta(minutes=5))
    second = run(world)

    resolved = only(second, K.ORPHAN_RESOLVED)
    assert resolved.order_id == "o-m" and resolved.venue == "MANUAL_CLOSE"
    assert "market unblocked" not in resolved.action  # o-n still rests there
    assert world.risk.orphan(USER, "order:o-m").resolution is OrphanResolution.MANUAL_CLOSE
    assert world.blocked() == {"MKT-X"}

    del world.venue.orders["o-n"]  # gone entirely
    world.advance(timedelta(minutes=5))
    third = run(world)

    resolved = only(third, K.ORPHAN_RESOLVED)
    assert resolved.order_id == "o-n" and resolved.action.endswith("market unblocked")
    assert "no longer knows" in resolved.action
    assert world.blocked() == set() and world.controls.unblocked == ["MKT-X"]
    assert world.risk.orphans(USER, unresolved_only=True) == []


def test_orphan_order_that_turned_out_ours_is_a_false_positive(world: World) -> None:
    intent = world.intent(S.SUBMITTED, at=NOW - timedelta(minutes=20))
    world.venue.add_order(order("o-1", client_order_id=intent.intent_id))
    from inplay.risk.records import OrphanRecord

    world.risk.record_orphan(
        OrphanRecord(
            user_id=USER,
            orphan_id="order:o-1",
            kind=OrphanKind.ORDER,
            venue=VENUE,
            mode=TradingMode.PAPER,
            market_ticker="MKT-A",
            order_id="o-1",
            side=OutcomeSide.YES,
            size=D(10),
            detected_at=LONG_AGO,
        )
    )
    world.controls.block_market(USER, "MKT-A", reason="x", at=LONG_AGO)

    report = run(world)

    assert K.ADOPTED_ORDER in kinds(report)
    resolved = only(report, K.ORPHAN_RESOLVED)
    assert resolved.venue == "FALSE_POSITIVE" and resolved.action.endswith("market unblocked")
    assert world.blocked() == set()


def test_orphan_position_resolved_when_the_venue_no_longer_holds_it(world: World) -> None:
    world.venue.hold("MKT-O", "4")
    run(world)
    del world.venue.positions["MKT-O"]
    world.advance(timedelta(minutes=5))

    report = run(world)

    resolved = only(report, K.ORPHAN_RESOLVED)
    assert resolved.venue == "MANUAL_CLOSE" and resolved.market_ticker == "MKT-O"
    assert world.blocked() == set()

    world.venue.hold("MKT-O", "2")  # a new one in the same market later: a new record
    world.advance(timedelta(minutes=5))
    report = run(world)
    assert only(report, K.ORPHAN_POSITION).critical
    assert len(world.risk.orphans(USER, unresolved_only=True)) == 1
    assert world.blocked() == {"MKT-O"}


# ---------------------------------------------------------------------------------------------
# Alerts that fail, scale


def test_alert_failure_is_raised_after_the_report_is_stored(world: World) -> None:
    class Failing:
        def publish(self, alert):
            raise AlertPublishError("sns down")

    world.alerts = Failing()  # type: ignore[assignment]
    world.venue.add_order(order("o-m", client_order_id="manual"))
    with pytest.raises(ReconcileAlertError, match="sns down") as caught:
        reconcile_user(world.deps(), USER)
    assert len(caught.value.reports) == 1
    assert world.risk.reports(USER) == caught.value.reports
    assert len(world.risk.orphans(USER)) == 1


def test_a_thousand_positions_and_orders_take_three_venue_calls(world: World) -> None:
    for n in range(1000):
        ticker = f"MKT-{n:04d}"
        world.trades.put(position(ticker, "5", cost="2.00"))
        world.venue.hold(ticker, "5", exposure="2.00")
        intent = world.intent(
            S.RESTING, ticker=ticker, at=NOW - timedelta(minutes=1), venue_order_id=f"o-{n}"
        )
        world.venue.add_order(order(f"o-{n}", ticker=ticker, client_order_id=intent.intent_id))

    started = time.perf_counter()
    report = run(world)
    elapsed = time.perf_counter() - started

    assert report.ok and report.findings == ()
    assert (report.venue_orders, report.venue_positions, report.store_positions) == (1000, 1000, 1000)
    assert world.venue.venue_calls == 3
    assert elapsed < 5


def test_venue_holding_more_than_the_store_records_the_excess_as_an_orphan(world: World) -> None:
    world.trades.put(position("MKT-E", "10", cost="4.00"))
    world.venue.hold("MKT-E", "13", exposure="5.20")

    report = run(world)

    finding = only(report, K.QUANTITY_MISMATCH)
    assert finding.critical and (finding.store, finding.venue) == ("10", "13")
    assert finding.action.startswith("the venue holds 3 more")
    [orphan] = world.risk.orphans(USER)
    assert (orphan.kind, orphan.side, orphan.size, orphan.price) == (
        OrphanKind.POSITION,
        OutcomeSide.YES,
        D(3),
        None,
    )
    assert world.blocked() == {"MKT-E"}
    assert [a.alert_id for a in world.alerts.alerts] == ["reconcile:orphan:position:MKT-E"]  # no summary too

    world.venue.hold("MKT-E", "10", exposure="4.00")  # the user sold the extra 3 by hand
    world.advance(timedelta(minutes=5))
    second = run(world)

    resolved = only(second, K.ORPHAN_RESOLVED)
    assert resolved.venue == "MANUAL_CLOSE" and resolved.action.endswith("market unblocked")
    assert world.blocked() == set()


def test_orphan_position_explained_later_by_fills_of_ours_is_a_false_positive(world: World) -> None:
    world.venue.hold("MKT-F", "5", exposure="2.00")
    run(world)
    assert world.blocked() == {"MKT-F"}
    lost = world.intent(S.REJECTED, ticker="MKT-F", count="5")  # wrongly settled: its order did fill
    world.venue.add_order(
        order(
            "o-late", ticker="MKT-F", client_order_id=lost.intent_id, status=OrderStatus.EXECUTED, count="5"
        )
    )
    world.venue.fills.append(fill("f-late", "o-late", ticker="MKT-F", count="5"))
    world.advance(timedelta(minutes=5))

    report = run(world)

    assert "accounted for" in only(report, K.ORPHAN_POSITION).action
    resolved = only(report, K.ORPHAN_RESOLVED)
    assert resolved.venue == "FALSE_POSITIVE" and resolved.action.endswith("market unblocked")
    assert world.trades.rows[(USER, f"{BOT}#{VENUE}#MKT-F#paper")].contracts == 5
