"""Database wiring: the declarative base, engines and sessions.

SQLite (the embedded default) runs in WAL mode with foreign keys on; PostgreSQL is used
as it comes. Feature packages declare their models on `Base`; `beian.db.models` imports
them all so Alembic sees one complete metadata.
"""

from __future__ import annotations

import time
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import MetaData, create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

from beian.db.direct import guard_batches

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


# A pooled connection idle longer than this is pinged before it is handed out (see below).
PING_AFTER_IDLE_SECONDS = 5.0


def make_engine(
    url: str,
    *,
    ping_after_idle: float = PING_AFTER_IDLE_SECONDS,
    clock: Callable[[], float] = time.monotonic,
    **kwargs: Any,
) -> Engine:
    """Create an engine; SQLite gets WAL, foreign keys, a busy timeout and BEGIN IMMEDIATE."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30}, **kwargs)
        _configure_sqlite(engine)
        guard_batches(engine)
        return engine
    defaults: dict[str, Any] = {
        "pool_size": 10,
        "max_overflow": 10,
        "pool_timeout": 30,
        "pool_recycle": 1800,
        # A transaction left open by a stuck process must not hold locks forever.
        "connect_args": {
            "options": "-c idle_in_transaction_session_timeout=60s",
            "application_name": "beian",
        },
    }
    engine = create_engine(url, **(defaults | kwargs))
    if not kwargs.get("pool_pre_ping"):
        _ping_idle_connections(engine, ping_after_idle, clock)
    guard_batches(engine)
    return engine


def _ping_idle_connections(engine: Engine, after: float, clock: Callable[[], float]) -> None:
    """Ping a pooled connection before use only when it sat idle longer than `after`.

    `pool_pre_ping` would cost a round trip on every checkout, as much as a public lookup
    itself. Connections die while they sit idle: a PostgreSQL restart, a firewall or proxy
    dropping quiet sockets; one returned moments ago is almost surely alive. If it is not
    (the server restarted within those seconds), its first statement fails with a
    disconnect, SQLAlchemy then discards every connection of the pool opened before it,
    and the next unit of work connects afresh: at most that one unit of work is lost, as
    one running during the restart would be.
    """

    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_connection: Any, record: Any) -> None:
        # `info` belongs to the DBAPI connection: a replaced connection starts without it.
        record.info["returned_at"] = clock()

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        returned_at = record.info.get("returned_at")
        if returned_at is None or clock() - returned_at <= after:
            return  # freshly opened, or used moments ago
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as error:
            # The pool discards this connection and checks out another (a new one if need be).
            raise DisconnectionError(f"pooled connection found dead: {error}") from error


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy issue BEGIN itself (below) instead of pysqlite's lazy BEGIN.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # One writer at a time: take the write lock at the start of every transaction,
        # so read-then-write sequences (counters, claims) cannot interleave.
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


# The read sessions of each PostgreSQL sessionmaker, with the engine they were made for.
_Made = tuple[Engine, "sessionmaker[Session]"]
_READ_SESSIONS: weakref.WeakKeyDictionary[sessionmaker[Session], _Made] = (
    weakref.WeakKeyDictionary()
)


def read_sessions_of(sessions: sessionmaker[Session]) -> sessionmaker[Session]:
    """Sessions for reads of one statement: no BEGIN and ROLLBACK around it on PostgreSQL.

    A single SELECT sees one consistent snapshot without a transaction, so on PostgreSQL
    these sessions run in autocommit and a lookup costs one round trip, not three. They
    must never write: each statement would commit on its own. SQLite keeps `sessions`:
    in process there is no round trip to save, and its "begin" listener issues BEGIN
    IMMEDIATE whatever the isolation level. Made once per sessionmaker and engine, so a
    caller may ask on every request and always follows the sessions it is given.
    """
    bind = sessions.kw.get("bind")
    if not isinstance(bind, Engine) or bind.dialect.name != "postgresql":
        return sessions
    made = _READ_SESSIONS.get(sessions)
    if made is None or made[0] is not bind:
        reads = sessionmaker(bind.execution_options(isolation_level="AUTOCOMMIT"),
                             expire_on_commit=False)
        made = _READ_SESSIONS[sessions] = (bind, reads)
    return made[1]


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commit on success, roll back everything on any error."""
    session = factory()
    try:
        with committed(session):
            yield session
    finally:
        session.close()


@contextmanager
def committed(session: Session) -> Iterator[Session]:
    """Commit the open session's work on success, roll it all back on any error."""
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
