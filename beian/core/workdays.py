"""The PRC working-day calendar: weekends and statutory holidays off, make-up days on.

Official data comes from chinese-calendar for the years it covers; more days (later
years, or corrections) are layered on with `WorkCalendar.with_days`. A year is *known*
when some source speaks for it; for any other year the calendar still answers from the
weekends alone, and every answer that depended on such a year is flagged provisional.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache

import chinese_calendar

from beian.clock import china_date, china_midnight

# About forty years of working days: far beyond any review deadline, and it keeps a
# mistyped N from walking the calendar for seconds.
MAX_WORKDAYS = 10_000

_ONE_DAY = timedelta(days=1)


@dataclass(frozen=True)
class CalendarDay:
    """One day that a source (a notice, an operator) declares off or on."""

    day: date
    is_workday: bool
    name: str = ""


@dataclass(frozen=True)
class WorkdayAnswer:
    """A date computed from the calendar; provisional when a year it used is unknown."""

    date: date
    provisional: bool


@dataclass(frozen=True)
class Deadline:
    """End of the last allowed day (China midnight after it, as aware UTC) and that day."""

    at: datetime
    day: date
    provisional: bool


class WorkCalendar:
    """Working days from declared days over a Monday-to-Friday default."""

    def __init__(self, days: Iterable[CalendarDay] = (), known_years: Iterable[int] = ()) -> None:
        self._days: dict[date, CalendarDay] = {}
        self._known: set[int] = set(known_years)
        for entry in days:
            # Later entries win, so callers list their sources in order of authority.
            self._days[entry.day] = entry
            self._known.add(entry.day.year)

    def with_days(self, days: Iterable[CalendarDay]) -> WorkCalendar:
        """Return a copy where these days replace what this calendar said about them."""
        return WorkCalendar([*self._days.values(), *days], self._known)

    @property
    def known_years(self) -> frozenset[int]:
        """Years that some source speaks for."""
        return frozenset(self._known)

    def is_provisional(self, year: int) -> bool:
        """True when nothing speaks for `year`, so its answers come from weekends only."""
        return year not in self._known

    def is_workday(self, day: date) -> bool:
        """Whether people work on `day` (weekends-only guess in an unknown year)."""
        entry = self._days.get(day)
        if entry is not None:
            return entry.is_workday
        return day.weekday() < 5

    def entry(self, day: date) -> CalendarDay | None:
        """The declared entry for `day`, if any source names it."""
        return self._days.get(day)

    def special_days(self, year: int) -> list[CalendarDay]:
        """Every declared day of `year` (holidays and make-up days), in date order."""
        return sorted((e for e in self._days.values() if e.day.year == year), key=_by_day)

    def add_workdays(self, start: date, n: int) -> WorkdayAnswer:
        """The date `n` working days after `start` (start itself never counts)."""
        _check_count(n)
        day = start
        counted = 0
        provisional = False
        try:
            while counted < n:
                day += _ONE_DAY
                provisional = provisional or self.is_provisional(day.year)
                if self.is_workday(day):
                    counted += 1
        except OverflowError:
            raise ValueError(f"{n} working days after {start} is past the year 9999") from None
        return WorkdayAnswer(day, provisional)

    def workdays_between(self, start: date, end: date) -> int:
        """Working days after `start` up to and including `end` (negative when end < start)."""
        if end < start:
            return -self.workdays_between(end, start)
        count = 0
        day = start
        while day < end:
            day += _ONE_DAY
            count += self.is_workday(day)
        return count

    def deadline(self, start: datetime, n: int) -> Deadline:
        """For a step begun at `start`: the end of the n-th working day after its China date."""
        answer = self.add_workdays(china_date(start), n)
        try:
            at = china_midnight(answer.date + _ONE_DAY)
        except OverflowError:
            raise ValueError(f"a deadline {n} working days after {start} is past 9999") from None
        return Deadline(at=at, day=answer.date, provisional=answer.provisional)


def _by_day(entry: CalendarDay) -> date:
    return entry.day


def _check_count(n: int) -> None:
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"the number of working days must be an int, not {type(n).__name__}")
    if n < 0:
        raise ValueError(f"the number of working days must be 0 or more, not {n}")
    if n > MAX_WORKDAYS:
        raise ValueError(f"the number of working days must be at most {MAX_WORKDAYS}, not {n}")


@cache
def official_calendar() -> WorkCalendar:
    """The State Council's published schedules, as chinese-calendar knows them."""
    holidays: Mapping[date, str] = chinese_calendar.holidays
    workdays: Mapping[date, str] = chinese_calendar.workdays
    # chinese-calendar raises for any year outside [min, max] of its holiday table.
    first = min(holidays).year
    last = max(holidays).year
    days = [CalendarDay(day, False, _chinese_name(name)) for day, name in holidays.items()]
    days += [CalendarDay(day, True, _chinese_name(name)) for day, name in workdays.items()]
    return WorkCalendar(days, known_years=range(first, last + 1))


def _chinese_name(english: str) -> str:
    """Translate chinese-calendar's English holiday name; keep it when unknown."""
    try:
        return str(chinese_calendar.Holiday(english).chinese)
    except ValueError:
        return english
