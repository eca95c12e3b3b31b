"""The stored calendar: later years and corrections laid over the official data."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from beian.calendar.models import CalendarEntry
from beian.calendar.service import (
    TableError,
    import_days,
    list_days,
    load_calendar,
    summarise_year,
)
from beian.core.workdays import CalendarDay, WorkdayAnswer, official_calendar

# A made-up schedule for a year far beyond any official data (2040-01-01 is a Sunday).
YEAR_2040 = [
    CalendarDay(date(2040, 1, 1), False, "元旦"),
    CalendarDay(date(2040, 1, 2), False, "元旦"),
    CalendarDay(date(2040, 1, 3), False, "元旦"),
    CalendarDay(date(2040, 1, 7), True, "元旦调休"),  # a Saturday
]


def _utc(instant: datetime) -> datetime:
    # SQLite hands back naive datetimes (stored as UTC wall time); PostgreSQL aware ones.
    return instant.replace(tzinfo=UTC) if instant.tzinfo is None else instant.astimezone(UTC)


def _count(db) -> int:
    return db.scalar(select(func.count()).select_from(CalendarEntry))


def test_an_empty_table_gives_the_official_calendar(db):
    calendar = load_calendar(db)
    assert calendar.known_years == official_calendar().known_years
    assert not calendar.is_workday(date(2026, 2, 17))
    assert calendar.is_provisional(2040)


def test_stored_days_extend_a_later_year(db, clock):
    assert official_calendar().add_workdays(date(2039, 12, 30), 1) == WorkdayAnswer(
        date(2040, 1, 2), True
    )
    assert import_days(db, YEAR_2040, source="import:2040.csv", now=clock.now()) == 4
    db.commit()

    calendar = load_calendar(db)
    assert not calendar.is_provisional(2040)
    assert not calendar.is_workday(date(2040, 1, 2))
    assert calendar.is_workday(date(2040, 1, 7))
    assert calendar.is_workday(date(2040, 1, 9))  # an ordinary Monday: weekday default
    # Monday 2 to Tuesday 3 are off; the make-up Saturday counts; none of it provisional.
    assert calendar.add_workdays(date(2040, 1, 1), 1) == WorkdayAnswer(date(2040, 1, 4), False)
    assert calendar.add_workdays(date(2040, 1, 3), 4) == WorkdayAnswer(date(2040, 1, 7), False)
    # Starting in 2039, which nobody has loaded, still makes the answer provisional.
    assert calendar.add_workdays(date(2039, 12, 30), 1) == WorkdayAnswer(date(2040, 1, 4), True)


def test_stored_days_override_official_ones(db, clock):
    import_days(
        db,
        [
            CalendarDay(date(2026, 10, 8), False, "国庆节"),
            CalendarDay(date(2026, 10, 10), False, "取消调休"),
        ],
        source="import:fix.csv",
        now=clock.now(),
    )
    db.commit()
    calendar = load_calendar(db)
    assert not calendar.is_workday(date(2026, 10, 8))
    assert not calendar.is_workday(date(2026, 10, 10))
    # Tuesday 2026-09-30 + 1: 1-7 October and now the 8th are off, the 9th is a Friday.
    assert calendar.add_workdays(date(2026, 9, 30), 1) == WorkdayAnswer(date(2026, 10, 9), False)
    assert calendar.add_workdays(date(2026, 9, 30), 2) == WorkdayAnswer(date(2026, 10, 12), False)
    # The shared official calendar is untouched.
    assert official_calendar().is_workday(date(2026, 10, 8))
    assert official_calendar().is_workday(date(2026, 10, 10))


def test_importing_a_day_again_replaces_it(db, clock):
    import_days(db, [CalendarDay(date(2040, 1, 2), False, "元旦")], source="a", now=clock.now())
    db.commit()
    first_created = db.scalars(select(CalendarEntry)).one().created_at
    later = clock.advance(days=1)
    import_days(db, [CalendarDay(date(2040, 1, 2), True, "调休")], source="b", now=later)
    db.commit()
    db.expire_all()
    [entry] = db.scalars(select(CalendarEntry)).all()
    assert (entry.is_workday, entry.name, entry.source) == (True, "调休", "b")
    assert _utc(entry.created_at) == _utc(first_created) == clock.now() - timedelta(days=1)
    assert _utc(entry.updated_at) == later
    assert load_calendar(db).is_workday(date(2040, 1, 2))


def test_duplicate_days_in_one_import_write_nothing(db, clock):
    rows = [CalendarDay(date(2040, 1, 2), False, "元旦"), CalendarDay(date(2040, 1, 2), True, "x")]
    with pytest.raises(TableError, match="2040-01-02 is given twice"):
        import_days(db, rows, source="a", now=clock.now())
    db.rollback()
    assert _count(db) == 0


def test_list_days_returns_one_year_in_date_order(db, clock):
    rows = [*reversed(YEAR_2040), CalendarDay(date(2041, 1, 1), False, "元旦")]
    import_days(db, rows, source="a", now=clock.now())
    db.commit()
    assert [entry.day for entry in list_days(db, 2040)] == [day.day for day in YEAR_2040]
    assert [entry.day for entry in list_days(db, 2041)] == [date(2041, 1, 1)]
    assert list_days(db, 2039) == []
    with pytest.raises(ValueError, match="year"):
        list_days(db, 0)


def test_summarise_year_labels_sources_and_counts_working_days(db, clock):
    import_days(db, YEAR_2040, source="a", now=clock.now())
    import_days(db, [CalendarDay(date(2026, 10, 8), False, "国庆节")], source="a", now=clock.now())
    db.commit()
    calendar = load_calendar(db)

    summary = summarise_year(calendar, list_days(db, 2040), 2040)
    # 2040 is a leap year from Sunday to Monday: 53 Sundays + 52 Saturdays, 261 weekdays;
    # minus Monday 2 and Tuesday 3 January, plus Saturday the 7th.
    assert (summary.provisional, summary.workdays) == (False, 260)
    assert {source for _, source in summary.days} == {"operator"}

    summary = summarise_year(calendar, list_days(db, 2026), 2026)
    assert summary.workdays == 248 - 1
    sources = {day.day: source for day, source in summary.days}
    assert sources[date(2026, 10, 8)] == "operator"
    assert sources[date(2026, 10, 7)] == "official"

    assert summarise_year(calendar, [], 2041).provisional
    assert summarise_year(calendar, [], 2041).workdays == 261  # 2041 starts on a Tuesday
