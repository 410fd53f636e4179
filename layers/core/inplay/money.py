"""Fixed-point money: dollar amounts, contract counts and integer cents, all as ``Decimal``.

Venues speak strings on the wire (Kalshi: ``"0.5600"`` dollars, ``"10.00"`` counts, integer cents
for balances). We parse at the edge, compute in ``Decimal`` and format at the edge. A ``float``
never becomes money: every parser here rejects one, because ``0.1 + 0.2`` is not a price.
"""

from __future__ import annotations

import re
from decimal import ROUND_CEILING, ROUND_HALF_EVEN, Decimal, InvalidOperation
from typing import Annotated, Final

from pydantic import BeforeValidator, PlainSerializer, WithJsonSchema

__all__ = [
    "CENT",
    "COUNT_PLACES",
    "DOLLAR_MAX_PLACES",
    "Count",
    "Dollars",
    "MoneyError",
    "cents_to_dollars",
    "dollars_to_cents",
    "format_count",
    "format_dollars",
    "kalshi_taker_fee",
    "parse_count",
    "parse_dollars",
]

DOLLAR_MAX_PLACES: Final = 6
"""Kalshi emits up to 6 decimals in ``*_dollars`` fields (OAS ``FixedPointDollars``)."""
DOLLAR_MIN_PLACES: Final = 4
"""We always write at least 4 decimals (``"0.5600"``), the form Kalshi itself emits for prices."""
COUNT_PLACES: Final = 2
"""Contract counts are fixed-point with 2 decimals (``"10.00"``); fractional granularity is 0.01."""
CENT: Final = Decimal("0.01")

_DOLLARS_RE: Final = re.compile(r"^-?\d{1,15}(\.\d{1,6})?$")
_COUNT_RE: Final = re.compile(r"^-?\d{1,15}(\.\d{1,2})?$")


class MoneyError(ValueError):
    """A value that cannot be money: wrong type, wrong format or too many decimals."""


def _check_type(value: object, what: str) -> None:
    # bool is an int subclass; neither a bool nor a float is ever a price or a count.
    if isinstance(value, bool | float):
        raise MoneyError(f"{what} must be a decimal string, not {type(value).__name__} ({value!r})")


def _exponent_places(value: Decimal) -> int:
    exponent = value.as_tuple().exponent
    if not isinstance(exponent, int):  # NaN / Infinity
        raise MoneyError(f"not a finite number: {value}")
    return max(0, -exponent)


def _from_decimal(value: Decimal, places: int, what: str) -> Decimal:
    if not value.is_finite():
        raise MoneyError(f"{what} must be finite, got {value}")
    normalized = value.normalize() if value != 0 else Decimal(0)
    if _exponent_places(normalized) > places:
        raise MoneyError(f"{what} has more than {places} decimal places: {value}")
    return value


def parse_dollars(value: object) -> Decimal:
    """Parse a dollar amount: a string with up to 6 decimals, an int, or a ``Decimal``.

    >>> parse_dollars("0.5600")
    Decimal('0.5600')
    """
    _check_type(value, "dollar amount")
    if isinstance(value, Decimal):
        return _from_decimal(value, DOLLAR_MAX_PLACES, "dollar amount")
    if isinstance(value, int):
        return Decimal(value)
    if not isinstance(value, str):
        raise MoneyError(f"dollar amount must be a decimal string, not {type(value).__name__}")
    text = value.strip()
    if not _DOLLARS_RE.fullmatch(text):
        raise MoneyError(f"not a dollar amount with at most {DOLLAR_MAX_PLACES} decimals: {value!r}")
    return Decimal(text)


def format_dollars(value: Decimal, min_places: int = DOLLAR_MIN_PLACES) -> str:
    """Format dollars with at least ``min_places`` decimals and never lose a digit (max 6)."""
    checked = parse_dollars(value)
    places = max(min_places, _exponent_places(checked.normalize()) if checked != 0 else 0)
    return f"{checked.quantize(Decimal(1).scaleb(-places)):f}"


def parse_count(value: object) -> Decimal:
    """Parse a contract count: a fixed-point string with up to 2 decimals, an int, or a ``Decimal``."""
    _check_type(value, "contract count")
    if isinstance(value, Decimal):
        return _from_decimal(value, COUNT_PLACES, "contract count")
    if isinstance(value, int):
        return Decimal(value)
    if not isinstance(value, str):
        raise MoneyError(f"contract count must be a decimal string, not {type(value).__name__}")
    text = value.strip()
    if not _COUNT_RE.fullmatch(text):
        raise MoneyError(f"not a contract count with at most {COUNT_PLACES} decimals: {value!r}")
    return Decimal(text)


def format_count(value: Decimal) -> str:
    """Format a count exactly as Kalshi does: always 2 decimals (``"10.00"``)."""
    return f"{parse_count(value).quantize(CENT):f}"


def cents_to_dollars(cents: int) -> Decimal:
    """Integer cents (Kalshi balances, settlement revenue) to dollars."""
    if isinstance(cents, bool) or not isinstance(cents, int):
        raise MoneyError(f"cents must be an int, not {type(cents).__name__}")
    return (Decimal(cents) / 100).quantize(CENT)


def dollars_to_cents(dollars: Decimal) -> int:
    """Dollars to integer cents; refuses to drop a fraction of a cent silently."""
    value = parse_dollars(dollars)
    try:
        cents = value * 100
        if cents != cents.to_integral_value():
            raise MoneyError(f"{value} is not a whole number of cents")
        return int(cents)
    except InvalidOperation as exc:  # pragma: no cover - parse_dollars already bounds the value
        raise MoneyError(str(exc)) from exc


def kalshi_taker_fee(count: Decimal, price: Decimal, multiplier: Decimal = Decimal("0.07")) -> Decimal:
    """Kalshi's quadratic trading fee, ``ceil_to_cent(multiplier × C × P × (1 − P))``.

    This is the commonly quoted taker formula (Kalshi's fee schedule); the exact per-fill rounding
    is not confirmed by the public spec, so the rounding (up to the next cent, never negative) is
    the conservative choice: a strategy that survives this fee survives the real one.
    """
    c, p = parse_count(count), parse_dollars(price)
    if c < 0:
        raise MoneyError(f"fee count must not be negative: {c}")
    if not Decimal(0) <= p <= Decimal(1):
        raise MoneyError(f"price must be between 0 and 1 dollars: {p}")
    raw = multiplier * c * p * (Decimal(1) - p)
    return raw.quantize(CENT, rounding=ROUND_CEILING)


def quantize_price(value: Decimal, tick: Decimal = CENT) -> Decimal:
    """Round a computed price to the venue tick (banker's rounding), for display and intents."""
    return (value / tick).quantize(Decimal(1), rounding=ROUND_HALF_EVEN) * tick


Dollars = Annotated[
    Decimal,
    BeforeValidator(parse_dollars),
    PlainSerializer(format_dollars, return_type=str),
    WithJsonSchema(
        {"type": "string", "pattern": _DOLLARS_RE.pattern, "description": "dollars, as a decimal string"}
    ),
]
"""A pydantic field type: parses dollar strings strictly, serializes back to a dollar string.
(Integers are accepted too; the JSON schema documents the string form, never a float.)"""
Count = Annotated[
    Decimal,
    BeforeValidator(parse_count),
    PlainSerializer(format_count, return_type=str),
    WithJsonSchema(
        {"type": "string", "pattern": _COUNT_RE.pattern, "description": "contracts, as a decimal string"}
    ),
]
"""A pydantic field type for contract counts."""
