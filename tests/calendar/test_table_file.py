"""Reading operator calendar files: every row validated, the whole file refused on any error."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from beian.calendar.service import TableError, parse_iso_date, parse_table
from beian.core.workdays import CalendarDay

EXAMPLE = Path(__file__).parents[2] / "examples" / "workdays-2027.example.csv"


def _problems(text: str) -> list[str]:
    with pytest.raises(TableError) as caught:
        parse_table(text)
    return caught.value.problems


def test_a_good_file_with_comments_blank_lines_and_a_bom():
    text = (
        "\ufeff# 2027 notice\n"
        "date,kind,name\n"
        "\n"
        "2027-02-06,holiday,春节\n"
        "  # make-up day below\n"
        " 2027-02-20 , WORKDAY , 春节调休 \n"
    )
    assert parse_table(text) == [
        CalendarDay(date(2027, 2, 6), False, "春节"),
        CalendarDay(date(2027, 2, 20), True, "春节调休"),
    ]


def test_the_example_file_is_valid():
    days = parse_table(EXAMPLE.read_text(encoding="utf-8"))
    assert {day.day.year for day in days} == {2027}
    assert any(day.is_workday for day in days)
    assert any(not day.is_workday for day in days)


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("2027-02-30", "not a real calendar date"),
        ("2027/02/06", "YYYY-MM-DD"),
        ("20270206", "YYYY-MM-DD"),
        ("2027-2-6", "YYYY-MM-DD"),
        ("", "YYYY-MM-DD"),
    ],
)
def test_a_bad_date_names_its_line(value, reason):
    problems = _problems(f"date,kind,name\n2027-02-06,holiday,春节\n{value},holiday,春节\n")
    assert len(problems) == 1
    assert problems[0].startswith("line 3: date")
    assert reason in problems[0]


def test_an_unknown_kind_names_its_line():
    assert _problems("date,kind,name\n2027-02-06,off,春节\n") == [
        "line 2: kind 'off' is unknown: use holiday or workday"
    ]


def test_a_duplicate_day_names_both_lines():
    text = "date,kind,name\n2027-02-06,holiday,春节\n# x\n2027-02-06,workday,调休\n"
    assert _problems(text) == ["line 4: 2027-02-06 is already given on line 2"]


@pytest.mark.parametrize("text", ["", "\n\n", "# only a comment\n", "date,kind,name\n"])
def test_an_empty_file_is_refused(text):
    [problem] = _problems(text)
    assert "no days" in problem


def test_the_header_is_required():
    assert _problems("2027-02-06,holiday,春节\n") == [
        "line 1: the first line must be the header date,kind,name"
    ]


def test_wrong_column_counts_and_empty_names():
    problems = _problems(
        "date,kind,name\n2027-02-06,holiday\n2027-02-07,holiday,春节,x\n2027-02-08,holiday, \n"
    )
    assert problems[0] == "line 2: expected 3 columns date,kind,name but found 2"
    assert problems[1] == "line 3: expected 3 columns date,kind,name but found 4"
    assert problems[2].startswith("line 4: name is empty")


def test_every_bad_line_is_reported_not_only_the_first():
    problems = _problems("date,kind,name\nnope,holiday,a\n2027-01-04,workday,b\n2027-01-05,x,c\n")
    assert [problem.split(":")[0] for problem in problems] == ["line 2", "line 4"]


def test_a_very_long_name_is_refused():
    [problem] = _problems("date,kind,name\n2027-02-06,holiday," + "节" * 61 + "\n")
    assert problem == "line 2: name is longer than 60 characters"


def test_parse_iso_date_is_strict():
    assert parse_iso_date(" 2026-03-02 ") == date(2026, 3, 2)
    for bad in ("2026-W10-1", "2026-03-02T00:00", "2026-13-01"):
        with pytest.raises(ValueError):
            parse_iso_date(bad)
