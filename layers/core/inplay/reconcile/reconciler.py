"""Reconcile one user's venue accounts with the store: :func:`reconcile_user`.

One run per venue account (the (venue, mode) pairs grouped by
:meth:`~inplay.venues.factory.VenueProvider.account_key`; for Kalshi both modes share one account),
in this order:

1. **Read the venue** (a handful of list calls, however many positions and orders): its as-of time
   (``user_data_timestamp`` when it has one), resting orders, positions, and what became of any
   recorded orphan order that stopped resting. Then the store (intents, open positions) — after the
   venue, so a store change made meanwhile is newer than the venue data and recognised as such.
2. **Settle intents** no workflow owns any more (UNKNOWN, or not terminal and untouched for
   ``stale_after``) with :func:`~inplay.orders.settle.settle_intent`; a resting order of such an
   intent is thereby adopted (recorded, and cancelled: nobody watches it). Each settled intent is
   audited and alerted as its workflow would have done.
3. **Plan** in memory: resting orders no intent owns are orphans; per market, the venue's position
   against the sum of the store's positions gives an orphan position, a ghost or a quantity
   mismatch. A gap in a market where our own latest change is newer than the venue's data
   (portfolio lag), or where an order of ours is in flight, is deferred to the next run.
4. **Read evidence** for the remaining gaps (one fills call, plus the market of a ghost), then
   **write**: our unrecorded fills through the normal fill path, settlement closes, orphan records
   (once each; their market blocked; one critical alert each). Foreign orders are never cancelled
   and foreign positions never closed: they may be the user's own manual trades.
5. **Resolve** recorded orphans that are gone (MANUAL_CLOSE; AUTO_CLOSE when the kill switch's
   cancel-all took the order) or turned out ours (FALSE_POSITIVE); a market is unblocked once no
   unresolved orphan remains there.
6. **Re-audit** intents that became terminal recently (a crash between Record and Audit): the
   idempotent append, and the order's alert only when something was actually appended.
7. **Report** (one per run and account) and, when it has critical findings not alerted already
   and not already critical in the previous report, one summary alert.

A venue error during steps 1–4 aborts the run: the report says ``ok=False``, one critical alert
goes out, and nothing is concluded from the partial picture (an intent settled in step 2 before
the error was settled on its own complete evidence and is listed). Store errors propagate.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from typing import Final, TypedDict, Unpack

from inplay.alerts.model import Alert
from inplay.alerts.publisher import AlertPublishError
from inplay.audit.payloads import OrderAuditPayload
from inplay.audit.store import AuditContentionError
from inplay.orders.errors import FillsNotVisible
from inplay.orders.fills import PositionState, fill_record
from inplay.orders.intents import (
    IntentNotFound,
    IntentRecord,
    IntentState,
    TradingMode,
    TransitionRefused,
    is_intent_id,
)
from inplay.orders.outcomes import alert_for, audit_key, audit_kind, error_info, result_of
from inplay.orders.settle import Settled, SettleOutcome, settle_intent
from inplay.orders.workflow import ExecutionPolicy, Purpose
from inplay.reconcile.alerting import critical_keys, finding_key, new_report_id, orphan_alert, summary_alert
from inplay.reconcile.compare import MarketView, is_lagging, market_views, price_gap
from inplay.reconcile.evidence import Evidence, settlement_fill
from inplay.reconcile.model import ReconcileAlertError, ReconcileDeps, VenueAccount
from inplay.reconcile.snapshot import VenueSnapshot, read_intents, read_positions, read_venue
from inplay.risk.records import (
    Finding,
    FindingKind,
    OrphanKind,
    OrphanRecord,
    OrphanResolution,
    ReconcileReport,
    ReconcileTrigger,
    orphan_id_for,
)
from inplay.venues.base import NotFoundError, Order, OrderStatus, OutcomeSide, Venue, VenueError
from inplay.venues.factory import SecretUnavailableError, VenueConfigError, VenueProvider

__all__ = ["AccountRun", "reconcile_user", "venue_accounts"]

ZERO: Final = Decimal(0)
_PRICE_PLACES: Final = Decimal("0.000001")
K = FindingKind


class _Where(TypedDict, total=False):
    """What a finding is about (the optional fields of :class:`Finding`)."""

    market_ticker: str | None
    intent_id: str | None
    order_id: str | None
    position_id: str | None
    store: str | None
    venue: str | None


def reconcile_user(
    deps: ReconcileDeps,
    user_id: str,
    *,
    trigger: ReconcileTrigger = ReconcileTrigger.SCHEDULE,
    now: datetime | None = None,
) -> list[ReconcileReport]:
    """Reconcile every venue account of ``user_id``; one stored report per account.

    Returns the reports (empty when the user has no venue account at all: no store data and no
    credentials). Raises :class:`ReconcileAlertError` (reports attached) after finishing when an
    alert could not be published.
    """
    started = now or deps.now()
    intents = read_intents(deps.ledger, user_id, since=started - deps.settings.intent_lookback)
    positions = read_positions(deps.trades, user_id)
    orphans = deps.risk.orphans(user_id, unresolved_only=True)
    accounts = venue_accounts(
        deps.venues,
        user_id,
        positions=positions.values(),
        intents=intents.values(),
        orphans=orphans,
        defaults=deps.settings.default_accounts,
    )
    reports: list[ReconcileReport] = []
    failures: list[str] = []
    for account in accounts:
        run = AccountRun(deps, user_id, account, trigger=trigger, started=started, orphans=orphans)
        report = run.execute()
        if report is not None:
            reports.append(report)
        failures.extend(run.alert_failures)
    if failures:
        raise ReconcileAlertError(
            f"{len(failures)} reconcile alert(s) not published: {failures[0]}", reports=reports
        )
    return reports


def venue_accounts(
    venues: VenueProvider,
    user_id: str,
    *,
    positions: Iterable[PositionState],
    intents: Iterable[IntentRecord],
    orphans: Iterable[OrphanRecord],
    defaults: Iterable[tuple[str, TradingMode]],
) -> list[VenueAccount]:
    """The user's venue accounts: every (venue, mode) the store mentions, plus ``defaults``."""
    stored = {(p.venue, p.mode) for p in positions}
    stored |= {(i.venue, i.mode) for i in intents}
    stored |= {(o.venue, o.mode) for o in orphans}
    groups: dict[str, tuple[str, set[tuple[str, TradingMode]], set[TradingMode]]] = {}
    probes: dict[str, TradingMode] = {}
    for venue, mode in sorted(stored):
        key = venues.account_key(user_id, venue, mode)
        groups.setdefault(key, (venue, set(), set()))
        groups[key][1].add((venue, mode))
        groups[key][2].add(mode)
    for venue, mode in defaults:
        key = venues.account_key(user_id, venue, mode)
        if key not in groups:
            groups[key] = (venue, set(), set())
            probes[key] = mode
        groups[key][1].add((venue, mode))
    return [
        VenueAccount(
            venue=venue,
            key=key,
            pairs=frozenset(pairs),
            store_modes=frozenset(modes),
            probe_mode=probes.get(key),
        )
        for key, (venue, pairs, modes) in sorted(groups.items())
    ]


def _purpose(intent: IntentRecord) -> Purpose:
    return Purpose.EXIT if intent.reduce_only or intent.leg == Purpose.EXIT.value else Purpose.ENTRY


def _busy_errors() -> tuple[type[Exception], ...]:
    from aws_lambda_powertools.utilities.idempotency.exceptions import IdempotencyAlreadyInProgressError

    return (AuditContentionError, IdempotencyAlreadyInProgressError)


class AccountRun:
    """One reconcile run of one venue account (see the module docstring for the steps)."""

    def __init__(
        self,
        deps: ReconcileDeps,
        user_id: str,
        account: VenueAccount,
        *,
        trigger: ReconcileTrigger,
        started: datetime,
        orphans: Iterable[OrphanRecord],
    ) -> None:
        self.deps = deps
        self.settings = deps.settings
        self.user_id = user_id
        self.account = account
        self.trigger = trigger
        self.started = started
        self.report_id = new_report_id(started, account.key)
        self.orphans = [o for o in orphans if account.holds(o.venue, o.mode) and not o.resolved]
        self.findings: list[Finding] = []
        self.alerted: set[int] = set()
        """Indexes of critical findings that had their own alert (left out of the summary)."""
        self.alert_failures: list[str] = []
        self.snapshot: VenueSnapshot | None = None
        self.intents: dict[str, IntentRecord] = {}
        self.positions: dict[str, PositionState] = {}
        self.store_positions = 0
        self.views: dict[str, MarketView] = {}
        self.deferred: set[str] = set()
        self.adopted: dict[str, str] = {}
        """Venue order id → the intent that turned out to own it (settled this run)."""
        self.settled: set[str] = set()
        self.recorded_markets: set[str] = set()
        """Markets where this run recorded venue fills of ours."""
        self._blocks: dict[str, str] | None = None
        self._kill_cancelled: frozenset[str] | None = None

    # ----------------------------------------------------------------------------------------
    # The run

    def execute(self) -> ReconcileReport | None:
        """Run all steps; None when the account does not exist (no credentials, nothing stored)."""
        try:
            venue = self.deps.venues.account(self.user_id, self.account.venue, self.account.open_mode)
        except VenueConfigError as exc:
            if self.account.probe_only and exc.code == "credentials_missing":
                return None
            return self._finish(f"the venue account cannot be used ({exc.code}): {exc}")
        except SecretUnavailableError as exc:
            return self._finish(f"the venue credentials cannot be read: {exc}")
        try:
            self._read(venue)
            self._settle_intents()
            self._read_positions()
            orphan_orders = self._plan_orders()
            gaps = self._plan_markets()
            evidence = self._gather(venue, gaps)
        except (VenueError, VenueConfigError, SecretUnavailableError) as exc:
            return self._finish(f"a venue read failed, nothing was concluded: {type(exc).__name__}: {exc}")
        for orphan in orphan_orders:
            self._record_orphan(orphan, K.ORPHAN_ORDER, store="no intent", venue=f"resting {orphan.size}")
        for view in gaps:
            self._apply_market(view, evidence)
        self._resolve_orphans()
        self._reaudit()
        return self._finish(None)

    @property
    def now(self) -> datetime:
        return self.deps.now()

    @property
    def _snap(self) -> VenueSnapshot:
        assert self.snapshot is not None
        return self.snapshot

    def _add(self, finding: Finding) -> int:
        self.findings.append(finding)
        return len(self.findings) - 1

    def _finding(
        self, kind: FindingKind, *, action: str, critical: bool = False, **where: Unpack[_Where]
    ) -> int:
        return self._add(Finding(kind=kind, action=action[:200], critical=critical, **where))

    def _publish(self, alert: Alert) -> None:
        try:
            self.deps.alerts.publish(alert)
        except AlertPublishError as exc:
            self.alert_failures.append(str(exc))

    def _mine(self, intent: IntentRecord) -> bool:
        return intent.user_id == self.user_id and self.account.holds(intent.venue, intent.mode)

    # ----------------------------------------------------------------------------------------
    # 1. Reads

    def _read(self, venue: Venue) -> None:
        order_ids = [o.order_id for o in self.orphans if o.kind is OrphanKind.ORDER and o.order_id]
        self.snapshot = read_venue(venue, order_ids, now=self.deps.now)
        since = self.started - self.settings.intent_lookback
        found = read_intents(self.deps.ledger, self.user_id, since=since)
        self.intents = {k: v for k, v in found.items() if self._mine(v)}

    def _read_positions(self) -> None:
        self.positions = {
            key: p
            for key, p in read_positions(self.deps.trades, self.user_id).items()
            if self.account.holds(p.venue, p.mode)
        }
        self.store_positions = len(self.positions)

    # ----------------------------------------------------------------------------------------
    # 2. Intents no workflow owns

    def _settle_intents(self) -> None:
        cutoff = self.started - self.settings.stale_after
        candidates = sorted(
            (
                i
                for i in self.intents.values()
                if not i.terminal and (i.status is IntentState.UNKNOWN or i.updated_at <= cutoff)
            ),
            key=lambda i: (i.updated_at, i.intent_id),
        )
        resting = {o.client_order_id: o for o in self._snap.resting if o.client_order_id}
        order_deps = self.deps.order_deps()
        for intent in candidates:
            try:
                settled = settle_intent(
                    order_deps, intent.intent_id, not_found_grace=self.settings.not_found_grace
                )
            except (TransitionRefused, IntentNotFound):
                continue  # a workflow moved it meanwhile: it is owned after all
            except FillsNotVisible as exc:
                self._finding(
                    K.INTENT_SETTLED,
                    intent_id=intent.intent_id,
                    market_ticker=intent.market_ticker,
                    store=intent.status.value,
                    action=f"not settled yet: {exc}",
                )
                continue
            self._after_settle(intent, settled, resting.get(intent.intent_id))

    def _after_settle(self, before: IntentRecord, settled: Settled, order: Order | None) -> None:
        after = settled.intent
        if after is None or settled.outcome in (
            SettleOutcome.MISSING,
            SettleOutcome.ALREADY_SETTLED,
            SettleOutcome.WAITING,
        ):
            if after is not None:
                self.intents[after.intent_id] = after
            return
        self.intents[after.intent_id] = after
        if order is not None:
            self.adopted[order.order_id] = after.intent_id
        self._finding(
            K.ADOPTED_ORDER if order is not None else K.INTENT_SETTLED,
            market_ticker=after.market_ticker,
            intent_id=after.intent_id,
            order_id=after.venue_order_id or (order.order_id if order else None),
            store=before.status.value,
            venue=after.status.value,
            action=f"settled from venue evidence ({settled.outcome.value}): {before.status} → {after.status}",
            critical=settled.outcome in (SettleOutcome.UNKNOWN, SettleOutcome.RESTING),
        )
        if after.terminal:
            self.settled.add(after.intent_id)
            self._audit(after, reason=f"reconcile: settled from venue evidence ({settled.outcome.value})")
            self._alert_order(after)

    def _audit(self, intent: IntentRecord, *, reason: str) -> int | None:
        """Append the intent's audit record once; the receipt's sequence number (None: busy)."""
        result = result_of(intent, ExecutionPolicy(), purpose=_purpose(intent))
        payload = OrderAuditPayload(intent=intent, reason=reason, error=error_info(result.error))
        try:
            receipt = self.deps.audit.append_once(
                key=audit_key(result), user_id=intent.user_id, kind=audit_kind(result), payload=payload
            )
        except _busy_errors():
            return None  # its own workflow is appending right now
        return int(receipt.get("seq", 0))

    def _alert_order(self, intent: IntentRecord) -> None:
        result = result_of(intent, ExecutionPolicy(), purpose=_purpose(intent))
        self._publish(alert_for(result, None, at=self.now, fallback_id=intent.intent_id))

    # ----------------------------------------------------------------------------------------
    # 3. Planning (in memory)

    def _plan_orders(self) -> list[OrphanRecord]:
        """Resting orders no live intent of ours owns (recorded after the evidence reads)."""
        orphans: list[OrphanRecord] = []
        data_time = self._snap.data_time
        for order in self._snap.resting:
            if order.order_id in self.adopted:
                continue
            cid = order.client_order_id
            note = f"client order id {cid!r} is not an inplay intent id" if cid else "no client order id"
            if cid and is_intent_id(cid):
                intent = self.intents.get(cid) or self.deps.ledger.get(cid, consistent=True)
                if intent is not None and intent.user_id == self.user_id and not intent.terminal:
                    continue  # ours, and a workflow (or a settle that could not cancel) owns it
                if intent is not None and is_lagging(intent.updated_at, data_time, self.settings.lag_margin):
                    self._finding(
                        K.ORPHAN_ORDER,
                        market_ticker=order.market_ticker,
                        intent_id=cid,
                        order_id=order.order_id,
                        store=intent.status.value,
                        venue="resting",
                        action=f"deferred: venue data as of {data_time.isoformat()} predates the intent's "
                        "last change",
                    )
                    continue
                note = (
                    f"it carries intent id {cid}, which is {intent.status.value} in the ledger"
                    if intent is not None
                    else f"it carries intent id {cid}, which the ledger does not hold "
                    "(another deployment on this account?): it cannot be adopted without its terms"
                )
            orphans.append(self._order_orphan(order, note))
        return orphans

    def _order_orphan(self, order: Order, note: str) -> OrphanRecord:
        return OrphanRecord(
            user_id=self.user_id,
            orphan_id=orphan_id_for(
                OrphanKind.ORDER, market_ticker=order.market_ticker, order_id=order.order_id
            ),
            kind=OrphanKind.ORDER,
            venue=self.account.venue,
            mode=self.account.mode,
            market_ticker=order.market_ticker,
            order_id=order.order_id,
            side=order.side,
            action=order.action,
            size=order.remaining_count,
            price=order.price,
            detected_at=self.started,
            detected_by=self.report_id,
            notes=note[:2000],
        )

    def _plan_markets(self) -> list[MarketView]:
        """Compare per market; return the gaps that need venue evidence (the rest is decided here)."""
        in_flight = [i for i in self.intents.values() if not i.terminal]
        self.views = market_views(
            self.account,
            self.positions.values(),
            self.intents.values(),
            self._snap.positions,
            in_flight=in_flight,
        )
        data_time = self._snap.data_time
        gaps: list[MarketView] = []
        for view in self.views.values():
            kind = view.gap
            values: _Where = {
                "market_ticker": view.ticker,
                "store": str(view.store_contracts),
                "venue": str(view.venue_contracts),
            }
            if kind is None:
                prices = price_gap(view, self.settings.price_tolerance)
                if prices is not None:
                    self._finding(
                        K.PRICE_MISMATCH,
                        market_ticker=view.ticker,
                        store=str(prices[0]),
                        venue=str(prices[1]),
                        action="average entry price differs; quantity agrees (P&L figures may be off)",
                    )
            elif is_lagging(view.last_change, data_time, self.settings.lag_margin):
                self.deferred.add(view.ticker)
                when = view.last_change.isoformat() if view.last_change else "?"
                self._finding(
                    kind,
                    action=f"deferred: venue data as of {data_time.isoformat()} is older than our last "
                    f"change here ({when})",
                    **values,
                )
            elif view.in_flight:
                self.deferred.add(view.ticker)
                self._finding(
                    kind, action=f"deferred: order(s) in flight: {', '.join(view.in_flight)}", **values
                )
            else:
                gaps.append(view)
        return gaps

    # ----------------------------------------------------------------------------------------
    # 4. Evidence, then writes

    def _gather(self, venue: Venue, gaps: list[MarketView]) -> Evidence:
        evidence = Evidence()
        if not gaps:
            return evidence
        tickers = {view.ticker for view in gaps}
        opened = [p.opened_at for view in gaps for p in view.positions]
        since = min(opened) - self.settings.intent_lookback if opened else self.started
        if any(not view.positions for view in gaps):
            since = min(since, self.started - self.settings.fills_lookback)
        by_order = {i.venue_order_id: i for i in self.intents.values() if i.venue_order_id}
        owners: dict[str, IntentRecord | None] = {}
        for fill in venue.get_fills(since=since):
            if fill.market_ticker not in tickers:
                continue
            if self.deps.trades.fill(self.user_id, f"{self.account.venue}#{fill.fill_id}") is not None:
                continue
            if fill.order_id not in owners:
                owners[fill.order_id] = by_order.get(fill.order_id) or self._owner(venue, fill.order_id)
            intent = owners[fill.order_id]
            if intent is None:
                evidence.foreign[fill.market_ticker] = evidence.foreign.get(fill.market_ticker, 0) + 1
            else:
                evidence.ours.setdefault(fill.market_ticker, []).append((fill, intent))
        for view in gaps:
            if view.venue_contracts == 0 and view.store_contracts + evidence.net_ours(view.ticker) != 0:
                evidence.markets[view.ticker] = venue.get_market(view.ticker)
        return evidence

    def _owner(self, venue: Venue, order_id: str) -> IntentRecord | None:
        """The intent of ours behind a venue order (by its client order id), if any."""
        try:
            order = venue.get_order(order_id)
        except NotFoundError:
            return None
        cid = order.client_order_id
        if not cid or not is_intent_id(cid):
            return None
        intent = self.intents.get(cid) or self.deps.ledger.get(cid, consistent=True)
        return intent if intent is not None and intent.user_id == self.user_id else None

    def _store_contracts(self, ticker: str) -> Decimal:
        return sum((p.contracts for p in self.positions.values() if p.market_ticker == ticker), ZERO)

    def _keep(self, position: PositionState | None) -> None:
        if position is not None:
            self.positions[position.position_id] = position

    def _apply_market(self, view: MarketView, evidence: Evidence) -> None:
        ticker, kind = view.ticker, view.gap
        assert kind is not None
        recorded = 0
        for fill, intent in evidence.ours.get(ticker, ()):
            outcome = self.deps.trades.record_fill(fill_record(fill, intent, recorded_at=self.now))
            recorded += int(outcome.new)
            self._keep(outcome.position)
        if recorded:
            self.recorded_markets.add(ticker)
        store, venue = self._store_contracts(ticker), view.venue_contracts
        values: _Where = {"market_ticker": ticker, "store": str(view.store_contracts), "venue": str(venue)}
        if store == venue:
            self._finding(kind, action=f"accounted for: recorded {recorded} venue fill(s) of ours", **values)
            return
        result = evidence.settlement(ticker)
        if venue == 0 and result is not None:
            closed = self._close_by_settlement(ticker, result)
            self._finding(
                K.GHOST_POSITION,
                action=f"closed by the market's settlement (result {result.value}): {closed} position(s)",
                **values,
            )
            return
        foreign = evidence.foreign.get(ticker, 0)
        detail = f"; {recorded} fill(s) of ours recorded" if recorded else ""
        detail += f"; {foreign} venue fill(s) of orders not ours (a manual trade?)" if foreign else ""
        if store == 0:
            self._record_orphan(self._position_orphan(view, venue, detail), K.ORPHAN_POSITION, **values)
        elif (venue > 0) == (store > 0) and abs(venue) > abs(store):
            excess = self._position_orphan(view, venue - store, detail)
            self._record_orphan(excess, K.QUANTITY_MISMATCH, **values)
        elif venue == 0:
            self._finding(
                K.GHOST_POSITION,
                action=f"not closed: no venue evidence (no fills of ours, market not settled){detail}",
                critical=True,
                **values,
            )
        else:
            self._finding(K.QUANTITY_MISMATCH, action=f"not changed{detail}", critical=True, **values)

    def _close_by_settlement(self, ticker: str, result: OutcomeSide) -> int:
        closed = 0
        for position in sorted(self.positions.values(), key=lambda p: p.position_id):
            if position.market_ticker != ticker or position.contracts == 0:
                continue
            outcome = self.deps.trades.record_fill(settlement_fill(position, result, at=self.now))
            closed += int(outcome.new)
            self._keep(outcome.position)
        return closed

    def _position_orphan(self, view: MarketView, unaccounted: Decimal, detail: str) -> OrphanRecord:
        """The venue contracts the store does not account for (all of them, or the excess)."""
        held, store = view.venue_contracts, self._store_contracts(view.ticker)
        exposure = view.venue.exposure if view.venue is not None else ZERO
        whole = store == 0 and exposure > 0
        return OrphanRecord(
            user_id=self.user_id,
            orphan_id=orphan_id_for(OrphanKind.POSITION, market_ticker=view.ticker),
            kind=OrphanKind.POSITION,
            venue=self.account.venue,
            mode=self.account.mode,
            market_ticker=view.ticker,
            side=OutcomeSide.YES if unaccounted > 0 else OutcomeSide.NO,
            size=abs(unaccounted),
            price=(exposure / abs(held)).quantize(_PRICE_PLACES) if whole else None,
            detected_at=self.started,
            detected_by=self.report_id,
            notes=(
                f"the venue holds {held} (signed YES contracts), the store {store}: "
                f"{unaccounted} unaccounted for{detail}"
            )[:2000],
        )

    def _unresolved(self, orphan: OrphanRecord) -> OrphanRecord | None:
        for known in self.orphans:
            same = (
                known.orphan_id == orphan.orphan_id
                if orphan.kind is OrphanKind.ORDER
                else known.kind is OrphanKind.POSITION and known.market_ticker == orphan.market_ticker
            )
            if same:
                return known
        return None

    def _record_orphan(self, orphan: OrphanRecord, kind: FindingKind, **where: Unpack[_Where]) -> None:
        values: _Where = {"market_ticker": orphan.market_ticker, "order_id": orphan.order_id, **where}
        known = self._unresolved(orphan)
        if known is None:
            created = self._create_orphan(orphan)
            if created is not None:
                self._ensure_blocked(created)
                what = "" if kind is not K.QUANTITY_MISMATCH else f"the venue holds {created.size} more: "
                index = self._finding(
                    kind,
                    action=f"{what}recorded as orphaned {created.kind.value}; new entries blocked; alerted",
                    critical=True,
                    **values,
                )
                self.alerted.add(index)
                self._publish(orphan_alert(created, at=self.now))
                return
            stored = self.deps.risk.orphan(self.user_id, orphan.orphan_id)
            resolution = stored.resolution.value if stored is not None and stored.resolution else "?"
            self._finding(
                kind, action=f"seen again after it was resolved ({resolution}): stale venue data?", **values
            )
            return
        self._ensure_blocked(known)
        self._finding(
            kind, action=f"still there (recorded by {known.detected_by}); entries stay blocked", **values
        )

    def _create_orphan(self, orphan: OrphanRecord) -> OrphanRecord | None:
        """Record it once. A market whose earlier orphan position was resolved gets a second record
        (``position:<ticker>:<detected at>``): one unresolved record per market at a time."""
        if self.deps.risk.record_orphan(orphan):
            self.orphans.append(orphan)
            return orphan
        if orphan.kind is not OrphanKind.POSITION:
            return None
        stored = self.deps.risk.orphan(self.user_id, orphan.orphan_id)
        if stored is None or not stored.resolved:
            return None
        again = OrphanRecord.model_validate(
            orphan.model_dump() | {"orphan_id": f"{orphan.orphan_id}:{self.started:%Y%m%dT%H%M%S%fZ}"}
        )
        if self.deps.risk.record_orphan(again):
            self.orphans.append(again)
            return again
        return None

    def _ensure_blocked(self, orphan: OrphanRecord) -> None:
        if self._blocks is None:
            self._blocks = self.deps.controls.market_blocks(self.user_id)
        if orphan.market_ticker in self._blocks:
            return
        reason = f"reconcile: orphaned {orphan.kind.value} {orphan.orphan_id} (report {self.report_id})"
        self.deps.controls.block_market(self.user_id, orphan.market_ticker, reason=reason[:500], at=self.now)
        self._blocks[orphan.market_ticker] = reason

    # ----------------------------------------------------------------------------------------
    # 5. Recorded orphans that are gone

    def _resolve_orphans(self) -> None:
        done: list[tuple[OrphanRecord, OrphanResolution, str]] = []
        for orphan in list(self.orphans):
            if orphan.detected_by == self.report_id:
                continue
            verdict = (
                self._order_verdict(orphan)
                if orphan.kind is OrphanKind.ORDER
                else self._position_verdict(orphan)
            )
            if verdict is None:
                continue
            resolution, notes = verdict
            stored = self.deps.risk.resolve_orphan(
                self.user_id, orphan.orphan_id, resolution=resolution, notes=notes, at=self.now
            )
            self.orphans.remove(orphan)
            if stored is not None and stored.resolved:
                done.append((orphan, stored.resolution or resolution, stored.notes or notes))
        if not done:
            return
        remaining = {o.market_ticker for o in self.deps.risk.orphans(self.user_id, unresolved_only=True)}
        unblocked: set[str] = set()
        for ticker in sorted({orphan.market_ticker for orphan, _, _ in done} - remaining):
            self.deps.controls.unblock_market(self.user_id, ticker)
            unblocked.add(ticker)
        for orphan, resolution, notes in done:
            tail = "; market unblocked" if orphan.market_ticker in unblocked else ""
            self._finding(
                K.ORPHAN_RESOLVED,
                market_ticker=orphan.market_ticker,
                order_id=orphan.order_id,
                store=orphan.orphan_id,
                venue=resolution.value,
                action=f"{resolution.value}: {notes}{tail}",
            )

    def _ours(self, order: Order) -> IntentRecord | None:
        cid = order.client_order_id
        if not cid or not is_intent_id(cid):
            return None
        intent = self.deps.ledger.get(cid, consistent=True)
        return intent if intent is not None and intent.user_id == self.user_id else None

    def _order_verdict(self, orphan: OrphanRecord) -> tuple[OrphanResolution, str] | None:
        order_id = orphan.order_id or ""
        if order_id in self.adopted:
            return OrphanResolution.FALSE_POSITIVE, f"it was ours: intent {self.adopted[order_id]} settled it"
        snapshot = self._snap
        if order_id in snapshot.resting_ids:
            order = next(o for o in snapshot.resting if o.order_id == order_id)
            intent = self._ours(order)
            if intent is not None and not intent.terminal:
                return OrphanResolution.FALSE_POSITIVE, f"it is ours: intent {intent.intent_id} owns it"
            return None
        if order_id not in snapshot.vanished:
            return None
        order_now = snapshot.vanished[order_id]
        if order_now is None:
            return OrphanResolution.MANUAL_CLOSE, "the venue no longer knows the order"
        intent = self._ours(order_now)
        if intent is not None:
            return OrphanResolution.FALSE_POSITIVE, f"it carried intent {intent.intent_id}: ours"
        verb = "filled" if order_now.status is OrderStatus.EXECUTED else "cancelled"
        if order_now.status is OrderStatus.CANCELED and order_id in self._kill_switch_cancels():
            return OrphanResolution.AUTO_CLOSE, "cancelled by inplay's kill switch"
        return (
            OrphanResolution.MANUAL_CLOSE,
            f"{verb} on the venue outside inplay "
            f"({order_now.filled_count} of {order_now.initial_count} filled)",
        )

    def _kill_switch_cancels(self) -> frozenset[str]:
        """Venue order ids the user's recent kill-switch trips cancelled (read once, when needed)."""
        if self._kill_cancelled is None:
            events = self.deps.risk.kill_events(self.user_id, limit=10)
            self._kill_cancelled = frozenset(oid for event in events for oid in event.cancelled_orders)
        return self._kill_cancelled

    def _position_verdict(self, orphan: OrphanRecord) -> tuple[OrphanResolution, str] | None:
        ticker = orphan.market_ticker
        if ticker in self.deferred:
            return None
        venue_position = self._snap.positions.get(ticker)
        venue = venue_position.position if venue_position is not None else ZERO
        if self._store_contracts(ticker) != venue:
            return None
        if venue == 0:
            return OrphanResolution.MANUAL_CLOSE, "the venue no longer holds a position in this market"
        if ticker in self.recorded_markets:
            return (
                OrphanResolution.FALSE_POSITIVE,
                "ours: venue fills of our orders now recorded account for it",
            )
        return OrphanResolution.MANUAL_CLOSE, "the unaccounted contracts are gone (closed outside inplay)"

    # ----------------------------------------------------------------------------------------
    # 6. Re-audit

    def _reaudit(self) -> None:
        now = self.now
        newest = now - self.settings.reaudit_grace
        oldest = now - self.settings.reaudit_window
        candidates = sorted(
            (
                i
                for i in self.intents.values()
                if i.terminal and i.intent_id not in self.settled and oldest <= i.updated_at <= newest
            ),
            key=lambda i: (i.updated_at, i.intent_id),
        )
        if not candidates:
            return
        head = self.deps.audit_log.last(self.user_id)
        head_seq = head.seq if head is not None else 0
        for intent in candidates:
            seq = self._audit(intent, reason="reconcile: re-audit (no audit record after the order ended)")
            if seq is None or seq <= head_seq:
                continue  # its workflow had audited it (the append was deduplicated)
            self._finding(
                K.REAUDITED,
                market_ticker=intent.market_ticker,
                intent_id=intent.intent_id,
                store=intent.status.value,
                action=f"audit record appended (seq {seq}) and the order's alert re-sent",
            )
            self._alert_order(intent)

    # ----------------------------------------------------------------------------------------
    # 7. Report

    def _previous(self) -> ReconcileReport | None:
        for report in self.deps.risk.reports(self.user_id, limit=10):
            if report.venue == self.account.venue and report.report_id != self.report_id:
                return report
        return None

    def _finish(self, aborted: str | None) -> ReconcileReport:
        snapshot = self.snapshot
        report = ReconcileReport(
            user_id=self.user_id,
            report_id=self.report_id,
            trigger=self.trigger,
            venue=self.account.venue,
            mode=self.account.mode,
            started_at=self.started,
            finished_at=max(self.now, self.started),
            ok=aborted is None,
            aborted_reason=aborted[:2000] if aborted else None,
            venue_as_of=snapshot.as_of if snapshot is not None else None,
            venue_orders=len(snapshot.resting) if snapshot is not None else 0,
            venue_positions=len(snapshot.positions) if snapshot is not None else 0,
            store_positions=self.store_positions,
            intents_checked=len(self.intents),
            findings=tuple(self.findings),
        )
        previous = self._previous()
        self.deps.risk.put_report(report)
        pending = [f for i, f in enumerate(self.findings) if f.critical and i not in self.alerted]
        keys = {finding_key(f) for f in pending} | ({"aborted"} if aborted else set())
        known = critical_keys(previous) if previous is not None else frozenset()
        if keys - known:
            self._publish(summary_alert(report, pending, at=self.now))
        return report
