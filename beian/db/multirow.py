"""A multi-row INSERT that SQLAlchemy compiles once.

`insert(table).values([...])` with several rows is never kept in SQLAlchemy's compiled
cache (a statement of several VALUES rows has no cache key), so it is compiled again on
every execution: 0.1–0.3 ms for a wide table, more than the database takes to run it. A
list of parameter sets instead is an executemany, which psycopg runs as a pipeline with a
synchronisation round trip of its own. The same statement written as text with typed bind
parameters is cached by its text, compiled once, and still one statement and one round
trip; its parameters go through the columns' types (encryption, JSON, UTC times).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Table, bindparam, text
from sqlalchemy.sql.elements import TextClause

from beian.db.direct import Direct


@functools.cache
def multi_row_insert(
    table: Table, columns: tuple[str, ...], count: int, *, skip_conflicts_on: str | None = None,
    replace_on: tuple[str, ...] = (), replacing: tuple[str, ...] = (),
) -> TextClause:
    """INSERT of `count` rows of `columns` into `table`; the value of column c of row i is
    the parameter `c_i` (see `multi_row_values`). With `skip_conflicts_on`, a row whose
    value of that unique column is taken is left out (ON CONFLICT DO NOTHING); with
    `replace_on` (unique columns), such a row's `replacing` columns take the new values
    instead (an upsert). The same words on PostgreSQL and SQLite."""
    names = ", ".join(f'"{name}"' for name in columns)
    rows = ", ".join(
        "(" + ", ".join(f":{name}_{i}" for name in columns) + ")" for i in range(count)
    )
    conflict = f' ON CONFLICT ("{skip_conflicts_on}") DO NOTHING' if skip_conflicts_on else ""
    if replace_on:
        keys = ", ".join(f'"{name}"' for name in replace_on)
        values = ", ".join(f'"{name}" = excluded."{name}"' for name in replacing)
        conflict = f" ON CONFLICT ({keys}) DO UPDATE SET {values}"
    statement = text(f'INSERT INTO "{table.name}" ({names}) VALUES {rows}{conflict}')
    return statement.bindparams(*(
        bindparam(f"{name}_{i}", type_=table.c[name].type)
        for i in range(count) for name in columns
    ))


def multi_row_values(
    columns: Sequence[str], rows: Sequence[Mapping[str, Any]]
) -> dict[str, Any]:
    """The parameters of `multi_row_insert` for these rows."""
    return {f"{name}_{i}": row[name] for i, row in enumerate(rows) for name in columns}


@functools.cache
def direct_multi_row_insert(
    table: Table, columns: tuple[str, ...], count: int, *, skip_conflicts_on: str | None = None,
    replace_on: tuple[str, ...] = (), replacing: tuple[str, ...] = (),
) -> Direct:
    """`multi_row_insert`, run by beian.db.direct: a person's action sends its few rows so
    (within a batch, with the action's other statements)."""
    return Direct(multi_row_insert(table, columns, count, skip_conflicts_on=skip_conflicts_on,
                                   replace_on=replace_on, replacing=replacing))
