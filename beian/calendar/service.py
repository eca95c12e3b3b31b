"""The stored part of the working-day calendar: operator-entered days over the official data.

A year counts as known (its answers are not provisional) when chinese-calendar covers it
or the table holds at least one day of it — so an operator imports a whole year's notice
at once, never a single day of a new year. Where the table and the official data both
speak for a date, the table wins: that is how a late government change is corrected.

Operators load days from a UTF-8 CSV file (see examples/workdays-2027.example.csv):

    date,kind,name          header, required
    2027-02-06,holiday,春节  date as YYYY-MM-DD; kind holiday or workday; a name
    # comment               lines starting with # and blank lines are ignored

A file with any bad line is refused whole, naming every bad line; nothing is written.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.orm import Session, object_session

from beian.calendar.models import CalendarEntry
from beian.core.workdays import CalendarDay, WorkCalendar, official_calendar

HEADER = ("date", "kind", "name")
KINDS = {"holiday": False, "workday": True}
NAME_MAX = 60
SOURCE_MAX = 200

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class TableError(ValueError):
    """A calendar file that cannot be imported; `problems` holds one message per bad line."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def parse_iso_date(text: str) -> date:
    """Parse YYYY-MM-DD strictly, or raise ValueError saying what is wrong."""
    value = text.strip()
    if not _ISO_DATE.fullmatch(value):
        raise ValueError(f"'{text}' is not a date in the form YYYY-MM-DD")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"'{text}' is not a real calendar date") from None


def parse_table(text: str) -> list[CalendarDay]:
    """Read a date,kind,name CSV; raise TableError listing every bad line."""
    problems: list[str] = []
    days: list[CalendarDay] = []
    first_line: dict[date, int] = {}
    header_seen = False
    for number, raw in enumerate(text.removeprefix("\ufeff").splitlines(), start=1):
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        fields = [field.strip() for field in next(csv.reader([raw]))]
        if not header_seen:
            header_seen = True
            if tuple(field.lower() for field in fields) != HEADER:
                problems.append(f"line {number}: the first line must be the header date,kind,name")
                break
            continue
        problem, entry = _parse_row(fields)
        if entry is not None and entry.day in first_line:
            problem = f"{entry.day} is already given on line {first_line[entry.day]}"
        if problem:
            problems.append(f"line {number}: {problem}")
            continue
        assert entry is not None
        first_line[entry.day] = number
        days.append(entry)
    if not problems and not days:
        problems.append("the file has no days: add lines like 2027-02-06,holiday,春节")
    if problems:
        raise TableError(problems)
    return days


def _parse_row(fields: list[str]) -> tuple[str, CalendarDay | None]:
    """Return (problem, entry): an empty problem when the row is good."""
    if len(fields) != len(HEADER):
        return f"expected 3 columns date,kind,name but found {len(fields)}", None
    day_text, kind_text, name = fields
    try:
        day = parse_iso_date(day_text)
    except ValueError as error:
        return f"date {error}", None
    kind = kind_text.lower()
    if kind not in KINDS:
        return f"kind '{kind_text}' is unknown: use holiday or workday", None
    if not name:
        return "name is empty: give the holiday's name, e.g. 春节 or 春节调休", None
    if len(name) > NAME_MAX:
        return f"name is longer than {NAME_MAX} characters", None
    return "", CalendarDay(day, KINDS[kind], name)


# The stored days as load_calendar reads them: columns only, in date order.
_STORED_DAYS = select(CalendarEntry.day, CalendarEntry.is_workday, CalendarEntry.name).order_by(
    CalendarEntry.day
)
# The last calendar built, under the stored days it was built from. Laying the stored days
# over the official ones copies thousands of days; the stored days themselves are few and
# are read in every transaction that needs them, so an edit by any process (web, worker,
# CLI) is seen at once.
_last_built: tuple[tuple[tuple[date, bool, str], ...], WorkCalendar] | None = None
# session.info key of stored days read ahead in the session's current transaction:
# (that transaction, the days). A statement that reads other things anyway can read them
# too (beian.filings.registry, before a move) and spare load_calendar a statement.
_READ_AHEAD = "beian.calendar.read_ahead"

StoredDay = tuple[date, bool, str]


def remember_stored_days(session: Session, days: Iterable[StoredDay]) -> None:
    """Keep the stored days (day, is_workday, name) just read in `session`'s transaction,
    for load_calendar later in the same transaction."""
    session.info[_READ_AHEAD] = (session.get_transaction(), tuple(sorted(days)))


def _forget_read_ahead(mapper: Any, connection: Any, entry: CalendarEntry) -> None:
    """A stored day is being written: what was read ahead no longer holds."""
    session = object_session(entry)
    if session is not None:
        session.info.pop(_READ_AHEAD, None)


for _change in ("after_insert", "after_update", "after_delete"):
    event.listen(CalendarEntry, _change, _forget_read_ahead)


def load_calendar(session: Session) -> WorkCalendar:
    """The official calendar with every stored day laid over it."""
    global _last_built
    if any(
        isinstance(row, CalendarEntry) for row in (*session.new, *session.dirty, *session.deleted)
    ):
        session.flush()  # this session's own unflushed edits count
    ahead = session.info.get(_READ_AHEAD)
    if ahead is not None and ahead[0] is session.get_transaction() and ahead[0] is not None:
        stored: tuple[StoredDay, ...] = ahead[1]
    else:
        # Nothing else pending can change the stored days: no need to flush it for this read.
        with session.no_autoflush:
            stored = tuple(
                (day, is_workday, name) for day, is_workday, name in session.execute(_STORED_DAYS)
            )
    built = _last_built
    if built is not None and built[0] == stored:
        return built[1]  # WorkCalendar has no mutating methods: sharing it is safe
    calendar = official_calendar().with_days(
        CalendarDay(day, is_workday, name) for day, is_workday, name in stored
    )
    _last_built = (stored, calendar)
    return calendar


def import_days(
    session: Session, rows: Iterable[CalendarDay], *, now: datetime, source: str = "import"
) -> int:
    """Store these days (replacing stored ones of the same date); return how many."""
    incoming: dict[date, CalendarDay] = {}
    for row in rows:
        if row.day in incoming:
            raise TableError([f"{row.day} is given twice"])
        incoming[row.day] = row
    if not incoming:
        return 0
    existing = {
        entry.day: entry
        for entry in session.scalars(
            select(CalendarEntry).where(CalendarEntry.day.in_(list(incoming)))
        )
    }
    for day, row in incoming.items():
        entry = existing.get(day)
        if entry is None:
            entry = CalendarEntry(day=day, created_at=now)
            session.add(entry)
        entry.is_workday = row.is_workday
        entry.name = row.name[:NAME_MAX]
        entry.source = source[:SOURCE_MAX]
        entry.updated_at = now
    session.flush()
    return len(incoming)


def list_days(session: Session, year: int) -> list[CalendarEntry]:
    """The stored days of `year`, in date order."""
    if not 1 <= year <= 9999:
        raise ValueError(f"year must be between 1 and 9999, not {year}")
    query = (
        select(CalendarEntry)
        .where(CalendarEntry.day >= date(year, 1, 1), CalendarEntry.day <= date(year, 12, 31))
        .order_by(CalendarEntry.day)
    )
    return list(session.scalars(query))


@dataclass(frozen=True)
class YearSummary:
    """What the calendar says about one year, for listing."""

    year: int
    provisional: bool
    workdays: int
    days: list[tuple[CalendarDay, str]]  # (declared day, "official" or "operator")


def summarise_year(
    calendar: WorkCalendar, stored: Iterable[CalendarEntry], year: int
) -> YearSummary:
    """Count the working days of `year` and label each declared day with its source."""
    operator_days = {entry.day for entry in stored}
    first = date(year, 1, 1).toordinal()
    last = date(year, 12, 31).toordinal()
    workdays = sum(calendar.is_workday(date.fromordinal(o)) for o in range(first, last + 1))
    declared = [
        (day, "operator" if day.day in operator_days else "official")
        for day in calendar.special_days(year)
    ]
    return YearSummary(year, calendar.is_provisional(year), workdays, declared)
