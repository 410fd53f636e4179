"""Record builders and a thread-race helper for the risk-store suites."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from inplay.orders.intents import TradingMode
from inplay.risk.kill_switch import kill_event_id
from inplay.risk.records import (
    Finding,
    FindingKind,
    KillSwitchEvent,
    KillTrigger,
    OrphanKind,
    OrphanRecord,
    ReconcileReport,
    ReconcileTrigger,
)
from inplay.venues.base import Action, OutcomeSide

T0 = datetime(2026, 1, 18, 20, 30, 15, 123456, tzinfo=UTC)
THREADS = 8


def event(user: str = "u-1", at: datetime = T0, **changes: Any) -> KillSwitchEvent:
    fields: dict[str, Any] = {
        "user_id": user,
        "event_id": kill_event_id(KillTrigger.DAILY_LOSS, at),
        "trigger": KillTrigger.DAILY_LOSS,
        "values": {"daily_loss": "-52.10", "limit": "-50"},
        "reason": "daily loss limit",
        "by": "system",
        "tripped_at": at,
    }
    return KillSwitchEvent(**(fields | changes))


def orphan(
    user: str = "u-1", order_id: str | None = "o-1", at: datetime = T0, **changes: Any
) -> OrphanRecord:
    fields: dict[str, Any] = {
        "user_id": user,
        "orphan_id": f"order:{order_id}",
        "kind": OrphanKind.ORDER,
        "venue": "kalshi",
        "mode": TradingMode.LIVE,
        "market_ticker": "KXNBAGAME-A",
        "order_id": order_id,
        "side": OutcomeSide.YES,
        "action": Action.BUY,
        "size": Decimal("12.50"),
        "price": Decimal("0.4375"),
        "detected_at": at,
        "detected_by": "rr-1",
    }
    return OrphanRecord(**(fields | changes))


def report(user: str = "u-1", report_id: str = "rr-1", at: datetime = T0, **changes: Any) -> ReconcileReport:
    fields: dict[str, Any] = {
        "user_id": user,
        "report_id": report_id,
        "trigger": ReconcileTrigger.SCHEDULE,
        "venue": "kalshi",
        "mode": TradingMode.PAPER,
        "started_at": at,
        "finished_at": at + timedelta(seconds=2),
        "ok": True,
        "venue_orders": 3,
        "findings": (
            Finding(
                kind=FindingKind.QUANTITY_MISMATCH, market_ticker="KXNBAGAME-A", store="10", venue="12.5"
            ),
        ),
    }
    return ReconcileReport(**(fields | changes))


def race[T](work: Callable[[int], T], threads: int = THREADS) -> list[T]:
    """Run ``work(i)`` in ``threads`` threads released at the same moment."""
    start = threading.Barrier(threads)

    def run(index: int) -> T:
        start.wait(timeout=10)
        return work(index)

    with ThreadPoolExecutor(threads) as pool:
        return list(pool.map(run, range(threads)))
