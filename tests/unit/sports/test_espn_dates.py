"""Which US dates to query: ESPN's day turns at ~3 AM Eastern, and late games run past it."""

from datetime import UTC, date, datetime, time, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from inplay.sports import espn_client
from inplay.sports.espn import espn_scoreboard_date, us_eastern, us_scoreboard_dates


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        # 8:30 PM EST on Nov 23: only tonight's date.
        (datetime(2026, 11, 24, 1, 30, tzinfo=UTC), [date(2026, 11, 23)]),
        # 12:30 AM EST on Nov 24: yesterday's late games are still on; today's date too.
        (datetime(2026, 11, 24, 5, 30, tzinfo=UTC), [date(2026, 11, 23), date(2026, 11, 24)]),
        # 7:59 AM EST: still covering the previous date (a Hawaii game may just be ending).
        (datetime(2026, 11, 24, 12, 59, tzinfo=UTC), [date(2026, 11, 23), date(2026, 11, 24)]),
        # 8:00 AM EST: only today.
        (datetime(2026, 11, 24, 13, 0, tzinfo=UTC), [date(2026, 11, 24)]),
        # Summer (EDT): 07:30Z is 3:30 AM EDT on Jun 15.
        (datetime(2026, 6, 15, 7, 30, tzinfo=UTC), [date(2026, 6, 14), date(2026, 6, 15)]),
        (datetime(2026, 6, 15, 12, 0, tzinfo=UTC), [date(2026, 6, 15)]),
        # An aware non-UTC input is converted, not misread.
        (
            datetime(2026, 6, 15, 9, 0, tzinfo=timezone(timedelta(hours=2))),
            [date(2026, 6, 14), date(2026, 6, 15)],
        ),
    ],
)
def test_us_scoreboard_dates(now, expected) -> None:
    assert us_scoreboard_dates(now) == expected


def test_the_late_cutoff_is_configurable() -> None:
    now = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)  # 5 AM EST
    assert us_scoreboard_dates(now, late_games_until=time(4, 0)) == [date(2026, 11, 24)]
    assert len(us_scoreboard_dates(now)) == 2


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (datetime(2026, 11, 24, 1, 30, tzinfo=UTC), date(2026, 11, 23)),  # 8:30 PM EST
        (datetime(2026, 11, 24, 7, 59, tzinfo=UTC), date(2026, 11, 23)),  # 2:59 AM EST
        (datetime(2026, 11, 24, 8, 0, tzinfo=UTC), date(2026, 11, 24)),  # 3:00 AM EST
        (datetime(2026, 6, 15, 6, 59, tzinfo=UTC), date(2026, 6, 14)),  # 2:59 AM EDT
        (datetime(2026, 6, 15, 7, 0, tzinfo=UTC), date(2026, 6, 15)),  # 3:00 AM EDT
    ],
)
def test_espn_scoreboard_date_turns_at_3am_eastern(now, expected) -> None:
    assert espn_scoreboard_date(now) == expected


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        us_scoreboard_dates(datetime(2026, 11, 24, 1, 30))


@given(st.datetimes(min_value=datetime(2008, 1, 1), max_value=datetime(2037, 12, 31), timezones=st.just(UTC)))
def test_rule_based_fallback_matches_the_tz_database(moment: datetime) -> None:
    zone = espn_client._eastern_zone()
    assert zone is not None  # the test machine has a tz database
    by_rule = espn_client._eastern_by_rule(moment)
    by_zone = moment.astimezone(zone)
    assert by_rule.replace(tzinfo=None) == by_zone.replace(tzinfo=None)
    assert by_rule.utcoffset() == by_zone.utcoffset()


def test_dates_work_without_a_tz_database(monkeypatch) -> None:
    monkeypatch.setattr(espn_client, "_eastern_zone", lambda: None)
    assert us_eastern(datetime(2026, 3, 8, 7, 0, tzinfo=UTC)).utcoffset() == timedelta(hours=-4)  # DST starts
    assert us_eastern(datetime(2026, 3, 8, 6, 59, tzinfo=UTC)).utcoffset() == timedelta(hours=-5)
    assert us_scoreboard_dates(datetime(2026, 11, 24, 5, 30, tzinfo=UTC)) == [
        date(2026, 11, 23),
        date(2026, 11, 24),
    ]
