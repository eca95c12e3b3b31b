"""Where the public reads run: a bare Core connection on PostgreSQL, a read session elsewhere.

A public read is one SELECT of plain columns. On PostgreSQL it runs on an SQLAlchemy Core
connection of the read sessions' autocommit engine (`beian.db.read_sessions_of`: no BEGIN
and ROLLBACK around it), as psycopg's SQL compiled once per dialect, on the connection's
own psycopg cursor. An ORM session opened and closed around the statement, SQLAlchemy's
execution path (cache key, execution context, result metadata) cost together as much
Python as the query's whole round trip (profiled: bench/lookup.py).

The connection is still SQLAlchemy's: the pool's ping after idle, its size limits, the
isolation level set and reset. When anything watches the engine's statements (an event
listener, SQL logging) they go through SQLAlchemy so that it sees them; and when psycopg
fails, the statement runs once more through SQLAlchemy, which then raises its own
exception and, for a dead connection, discards the pool's older ones, as on any path.

SQLite, the embedded default, keeps a read session (its instants need SQLAlchemy's type
processing, and in process there is no round trip to save); the public service accepts
either.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

from sqlalchemy import Select
from sqlalchemy.engine import Connection, Dialect, Engine
from sqlalchemy.orm import Session, sessionmaker

from beian.db import read_sessions_of

PublicReads = Session | Connection


@contextmanager
def public_reads(sessions: sessionmaker[Session]) -> Iterator[PublicReads]:
    """What the public service reads through for one request (never for writes)."""
    reads = read_sessions_of(sessions)
    engine = reads.kw.get("bind")
    if isinstance(engine, Engine) and _runs_driver_sql(engine.dialect):
        with engine.connect() as connection:
            yield connection
        return
    with reads() as session:
        yield session


def driver_rows(
    connection: Connection, statement: Select[Any], params: dict[str, Any]
) -> Sequence[Sequence[Any]]:
    """The rows of `statement` run on `connection`: on PostgreSQL as psycopg's SQL, compiled
    once (values come as psycopg gives them: an instant is aware but in the server's time
    zone, not converted to UTC as the UtcDateTime columns would be); elsewhere as usual.
    """
    if not _runs_driver_sql(connection.dialect):
        return connection.execute(statement, params).fetchall()
    sql, fixed = _compiled(statement, connection.dialect)
    values = fixed | params
    if not _observed(connection.engine):
        # Straight on the connection's psycopg cursor: SQLAlchemy's execution context and
        # result metadata cost more Python than all of psycopg's work for the query.
        driver: Any = connection.connection.driver_connection
        try:
            with driver.cursor() as cursor:
                cursor.execute(sql, values)
                rows: list[Sequence[Any]] = cursor.fetchall()
                return rows
        except connection.dialect.loaded_dbapi.Error:
            pass  # once more below, so that SQLAlchemy meets the error as on any path
    # Through SQLAlchemy: its events and logging see the statement, and on an error it
    # raises its own exception and, for a dead connection, discards the pool's older ones.
    return connection.exec_driver_sql(sql, values).fetchall()


# Engine events that watch statements: with a listener, statements go through SQLAlchemy.
# (Errors always do, so "handle_error" listeners see every one.)
_STATEMENT_EVENTS = (
    "before_execute",
    "after_execute",
    "before_cursor_execute",
    "after_cursor_execute",
)


def _observed(engine: Engine) -> bool:
    """Whether anything watches this engine's statements (listeners, SQL logging)."""
    dispatch = engine.dispatch
    watched = any(getattr(dispatch, name) for name in _STATEMENT_EVENTS)
    return watched or engine.logger.isEnabledFor(logging.INFO)


def _runs_driver_sql(dialect: Dialect) -> bool:
    # psycopg itself reads JSON and aware timestamps; other drivers are not assumed to.
    return dialect.name == "postgresql" and dialect.driver == "psycopg"


@lru_cache(maxsize=64)
def _compiled(statement: Select[Any], dialect: Dialect) -> tuple[str, dict[str, Any]]:
    """The SQL of `statement` for `dialect`, and the values of its fixed parameters.

    Only for statements whose parameters are plain values the driver sends as they are
    (no expanding IN, no type processing on the way in): the public statements are.
    """
    built = statement.compile(dialect=dialect)
    sql = str(built)
    if "POSTCOMPILE" in sql:
        raise ValueError("a public read cannot use an expanding parameter")
    fixed = {name: value for name, value in built.params.items() if value is not None}
    return sql, fixed
