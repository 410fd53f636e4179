"""US dates and ESPN's time formats, without depending on a tz database.

ESPN's scoreboard day runs from midnight US-Pacific (07:00Z/08:00Z, i.e. 3 AM Eastern): a game is
listed under the America/New_York date of its start, with the day turning at 3 AM Eastern rather
than midnight, so an 8:20 PM ET kickoff (00:20Z next day) is on that evening's date. UTC times are
written without seconds (``2025-12-07T18:00Z``). US DST rules since 2007: second Sunday of March
02:00 local to first Sunday of November 02:00 local.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Final

__all__ = [
    "eastern",
    "eastern_date",
    "ensure_utc",
    "espn_day",
    "espn_utc",
    "iso_utc",
    "pacific_midnight_utc",
    "parse_espn_date",
]

_EST: Final = timedelta(hours=-5)
_EDT: Final = timedelta(hours=-4)


def ensure_utc(moment: datetime) -> datetime:
    """Reject naive datetimes; return the same instant in UTC."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("datetime must be timezone-aware")
    return moment.astimezone(UTC)


def _nth_sunday(year: int, month: int, n: int) -> date:
    first = date(year, month, 1)
    offset = (6 - first.weekday()) % 7
    return first + timedelta(days=offset + 7 * (n - 1))


def _is_dst(moment_utc: datetime) -> bool:
    year = moment_utc.year
    start = datetime.combine(_nth_sunday(year, 3, 2), datetime.min.time(), UTC) + timedelta(hours=7)
    end = datetime.combine(_nth_sunday(year, 11, 1), datetime.min.time(), UTC) + timedelta(hours=6)
    return start <= moment_utc < end


def eastern(moment: datetime) -> tuple[datetime, str]:
    """Naive US-Eastern wall time and its zone abbreviation (``EST``/``EDT``)."""
    utc = ensure_utc(moment)
    dst = _is_dst(utc)
    local = (utc + (_EDT if dst else _EST)).replace(tzinfo=None)
    return local, "EDT" if dst else "EST"


def eastern_date(moment: datetime) -> date:
    return eastern(moment)[0].date()


def pacific_midnight_utc(day: date) -> datetime:
    """Start of ESPN's calendar day: midnight US-Pacific = 07:00Z (DST) / 08:00Z."""
    noon = datetime.combine(day, datetime.min.time(), UTC) + timedelta(hours=12)
    return datetime.combine(day, datetime.min.time(), UTC) + timedelta(hours=7 if _is_dst(noon) else 8)


def espn_day(moment: datetime) -> date:
    """The ESPN calendar day containing ``moment`` (days start at midnight US-Pacific)."""
    utc = ensure_utc(moment)
    return (utc - timedelta(hours=7 if _is_dst(utc) else 8)).date()


def espn_utc(moment: datetime) -> str:
    """ESPN's event date format: UTC, minutes, ``Z`` (``2025-12-07T18:00Z``)."""
    return ensure_utc(moment).strftime("%Y-%m-%dT%H:%MZ")


def iso_utc(moment: datetime) -> str:
    """UTC with seconds, as ESPN writes ``wallclock`` (``2025-12-07T18:04:31Z``)."""
    return ensure_utc(moment).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_espn_date(text: str) -> datetime:
    """Inverse of :func:`espn_utc` (also accepts seconds)."""
    for fmt in ("%Y-%m-%dT%H:%MZ", "%Y-%m-%dT%H:%M:%SZ"):
        try:
            return datetime.strptime(text, fmt).replace(tzinfo=UTC)
        except ValueError:
            continue
    raise ValueError(f"not an ESPN UTC date: {text!r}")
