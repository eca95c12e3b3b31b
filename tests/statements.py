"""Watching the SQL an engine runs, for tests that count or inspect statements."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine


@contextmanager
def statements_run(
    engine: Engine, keep: Callable[[str, Any], bool] = lambda _statement, _context: True
) -> Iterator[list[str]]:
    """The statements the engine runs inside the block that `keep(statement, context)`
    accepts (context: SQLAlchemy's execution context, for its compiled form and cache hit)."""
    seen: list[str] = []

    def record(
        _conn: Any, _cursor: Any, statement: str, _params: Any, context: Any, _many: bool
    ) -> None:
        if keep(statement, context):
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def sqlite_plan(engine: Engine, statement: str, params: tuple[Any, ...] | None = None
                ) -> list[str]:
    """The steps of SQLite's EXPLAIN QUERY PLAN for `statement` (its `?` parameters bound
    to `params`, or to NULL: the plan does not depend on the values)."""
    values = params if params is not None else (None,) * statement.count("?")
    with engine.connect() as connection:
        rows = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", values)
        return [row[3] for row in rows]
