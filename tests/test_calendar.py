"""The working-day calendar: weekends, national holidays, cuti bersama, year boundaries, WIB."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conformance.calendar import (WIB, WorkingCalendar, parse_lapor_datetime, to_wib)

# Cuti bersama 2025 (SKB 3 Menteri, as listed by the holidays library's "government" category).
CUTI_2025 = ["2025-01-28", "2025-03-28", "2025-04-02", "2025-04-03", "2025-04-04", "2025-04-07",
             "2025-05-13", "2025-05-30", "2025-06-09", "2025-08-18", "2025-12-26"]
CALENDAR = WorkingCalendar(CUTI_2025)
PLAIN = WorkingCalendar()
days = st.dates(min_value=dt.date(2015, 1, 1), max_value=dt.date(2035, 12, 31))
periods = st.sampled_from([3, 5, 10]) | st.integers(1, 40)
FAST = settings(max_examples=200, deadline=None)


@FAST
@given(days)
def test_weekends_are_never_working_days(day):
    if day.weekday() >= 5:
        assert not CALENDAR.is_working_day(day)
        assert "weekend" in CALENDAR.non_working_reason(day)


@pytest.mark.parametrize("day", ["2025-01-01", "2025-03-31", "2025-04-01", "2025-05-01", "2025-05-12",
                                 "2025-05-29", "2025-08-17", "2025-12-25", "2024-04-10", "2026-01-01"])
def test_national_holidays_are_not_working_days(day):
    assert not PLAIN.is_working_day(dt.date.fromisoformat(day))


@pytest.mark.parametrize("day", CUTI_2025)
def test_collective_leave_counts_only_when_the_profile_lists_it(day):
    date = dt.date.fromisoformat(day)
    assert not CALENDAR.is_working_day(date)
    if date.weekday() < 5 and not PLAIN.non_working_reason(date):
        assert PLAIN.is_working_day(date)  # not a library public holiday: only the profile makes it leave
    assert WorkingCalendar(library_collective_leave=True).non_working_reason(date) is not None


@FAST
@given(days, periods)
def test_deadlines_never_land_on_a_non_working_day(start, n):
    deadline = CALENDAR.add_working_days(start, n)
    assert CALENDAR.is_working_day(deadline)
    assert deadline > start


@FAST
@given(days, periods)
def test_a_deadline_is_exactly_n_working_days_after_the_start(start, n):
    deadline = CALENDAR.add_working_days(start, n)
    assert CALENDAR.working_days_between(start, deadline) == n
    assert CALENDAR.working_days_between(start, deadline - dt.timedelta(days=1)) == n - 1


@FAST
@given(days, periods)
def test_deadlines_grow_with_the_period_and_with_the_start(start, n):
    assert CALENDAR.add_working_days(start, n + 1) > CALENDAR.add_working_days(start, n)
    assert CALENDAR.add_working_days(start + dt.timedelta(days=1), n) >= CALENDAR.add_working_days(start, n)


@FAST
@given(days, periods)
def test_a_deadline_is_at_most_a_few_weeks_more_than_n_weekdays(start, n):
    # Lebaran plus cuti bersama is the longest run of non-working weekdays in a year (about ten).
    assert (CALENDAR.add_working_days(start, n) - start).days <= n * 7 // 5 + 21


@FAST
@given(days)
def test_the_settlement_limit_is_sixty_calendar_days(start):
    assert (CALENDAR.settlement_deadline(start) - start).days == 60


def test_year_boundary_skips_new_year():
    # Mon 30 Dec 2024 + 3 working days: Tue 31 Dec, (Wed 1 Jan holiday), Thu 2 Jan, Fri 3 Jan.
    assert PLAIN.add_working_days(dt.date(2024, 12, 30), 3) == dt.date(2025, 1, 3)
    # Fri 27 Dec 2024 + 1: the weekend is skipped.
    assert PLAIN.add_working_days(dt.date(2024, 12, 27), 1) == dt.date(2024, 12, 30)
    # Christmas, the cuti bersama after it and the weekend: Wed 24 Dec 2025 + 3 = Mon 29, Tue 30, Wed 31.
    assert CALENDAR.add_working_days(dt.date(2025, 12, 24), 3) == dt.date(2025, 12, 31)
    # Mon 29 Dec 2025 + 3: Tue 30, Wed 31, (Thu 1 Jan holiday), Fri 2 Jan 2026.
    assert CALENDAR.add_working_days(dt.date(2025, 12, 29), 3) == dt.date(2026, 1, 2)


def test_lebaran_2025_with_cuti_bersama():
    # Submitted Thu 27 Mar 2025: Fri 28 cuti, 29-30 weekend (29 also Nyepi), 31 Mar + 1 Apr Idul Fitri,
    # 2-4 Apr cuti, 5-6 weekend, 7 Apr cuti -> first working day Tue 8 Apr; 3rd is Thu 10 Apr.
    assert CALENDAR.deadline(dt.date(2025, 3, 27), "verification") == dt.date(2025, 4, 10)
    assert PLAIN.deadline(dt.date(2025, 3, 27), "verification") < dt.date(2025, 4, 10)
    assert CALENDAR.deadline(dt.date(2025, 3, 27), "followup") == dt.date(2025, 4, 14)
    # 10 working days: 8-11, 14-17 Apr, (Good Friday 18 Apr), 21, 22 Apr.
    assert CALENDAR.deadline(dt.date(2025, 3, 27), "closure") == dt.date(2025, 4, 22)


def test_the_clock_is_wib():
    # 20:00 UTC on Friday is already Saturday 03:00 in Jakarta: a weekend day.
    friday_evening_utc = dt.datetime(2025, 2, 7, 20, 0, tzinfo=dt.timezone.utc)
    assert to_wib(friday_evening_utc).date() == dt.date(2025, 2, 8)
    assert not PLAIN.is_working_day(friday_evening_utc)
    assert PLAIN.add_working_days(friday_evening_utc, 1) == dt.date(2025, 2, 10)
    assert to_wib(dt.datetime(2025, 2, 7, 9, 0)).tzinfo is WIB  # naive = WIB


def test_is_late():
    start = dt.date(2025, 2, 3)  # Monday
    assert not PLAIN.is_late(start, dt.date(2025, 2, 6), "verification")
    assert PLAIN.is_late(start, dt.date(2025, 2, 7), "verification")


def test_lapor_timestamps_parse_as_wib():
    moment = parse_lapor_datetime("31-01-2025 14:05:00")
    assert moment == dt.datetime(2025, 1, 31, 7, 5, tzinfo=dt.timezone.utc)
    for bad in ("2025-01-31 14:05:00", "31-02-2025 14:05:00", "31-01-2025 24:00:00", "31-01-2025"):
        with pytest.raises(ValueError):
            parse_lapor_datetime(bad)


def test_bad_arguments():
    with pytest.raises(ValueError):
        PLAIN.add_working_days(dt.date(2025, 1, 1), 0)
    with pytest.raises(KeyError):
        PLAIN.deadline(dt.date(2025, 1, 1), "nonsense")
