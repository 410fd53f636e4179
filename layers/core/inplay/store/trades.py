"""The fills and positions tables: each venue fill recorded once, and applied to its position once.

:meth:`DynamoTradeStore.record_fill` writes the fill (``attribute_not_exists(fill_id)``) and the
updated position (its ``version`` as read, or not existing yet) in ONE DynamoDB transaction. A fill
already recorded cancels the transaction and nothing changes (a retried Record step is harmless);
a position changed by another writer in between is re-read and the fill applied again.

Money is stored as Decimal strings; ``contracts`` (signed YES contracts) and ``count`` are
DynamoDB Numbers (exact).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from functools import cache
from typing import Any, Final, Protocol

from pynamodb.attributes import (
    BooleanAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.connection import Connection
from pynamodb.exceptions import TransactWriteError
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from inplay.money import format_dollars
from inplay.orders.fills import FillRecord, PositionState, apply_fill, position_id_for
from inplay.orders.intents import TradingMode
from inplay.store.pynamo import DecimalNumber
from inplay.store.schema import FILLS, POSITIONS

__all__ = ["DynamoTradeStore", "RecordedFill", "TradeContentionError", "TradeStore"]

MAX_ATTEMPTS: Final = 8
_CONDITION_FAILED: Final = "ConditionalCheckFailed"


class TradeContentionError(RuntimeError):
    """The position kept changing under every attempt; nothing was written."""


@dataclass(frozen=True, slots=True)
class RecordedFill:
    fill: FillRecord
    """As stored (``realized_pnl`` set when it was applied)."""
    new: bool
    """False when the fill had been recorded before (nothing changed now)."""
    position: PositionState | None = None
    """The position after this fill (only when ``new``)."""


class TradeStore(Protocol):
    def record_fill(self, fill: FillRecord) -> RecordedFill: ...

    def position(self, user_id: str, position_id: str) -> PositionState | None: ...

    def fill(self, user_id: str, fill_id: str) -> FillRecord | None: ...


class _ByIntent(GlobalSecondaryIndex["_FillItem"]):  # type: ignore[no-untyped-call]
    class Meta:
        index_name = FILLS.gsis[0].name
        projection = AllProjection()

    intent_id = UnicodeAttribute(hash_key=True)
    filled_at = UnicodeAttribute(range_key=True)


class _ByUserTime(GlobalSecondaryIndex["_FillItem"]):  # type: ignore[no-untyped-call]
    class Meta:
        index_name = FILLS.gsis[1].name
        projection = AllProjection()

    user_id = UnicodeAttribute(hash_key=True)
    filled_at = UnicodeAttribute(range_key=True)


class _FillItem(Model):
    class Meta:
        table_name = "unbound"

    user_id = UnicodeAttribute(hash_key=True)
    fill_id = UnicodeAttribute(range_key=True)
    intent_id = UnicodeAttribute()
    filled_at = UnicodeAttribute()
    """ISO 8601 UTC with microseconds (sortable text: the index's sort key)."""
    venue = UnicodeAttribute()
    venue_fill_id = UnicodeAttribute()
    bot_id = UnicodeAttribute()
    order_id = UnicodeAttribute()
    market_ticker = UnicodeAttribute()
    side = UnicodeAttribute()
    action = UnicodeAttribute()
    price = UnicodeAttribute()
    fill_count = DecimalNumber(attr_name="count")
    fee = UnicodeAttribute()
    is_taker = BooleanAttribute()
    yes_direction = NumberAttribute()
    yes_price = UnicodeAttribute()
    mode = UnicodeAttribute()
    realized_pnl = UnicodeAttribute()
    recorded_at = UTCDateTimeAttribute()

    by_intent = _ByIntent()
    by_user_time = _ByUserTime()


class _ByStatus(GlobalSecondaryIndex["_PositionItem"]):  # type: ignore[no-untyped-call]
    class Meta:
        index_name = POSITIONS.gsis[0].name
        projection = AllProjection()

    user_status = UnicodeAttribute(hash_key=True)
    opened_at = UnicodeAttribute(range_key=True)


class _PositionItem(Model):
    class Meta:
        table_name = "unbound"

    user_id = UnicodeAttribute(hash_key=True)
    position_id = UnicodeAttribute(range_key=True)
    user_status = UnicodeAttribute()
    """``<user_id>#OPEN`` or ``<user_id>#CLOSED`` (the by_status index's partition key)."""
    opened_at = UnicodeAttribute()
    bot_id = UnicodeAttribute()
    venue = UnicodeAttribute()
    market_ticker = UnicodeAttribute()
    mode = UnicodeAttribute()
    contracts = DecimalNumber()
    cost = UnicodeAttribute()
    realized_pnl = UnicodeAttribute()
    fees = UnicodeAttribute()
    fills = NumberAttribute()
    updated_at = UTCDateTimeAttribute()
    closed_at = UTCDateTimeAttribute(null=True)
    last_fill_id = UnicodeAttribute(null=True)
    last_intent_id = UnicodeAttribute(null=True)
    version = NumberAttribute()

    by_status = _ByStatus()


@cache
def _models(
    fills_table: str, positions_table: str, host: str | None
) -> tuple[type[_FillItem], type[_PositionItem]]:
    def bind(base: type[Any], table: str, label: str) -> type[Any]:
        meta = type("Meta", (), {"table_name": table, "host": host})
        return type(f"{label}_{table}", (base,), {"Meta": meta, "__module__": __name__})

    return bind(_FillItem, fills_table, "FillItem"), bind(_PositionItem, positions_table, "PositionItem")


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _parse_iso(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


def _fill_item(model: type[_FillItem], fill: FillRecord, now: datetime) -> _FillItem:
    return model(
        fill.user_id,
        fill.fill_id,
        intent_id=fill.intent_id,
        filled_at=_iso(fill.filled_at),
        venue=fill.venue,
        venue_fill_id=fill.venue_fill_id,
        bot_id=fill.bot_id,
        order_id=fill.order_id,
        market_ticker=fill.market_ticker,
        side=fill.side.value,
        action=fill.action.value,
        price=format_dollars(fill.price),
        fill_count=fill.count,
        fee=format_dollars(fill.fee),
        is_taker=fill.is_taker,
        yes_direction=fill.yes_direction,
        yes_price=format_dollars(fill.yes_price),
        mode=fill.mode.value,
        realized_pnl=format_dollars(fill.realized_pnl),
        recorded_at=now,
    )


def _fill_record(item: _FillItem) -> FillRecord:
    return FillRecord.model_validate(
        {
            "user_id": item.user_id,
            "fill_id": item.fill_id,
            "venue": item.venue,
            "venue_fill_id": item.venue_fill_id,
            "intent_id": item.intent_id,
            "bot_id": item.bot_id,
            "order_id": item.order_id,
            "market_ticker": item.market_ticker,
            "side": item.side,
            "action": item.action,
            "price": item.price,
            "count": item.fill_count,
            "fee": item.fee,
            "is_taker": bool(item.is_taker),
            "yes_direction": int(item.yes_direction),
            "yes_price": item.yes_price,
            "filled_at": _parse_iso(item.filled_at),
            "mode": item.mode,
            "realized_pnl": Decimal(item.realized_pnl),
        }
    )


def _position_item(model: type[_PositionItem], position: PositionState) -> _PositionItem:
    return model(
        position.user_id,
        position.position_id,
        user_status=f"{position.user_id}#{position.status.value}",
        opened_at=_iso(position.opened_at),
        bot_id=position.bot_id,
        venue=position.venue,
        market_ticker=position.market_ticker,
        mode=position.mode.value,
        contracts=position.contracts,
        cost=str(position.cost),
        realized_pnl=str(position.realized_pnl),
        fees=str(position.fees),
        fills=position.fills,
        updated_at=position.updated_at,
        closed_at=position.closed_at,
        last_fill_id=position.last_fill_id,
        last_intent_id=position.last_intent_id,
        version=position.version,
    )


def _position_state(item: _PositionItem) -> PositionState:
    return PositionState(
        user_id=item.user_id,
        position_id=item.position_id,
        bot_id=item.bot_id,
        venue=item.venue,
        market_ticker=item.market_ticker,
        mode=TradingMode(item.mode),
        contracts=item.contracts,
        cost=Decimal(item.cost),
        realized_pnl=Decimal(item.realized_pnl),
        fees=Decimal(item.fees),
        fills=int(item.fills),
        opened_at=_parse_iso(item.opened_at),
        updated_at=item.updated_at,
        closed_at=item.closed_at,
        last_fill_id=item.last_fill_id,
        last_intent_id=item.last_intent_id,
        version=int(item.version),
    )


def _utc_now() -> datetime:
    return datetime.now(UTC)


class DynamoTradeStore:
    """:class:`TradeStore` on the fills and positions tables."""

    def __init__(
        self,
        fills_table: str,
        positions_table: str,
        *,
        host: str | None = None,
        now: Callable[[], datetime] = _utc_now,
    ) -> None:
        self._fills, self._positions = _models(fills_table, positions_table, host)
        self._host = host
        self._now = now

    def fill(self, user_id: str, fill_id: str) -> FillRecord | None:
        try:
            return _fill_record(self._fills.get(user_id, fill_id, consistent_read=True))
        except self._fills.DoesNotExist:
            return None

    def position(self, user_id: str, position_id: str) -> PositionState | None:
        try:
            return _position_state(self._positions.get(user_id, position_id, consistent_read=True))
        except self._positions.DoesNotExist:
            return None

    def fills_for_intent(self, intent_id: str) -> list[FillRecord]:
        """Fills of one intent, oldest first (served from an index: eventually consistent)."""
        return [_fill_record(item) for item in self._fills.by_intent.query(intent_id)]

    def fills_since(self, user_id: str, since: datetime) -> list[FillRecord]:
        """The user's fills at or after ``since``, oldest first (index: eventually consistent)."""
        items = self._fills.by_user_time.query(
            user_id, range_key_condition=self._fills.filled_at >= _iso(since)
        )
        return [_fill_record(item) for item in items]

    def closed_positions(self, user_id: str, *, limit: int) -> list[PositionState]:
        """Up to ``limit`` closed positions, most recently opened first (index: eventually consistent)."""
        items = self._positions.by_status.query(f"{user_id}#CLOSED", scan_index_forward=False, limit=limit)
        return [_position_state(item) for item in items]

    def open_positions(self, user_id: str) -> Iterable[PositionState]:
        """The user's open positions (index: eventually consistent)."""
        return (_position_state(item) for item in self._positions.by_status.query(f"{user_id}#OPEN"))

    def record_fill(self, fill: FillRecord) -> RecordedFill:
        position_id = position_id_for(fill.bot_id, fill.venue, fill.market_ticker, fill.mode)
        for _ in range(MAX_ATTEMPTS):
            existing = self.fill(fill.user_id, fill.fill_id)
            if existing is not None:
                return RecordedFill(existing, new=False)
            current = self.position(fill.user_id, position_id)
            now = self._now()
            updated, realized = apply_fill(current, fill, now=now)
            updated = updated.model_copy(update={"version": (current.version if current else 0) + 1})
            stored_fill = fill.model_copy(update={"realized_pnl": realized})
            position_model = self._positions
            position_condition = (
                position_model.version == current.version
                if current is not None
                else position_model.position_id.does_not_exist()
            )
            try:
                with TransactWrite(connection=Connection(host=self._host)) as transaction:
                    transaction.save(
                        _fill_item(self._fills, stored_fill, now),
                        condition=self._fills.fill_id.does_not_exist(),
                    )
                    transaction.save(_position_item(position_model, updated), condition=position_condition)
            except TransactWriteError as exc:
                reasons = [reason.code if reason else None for reason in exc.cancellation_reasons]
                if _CONDITION_FAILED in reasons:
                    continue  # the fill was recorded meanwhile, or the position moved: look again
                raise
            return RecordedFill(stored_fill, new=True, position=updated)
        raise TradeContentionError(
            f"could not apply fill {fill.fill_id} to position {position_id}: it changed {MAX_ATTEMPTS} times"
        )
