"""The intents table: :class:`~inplay.orders.intents.IntentLedger` on DynamoDB through PynamoDB.

``create`` is a conditional put (``attribute_not_exists(intent_id)``); ``transition`` is one
conditional ``UpdateItem`` on (status ∈ allowed-from AND version == expected [AND the fill count
neither decreases nor exceeds the order]) that sets the new state and increments the version. When
the condition fails, a consistent read tells the caller what the intent is now.

``count`` and ``filled_count`` are DynamoDB Numbers (exact decimals), so the fill guard is checked
by DynamoDB inside the same atomic write; prices and fees are Decimal strings.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from decimal import Decimal
from functools import cache
from typing import Any

from pynamodb.attributes import (
    BooleanAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.constants import DATETIME_FORMAT
from pynamodb.exceptions import PutError, UpdateError
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action as UpdateAction
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from inplay.money import format_dollars
from inplay.orders.intents import (
    ErrorInfo,
    IntentInputError,
    IntentNotFound,
    IntentRecord,
    IntentState,
    TransitionRefused,
    check_creatable,
    validate_transition_request,
)
from inplay.store.pynamo import DecimalNumber, bind
from inplay.store.schema import INTENTS

__all__ = ["DynamoIntentLedger"]

_CONDITIONAL_FAILED = "ConditionalCheckFailedException"


class _ByUser(GlobalSecondaryIndex["_IntentItem"]):  # type: ignore[no-untyped-call]
    class Meta:
        index_name = INTENTS.gsis[0].name
        projection = AllProjection()

    user_id = UnicodeAttribute(hash_key=True)
    created_at = UTCDateTimeAttribute(range_key=True)


class _ByStatus(GlobalSecondaryIndex["_IntentItem"]):  # type: ignore[no-untyped-call]
    class Meta:
        index_name = INTENTS.gsis[1].name
        projection = AllProjection()

    status = UnicodeAttribute(hash_key=True)
    updated_at = UTCDateTimeAttribute(range_key=True)


class _IntentItem(Model):
    """Persistence shape of an intent. Bound to a table name at runtime by :func:`_model_for`."""

    class Meta:
        table_name = "unbound"

    intent_id = UnicodeAttribute(hash_key=True)
    user_id = UnicodeAttribute()
    bot_id = UnicodeAttribute()
    market_ticker = UnicodeAttribute()
    venue = UnicodeAttribute()
    side = UnicodeAttribute()
    action = UnicodeAttribute()
    price = UnicodeAttribute()
    order_count = DecimalNumber(attr_name="count")  # ``count`` would shadow Model.count()
    time_in_force = UnicodeAttribute()
    post_only = BooleanAttribute(default=False)
    reduce_only = BooleanAttribute(default=False)
    mode = UnicodeAttribute()
    status = UnicodeAttribute()
    version = NumberAttribute()
    created_at = UTCDateTimeAttribute()
    updated_at = UTCDateTimeAttribute()
    signal_id = UnicodeAttribute()
    leg = UnicodeAttribute()
    decision_bucket = UTCDateTimeAttribute()
    signal_meta = UnicodeAttribute(null=True)
    venue_order_id = UnicodeAttribute(null=True)
    filled_count = DecimalNumber()
    average_fill_price = UnicodeAttribute(null=True)
    fees = UnicodeAttribute()
    error_code = UnicodeAttribute(null=True)
    error_message = UnicodeAttribute(null=True)
    execution_arn = UnicodeAttribute(null=True)

    by_user = _ByUser()
    by_status = _ByStatus()


@cache
def _model_for(table_name: str, host: str | None) -> type[_IntentItem]:
    return bind(_IntentItem, table_name, host)


def _to_item(model: type[_IntentItem], intent: IntentRecord) -> _IntentItem:
    return model(
        intent.intent_id,
        user_id=intent.user_id,
        bot_id=intent.bot_id,
        market_ticker=intent.market_ticker,
        venue=intent.venue,
        side=intent.side.value,
        action=intent.action.value,
        price=format_dollars(intent.price),
        order_count=intent.count,
        time_in_force=intent.time_in_force.value,
        post_only=intent.post_only,
        reduce_only=intent.reduce_only,
        mode=intent.mode.value,
        status=intent.status.value,
        version=intent.version,
        created_at=intent.created_at,
        updated_at=intent.updated_at,
        signal_id=intent.signal_id,
        leg=intent.leg,
        decision_bucket=intent.decision_bucket,
        signal_meta=json.dumps(intent.signal_meta, sort_keys=True) if intent.signal_meta else None,
        venue_order_id=intent.venue_order_id,
        filled_count=intent.filled_count,
        average_fill_price=(
            format_dollars(intent.average_fill_price) if intent.average_fill_price is not None else None
        ),
        fees=format_dollars(intent.fees),
        error_code=intent.error.code if intent.error else None,
        error_message=intent.error.message if intent.error else None,
        execution_arn=intent.execution_arn,
    )


def _to_record(item: _IntentItem) -> IntentRecord:
    error = ErrorInfo(code=item.error_code, message=item.error_message or "") if item.error_code else None
    fields: dict[str, Any] = {
        "intent_id": item.intent_id,
        "user_id": item.user_id,
        "bot_id": item.bot_id,
        "market_ticker": item.market_ticker,
        "venue": item.venue,
        "side": item.side,
        "action": item.action,
        "price": item.price,
        "count": item.order_count,
        "time_in_force": item.time_in_force,
        "post_only": bool(item.post_only),
        "reduce_only": bool(item.reduce_only),
        "mode": item.mode,
        "status": item.status,
        "version": int(item.version),
        "created_at": item.created_at,
        "updated_at": item.updated_at,
        "signal_id": item.signal_id,
        "leg": item.leg,
        "decision_bucket": item.decision_bucket,
        "signal_meta": json.loads(item.signal_meta) if item.signal_meta else {},
        "venue_order_id": item.venue_order_id,
        "filled_count": item.filled_count,
        "average_fill_price": item.average_fill_price,
        "fees": item.fees,
        "error": error,
        "execution_arn": item.execution_arn,
    }
    return IntentRecord.model_validate(fields)


class DynamoIntentLedger:
    """:class:`~inplay.orders.intents.IntentLedger` on the intents table."""

    def __init__(self, table_name: str, *, host: str | None = None) -> None:
        self._model = _model_for(table_name, host)

    def create(self, intent: IntentRecord) -> bool:
        check_creatable(intent)
        item_cls = self._model
        try:
            _to_item(item_cls, intent).save(condition=item_cls.intent_id.does_not_exist())
        except PutError as exc:
            if exc.cause_response_code == _CONDITIONAL_FAILED:
                return False
            raise
        return True

    def get(self, intent_id: str, *, consistent: bool = True) -> IntentRecord | None:
        try:
            item = self._model.get(intent_id, consistent_read=consistent)
        except self._model.DoesNotExist:
            return None
        return _to_record(item)

    def transition(
        self,
        intent_id: str,
        from_states: IntentState | Iterable[IntentState],
        to_state: IntentState,
        *,
        version: int,
        now: datetime | None = None,
        venue_order_id: str | None = None,
        filled_count: Decimal | None = None,
        average_fill_price: Decimal | None = None,
        fees: Decimal | None = None,
        error: ErrorInfo | None = None,
        execution_arn: str | None = None,
    ) -> IntentRecord:
        states = validate_transition_request(
            from_states,
            to_state,
            version,
            filled_count=filled_count,
            average_fill_price=average_fill_price,
            fees=fees,
        )
        if now is not None and (now.tzinfo is None or now.utcoffset() is None):
            raise IntentInputError(f"now must be timezone-aware (UTC), got naive {now.isoformat()}")
        moment = (now or datetime.now(UTC)).astimezone(UTC)
        item_cls = self._model
        actions: list[UpdateAction] = [
            item_cls.status.set(to_state.value),
            item_cls.version.set(version + 1),
            item_cls.updated_at.set(moment),
        ]
        condition: Condition = (
            item_cls.intent_id.exists()
            & item_cls.status.is_in(*sorted(state.value for state in states))
            & (item_cls.version == version)
        )
        if venue_order_id is not None:
            actions.append(item_cls.venue_order_id.set(venue_order_id))
        if filled_count is not None:
            actions.append(item_cls.filled_count.set(filled_count))
            condition &= (item_cls.filled_count <= filled_count) & (item_cls.order_count >= filled_count)
        if average_fill_price is not None:
            actions.append(item_cls.average_fill_price.set(format_dollars(average_fill_price)))
        if fees is not None:
            actions.append(item_cls.fees.set(format_dollars(fees)))
        if error is not None:
            actions.append(item_cls.error_code.set(error.code))
            actions.append(item_cls.error_message.set(error.message))
        if execution_arn is not None:
            actions.append(item_cls.execution_arn.set(execution_arn))
        item = item_cls(intent_id)
        try:
            item.update(actions=actions, condition=condition)
        except UpdateError as exc:
            if exc.cause_response_code != _CONDITIONAL_FAILED:
                raise
            raise self._refusal(intent_id, states, to_state, version, filled_count) from None
        return _to_record(item)

    def _refusal(
        self,
        intent_id: str,
        states: frozenset[IntentState],
        to_state: IntentState,
        version: int,
        filled_count: Decimal | None,
    ) -> IntentNotFound | TransitionRefused:
        current = self.get(intent_id, consistent=True)
        if current is None:
            return IntentNotFound(intent_id)
        if current.status not in states:
            reason = f"state is {current.status}"
        elif current.version != version:
            reason = f"version is {current.version}"
        elif filled_count is not None:
            reason = (
                f"filled_count {filled_count} outside {current.filled_count}..{current.count} "
                "(fills never decrease nor exceed the order)"
            )
        else:  # pragma: no cover - the item changed back between the write and the read
            reason = "the intent changed concurrently"
        return TransitionRefused(
            intent_id,
            to_state=to_state,
            from_states=states,
            expected_version=version,
            current_state=current.status,
            current_version=current.version,
            reason=reason,
        )

    def list_by_status(self, status: IntentState, *, limit: int | None = None) -> list[IntentRecord]:
        items = self._model.by_status.query(IntentState(status).value, scan_index_forward=True, limit=limit)
        return [_to_record(item) for item in items]

    def list_by_user(
        self, user_id: str, *, since: datetime | None = None, limit: int | None = None
    ) -> list[IntentRecord]:
        key_condition = self._model.created_at >= since if since is not None else None
        items = self._model.by_user.query(
            user_id, range_key_condition=key_condition, scan_index_forward=False, limit=limit
        )
        return [_to_record(item) for item in items]

    def by_user_newest(
        self,
        user_id: str,
        *,
        since: datetime | None = None,
        after: tuple[datetime, str] | None = None,
        page_size: int = 100,
    ) -> Iterator[IntentRecord]:
        """``user_id``'s intents newest first (the ``by_user`` index, created at or after ``since``),
        resuming just after ``after`` (the ``created_at`` and id of the last one seen); read lazily,
        ``page_size`` items per DynamoDB page. The partition is always ``user_id``'s own."""
        model = self._model
        start_key = None
        if after is not None:
            start_key = {
                "user_id": {"S": user_id},
                "created_at": {"S": after[0].astimezone(UTC).strftime(DATETIME_FORMAT)},
                "intent_id": {"S": after[1]},
            }
        items = model.by_user.query(
            user_id,
            range_key_condition=model.created_at >= since if since is not None else None,
            scan_index_forward=False,
            last_evaluated_key=start_key,
            page_size=page_size,
        )
        return (_to_record(item) for item in items)
