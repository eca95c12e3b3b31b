"""`beian workdays add|import|list`, on no database and on each kind of database."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

import beian.cli
from beian.calendar import cli as calendar_cli
from beian.calendar.models import CalendarEntry
from beian.cli import main
from beian.db import make_engine

FILE_2040 = """# a made-up year for tests
date,kind,name
2040-01-01,holiday,元旦
2040-01-02,holiday,元旦
2040-01-03,holiday,元旦
2040-01-07,workday,元旦调休
"""


@pytest.fixture(autouse=True)
def only_this_feature(monkeypatch: pytest.MonkeyPatch) -> None:
    """Run the real `beian` entry point with only these sub-commands registered."""
    monkeypatch.setattr(beian.cli, "FEATURE_COMMANDS", ("beian.calendar.cli",))


@pytest.fixture
def stored(engine: Engine, monkeypatch: pytest.MonkeyPatch, clock) -> Engine:
    """BEIAN_DATABASE_URL pointing at a migrated database; the CLI stamps with `clock`."""
    monkeypatch.setenv("BEIAN_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    monkeypatch.setattr(calendar_cli, "clock", clock)
    return engine


@pytest.fixture
def missing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """BEIAN_DATABASE_URL naming a SQLite file that does not exist."""
    path = tmp_path / "none.db"
    monkeypatch.setenv("BEIAN_DATABASE_URL", f"sqlite:///{path}")
    return path


def _write(tmp_path: Path, text: str, name: str = "days.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _rows(engine: Engine) -> int:
    with engine.connect() as connection:
        return connection.scalar(select(func.count()).select_from(CalendarEntry.__table__))


def test_add_without_a_database_uses_the_official_calendar(missing, capsys):
    assert main(["workdays", "add", "2026-02-13", "2"]) == 0
    out, err = capsys.readouterr()
    assert out == "2026-02-24\n"
    assert "official calendar only" in err
    assert not missing.exists()  # reading never creates a database file


def test_add_into_an_unknown_year_says_provisional(missing, capsys):
    assert main(["workdays", "add", "2039-12-30", "5"]) == 0
    out, err = capsys.readouterr()
    assert out == "2040-01-06 provisional\n"
    assert "beian workdays import" in err


def test_add_zero(missing, capsys):
    assert main(["workdays", "add", "2026-10-03", "0"]) == 0
    assert capsys.readouterr().out == "2026-10-03\n"


@pytest.mark.parametrize(
    ("day", "n", "message"),
    [
        ("2026-02-30", "1", "DATE '2026-02-30' is not a real calendar date"),
        ("2026/03/02", "1", "DATE '2026/03/02' is not a date in the form YYYY-MM-DD"),
        ("2026-03-02", "two", "N 'two' is not a whole number"),
        ("2026-03-02", "-1", "N must be between 0 and"),
        ("2026-03-02", "10001", "N must be between 0 and 10000"),
        ("9999-12-30", "5", "past the year 9999"),
    ],
)
def test_add_refuses_bad_arguments_with_exit_2(missing, capsys, day, n, message):
    assert main(["workdays", "add", day, n]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert message in err


def test_import_then_add_follows_the_table(stored, tmp_path, capsys, clock):
    path = _write(tmp_path, FILE_2040)
    assert main(["workdays", "import", str(path)]) == 0
    assert capsys.readouterr().out == f"imported 4 days for 2040 from {path}\n"
    assert _rows(stored) == 4

    assert main(["workdays", "add", "2040-01-01", "1"]) == 0
    out, err = capsys.readouterr()
    assert (out, err) == ("2040-01-04\n", "")

    with stored.connect() as connection:
        source, created = connection.execute(
            select(CalendarEntry.source, CalendarEntry.created_at).limit(1)
        ).one()
    assert source == "import:days.csv"
    naive_utc = clock.now().astimezone(UTC).replace(tzinfo=None)
    assert created in (clock.now(), naive_utc)  # SQLite reads back naive UTC


def test_an_imported_correction_overrides_the_official_day(stored, tmp_path, capsys):
    path = _write(tmp_path, "date,kind,name\n2026-10-08,holiday,国庆节\n")
    assert main(["workdays", "import", str(path)]) == 0
    assert main(["workdays", "add", "2026-09-30", "1"]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "2026-10-09"


def test_importing_the_same_file_twice_keeps_one_row_per_day(stored, tmp_path):
    path = _write(tmp_path, FILE_2040)
    assert main(["workdays", "import", str(path)]) == 0
    assert main(["workdays", "import", str(path)]) == 0
    assert _rows(stored) == 4


def test_a_bad_file_is_refused_whole(stored, tmp_path, capsys):
    path = _write(tmp_path, FILE_2040 + "2040-02-30,holiday,春节\n2040-01-02,workday,调休\n")
    assert main(["workdays", "import", str(path)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert "nothing was written" in err
    assert "line 7: date '2040-02-30' is not a real calendar date" in err
    assert "line 8: 2040-01-02 is already given on line 4" in err
    assert _rows(stored) == 0


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "no days"),
        (b"date,kind,name\n2040-01-01,off,x\n", "line 2: kind 'off' is unknown"),
        (b"date,kind,name\n2040-01-01,holiday,\xb4\xba\xbd\xda\n", "is not UTF-8"),
    ],
)
def test_bad_files_exit_2(stored, tmp_path, capsys, content, message):
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    assert main(["workdays", "import", str(path)]) == 2
    assert message in capsys.readouterr().err
    assert _rows(stored) == 0


def test_a_missing_file_exits_2(stored, tmp_path, capsys):
    assert main(["workdays", "import", str(tmp_path / "nope.csv")]) == 2
    assert "cannot read" in capsys.readouterr().err


def test_import_needs_a_database(missing, tmp_path, capsys):
    assert main(["workdays", "import", str(_write(tmp_path, FILE_2040))]) == 1
    assert "cannot import: no database at" in capsys.readouterr().err
    assert not missing.exists()


def test_a_database_without_the_table_falls_back_for_add_and_refuses_import(
    tmp_path, monkeypatch, capsys
):
    path = tmp_path / "bare.db"
    bare = make_engine(f"sqlite:///{path}")
    with bare.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE other (id INTEGER)")
    bare.dispose()
    monkeypatch.setenv("BEIAN_DATABASE_URL", f"sqlite:///{path}")

    assert main(["workdays", "add", "2026-02-13", "1"]) == 0
    out, err = capsys.readouterr()
    assert out == "2026-02-14\n"
    assert "has no calendar table" in err
    assert main(["workdays", "import", str(_write(tmp_path, FILE_2040))]) == 1


def test_list_shows_the_year_and_where_each_day_comes_from(stored, tmp_path, capsys):
    main(["workdays", "import", str(_write(tmp_path, FILE_2040))])
    capsys.readouterr()
    assert main(["workdays", "list", "2040"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "2040: 260 working days (known)",
        "2040-01-01 holiday operator 元旦",
        "2040-01-02 holiday operator 元旦",
        "2040-01-03 holiday operator 元旦",
        "2040-01-07 workday operator 元旦调休",
    ]


def test_list_of_an_official_and_of_an_unknown_year(missing, capsys):
    assert main(["workdays", "list", "2026"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "2026: 248 working days (known)"
    assert "2026-02-14 workday official 春节" in lines
    assert "2026-10-07 holiday official 国庆节" in lines

    assert main(["workdays", "list", "2041"]) == 0
    assert capsys.readouterr().out == "2041: 261 working days (provisional: weekends only)\n"


@pytest.mark.parametrize("year", ["twenty", "0", "10000"])
def test_list_refuses_a_bad_year(missing, capsys, year):
    assert main(["workdays", "list", year]) == 2
    assert "YEAR" in capsys.readouterr().err


def test_created_rows_use_the_injected_clock_not_the_wall_clock(stored, tmp_path, clock):
    clock.set(datetime(2030, 1, 1, tzinfo=UTC))
    main(["workdays", "import", str(_write(tmp_path, FILE_2040))])
    with stored.connect() as connection:
        created = connection.scalar(select(func.max(CalendarEntry.created_at)))
    if created.tzinfo is None:  # SQLite reads back naive UTC
        created = created.replace(tzinfo=UTC)
    assert created == datetime(2030, 1, 1, tzinfo=UTC)
