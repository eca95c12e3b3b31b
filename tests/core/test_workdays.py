"""The working-day calendar against the State Council's notices, and its arithmetic."""

from __future__ import annotations

import ast
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import chinese_calendar
import pytest

from beian.clock import CHINA_TZ
from beian.core import workdays
from beian.core.workdays import (
    MAX_WORKDAYS,
    CalendarDay,
    Deadline,
    WorkCalendar,
    WorkdayAnswer,
    official_calendar,
)

# 国务院办公厅关于2025年部分节假日安排的通知 (国办发明电〔2024〕12号): days off, inclusive.
HOLIDAYS_2025 = [
    (date(2025, 1, 1), date(2025, 1, 1)),  # 元旦
    (date(2025, 1, 28), date(2025, 2, 4)),  # 春节
    (date(2025, 4, 4), date(2025, 4, 6)),  # 清明节
    (date(2025, 5, 1), date(2025, 5, 5)),  # 劳动节
    (date(2025, 5, 31), date(2025, 6, 2)),  # 端午节
    (date(2025, 10, 1), date(2025, 10, 8)),  # 国庆节、中秋节
]
MAKEUP_2025 = [date(2025, 1, 26), date(2025, 2, 8), date(2025, 4, 27), date(2025, 9, 28)]
MAKEUP_2025 += [date(2025, 10, 11)]

# 国务院办公厅关于2026年部分节假日安排的通知 (2025年11月4日).
HOLIDAYS_2026 = [
    (date(2026, 1, 1), date(2026, 1, 3)),  # 元旦
    (date(2026, 2, 15), date(2026, 2, 23)),  # 春节
    (date(2026, 4, 4), date(2026, 4, 6)),  # 清明节
    (date(2026, 5, 1), date(2026, 5, 5)),  # 劳动节
    (date(2026, 6, 19), date(2026, 6, 21)),  # 端午节
    (date(2026, 9, 25), date(2026, 9, 27)),  # 中秋节
    (date(2026, 10, 1), date(2026, 10, 7)),  # 国庆节
]
MAKEUP_2026 = [date(2026, 1, 4), date(2026, 2, 14), date(2026, 2, 28), date(2026, 5, 9)]
MAKEUP_2026 += [date(2026, 9, 20), date(2026, 10, 10)]


def _days_of(year: int) -> list[date]:
    first = date(year, 1, 1)
    return [first + timedelta(days=i) for i in range((date(year + 1, 1, 1) - first).days)]


def _notice_says_workday(day: date, holidays: list[tuple[date, date]], makeup: list[date]) -> bool:
    if day in makeup:
        return True
    if any(first <= day <= last for first, last in holidays):
        return False
    return day.weekday() < 5


@pytest.mark.parametrize(
    ("year", "holidays", "makeup"),
    [(2025, HOLIDAYS_2025, MAKEUP_2025), (2026, HOLIDAYS_2026, MAKEUP_2026)],
)
def test_official_calendar_matches_the_notice_day_by_day(year, holidays, makeup):
    calendar = official_calendar()
    wrong = [
        day
        for day in _days_of(year)
        if calendar.is_workday(day) != _notice_says_workday(day, holidays, makeup)
    ]
    assert wrong == []
    assert not calendar.is_provisional(year)


@pytest.mark.parametrize("year", [2025, 2026])
def test_each_year_has_248_working_days(year):
    # Counted by hand from the notices: 261 weekdays, 18 (2025) / 19 (2026) of them off,
    # 5 / 6 make-up weekend days.
    calendar = official_calendar()
    assert calendar.workdays_between(date(year - 1, 12, 31), date(year, 12, 31)) == 248


def test_wrapper_agrees_with_chinese_calendar_wherever_it_has_data():
    calendar = official_calendar()
    first, last = min(chinese_calendar.holidays).year, max(chinese_calendar.holidays).year
    assert calendar.known_years == frozenset(range(first, last + 1))
    for year in range(first, last + 1):
        for day in _days_of(year):
            assert calendar.is_workday(day) == chinese_calendar.is_workday(day), day


def test_official_names_are_chinese():
    calendar = official_calendar()
    assert calendar.entry(date(2026, 2, 17)) == CalendarDay(date(2026, 2, 17), False, "春节")
    assert calendar.entry(date(2026, 2, 14)) == CalendarDay(date(2026, 2, 14), True, "春节")
    assert calendar.entry(date(2026, 3, 2)) is None


def test_a_year_beyond_the_data_answers_from_weekends_and_is_provisional():
    calendar = official_calendar()
    beyond = max(calendar.known_years) + 1
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(date(beyond, 1, 1))  # the gap this module wraps
    assert calendar.is_provisional(beyond)
    assert calendar.is_provisional(min(calendar.known_years) - 1)
    for day in _days_of(beyond):
        assert calendar.is_workday(day) == (day.weekday() < 5), day


def test_adding_into_an_unknown_year_is_provisional_and_skips_weekends_only():
    calendar = official_calendar()
    # 2040-01-01 is a Sunday; its Spring Festival is unknown, so only weekends count.
    assert calendar.add_workdays(date(2039, 12, 30), 5) == WorkdayAnswer(date(2040, 1, 6), True)
    assert calendar.add_workdays(date(2040, 1, 5), 1) == WorkdayAnswer(date(2040, 1, 6), True)
    assert calendar.add_workdays(date(2040, 1, 6), 1) == WorkdayAnswer(date(2040, 1, 9), True)


def test_an_answer_inside_known_years_is_not_provisional_even_near_the_edge():
    calendar = WorkCalendar(known_years=[2030])
    # Thursday 2030-12-26 + 3 reaches Tuesday the 31st without touching 2031.
    assert calendar.add_workdays(date(2030, 12, 26), 3) == WorkdayAnswer(date(2030, 12, 31), False)
    assert calendar.add_workdays(date(2030, 12, 26), 4) == WorkdayAnswer(date(2031, 1, 1), True)


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        (date(2026, 3, 6), 1, date(2026, 3, 9)),  # Friday -> Monday
        (date(2026, 3, 6), 5, date(2026, 3, 13)),
        (date(2026, 3, 7), 1, date(2026, 3, 9)),  # from a plain Saturday
        (date(2026, 2, 13), 1, date(2026, 2, 14)),  # the make-up Saturday before 春节 counts
        (date(2026, 2, 13), 2, date(2026, 2, 24)),  # then 15th-23rd are off
        (date(2025, 1, 24), 1, date(2025, 1, 26)),  # make-up Sunday before 春节 2025
        (date(2025, 1, 24), 2, date(2025, 1, 27)),
        (date(2025, 1, 24), 3, date(2025, 2, 5)),
        (date(2025, 9, 30), 1, date(2025, 10, 9)),  # across 国庆节、中秋节 2025
        (date(2025, 9, 30), 3, date(2025, 10, 11)),  # its make-up Saturday
        (date(2026, 10, 3), 1, date(2026, 10, 8)),  # start on a holiday
        (date(2026, 2, 28), 1, date(2026, 3, 2)),  # start on a make-up Saturday
        (date(2026, 12, 30), 1, date(2026, 12, 31)),
    ],
)
def test_add_workdays(start, n, expected):
    assert official_calendar().add_workdays(start, n) == WorkdayAnswer(expected, False)


@pytest.mark.parametrize("start", [date(2026, 10, 3), date(2026, 3, 2), date(2040, 1, 1)])
def test_zero_days_is_the_start_itself_and_never_provisional(start):
    # Nothing about any day was consulted, so nothing is uncertain.
    assert official_calendar().add_workdays(start, 0) == WorkdayAnswer(start, False)


def test_bad_counts_are_refused():
    calendar = official_calendar()
    with pytest.raises(ValueError, match="0 or more"):
        calendar.add_workdays(date(2026, 3, 2), -1)
    with pytest.raises(ValueError, match=f"at most {MAX_WORKDAYS}"):
        calendar.add_workdays(date(2026, 3, 2), MAX_WORKDAYS + 1)
    with pytest.raises(TypeError, match="int"):
        calendar.add_workdays(date(2026, 3, 2), True)
    with pytest.raises(ValueError, match="9999"):
        calendar.add_workdays(date(9999, 12, 1), 100)


def test_workdays_between_counts_after_start_up_to_end():
    calendar = official_calendar()
    assert calendar.workdays_between(date(2026, 2, 13), date(2026, 2, 24)) == 2
    assert calendar.workdays_between(date(2026, 2, 13), date(2026, 2, 23)) == 1
    assert calendar.workdays_between(date(2026, 3, 2), date(2026, 3, 2)) == 0
    assert calendar.workdays_between(date(2026, 2, 24), date(2026, 2, 13)) == -2


def test_workdays_between_inverts_add_workdays():
    calendar = official_calendar()
    for start in (date(2025, 9, 27), date(2026, 2, 14), date(2026, 12, 20)):
        for n in range(0, 30):
            end = calendar.add_workdays(start, n).date
            assert calendar.workdays_between(start, end) == n


def test_bureau_deadline_crosses_mid_autumn_and_national_day_2026():
    # Begun Friday 2026-09-18; counted by hand from the 2026 notice:
    # 9/20 (make-up Sunday) 21 22 23 24, 28 29 30, 10/8 9 10 (make-up Saturday), 12-16, 19-22.
    start = datetime(2026, 9, 18, 15, 0, tzinfo=CHINA_TZ)
    deadline = official_calendar().deadline(start, 20)
    assert deadline == Deadline(
        at=datetime(2026, 10, 22, 16, 0, tzinfo=UTC), day=date(2026, 10, 22), provisional=False
    )
    assert deadline.at.utcoffset() == timedelta(0)


def test_platform_deadline_counts_a_make_up_sunday():
    start = datetime(2025, 9, 26, 10, 0, tzinfo=CHINA_TZ)  # Friday
    assert official_calendar().deadline(start, 2).day == date(2025, 9, 29)


def test_deadline_uses_the_china_date_of_the_start():
    # 16:30 UTC on Friday 13 Feb 2026 is already Saturday 14 Feb (a make-up day) in China,
    # which therefore is the start and not counted.
    start = datetime(2026, 2, 13, 16, 30, tzinfo=UTC)
    deadline = official_calendar().deadline(start, 1)
    assert deadline.day == date(2026, 2, 24)
    assert deadline.at == datetime(2026, 2, 24, 16, 0, tzinfo=UTC)


def test_deadline_of_zero_days_is_the_end_of_the_start_day():
    start = datetime(2026, 3, 2, 9, 0, tzinfo=CHINA_TZ)
    assert official_calendar().deadline(start, 0).at == datetime(2026, 3, 2, 16, 0, tzinfo=UTC)


def test_deadline_into_an_unknown_year_is_provisional():
    start = datetime(2039, 12, 30, 9, 0, tzinfo=CHINA_TZ)
    assert official_calendar().deadline(start, 2).provisional


def test_with_days_overrides_and_makes_years_known_without_touching_the_original():
    official = official_calendar()
    extended = official.with_days(
        [
            CalendarDay(date(2026, 10, 8), False, "国庆节"),  # a late extra day off
            CalendarDay(date(2026, 10, 3), True, "调休"),
            CalendarDay(date(2040, 1, 2), False, "元旦"),
        ]
    )
    assert not extended.is_workday(date(2026, 10, 8))
    assert extended.is_workday(date(2026, 10, 3))
    assert not extended.is_provisional(2040)
    assert extended.add_workdays(date(2040, 1, 1), 1) == WorkdayAnswer(date(2040, 1, 3), False)
    # The cached official calendar is shared by everyone and must not change.
    assert official.is_workday(date(2026, 10, 8))
    assert not official.is_workday(date(2026, 10, 3))
    assert official.is_provisional(2040)


def test_later_days_win_within_one_calendar():
    calendar = WorkCalendar(
        [CalendarDay(date(2030, 5, 6), False, "a"), CalendarDay(date(2030, 5, 6), True, "b")]
    )
    assert calendar.is_workday(date(2030, 5, 6))
    assert calendar.special_days(2030) == [CalendarDay(date(2030, 5, 6), True, "b")]


def test_the_core_module_imports_only_the_standard_library_chinese_calendar_and_clock():
    tree = ast.parse(Path(workdays.__file__).read_text(encoding="utf-8"))
    imported = {
        name.split(".")[0] if not name.startswith("beian") else name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for name in (
            [alias.name for alias in node.names]
            if isinstance(node, ast.Import)
            else [node.module or ""]
        )
    }
    allowed = {"__future__", "collections", "dataclasses", "datetime", "functools"}
    assert imported <= allowed | {"chinese_calendar", "beian.clock"}
