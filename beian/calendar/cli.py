"""`beian workdays add|import|list`: compute with, extend and inspect the working-day calendar.

`add` and `list` read the database at BEIAN_DATABASE_URL when it exists and holds the
calendar table; otherwise they say so on stderr and use the official calendar alone (a
SQLite file is never created just to read it). `import` needs that database.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import inspect
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from beian.calendar.models import CalendarEntry
from beian.calendar.service import (
    TableError,
    import_days,
    list_days,
    load_calendar,
    parse_iso_date,
    parse_table,
    summarise_year,
)
from beian.cli import UsageError
from beian.clock import Clock, SystemClock
from beian.config import load_settings
from beian.core.workdays import MAX_WORKDAYS, WorkCalendar, official_calendar
from beian.db import make_engine, make_sessionmaker, transaction

# The wall clock stamps imported rows; tests replace it.
clock: Clock = SystemClock()


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add this feature's sub-commands."""
    workdays = subparsers.add_parser("workdays", help="the working-day calendar")
    sub = workdays.add_subparsers(dest="workdays_command", required=True, metavar="ACTION")
    add = sub.add_parser("add", help="print the date N working days after DATE")
    add.add_argument("date", metavar="DATE", help="start date, YYYY-MM-DD (not itself counted)")
    add.add_argument("n", metavar="N", help="number of working days, 0 or more")
    add.set_defaults(handler=_add)
    load = sub.add_parser("import", help="store holidays and make-up days from a CSV file")
    load.add_argument("file", metavar="FILE", type=Path, help="UTF-8 CSV with date,kind,name")
    load.set_defaults(handler=_import)
    show = sub.add_parser("list", help="show the declared days of YEAR and their source")
    show.add_argument("year", metavar="YEAR", help="a year, e.g. 2027")
    show.set_defaults(handler=_list)


def _add(args: argparse.Namespace) -> int:
    try:
        start = parse_iso_date(args.date)
    except ValueError as error:
        raise UsageError(f"DATE {error}") from None
    n = _parse_count(args.n)
    with _stored_calendar() as (calendar, _engine):
        try:
            answer = calendar.add_workdays(start, n)
        except ValueError as error:
            raise UsageError(str(error)) from None
    suffix = " provisional" if answer.provisional else ""
    print(f"{answer.date.isoformat()}{suffix}")
    if answer.provisional:
        _note(
            "a year on the way has no official calendar: counted weekends only; "
            "load its notice with `beian workdays import FILE`"
        )
    return 0


def _parse_count(text: str) -> int:
    try:
        n = int(text.strip())
    except ValueError:
        raise UsageError(f"N '{text}' is not a whole number of working days") from None
    if not 0 <= n <= MAX_WORKDAYS:
        raise UsageError(f"N must be between 0 and {MAX_WORKDAYS}, not {n}")
    return n


def _import(args: argparse.Namespace) -> int:
    path: Path = args.file
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise UsageError(f"{path} is not UTF-8 text: save it as UTF-8 CSV") from None
    except OSError as error:
        raise UsageError(f"cannot read {path}: {error.strerror}") from None
    try:
        days = parse_table(text)
    except TableError as error:
        lines = "\n".join(f"  {problem}" for problem in error.problems)
        raise UsageError(f"{path} was not imported, nothing was written:\n{lines}") from None
    engine, reason = _open_database()
    if engine is None:
        print(f"beian: cannot import: {reason}", file=sys.stderr)
        return 1
    try:
        with transaction(make_sessionmaker(engine)) as session:
            count = import_days(session, days, source=f"import:{path.name}", now=clock.now())
    finally:
        engine.dispose()
    years = ", ".join(str(year) for year in sorted({day.day.year for day in days}))
    print(f"imported {count} days for {years} from {path}")
    return 0


def _list(args: argparse.Namespace) -> int:
    try:
        year = int(args.year.strip())
    except ValueError:
        raise UsageError(f"YEAR '{args.year}' is not a year such as 2027") from None
    if not 1 <= year <= 9999:
        raise UsageError(f"YEAR must be between 1 and 9999, not {year}")
    with _stored_calendar() as (calendar, engine):
        stored = []
        if engine is not None:
            with make_sessionmaker(engine)() as session:
                stored = list_days(session, year)
        summary = summarise_year(calendar, stored, year)
    state = "provisional: weekends only" if summary.provisional else "known"
    print(f"{year}: {summary.workdays} working days ({state})")
    for day, source in summary.days:
        kind = "workday" if day.is_workday else "holiday"
        print(f"{day.day.isoformat()} {kind} {source} {day.name}")
    return 0


@contextmanager
def _stored_calendar() -> Iterator[tuple[WorkCalendar, Engine | None]]:
    """The stored calendar if the database has it, else the official one (with a note)."""
    engine, reason = _open_database()
    if engine is None:
        _note(f"{reason}; using the official calendar only")
        yield official_calendar(), None
        return
    try:
        with make_sessionmaker(engine)() as session:
            calendar = load_calendar(session)
        yield calendar, engine
    finally:
        engine.dispose()


def _open_database() -> tuple[Engine | None, str]:
    """An engine on BEIAN_DATABASE_URL if it holds the calendar table, else why not."""
    url = load_settings().database_url
    try:
        parsed = make_url(url)
    except ArgumentError:
        return None, "BEIAN_DATABASE_URL is not a database URL"
    shown = parsed.render_as_string(hide_password=True)
    if parsed.get_backend_name() == "sqlite":
        # Reading must not create an empty database file as a side effect.
        if not parsed.database or parsed.database == ":memory:":
            return None, f"no database file in {shown}"
        if not Path(parsed.database).is_file():
            return None, f"no database at {shown}"
    try:
        engine = make_engine(url)
    except (SQLAlchemyError, ImportError) as error:
        return None, f"cannot open the database at {shown} ({type(error).__name__})"
    try:
        has_table = inspect(engine).has_table(CalendarEntry.__tablename__)
    except SQLAlchemyError as error:
        engine.dispose()
        return None, f"cannot open the database at {shown} ({type(error).__name__})"
    if not has_table:
        engine.dispose()
        return None, f"the database at {shown} has no calendar table (run `beian db upgrade`)"
    return engine, ""


def _note(message: str) -> None:
    print(f"note: {message}", file=sys.stderr)
