"""The paper table: :class:`DynamoPaperLedger`, paper accounts on DynamoDB.

One partition per account (``account`` = ``<venue>#<user_id>``); sort keys:

- ``ACCOUNT``: cash and ``version`` (every change of the account increments it);
- ``ORDER#<order_id>``: the order with its fills; ``OPEN#<order_id>``: the same while resting
  (so reading the resting orders never reads the history);
- ``CLIENT#<client_order_id>``: the order id holding that client id (created once);
- ``FILL#<time>#<fill_id>``: fills by time; ``POS#<market_ticker>``: positions.

Bodies are the engine's pydantic models as JSON (money as Decimal strings). A commit is ONE
transaction conditioned on ``ACCOUNT.version`` as read and on new client ids and fills not
existing; any failed condition or conflicting transaction is a :class:`LedgerConflict`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from functools import cache
from typing import Any, Final

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.connection import Connection
from pynamodb.exceptions import PutError, TransactWriteError
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from inplay.store.pynamo import bind
from inplay.venues.paper.engine import PaperAccount, PaperFill, PaperOrder, PaperPosition
from inplay.venues.paper.ledger import LedgerConflict, LedgerWrite

__all__ = ["DynamoPaperLedger"]

ACCOUNT: Final = "ACCOUNT"
_CONFLICTS: Final = frozenset({"ConditionalCheckFailed", "TransactionConflict"})


class _PaperItem(Model):
    class Meta:
        table_name = "unbound"

    account = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    body = UnicodeAttribute()
    version = NumberAttribute(null=True)


@cache
def _model_for(table: str, host: str | None) -> type[_PaperItem]:
    return bind(_PaperItem, table, host)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class DynamoPaperLedger:
    """:class:`~inplay.venues.paper.ledger.PaperLedger` on the PAPER table."""

    def __init__(self, table: str, *, host: str | None = None) -> None:
        self._model = _model_for(table, host)
        self._host = host

    def _get(self, key: str, sk: str) -> _PaperItem | None:
        try:
            return self._model.get(key, sk, consistent_read=True)
        except self._model.DoesNotExist:
            return None

    def _query(self, key: str, prefix: str, *, after: str | None = None) -> list[_PaperItem]:
        condition = self._model.sk.startswith(prefix) if after is None else self._model.sk >= after
        items = list(self._model.query(key, range_key_condition=condition, consistent_read=True))
        return [item for item in items if item.sk.startswith(prefix)]

    def open_account(self, key: str, starting_balance: Decimal, now: datetime) -> PaperAccount:
        item = self._get(key, ACCOUNT)
        if item is not None:
            return PaperAccount.model_validate_json(item.body)
        account = PaperAccount(
            key=key,
            cash=starting_balance,
            starting_balance=starting_balance,
            created_time=now,
            updated_time=now,
        )
        try:
            self._model(key, ACCOUNT, body=account.model_dump_json(), version=0).save(
                condition=self._model.sk.does_not_exist()
            )
        except PutError as exc:
            if exc.cause_response_code != "ConditionalCheckFailedException":
                raise
            existing = self._get(key, ACCOUNT)
            if existing is None:  # pragma: no cover - a created item does not vanish
                raise
            return PaperAccount.model_validate_json(existing.body)
        return account

    def get_order(self, key: str, order_id: str) -> PaperOrder | None:
        item = self._get(key, f"ORDER#{order_id}")
        return PaperOrder.model_validate_json(item.body) if item else None

    def order_by_client_id(self, key: str, client_order_id: str) -> PaperOrder | None:
        item = self._get(key, f"CLIENT#{client_order_id}")
        return self.get_order(key, item.body) if item else None

    def orders(self, key: str, *, resting_only: bool = False) -> list[PaperOrder]:
        items = self._query(key, "OPEN#" if resting_only else "ORDER#")
        found = [PaperOrder.model_validate_json(item.body) for item in items]
        return sorted(found, key=lambda o: (o.created_time, o.order_id))

    def fills(self, key: str, *, since: datetime | None = None) -> list[PaperFill]:
        after = f"FILL#{_iso(since)}" if since is not None else None
        found = [PaperFill.model_validate_json(item.body) for item in self._query(key, "FILL#", after=after)]
        return sorted(found, key=lambda f: (f.created_time, f.fill_id))

    def positions(self, key: str) -> list[PaperPosition]:
        found = [PaperPosition.model_validate_json(item.body) for item in self._query(key, "POS#")]
        return sorted(found, key=lambda p: p.market_ticker)

    def commit(self, key: str, write: LedgerWrite) -> None:
        model = self._model
        expected = write.account.version - 1
        try:
            with TransactWrite(connection=Connection(host=self._host)) as tx:
                tx.save(
                    model(key, ACCOUNT, body=write.account.model_dump_json(), version=write.account.version),
                    condition=model.version == expected,
                )
                for order in write.orders:
                    body = order.model_dump_json()
                    tx.save(model(key, f"ORDER#{order.order_id}", body=body))
                    if order.remaining > 0:
                        tx.save(model(key, f"OPEN#{order.order_id}", body=body))
                    else:
                        tx.delete(model(key, f"OPEN#{order.order_id}"))
                for client_id in write.new_client_ids:
                    owner = next(o.order_id for o in write.orders if o.client_order_id == client_id)
                    tx.save(
                        model(key, f"CLIENT#{client_id}", body=owner), condition=model.sk.does_not_exist()
                    )
                for fill in write.fills:
                    sk = f"FILL#{_iso(fill.created_time)}#{fill.fill_id}"
                    tx.save(model(key, sk, body=fill.model_dump_json()), condition=model.sk.does_not_exist())
                for position in write.positions:
                    tx.save(model(key, f"POS#{position.market_ticker}", body=position.model_dump_json()))
        except TransactWriteError as exc:
            reasons: list[Any] = list(exc.cancellation_reasons or [])
            codes = {reason.code for reason in reasons if reason is not None}
            if codes & _CONFLICTS or exc.cause_response_code == "TransactionConflictException":
                raise LedgerConflict(f"paper account {key} changed meanwhile") from None
            raise
