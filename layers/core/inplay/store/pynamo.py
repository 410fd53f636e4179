"""PynamoDB pieces every repository shares: exact Decimal numbers and runtime table binding."""

from __future__ import annotations

from decimal import Decimal

from pynamodb.attributes import Attribute
from pynamodb.constants import NUMBER
from pynamodb.models import Model

__all__ = ["DecimalNumber", "bind"]


class DecimalNumber(Attribute[Decimal]):
    """A DynamoDB Number read and written as an exact ``Decimal`` (PynamoDB's own goes via float)."""

    attr_type = NUMBER

    def serialize(self, value: Decimal) -> str:
        return str(value)

    def deserialize(self, value: str) -> Decimal:
        return Decimal(value)


def bind[M: Model](base: type[M], table_name: str, host: str | None) -> type[M]:
    """A subclass of ``base`` bound to ``table_name``: PynamoDB's table is class-level ``Meta``,
    and the table name is only known at run time (from the function's settings). Callers cache it."""
    meta = type("Meta", (), {"table_name": table_name, "host": host})
    name = f"{base.__name__.lstrip('_')}_{table_name}"
    return type(name, (base,), {"Meta": meta, "__module__": base.__module__})
