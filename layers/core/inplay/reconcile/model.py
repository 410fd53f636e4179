"""What the reconciler needs (:class:`ReconcileDeps`), how it is tuned (:class:`ReconcileSettings`),
and the venue account it compares (:class:`VenueAccount`).

Everything outside the process is behind a protocol, so the unit tests run on in-memory fakes
and the Lambda wires DynamoDB, the powertools-idempotent audit, SNS and the Kalshi clients.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Final, Protocol

from inplay.alerts.publisher import AlertPublisher
from inplay.audit.chain import AuditRecord
from inplay.orders.auditing import AUDIT_IDEMPOTENCY_SECONDS, OrderAuditor
from inplay.orders.fills import PositionState
from inplay.orders.intents import IntentLedger, TradingMode
from inplay.orders.steps import OrderDeps
from inplay.risk.records import ReconcileReport
from inplay.risk.store import RiskStore
from inplay.store.bots import BotControls
from inplay.store.trades import TradeStore
from inplay.venues.factory import VenueProvider

__all__ = [
    "DEFAULT_ACCOUNTS",
    "AuditHead",
    "MarketBlocks",
    "ReconcileAlertError",
    "ReconcileControls",
    "ReconcileDeps",
    "ReconcileSettings",
    "ReconcileTrades",
    "VenueAccount",
]

DEFAULT_ACCOUNTS: Final[tuple[tuple[str, TradingMode], ...]] = (("kalshi", TradingMode.LIVE),)
"""Venue accounts checked for every user even when the store holds nothing there (orders placed
behind the bot's back on an otherwise idle account). LIVE: an account whose stakes are unknown is
never labelled PAPER; a deployment on Kalshi demo may pass PAPER instead."""


class ReconcileAlertError(RuntimeError):
    """Alerts could not be published; the runs themselves finished and their reports are stored."""

    def __init__(self, message: str, *, reports: list[ReconcileReport]) -> None:
        super().__init__(message)
        self.reports = reports


class ReconcileTrades(TradeStore, Protocol):
    def open_positions(self, user_id: str) -> Iterable[PositionState]:
        """Every open position of the user (all bots, venues and modes)."""
        ...


class MarketBlocks(Protocol):
    """The market blocks of :class:`~inplay.store.bots.DynamoBotControls` (``BLOCK#<ticker>``)."""

    def market_blocks(self, user_id: str) -> dict[str, str]: ...

    def block_market(self, user_id: str, market_ticker: str, *, reason: str, at: datetime) -> None: ...

    def unblock_market(self, user_id: str, market_ticker: str) -> None: ...


class ReconcileControls(BotControls, MarketBlocks, Protocol):
    """What the reconciler reads and writes in the bots table."""


class AuditHead(Protocol):
    """The newest record of a user's audit chain (tells a real re-audit from a deduplicated one)."""

    def last(self, user_id: str) -> AuditRecord | None: ...


@dataclass(frozen=True, slots=True)
class ReconcileSettings:
    """Tuning; the defaults are the documented behaviour."""

    stale_after: timedelta = timedelta(minutes=10)
    """A non-terminal intent untouched this long has lost its workflow: settle it from the venue."""
    not_found_grace: timedelta = timedelta(minutes=2)
    """An intent whose order the venue does not show is only rejected after this (venue lag)."""
    reaudit_window: timedelta = timedelta(minutes=30)
    """Intents that became terminal this recently get their audit append (and alert) redone."""
    reaudit_grace: timedelta = timedelta(minutes=2)
    """…but only once their own workflow had this long to run Audit itself."""
    intent_lookback: timedelta = timedelta(hours=2)
    """How far back (by creation) intents are read: ``reaudit_window`` + the longest order life."""
    lag_margin: timedelta = timedelta(seconds=2)
    """Clock allowance between the venue's as-of time and our store times."""
    price_tolerance: Decimal = Decimal("0.01")
    """Average-price differences up to this (dollars per contract) are rounding, not a mismatch."""
    fills_lookback: timedelta = timedelta(days=3)
    """How far back venue fills are read for a market where the store holds nothing."""
    default_accounts: tuple[tuple[str, TradingMode], ...] = DEFAULT_ACCOUNTS

    def __post_init__(self) -> None:
        if self.reaudit_window >= timedelta(seconds=AUDIT_IDEMPOTENCY_SECONDS):
            raise ValueError(
                "reaudit_window must be shorter than the audit idempotency expiry "
                f"({AUDIT_IDEMPOTENCY_SECONDS} s), or a re-audit could append twice"
            )
        if self.intent_lookback < self.reaudit_window:
            raise ValueError("intent_lookback must cover reaudit_window")
        for name in ("stale_after", "not_found_grace", "reaudit_grace", "lag_margin", "fills_lookback"):
            if getattr(self, name) < timedelta(0):
                raise ValueError(f"{name} must not be negative")
        if self.price_tolerance < 0:
            raise ValueError("price_tolerance must not be negative")


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class ReconcileDeps:
    """Everything a reconcile run touches.

    ``controls`` is the bots table (:class:`~inplay.store.bots.DynamoBotControls`), ``trades`` the
    fills/positions tables (:class:`~inplay.store.trades.DynamoTradeStore`), ``audit`` the same
    idempotent auditor the order workflow uses and ``audit_log`` the audit table itself.
    """

    ledger: IntentLedger
    trades: ReconcileTrades
    controls: ReconcileControls
    risk: RiskStore
    audit: OrderAuditor
    audit_log: AuditHead
    alerts: AlertPublisher
    venues: VenueProvider
    settings: ReconcileSettings = field(default_factory=ReconcileSettings)
    now: Callable[[], datetime] = _utc_now

    def order_deps(self) -> OrderDeps:
        """The order workflow's view of the same stores (``settle_intent`` runs on it)."""
        return OrderDeps(
            ledger=self.ledger,
            controls=self.controls,
            trades=self.trades,
            audit=self.audit,
            alerts=self.alerts,
            venues=self.venues,
            now=self.now,
        )


@dataclass(frozen=True, slots=True)
class VenueAccount:
    """One venue account of a user and the (venue, mode) pairs it serves.

    ``store_modes`` are the modes the store holds positions, intents or orphans in on this account;
    ``probe_mode`` is set when the account is checked only because of ``default_accounts``.
    """

    venue: str
    key: str
    pairs: frozenset[tuple[str, TradingMode]]
    store_modes: frozenset[TradingMode]
    probe_mode: TradingMode | None = None

    @property
    def mode(self) -> TradingMode:
        """LIVE when any LIVE position or intent is involved, else PAPER (reports, alerts, orphans)."""
        if TradingMode.LIVE in self.store_modes:
            return TradingMode.LIVE
        if self.store_modes:
            return TradingMode.PAPER
        return self.probe_mode or TradingMode.LIVE

    @property
    def probe_only(self) -> bool:
        return not self.store_modes

    @property
    def open_mode(self) -> TradingMode:
        """The mode the venue client is built for (LIVE first: PAPER is refused on production)."""
        modes = {mode for _, mode in self.pairs}
        return TradingMode.LIVE if TradingMode.LIVE in modes else TradingMode.PAPER

    def holds(self, venue: str, mode: TradingMode) -> bool:
        return (venue, mode) in self.pairs
