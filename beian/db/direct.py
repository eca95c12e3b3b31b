"""The hottest statements, run on the session's own database connection, compiled once.

A person's createFiling and submitFiling run 13 statements. Through `Session.execute` each
cost 50–120 µs more than through psycopg alone (measured: an execution context, the
parameters' processing, a result object), about what PostgreSQL takes to run most of
them. `Direct` keeps what matters of that work and leaves the rest:

- the SQL is the text SQLAlchemy compiles for the dialect, compiled once per dialect (and
  per set of inserted columns);
- parameters and results pass through the same bind and result processors (the columns'
  types: encryption, JSON, UTC times, SQLite's dates, `TextList`);
- the statement runs in the session's transaction, on the connection the session holds;
- a driver error is raised as SQLAlchemy would raise it (`DBAPIError.instance`: an
  IntegrityError stays an IntegrityError), a processor's error as a StatementError;
- the engine's cursor events fire, so tests that watch statements still see these.

Given up: Python-side column defaults and expanding IN parameters (both refused when the
statement is compiled; use `beian.db.lists` for lists), and the ORM (rows are tuples).

On PostgreSQL, `batch` sends several statements without waiting for each one's answer
(psycopg's pipeline mode): their results are read once the batch has ended. A person's
submission sends its six writing statements in one round trip instead of six.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import event, exc
from sqlalchemy.engine import Connection, Dialect, Engine
from sqlalchemy.engine.interfaces import CacheStats
from sqlalchemy.orm import Session
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.dml import Insert

Params = Mapping[str, Any]


@dataclass
class _Plan:
    """One statement compiled for one dialect: what running it needs."""

    compiled: SQLCompiler
    sql: str
    positions: tuple[str, ...] | None  # qmark dialects (SQLite): the order of parameters
    escaped: Mapping[str, str]  # named dialects: parameter names SQLAlchemy escaped
    bind_processors: Mapping[str, Callable[[Any], Any]]
    keys: tuple[str, ...]  # the result's column names
    result_types: tuple[Any, ...]
    # The result processors, found at the first execution (they may depend on the
    # driver's type codes, as SQLAlchemy's own do).
    result_processors: list[Callable[[Any], Any] | None] | None = None
    executed: bool = False

    def parameters(self, params: Params) -> Any:
        values = self.compiled.construct_params(params, escape_names=False)
        processors = self.bind_processors
        processed = {key: processors[key](value) if key in processors else value
                     for key, value in values.items()}
        if self.positions is not None:
            return tuple(processed[key] for key in self.positions)
        return {self.escaped.get(key, key): value for key, value in processed.items()}


@dataclass
class _Events:
    """What the engine's cursor events receive as the execution context."""

    compiled: SQLCompiler
    cache_hit: CacheStats


class Direct:
    """A Core statement (select, insert, update, delete or text) run without SQLAlchemy's
    per-execution work; see the module's description."""

    def __init__(self, statement: ClauseElement) -> None:
        self.statement = statement
        self._plans: dict[tuple[str, tuple[str, ...] | None], _Plan] = {}

    def rows(self, session: Session, params: Params) -> list[tuple[Any, ...]]:
        """Run the statement and return its rows (within a batch, once they are answered:
        the statements sent before it are answered with it)."""
        return self.send(session, params).rows()

    def send(self, session: Session, params: Params) -> Pending:
        """Run the statement; within a `batch`, send it without waiting for its answer.
        Its results are read from the Pending once the batch has ended (at once outside
        one)."""
        opened = session.info.get(_OPEN)
        connection = opened.connection if opened is not None else session.connection()
        plan = self._plan(connection.dialect, params)
        return Pending(plan, _execute(connection, plan, params))

    def _plan(self, dialect: Dialect, params: Params) -> _Plan:
        # An INSERT writes the columns it is given: one plan per set of them.
        columns = tuple(params) if isinstance(self.statement, Insert) else None
        key = (dialect.name, columns)
        plan = self._plans.get(key)
        if plan is None:
            plan = self._plans[key] = _compile(self.statement, dialect, columns)
        return plan


@dataclass
class Pending:
    """A statement sent with `Direct.send`: its answer, once the batch has ended."""

    plan: _Plan
    cursor: Any = field(repr=False)

    @property
    def rowcount(self) -> int:
        return int(self.cursor.rowcount)

    def rows(self) -> list[tuple[Any, ...]]:
        return _rows(self.plan, self.cursor)


@dataclass
class _Batch:
    connection: Connection
    after: list[Callable[[], object]]


# session.info (the open batch) and the connection's info (the guard below) key.
_OPEN = "beian.db.direct.batch"


@contextmanager
def batch(session: Session) -> Iterator[None]:
    """Send the `Direct.send` statements of the block without waiting for each answer: on
    PostgreSQL in one pipeline (one round trip), elsewhere one by one. Then, in order, run
    what `after` was given: the checks and steps that need the answers.

    A pipeline costs more than a plain statement (measured: 25–90 µs more for one, 50–100
    µs less for two): batch two statements or more. A batch inside another joins it:
    everything waits for the outer block's end. Inside the block nothing may run through
    the session (its statement would join the pipeline unanswered, and read as having no
    rows): the engine refuses it (`guard_batches`). An error of any statement is raised
    when the block ends; the transaction has then failed, and the caller rolls back as
    after any failed statement.
    """
    if _OPEN in session.info:
        yield
        return
    connection = session.connection()
    opened = session.info[_OPEN] = _Batch(connection, [])
    connection.info[_OPEN] = True
    try:
        with _pipeline(connection):
            yield
    finally:
        del session.info[_OPEN]
        connection.info.pop(_OPEN, None)
    for step in opened.after:
        step()


def after(session: Session, step: Callable[[], object]) -> None:
    """Run `step` once the open batch has ended (at once when none is open)."""
    opened = session.info.get(_OPEN)
    if opened is None:
        step()
    else:
        opened.after.append(step)


@contextmanager
def _pipeline(connection: Connection) -> Iterator[None]:
    driver: Any = connection.connection.driver_connection
    if connection.dialect.name != "postgresql" or not hasattr(driver, "pipeline"):
        yield
        return
    try:
        with driver.pipeline():
            yield
    except connection.dialect.loaded_dbapi.Error as error:
        raise _translated(connection, "(statements sent in one pipeline)", None, error,
                          None) from error


def guard_batches(engine: Engine) -> None:
    """Make `engine` refuse a statement run through SQLAlchemy inside a batch."""

    @event.listens_for(engine, "before_cursor_execute")
    def _refuse(connection: Connection, _cursor: Any, statement: str, _params: Any,
                context: Any, _many: bool) -> None:
        if not isinstance(context, _Events) and connection.info.get(_OPEN):
            raise RuntimeError("a statement was run through the session inside "
                               f"beian.db.direct.batch: {statement[:200]}")


def _compile(statement: ClauseElement, dialect: Dialect,
             columns: tuple[str, ...] | None) -> _Plan:
    compiled = statement.compile(dialect=dialect, column_keys=list(columns or ()))
    assert isinstance(compiled, SQLCompiler)
    if compiled.insert_prefetch or compiled.update_prefetch:
        raise ValueError("Direct cannot run a statement whose columns take Python-side "
                         "defaults: give every value, or run it through the session")
    if compiled.literal_execute_params or compiled.post_compile_params:
        raise ValueError("Direct cannot run expanding parameters: bind a list with "
                         "beian.db.lists instead")
    columns_out = compiled._result_columns  # noqa: SLF001 - what SQLAlchemy's results use
    return _Plan(
        compiled=compiled,
        sql=compiled.string,
        positions=tuple(compiled.positiontup) if compiled.positional and compiled.positiontup
        else (() if compiled.positional else None),
        escaped=compiled.escaped_bind_names or {},
        # A processor per name (a sequence only for expanding tuples, refused above).
        bind_processors=cast(Mapping[str, Callable[[Any], Any]],
                             compiled._bind_processors),  # noqa: SLF001
        keys=tuple(column.keyname for column in columns_out),
        result_types=tuple(column.type for column in columns_out),
    )


def _execute(connection: Connection, plan: _Plan, params: Params) -> Any:
    try:
        parameters = plan.parameters(params)
    except Exception as error:  # a type's processor refused the value, as SQLAlchemy says
        raise exc.StatementError(
            f"({type(error).__module__}.{type(error).__name__}) {error}",
            plan.sql, dict(params), error,
        ) from error
    dbapi_connection = connection.connection
    cursor = dbapi_connection.cursor()
    dispatch = connection.dispatch
    events = _Events(plan.compiled, CacheStats.CACHE_HIT if plan.executed
                     else CacheStats.CACHE_MISS)
    plan.executed = True
    if dispatch.before_cursor_execute:
        for listener in dispatch.before_cursor_execute:
            listener(connection, cursor, plan.sql, parameters, events, False)
    try:
        cursor.execute(plan.sql, parameters)
    except connection.dialect.loaded_dbapi.Error as error:
        raise _translated(connection, plan.sql, parameters, error, cursor) from error
    if dispatch.after_cursor_execute:
        for listener in dispatch.after_cursor_execute:
            listener(connection, cursor, plan.sql, parameters, events, False)
    return cursor


def _translated(connection: Connection, sql: str, parameters: Any, error: Any,
                cursor: Any) -> exc.StatementError:
    """The driver's error as SQLAlchemy raises it; a lost connection is given up, as
    SQLAlchemy gives it up, so the pool does not hand it out again."""
    dialect = connection.dialect
    if dialect.is_disconnect(error, connection.connection.dbapi_connection, cursor):
        connection.invalidate(error)
    return exc.DBAPIError.instance(sql, parameters, error, dialect.loaded_dbapi.Error,
                                   dialect=dialect)


def _rows(plan: _Plan, cursor: Any) -> list[tuple[Any, ...]]:
    # psycopg builds the description anew on each reading: read it only when needed.
    if not plan.keys and (not plan.compiled.isplaintext or cursor.description is None):
        return []
    processors = plan.result_processors
    if processors is None:
        dialect = plan.compiled.dialect
        processors = plan.result_processors = [
            type_._cached_result_processor(dialect, description[1])  # noqa: SLF001
            for type_, description in zip(plan.result_types, cursor.description, strict=True)
        ]
    fetched: Sequence[tuple[Any, ...]] = cursor.fetchall()
    if not any(processors):
        return [tuple(row) for row in fetched]
    return [tuple(value if process is None else process(value)
                  for process, value in zip(processors, row, strict=True))
            for row in fetched]
