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
