from datetime import UTC, datetime

import pytest

from local.cloud.errors import ScheduleExpressionError
from local.cloud.schedules import CronSchedule, RateSchedule, parse_schedule_expression


@pytest.mark.parametrize(
    ("expression", "seconds"),
    [
        ("rate(1 minute)", 60),
        ("rate(5 minutes)", 300),
        ("rate(1 hour)", 3600),
        ("rate(2 hours)", 7200),
        ("rate(1 day)", 86400),
        ("rate(3 days)", 259200),
    ],
)
def test_rate_expressions(expression, seconds):
    schedule = parse_schedule_expression(expression)
    assert isinstance(schedule, RateSchedule)
    assert schedule.seconds == seconds
    start = datetime(2026, 11, 24, 12, 0, 30, tzinfo=UTC)
    assert (schedule.next_after(start) - start).total_seconds() == seconds


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("rate(5 minute)", "singular unit for 1 and the plural"),
        ("rate(1 minutes)", "singular unit for 1 and the plural"),
        ("rate(0 minutes)", "positive"),
        ("rate(10 seconds)", "minute"),
        ("every 5 minutes", "unsupported schedule expression"),
        ("at(2026-11-24T12:00:00)", "unsupported schedule expression"),
        ("cron(0 12 * * ? )", "6 fields"),
        ("cron(0 12 * * * *)", "exactly one of day-of-month and day-of-week"),
        ("cron(0 12 ? * ? *)", "exactly one of day-of-month and day-of-week"),
        ("cron(0 25 * * ? *)", "hours value 25 is outside 0-23"),
        ("cron(0 12 L * ? *)", "uses L or W"),
        ("cron(0 12 15W * ? *)", "uses L or W"),
        ("cron(0 12 ? * 6#3 *)", "uses '#'"),
        ("cron(0 12 ? * FUNDAY *)", "not valid"),
        ("cron(0/0 12 * * ? *)", "bad step"),
        ("cron(30-10 12 * * ? *)", "runs backwards"),
        ("cron(? 12 * * ? *)", "only allowed in day-of-month"),
    ],
)
def test_bad_or_unsupported_expressions_raise_clear_errors(expression, message):
    with pytest.raises(ScheduleExpressionError, match=message):
        parse_schedule_expression(expression)


def at(*args):
    return datetime(*args).replace(tzinfo=UTC)


def test_cron_every_fifteen_minutes():
    schedule = parse_schedule_expression("cron(0/15 * * * ? *)")
    assert isinstance(schedule, CronSchedule)
    assert schedule.minutes == frozenset({0, 15, 30, 45})
    assert schedule.next_after(at(2026, 11, 24, 10, 7)) == at(2026, 11, 24, 10, 15)
    assert schedule.next_after(at(2026, 11, 24, 10, 15)) == at(2026, 11, 24, 10, 30)
    assert schedule.next_after(at(2026, 11, 24, 23, 50)) == at(2026, 11, 25, 0, 0)


def test_cron_weekdays_by_name_and_number():
    # 2026-11-24 is a Tuesday; AWS numbers days 1 = SUN ... 7 = SAT.
    by_name = parse_schedule_expression("cron(0 4 ? * MON-FRI *)")
    by_number = parse_schedule_expression("cron(0 4 ? * 2-6 *)")
    assert by_name.next_after(at(2026, 11, 24, 5, 0)) == at(2026, 11, 25, 4, 0)
    assert by_name.next_after(at(2026, 11, 27, 5, 0)) == at(2026, 11, 30, 4, 0)  # Fri → Mon
    assert by_number.next_after(at(2026, 11, 27, 5, 0)) == at(2026, 11, 30, 4, 0)
    sundays = parse_schedule_expression("cron(30 18 ? * SUN *)")
    assert sundays.next_after(at(2026, 11, 24, 0, 0)) == at(2026, 11, 29, 18, 30)


def test_cron_lists_month_names_day_of_month_and_years():
    schedule = parse_schedule_expression("cron(0 8,20 1 JAN,JUL ? 2027)")
    assert schedule.next_after(at(2026, 11, 24, 0, 0)) == at(2027, 1, 1, 8, 0)
    assert schedule.next_after(at(2027, 1, 1, 8, 0)) == at(2027, 1, 1, 20, 0)
    assert schedule.next_after(at(2027, 1, 1, 20, 0)) == at(2027, 7, 1, 8, 0)


def test_cron_in_the_past_never_fires():
    schedule = parse_schedule_expression("cron(0 0 1 1 ? 1999)")
    with pytest.raises(ScheduleExpressionError, match="never fires"):
        schedule.next_after(at(2026, 1, 1, 0, 0))


def test_cron_next_after_is_strictly_later_and_ignores_seconds():
    schedule = parse_schedule_expression("cron(* * * * ? *)")
    assert schedule.next_after(at(2026, 11, 24, 10, 7, 59)) == at(2026, 11, 24, 10, 8)
