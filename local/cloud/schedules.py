"""EventBridge schedule expressions: ``rate(...)`` and the 6-field AWS ``cron(...)``, in UTC.

Supported cron syntax per field: ``*``, ``?`` (day-of-month / day-of-week), numbers, names
(``JAN``-``DEC``, ``SUN``-``SAT``), lists ``a,b``, ranges ``a-b`` and steps ``a/n``, ``*/n``,
``a-b/n``. Day-of-week counts 1 = SUN … 7 = SAT, as on AWS. ``L``, ``W`` and ``#`` raise
:class:`ScheduleExpressionError`, as does anything AWS would reject.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Final

from local.cloud.errors import ScheduleExpressionError

__all__ = ["CronSchedule", "RateSchedule", "Schedule", "parse_schedule_expression"]

_RATE: Final = re.compile(r"^rate\(\s*(\d+)\s+([a-z]+)\s*\)$")
_CRON: Final = re.compile(r"^cron\((.*)\)$")
_UNITS: Final = {"minute": 60, "hour": 3600, "day": 86400}
_MONTHS: Final = {
    name: index
    for index, name in enumerate(
        ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"), start=1
    )
}
_DAYS: Final = {
    name: index for index, name in enumerate(("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"), start=1)
}
_SEARCH_YEARS: Final = 5
_LAST_OR_WEEKDAY: Final = re.compile(r"^(\d*L|\d+W|LW)$")


@dataclass(frozen=True, slots=True)
class RateSchedule:
    """``rate(N unit)``: every ``seconds`` seconds."""

    expression: str
    seconds: int

    def next_after(self, moment: datetime) -> datetime:
        return moment + timedelta(seconds=self.seconds)


@dataclass(frozen=True, slots=True)
class CronSchedule:
    """``cron(min hour dom month dow year)``; ``None`` for a field means any value."""

    expression: str
    minutes: frozenset[int]
    hours: frozenset[int]
    days_of_month: frozenset[int] | None
    months: frozenset[int]
    days_of_week: frozenset[int] | None
    """1 = Sunday … 7 = Saturday (AWS numbering)."""
    years: frozenset[int] | None

    def next_after(self, moment: datetime) -> datetime:
        """The first matching minute strictly after ``moment`` (UTC)."""
        start = moment.astimezone(UTC).replace(second=0, microsecond=0) + timedelta(minutes=1)
        day = start.replace(hour=0, minute=0)
        for _ in range(366 * _SEARCH_YEARS):
            if self._day_matches(day):
                for hour in sorted(self.hours):
                    for minute in sorted(self.minutes):
                        candidate = day.replace(hour=hour, minute=minute)
                        if candidate >= start:
                            return candidate
            day += timedelta(days=1)
        raise ScheduleExpressionError(f"{self.expression}: never fires in the next {_SEARCH_YEARS} years")

    def _day_matches(self, day: datetime) -> bool:
        if self.years is not None and day.year not in self.years:
            return False
        if day.month not in self.months:
            return False
        if self.days_of_month is not None and day.day not in self.days_of_month:
            return False
        aws_weekday = (day.isoweekday() % 7) + 1  # Mon=1..Sun=7 → Sun=1..Sat=7
        return self.days_of_week is None or aws_weekday in self.days_of_week


type Schedule = RateSchedule | CronSchedule


def parse_schedule_expression(expression: str) -> Schedule:
    """Parse an EventBridge ``ScheduleExpression``; raise :class:`ScheduleExpressionError` if unusable."""
    text = expression.strip()
    if rate := _RATE.match(text):
        return _parse_rate(expression, int(rate.group(1)), rate.group(2))
    if cron := _CRON.match(text):
        return _parse_cron(expression, cron.group(1))
    raise ScheduleExpressionError(
        f"unsupported schedule expression {expression!r}: expected rate(N minutes|hours|days) or cron(...)"
    )


def _parse_rate(expression: str, value: int, unit: str) -> RateSchedule:
    singular = unit.removesuffix("s")
    if singular not in _UNITS:
        raise ScheduleExpressionError(f"{expression!r}: unit must be minute(s), hour(s) or day(s)")
    if value <= 0:
        raise ScheduleExpressionError(f"{expression!r}: the rate must be a positive number")
    if (value == 1) != (unit == singular):
        raise ScheduleExpressionError(
            f"{expression!r}: AWS requires the singular unit for 1 and the plural otherwise"
        )
    return RateSchedule(expression=expression, seconds=value * _UNITS[singular])


def _parse_cron(expression: str, body: str) -> CronSchedule:
    fields = body.split()
    if len(fields) != 6:
        raise ScheduleExpressionError(
            f"{expression!r}: AWS cron needs 6 fields (minutes hours day-of-month month day-of-week year)"
        )
    minute, hour, day_of_month, month, day_of_week, year = fields
    if (day_of_month == "?") == (day_of_week == "?"):
        raise ScheduleExpressionError(
            f"{expression!r}: exactly one of day-of-month and day-of-week must be '?'"
        )
    return CronSchedule(
        expression=expression,
        minutes=_field(expression, "minutes", minute, 0, 59) or frozenset(range(60)),
        hours=_field(expression, "hours", hour, 0, 23) or frozenset(range(24)),
        days_of_month=_field(expression, "day-of-month", day_of_month, 1, 31),
        months=_field(expression, "month", month, 1, 12, _MONTHS) or frozenset(range(1, 13)),
        days_of_week=_field(expression, "day-of-week", day_of_week, 1, 7, _DAYS),
        years=_field(expression, "year", year, 1970, 2199),
    )


def _field(
    expression: str, name: str, text: str, low: int, high: int, names: dict[str, int] | None = None
) -> frozenset[int] | None:
    """The set of values a field allows, or ``None`` for ``*``/``?`` (any)."""
    if text in ("*", "?"):
        if text == "?" and name not in ("day-of-month", "day-of-week"):
            raise ScheduleExpressionError(f"{expression!r}: '?' is only allowed in day-of-month/day-of-week")
        return None
    if "#" in text:
        raise ScheduleExpressionError(
            f"{expression!r}: {name} {text!r} uses '#', which the local scheduler does not support"
        )
    values: set[int] = set()
    for part in text.split(","):
        values.update(_part(expression, name, part, low, high, names))
    return frozenset(values)


def _part(expression: str, name: str, part: str, low: int, high: int, names: dict[str, int] | None) -> range:
    base, slash, step_text = part.partition("/")
    step = 1
    if slash:
        if not step_text.isdigit() or int(step_text) == 0:
            raise ScheduleExpressionError(f"{expression!r}: bad step in {name} {part!r}")
        step = int(step_text)
    if base == "*":
        first, last = low, high
    elif "-" in base:
        start_text, _, end_text = base.partition("-")
        first, last = (
            _value(expression, name, start_text, low, high, names),
            _value(expression, name, end_text, low, high, names),
        )
        if first > last:
            raise ScheduleExpressionError(f"{expression!r}: range {part!r} in {name} runs backwards")
    else:
        first = _value(expression, name, base, low, high, names)
        last = high if slash else first
    return range(first, last + 1, step)


def _value(expression: str, name: str, text: str, low: int, high: int, names: dict[str, int] | None) -> int:
    upper = text.upper()
    if names and upper in names:
        return names[upper]
    if not text.isdigit():
        if _LAST_OR_WEEKDAY.match(upper):
            raise ScheduleExpressionError(
                f"{expression!r}: {name} {text!r} uses L or W, which the local scheduler does not support"
            )
        raise ScheduleExpressionError(f"{expression!r}: {name} value {text!r} is not valid")
    value = int(text)
    if not low <= value <= high:
        raise ScheduleExpressionError(f"{expression!r}: {name} value {value} is outside {low}-{high}")
    return value
