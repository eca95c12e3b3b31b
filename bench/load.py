"""Bulk loading of rows as the lifecycle would have left them: COPY on PostgreSQL.

Benchmarks set up hundreds of thousands of rows; going through the services would take
longer than the measurement, so rows are written directly, in the shape the services
write them (tests/bench checks that the services then act on them normally).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from itertools import chain, islice
from typing import Any

from sqlalchemy import Column, Table, inspect, text
from sqlalchemy.engine import Connection, Engine

from beian.db import Base
from beian.filings.documents import denormalise
from beian.filings.models import Filing
from bench import corpus

CHUNK = 20_000


def load(engine: Engine, objects: Iterable[Base]) -> int:
    """Write model instances of one class, as the ORM would store them; returns how many.

    Values go through each column's own type (encryption, UTC instants, JSON), so the
    rows read back exactly like rows the services wrote.
    """
    iterator = iter(objects)
    first = next(iterator, None)
    if first is None:
        return 0
    mapper = inspect(type(first))
    table: Table = mapper.local_table  # type: ignore[assignment]
    fields = [(attr.key, attr.columns[0]) for attr in mapper.column_attrs]
    rows = (_values(obj, fields) for obj in chain([first], iterator))
    count = 0
    if engine.dialect.name == "postgresql":
        processors = [column.type._cached_bind_processor(engine.dialect)  # noqa: SLF001
                      for _, column in fields]
        raw = engine.raw_connection()
        try:
            cursor = raw.cursor()
            names = ", ".join(f'"{column.name}"' for _, column in fields)
            with cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
                for row in rows:
                    copy.write_row([
                        process(value) if process and value is not None else value
                        for process, value in zip(processors, row.values(), strict=True)
                    ])
                    count += 1
            raw.commit()
        finally:
            raw.close()
        return count
    with engine.begin() as connection:
        for chunk in _chunks(rows, CHUNK):
            connection.execute(table.insert(), chunk)
            count += len(chunk)
    return count


def insert_all(connection: Connection, objects: list[Any]) -> None:
    """Insert model instances of one class with one executemany (inside a transaction)."""
    if not objects:
        return
    mapper = inspect(type(objects[0]))
    fields = [(attr.key, attr.columns[0]) for attr in mapper.column_attrs
              if not attr.columns[0].primary_key or attr.key in objects[0].__dict__]
    connection.execute(mapper.local_table.insert(), [_values(obj, fields) for obj in objects])


def _values(obj: Base, fields: list[tuple[str, Column[Any]]]) -> dict[str, Any]:
    """Column name -> Python value of a transient instance, scalar defaults filled in."""
    state = obj.__dict__
    row = {}
    for key, column in fields:
        value = state.get(key)
        if value is None and column.default is not None and column.default.is_scalar:
            value = column.default.arg  # type: ignore[attr-defined]
        row[column.name] = value
    return row


def analyze(engine: Engine) -> None:
    """Settle the tables after a bulk load: statistics, and on PostgreSQL the visibility map.

    VACUUM marks the loaded pages all-visible, as autovacuum does soon after inserts in
    production, so index-only scans are measured as they run on a settled table.
    """
    if engine.dialect.name != "postgresql":
        with engine.begin() as connection:
            connection.execute(text("ANALYZE"))
        return
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM (ANALYZE)"))


def filing(i: int, *, status: str, now: datetime, **overrides: Any) -> Filing:
    """The filing of corpus document i, denormalised as the services do it."""
    document = corpus.document(i)
    record = Filing(id=filing_id(i), kind="new", applicant=f"applicant-{i % 5000}",
                    status=status, document=document, submitted_document=document,
                    stage_started_at=now, created_at=now, updated_at=now, version=1)
    denormalise(record)
    for key, value in overrides.items():
        setattr(record, key, value)
    return record


def filing_id(i: int) -> str:
    """The id of generated filing i (sorts in the order of i)."""
    return f"b{i:015d}"


def _chunks(rows: Iterable[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    iterator = iter(rows)
    while chunk := list(islice(iterator, size)):
        yield chunk
