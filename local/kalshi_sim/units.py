"""Integer units used inside the engine, and the wire conversions at its edge.

The matching engine works in integers so it stays fast and exact:

- prices and cash in **micro-dollars** (``1_000_000`` = $1; a ``"0.5600"`` price is ``560_000``);
- contract counts in **centi-contracts** (``100`` = 1 contract; Kalshi's granularity is 0.01).

A fill of ``x`` centi-contracts at ``p`` micro-dollars costs ``x * p // 100`` micro-dollars, which
is exact because request prices carry at most 4 decimals (``p`` is a multiple of 100). Parsing and
formatting go through :mod:`inplay.money`, so the wire format is the project's one definition.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Final

from inplay.money import MoneyError, format_count, format_dollars, parse_count, parse_dollars

__all__ = [
    "CENT_MICRO",
    "COUNT_SCALE",
    "ONE",
    "cc_to_str",
    "micro_to_cents_floor",
    "micro_to_str",
    "notional",
    "parse_count_cc",
    "parse_price_micro",
]

ONE: Final = 1_000_000
"""$1 in micro-dollars: what one winning contract pays."""
CENT_MICRO: Final = 10_000
COUNT_SCALE: Final = 100
REQUEST_PRICE_PLACES: Final = 4


def parse_price_micro(value: object) -> int:
    """A request price (dollar string, at most 4 decimals) to micro-dollars."""
    if not isinstance(value, str):
        raise MoneyError(f"price must be a fixed-point dollar string, got {type(value).__name__}")
    dollars = parse_dollars(value)
    exponent = dollars.normalize().as_tuple().exponent
    if isinstance(exponent, int) and -exponent > REQUEST_PRICE_PLACES:
        raise MoneyError(f"price has more than {REQUEST_PRICE_PLACES} decimals: {value!r}")
    return int(dollars.scaleb(6))


def parse_count_cc(value: object) -> int:
    """A request count (fixed-point string, at most 2 decimals) to centi-contracts."""
    if not isinstance(value, str):
        raise MoneyError(f"count must be a fixed-point count string, got {type(value).__name__}")
    return int(parse_count(value).scaleb(2))


def micro_to_str(micro: int) -> str:
    """Micro-dollars to a Kalshi dollar string (at least 4 decimals, up to 6)."""
    return format_dollars(Decimal(micro).scaleb(-6))


def cc_to_str(cc: int) -> str:
    """Centi-contracts to a Kalshi count string (always 2 decimals)."""
    return format_count(Decimal(cc).scaleb(-2))


def micro_to_cents_floor(micro: int) -> int:
    return micro // CENT_MICRO


def notional(cc: int, price_micro: int) -> int:
    """Cost in micro-dollars of ``cc`` centi-contracts at ``price_micro`` each."""
    return cc * price_micro // COUNT_SCALE
