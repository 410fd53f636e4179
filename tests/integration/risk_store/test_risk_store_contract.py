"""One behavioural suite for every RiskStore: in memory and DynamoRiskStore (moto, atomic writes)."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from inplay.risk.records import Heartbeat, OrphanKind, OrphanRecord, OrphanResolution, orphan_id_for
from inplay.risk.store import ApiStats, EquityMarks, RiskStore, WatchdogPage
from tests.integration.risk_store.builders import T0, THREADS, event, orphan, race, report

pytestmark = [pytest.mark.timeout(120)]

# kill-switch events


def test_kill_event_round_trips_exactly(store) -> None:
    tripped = datetime(2026, 1, 18, 15, 30, 15, 123456, tzinfo=timezone(timedelta(hours=-5)))
    stored = event(tripped_at=tripped, total_pnl=Decimal("-52.105"), positions_closed=("p-1", "p-2"))
    store.put_kill_event(stored)
    back = store.kill_event("u-1", stored.event_id)
    assert back == stored
    assert back.total_pnl == Decimal("-52.105") and isinstance(back.total_pnl, Decimal)
    assert back.tripped_at == T0 and back.tripped_at.utcoffset() == timedelta(0)
    assert store.kill_event("u-1", "ks-missing") is None
    assert store.kill_event("u-2", stored.event_id) is None


def test_kill_event_is_replaced_by_a_later_put(store) -> None:
    store.put_kill_event(event())
    resolved = event(resolved_at=T0 + timedelta(hours=1), resolved_by="alice", resolution_notes="ok")
    store.put_kill_event(resolved)
    assert store.kill_event("u-1", resolved.event_id) == resolved
    assert store.kill_events("u-1") == [resolved]


def test_kill_events_newest_first_with_limit_per_user(store) -> None:
    events = [event(at=T0 + timedelta(minutes=minutes)) for minutes in (5, 0, 90, 30)]
    for item in events:
        store.put_kill_event(item)
    store.put_kill_event(event(user="u-2", at=T0 + timedelta(days=1)))
    newest_first = sorted(events, key=lambda item: item.tripped_at, reverse=True)
    assert store.kill_events("u-1") == newest_first
    assert store.kill_events("u-1", limit=2) == newest_first[:2]
    assert store.kill_events("u-3") == []


# orphans


def test_record_orphan_creates_once(store) -> None:
    first = orphan()
    assert store.record_orphan(first) is True
    assert store.record_orphan(orphan(size=Decimal(99), detected_by="rr-2")) is False
    assert store.orphan("u-1", first.orphan_id) == first
    assert store.orphan("u-1", first.orphan_id).size == Decimal("12.50")
    assert store.orphan("u-1", "order:missing") is None
    assert store.record_orphan(orphan(user="u-2")) is True  # ids are per user


def test_orphans_oldest_first_and_unresolved_only(store) -> None:
    records = [
        orphan(order_id="o-b", at=T0 + timedelta(minutes=3)),
        orphan(order_id="o-a", at=T0 + timedelta(minutes=9)),
        orphan(order_id="o-c", at=T0),
        orphan(
            kind=OrphanKind.POSITION,
            orphan_id=orphan_id_for(OrphanKind.POSITION, market_ticker="KXNBAGAME-B"),
            market_ticker="KXNBAGAME-B",
            order_id=None,
            action=None,
            price=None,
            at=T0 + timedelta(minutes=3),
        ),
    ]
    for record in records:
        assert store.record_orphan(record)
    store.record_orphan(orphan(user="u-2", order_id="o-z"))
    expected = sorted(records, key=lambda record: (record.detected_at, record.orphan_id))
    assert store.orphans("u-1") == expected
    store.resolve_orphan(
        "u-1",
        "order:o-b",
        resolution=OrphanResolution.MANUAL_CLOSE,
        notes="closed",
        at=T0 + timedelta(hours=1),
    )
    assert [record.orphan_id for record in store.orphans("u-1", unresolved_only=True)] == [
        "order:o-c",
        "position:KXNBAGAME-B",
        "order:o-a",
    ]
    assert len(store.orphans("u-1")) == 4


def test_resolve_orphan_once(store) -> None:
    store.record_orphan(orphan())
    when = T0 + timedelta(hours=2)
    first = store.resolve_orphan(
        "u-1", "order:o-1", resolution=OrphanResolution.AUTO_CLOSE, notes="cancelled by inplay", at=when
    )
    assert first is not None and first.resolved and first.resolution is OrphanResolution.AUTO_CLOSE
    assert (
        first.resolved_at == when and first.notes == "cancelled by inplay" and first.size == Decimal("12.5")
    )
    again = store.resolve_orphan(
        "u-1",
        "order:o-1",
        resolution=OrphanResolution.FALSE_POSITIVE,
        notes="later",
        at=when + timedelta(hours=1),
    )
    assert again == first
    assert store.orphan("u-1", "order:o-1") == first
    missing = store.resolve_orphan(
        "u-1", "order:nope", resolution=OrphanResolution.AUTO_CLOSE, notes="", at=when
    )
    assert missing is None


def test_resolve_orphan_refuses_a_naive_time(store) -> None:
    store.record_orphan(orphan())
    with pytest.raises(ValueError):
        store.resolve_orphan(
            "u-1", "order:o-1", resolution=OrphanResolution.AUTO_CLOSE, notes="", at=datetime(2026, 1, 18, 21)
        )
    assert store.orphan("u-1", "order:o-1").resolved is False


# reconcile reports


def test_reports_newest_first_with_limit_and_replace(store) -> None:
    reports = [
        report(report_id=f"rr-{minutes}", at=T0 + timedelta(minutes=minutes)) for minutes in (10, 0, 5)
    ]
    for item in reports:
        store.put_report(item)
    store.put_report(report(user="u-2", report_id="rr-x"))
    assert [item.report_id for item in store.reports("u-1")] == ["rr-10", "rr-5", "rr-0"]
    assert [item.report_id for item in store.reports("u-1", limit=1)] == ["rr-10"]
    aborted = report(report_id="rr-5", at=T0 + timedelta(minutes=5), ok=False, aborted_reason="venue 503")
    store.put_report(aborted)
    assert store.reports("u-1")[1] == aborted and store.reports("u-1")[1].critical
    assert len(store.reports("u-1")) == 3
    assert store.reports("u-1")[0].findings == reports[0].findings


# equity marks


def test_equity_marks_round_trip_exactly(store) -> None:
    assert store.equity_marks("u-1") is None
    marks = EquityMarks(
        peak_equity=Decimal("1234.5678"),
        peak_at=T0,
        day=date(2026, 1, 18),
        day_open_balance=Decimal("1000.10"),
        updated_at=T0 + timedelta(seconds=1),
    )
    store.put_equity_marks("u-1", marks)
    back = store.equity_marks("u-1")
    assert back == marks and str(back.day_open_balance) == "1000.10"
    assert back.peak_at.utcoffset() == timedelta(0)
    later = EquityMarks(Decimal("1300"), T0 + timedelta(days=1), date(2026, 1, 19), Decimal("1290"), T0)
    store.put_equity_marks("u-1", later)
    assert store.equity_marks("u-1") == later
    assert store.equity_marks("u-2") is None


# venue-call statistics


def test_api_stats_sum_the_minutes_in_the_window(store) -> None:
    store.count_api_calls("u-1", at=T0, calls=3, errors=1)
    store.count_api_calls("u-1", at=T0 + timedelta(seconds=20), calls=2, errors=0)  # same minute
    store.count_api_calls("u-1", at=T0 + timedelta(minutes=1), calls=5, errors=2)
    store.count_api_calls("u-1", at=T0 + timedelta(minutes=6), calls=7, errors=7)
    store.count_api_calls("u-2", at=T0, calls=100, errors=100)
    minute = T0.replace(second=0, microsecond=0)
    assert store.api_stats("u-1", since=minute, until=minute + timedelta(seconds=59)) == ApiStats(5, 1)
    assert store.api_stats("u-1", since=T0, until=T0 + timedelta(minutes=5)) == ApiStats(10, 3)
    assert store.api_stats("u-1", since=T0 - timedelta(hours=1), until=T0 + timedelta(hours=1)) == ApiStats(
        17, 10
    )
    assert (
        store.api_stats("u-1", since=T0 + timedelta(minutes=2), until=T0 + timedelta(minutes=5)) == ApiStats()
    )
    eastern = T0.astimezone(timezone(timedelta(hours=-5)))
    assert store.api_stats("u-1", since=eastern, until=eastern) == ApiStats(5, 1)
    assert store.api_stats("u-3", since=T0, until=T0) == ApiStats()


# heartbeats


def test_heartbeats_keep_the_latest_beat_per_component(store) -> None:
    assert store.heartbeats() == {}
    store.beat(Heartbeat(component="game_poller", at=T0))
    store.beat(Heartbeat(component="reconciler", at=T0, ok=False, details={"error": "venue 503"}))
    later = Heartbeat(component="game_poller", at=T0 + timedelta(minutes=1), details={"passes": "7"})
    store.beat(later)
    beats = store.heartbeats()
    assert beats == {
        "game_poller": later,
        "reconciler": Heartbeat(component="reconciler", at=T0, ok=False, details={"error": "venue 503"}),
    }
    assert beats["game_poller"].at.utcoffset() == timedelta(0)


# the watchdog's pages


def test_watchdog_page_compare_and_set(store) -> None:
    first = WatchdogPage("game_poller", first_paged_at=T0, last_paged_at=T0)
    assert store.watchdog_pages() == {}
    assert store.swap_watchdog_page("game_poller", expected=None, new=first) is True
    assert store.swap_watchdog_page("game_poller", expected=None, new=first) is False
    assert store.watchdog_pages() == {"game_poller": first}
    second = WatchdogPage("game_poller", first_paged_at=T0, last_paged_at=T0 + timedelta(minutes=15), pages=2)
    stale_view = WatchdogPage("game_poller", first_paged_at=T0, last_paged_at=T0 - timedelta(minutes=1))
    assert store.swap_watchdog_page("game_poller", expected=stale_view, new=second) is False
    assert store.swap_watchdog_page("game_poller", expected=first, new=second) is True
    assert store.watchdog_pages() == {"game_poller": second}
    assert store.swap_watchdog_page("game_poller", expected=first, new=None) is False
    assert store.swap_watchdog_page("game_poller", expected=second, new=None) is True
    assert store.watchdog_pages() == {}
    assert store.swap_watchdog_page("reconciler", expected=first, new=None) is False


# races: many writers at once


def test_concurrent_record_orphan_creates_exactly_one(store) -> None:
    results = race(lambda index: store.record_orphan(orphan(detected_by=f"rr-{index}")))
    assert results.count(True) == 1
    winner = results.index(True)
    assert store.orphan("u-1", "order:o-1").detected_by == f"rr-{winner}"


def test_concurrent_resolvers_one_wins_the_others_see_it(store: RiskStore) -> None:
    store.record_orphan(orphan())
    resolutions = list(OrphanResolution)

    def resolve(index: int) -> OrphanRecord | None:
        return store.resolve_orphan(
            "u-1",
            "order:o-1",
            resolution=resolutions[index % len(resolutions)],
            notes=f"resolver {index}",
            at=T0 + timedelta(seconds=index),
        )

    results = race(resolve)
    stored = store.orphan("u-1", "order:o-1")
    assert stored is not None and stored.resolved
    assert all(result == stored for result in results)


def test_concurrent_api_call_counts_are_never_lost(store) -> None:
    def count(index: int) -> None:
        for _ in range(5):
            store.count_api_calls("u-1", at=T0 + timedelta(seconds=index), calls=2, errors=index % 2)

    race(count)
    assert store.api_stats("u-1", since=T0, until=T0) == ApiStats(
        calls=THREADS * 10, errors=(THREADS // 2) * 5
    )


def test_concurrent_watchdog_claims_page_once(store: RiskStore) -> None:
    def claim(index: int) -> bool:
        page = WatchdogPage("reconciler", first_paged_at=T0, last_paged_at=T0 + timedelta(microseconds=index))
        return store.swap_watchdog_page("reconciler", expected=None, new=page)

    assert race(claim).count(True) == 1
    assert list(store.watchdog_pages()) == ["reconciler"]
