"""The Indonesian working-day calendar behind LAPOR's deadlines (business rules, lapor-api.md §4).

- National public holidays come from the `holidays` library (country "ID", category public).
- Collective leave (cuti bersama) comes from the profile (`calendar.cuti_bersama`, ISO dates, passed
  to the suites as `RunContext.collective_leave`): it is set each year by a joint ministerial decree and
  an agency may follow it or not, so it is data, not code. The library's own list of joint holidays
  (category "government") can be added with `library_collective_leave=True`.
- Saturdays and Sundays are not working days.
- Clock: WIB (UTC+7, Asia/Jakarta, no daylight saving since 1964). That LAPOR stamps its dates in
  WIB is inferred (lapor-api.md §5 item 8).

The rules:

| rule | value | evidence |
|---|---|---|
| verification and forwarding by LAPOR | 3 working days after submission | [C] S7, S8 |
| follow-up by the institution | 5 working days after forwarding | [C] S7 |
| closure when nobody replies | 10 working days after the follow-up | [C] S7 |
| settlement | 60 days after the complaint file is complete | [C] S11 |

How a period of N working days is counted is our convention [I]: the day of the event itself never
counts (whether it is a working day or not, and whatever the hour); the deadline is the end of the
Nth working day after it. The 60-day settlement limit is counted in calendar days (the law says
"hari", not "hari kerja"); whether LAPOR rolls it forward past a holiday is unknown, so it is not.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from functools import lru_cache

import holidays

WIB = dt.timezone(dt.timedelta(hours=7), "WIB")
LAPOR_DATETIME_FORMAT = "%d-%m-%Y %H:%M:%S"  # `d-m-Y H:i:s`, follow-up created_at (S3)
MONTH_FIRST_FORMAT = "%m-%d-%Y %H:%M:%S"     # `m-d-Y H:i:s`: the format's commonest mistake
CLOCK_TOLERANCE = dt.timedelta(minutes=10)   # a new follow-up's stamp vs the harness clock (LAPOR-DATA-007)

VERIFICATION_WORKING_DAYS = 3
FOLLOWUP_WORKING_DAYS = 5
CLOSURE_WORKING_DAYS = 10
SETTLEMENT_CALENDAR_DAYS = 60
MAX_SCAN_DAYS = 366 * 2  # no real calendar has a year without a working day; guard against bad data

RULES = {
    "verification": VERIFICATION_WORKING_DAYS,
    "followup": FOLLOWUP_WORKING_DAYS,
    "closure": CLOSURE_WORKING_DAYS,
}


def to_wib(moment: dt.datetime) -> dt.datetime:
    """An aware datetime in WIB; a naive one is taken to be WIB already."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=WIB)
    return moment.astimezone(WIB)


def now_wib() -> dt.datetime:
    return dt.datetime.now(WIB)


def parse_lapor_datetime(text: str) -> dt.datetime:
    """`31-01-2025 14:05:00` -> an aware datetime in WIB. Raises ValueError on anything else."""
    return dt.datetime.strptime(text, LAPOR_DATETIME_FORMAT).replace(tzinfo=WIB)


def read_lapor_datetime(value: object) -> dt.datetime | None:
    """`parse_lapor_datetime`, or None for anything that is no `d-m-Y H:i:s` date."""
    if not isinstance(value, str):
        return None
    try:
        return parse_lapor_datetime(value)
    except ValueError:
        return None


def written_month_first(value: object, expected: dt.datetime, tolerance: dt.timedelta = CLOCK_TOLERANCE) -> bool:
    """Is `value` the moment `expected`, written `m-d-Y H:i:s` instead of `d-m-Y H:i:s`?

    Read day first it is no date at all (`12-31-2026`: month 31) or one months away from `expected`
    (`12-04-2026` read as 12 April); read month first it is within `tolerance` of `expected`. When the day
    equals the month both readings are the same moment: never "swapped".
    """
    if not isinstance(value, str):
        return False
    try:
        month_first = dt.datetime.strptime(value, MONTH_FIRST_FORMAT).replace(tzinfo=WIB)
    except ValueError:
        return False
    if abs(month_first - expected) > tolerance:
        return False
    day_first = read_lapor_datetime(value)
    return day_first is None or abs(day_first - expected) > tolerance


def _day(value: dt.date | dt.datetime) -> dt.date:
    if isinstance(value, dt.datetime):
        return to_wib(value).date()
    return value


@lru_cache(maxsize=8)
def _library(categories: tuple[str, ...]) -> holidays.HolidayBase:
    return holidays.country_holidays("ID", categories=categories)


class WorkingCalendar:
    """Working days in Indonesia for one profile (its collective-leave days)."""

    def __init__(self, collective_leave: Iterable[dt.date | str] = (), *,
                 library_collective_leave: bool = False) -> None:
        self.collective_leave = frozenset(
            dt.date.fromisoformat(day) if isinstance(day, str) else day for day in collective_leave)
        categories = ("public", "government") if library_collective_leave else ("public",)
        self._holidays = _library(categories)

    def non_working_reason(self, day: dt.date | dt.datetime) -> str | None:
        """Why `day` is not a working day (weekend, holiday name, cuti bersama), or None for a working day."""
        day = _day(day)
        if day.weekday() >= 5:
            return "akhir pekan / weekend"
        name = self._holidays.get(day)
        if name:
            return f"libur nasional / public holiday: {name}"
        if day in self.collective_leave:
            return "cuti bersama / collective leave"
        return None

    def is_working_day(self, day: dt.date | dt.datetime) -> bool:
        return self.non_working_reason(day) is None

    def next_working_day(self, day: dt.date | dt.datetime, *, include_self: bool = False) -> dt.date:
        current = _day(day)
        if not include_self:
            current += dt.timedelta(days=1)
        for _ in range(MAX_SCAN_DAYS):
            if self.is_working_day(current):
                return current
            current += dt.timedelta(days=1)
        raise ValueError(f"no working day within {MAX_SCAN_DAYS} days of {day}")

    def add_working_days(self, start: dt.date | dt.datetime, days: int) -> dt.date:
        """The Nth working day after `start` (the start day itself never counts)."""
        if days < 1:
            raise ValueError("days must be at least 1")
        current = _day(start)
        for _ in range(days):
            current = self.next_working_day(current)
        return current

    def working_days_between(self, start: dt.date | dt.datetime, end: dt.date | dt.datetime) -> int:
        """Working days in (start, end]: 0 when end is not after start."""
        first, last = _day(start), _day(end)
        count, current = 0, first + dt.timedelta(days=1)
        while current <= last:
            count += self.is_working_day(current)
            current += dt.timedelta(days=1)
        return count

    def deadline(self, start: dt.date | dt.datetime, rule: str) -> dt.date:
        """The last day allowed by a working-day rule: "verification" (3), "followup" (5), "closure" (10)."""
        return self.add_working_days(start, RULES[rule])

    def settlement_deadline(self, complete: dt.date | dt.datetime) -> dt.date:
        """60 calendar days after the complaint file is complete (S11)."""
        return _day(complete) + dt.timedelta(days=SETTLEMENT_CALENDAR_DAYS)

    def is_late(self, start: dt.date | dt.datetime, done: dt.date | dt.datetime, rule: str) -> bool:
        """Did `done` happen after the end of the deadline day of `rule` counted from `start`?"""
        return _day(done) > self.deadline(start, rule)
