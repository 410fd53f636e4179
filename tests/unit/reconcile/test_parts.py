"""The reconciler's pieces: account grouping, the pure comparison, settlement fills, the pre-flight."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from inplay.orders.fills import apply_fill
from inplay.orders.intents import IntentState, TradingMode
from inplay.reconcile import start_check, unresolved_orphans, venue_accounts
from inplay.reconcile.compare import is_lagging, market_views, price_gap
from inplay.reconcile.evidence import settlement_fill
from inplay.reconcile.model import VenueAccount
from inplay.risk.records import FindingKind, OrphanRecord, OrphanResolution
from inplay.venues.base import ExchangeUnavailableError, OrderStatus, OutcomeSide, Position
from tests.unit.reconcile.fakes import NOW, USER, VENUE, FakeVenue, FakeVenues, World, order, position

D = Decimal
PAPER, LIVE = TradingMode.PAPER, TradingMode.LIVE


def account(*modes: TradingMode) -> VenueAccount:
    return VenueAccount(
        venue=VENUE,
        key=f"{VENUE}:{USER}",
        pairs=frozenset((VENUE, m) for m in modes),
        store_modes=frozenset(modes),
    )


# ---------------------------------------------------------------------------------------------
# Accounts


class TwoAccounts(FakeVenues):
    """PAPER and LIVE on different accounts (a venue unlike Kalshi)."""

    def account_key(self, user_id: str, venue: str, mode: TradingMode) -> str:
        return f"{venue}:{mode.value}:{user_id}"


def test_modes_sharing_an_account_are_reconciled_once() -> None:
    venues = FakeVenues(FakeVenue())
    accounts = venue_accounts(
        venues,
        USER,
        positions=[position(mode=PAPER), position("MKT-B", mode=LIVE)],
        intents=[],
        orphans=[],
        defaults=[(VENUE, LIVE)],
    )
    [only] = accounts
    assert only.pairs == {(VENUE, PAPER), (VENUE, LIVE)}
    assert only.mode is LIVE and only.open_mode is LIVE and not only.probe_only


def test_separate_accounts_and_a_probe_for_an_empty_user() -> None:
    venues = TwoAccounts(FakeVenue())
    accounts = venue_accounts(
        venues, USER, positions=[position(mode=PAPER)], intents=[], orphans=[], defaults=[(VENUE, LIVE)]
    )
    assert [(a.mode, a.probe_only) for a in accounts] == [(LIVE, True), (PAPER, False)]
    [probe] = venue_accounts(venues, USER, positions=[], intents=[], orphans=[], defaults=[(VENUE, PAPER)])
    assert probe.probe_only and probe.mode is PAPER


def test_alert_mode_is_paper_only_when_no_live_money_is_involved() -> None:
    assert account(PAPER).mode is PAPER
    assert account(PAPER, LIVE).mode is LIVE
    unknown = VenueAccount(venue=VENUE, key="k", pairs=frozenset(), store_modes=frozenset())
    assert unknown.mode is LIVE


# ---------------------------------------------------------------------------------------------
# Comparison


def test_market_views_sum_bots_and_tell_the_gap_kind() -> None:
    positions = [
        position("A", "6", bot="b1"),
        position("A", "4", bot="b2"),
        position("G", "3"),
        position("M", "5"),
        position("OTHER", "9", mode=LIVE),  # another account's pair
    ]
    venue = {t: Position(market_ticker=t, position=D(q)) for t, q in (("A", "10"), ("M", "2"), ("O", "-1"))}
    views = market_views(account(PAPER), positions, [], venue)
    assert sorted(views) == ["A", "G", "M", "O"]
    assert views["A"].store_contracts == 10 and views["A"].gap is None
    assert views["G"].gap is FindingKind.GHOST_POSITION
    assert views["M"].gap is FindingKind.QUANTITY_MISMATCH
    assert views["O"].gap is FindingKind.ORPHAN_POSITION


def test_lag_is_judged_against_the_venue_data_time_with_a_margin() -> None:
    margin = timedelta(seconds=2)
    assert not is_lagging(None, NOW, margin)
    assert not is_lagging(NOW - timedelta(seconds=3), NOW, margin)
    assert is_lagging(NOW - timedelta(seconds=1), NOW, margin)
    assert is_lagging(NOW + timedelta(minutes=1), NOW, margin)


def test_price_gap_on_the_held_side() -> None:
    no_holding = [position("N", "-10", cost="-6.00")]  # NO at 0.40 (YES 0.60)
    venue = {"N": Position(market_ticker="N", position=D(-10), exposure=D("4.50"))}
    view = market_views(account(PAPER), no_holding, [], venue)["N"]
    assert price_gap(view, D("0.01")) == (D("0.4000"), D("0.4500"))
    assert price_gap(view, D("0.05")) is None
    mixed = [position("X", "10", bot="b1"), position("X", "-5", bot="b2", cost="-3.00")]
    venue = {"X": Position(market_ticker="X", position=D(5), exposure=D("5.00"))}
    assert price_gap(market_views(account(PAPER), mixed, [], venue)["X"], D("0.01")) is None


# ---------------------------------------------------------------------------------------------
# Settlement fills


@pytest.mark.parametrize(
    ("held", "cost", "result", "price", "direction", "yes_price", "pnl"),
    [
        ("10", "4.00", OutcomeSide.YES, "1", -1, "1", "6.00"),
        ("10", "4.00", OutcomeSide.NO, "0", -1, "0", "-4.00"),
        ("-5", "-3.00", OutcomeSide.NO, "1", 1, "0", "3.00"),
        ("-5", "-3.00", OutcomeSide.YES, "0", 1, "1", "-2.00"),
    ],
)
def test_settlement_fill_closes_at_the_settlement_value(
    held: str, cost: str, result: OutcomeSide, price: str, direction: int, yes_price: str, pnl: str
) -> None:
    held_position = position("MKT-S", held, cost=cost)
    record = settlement_fill(held_position, result, at=NOW)
    assert record.fill_id == f"{VENUE}#settle:MKT-S:b1" and record.intent_id == "settle:MKT-S:b1"
    assert (record.price, record.yes_direction, record.yes_price, record.fee) == (
        D(price),
        direction,
        D(yes_price),
        0,
    )
    closed, realized = apply_fill(held_position, record, now=NOW)
    assert closed.contracts == 0 and realized == D(pnl)


def test_settlement_of_a_flat_position_is_refused() -> None:
    with pytest.raises(ValueError, match="flat"):
        settlement_fill(position("F", "0"), OutcomeSide.YES, at=NOW)


# ---------------------------------------------------------------------------------------------
# Orphan resolution details and the pre-flight


def test_orphan_order_filled_outside_inplay_is_a_manual_close() -> None:
    world = World()
    world.venue.add_order(order("o-m", client_order_id="manual"))
    world.venue.hold("MKT-A", "0")
    start_check(world.deps(), USER)
    world.venue.orders["o-m"] = order(
        "o-m", client_order_id="manual", status=OrderStatus.EXECUTED, filled="10"
    )
    world.advance(timedelta(minutes=5))

    check = start_check(world.deps(), USER)

    resolved = world.risk.orphan(USER, "order:o-m")
    assert resolved is not None and resolved.resolution is OrphanResolution.MANUAL_CLOSE
    assert "filled on the venue outside inplay (10 of 10 filled)" in resolved.notes
    assert check.ok and check.reason is None and check.orphans == ()


def test_start_check_refuses_while_orphans_are_unresolved() -> None:
    world = World()
    world.venue.add_order(order("o-m", ticker="MKT-X", client_order_id="manual"))

    check = start_check(world.deps(), USER)

    assert not check.ok and "MKT-X" in (check.reason or "")
    assert [o.orphan_id for o in check.orphans] == ["order:o-m"]
    assert check.reports[0].trigger.value == "bot_start"
    assert [o.orphan_id for o in unresolved_orphans(world.risk, USER, market_ticker="MKT-X")] == ["order:o-m"]
    assert unresolved_orphans(world.risk, USER, market_ticker="MKT-Y") == []


def test_start_check_refuses_when_the_venue_cannot_be_read() -> None:
    world = World()
    world.venue.fail["list_orders"] = ExchangeUnavailableError("maintenance")
    check = start_check(world.deps(), USER)
    assert not check.ok and "could not be reconciled" in (check.reason or "")


def test_start_check_allows_a_clean_account() -> None:
    world = World()
    world.intent(IntentState.FILLED, at=NOW - timedelta(hours=3), filled_count=D(10))
    assert start_check(world.deps(), USER).ok


def test_unresolved_orphans_ignores_resolved_ones() -> None:
    world = World()
    for n in range(2):
        world.risk.record_orphan(
            OrphanRecord(
                user_id=USER,
                orphan_id=f"order:o{n}",
                kind="order",
                venue=VENUE,
                mode=PAPER,
                market_ticker="M",
                order_id=f"o{n}",
                side=OutcomeSide.YES,
                size=D(1),
                detected_at=NOW,
            )
        )
    world.risk.resolve_orphan(USER, "order:o0", resolution=OrphanResolution.MANUAL_CLOSE, notes="", at=NOW)
    assert [o.orphan_id for o in unresolved_orphans(world.risk, USER)] == ["order:o1"]


def test_orphan_order_cancelled_by_the_kill_switch_is_an_auto_close() -> None:
    from inplay.risk.records import KillSwitchEvent, KillTrigger

    world = World()
    world.venue.add_order(order("o-m", ticker="MKT-X", client_order_id="manual"))
    start_check(world.deps(), USER)
    world.venue.orders["o-m"] = order(
        "o-m", ticker="MKT-X", client_order_id="manual", status=OrderStatus.CANCELED
    )
    world.risk.put_kill_event(
        KillSwitchEvent(
            user_id=USER,
            event_id="ks-1",
            trigger=KillTrigger.MANUAL,
            by=USER,
            tripped_at=NOW,
            cancelled_orders=("o-m",),
        )
    )
    world.advance(timedelta(minutes=5))

    check = start_check(world.deps(), USER)

    assert check.ok
    resolved = world.risk.orphan(USER, "order:o-m")
    assert resolved is not None and resolved.resolution is OrphanResolution.AUTO_CLOSE
    assert world.blocked() == set()
