"""Pooled connections on PostgreSQL: dead ones are replaced, reads run without a transaction."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from beian.db import (
    PING_AFTER_IDLE_SECONDS,
    make_engine,
    make_sessionmaker,
    read_sessions_of,
    transaction,
)


class Seconds:
    """A monotonic clock that only moves when told."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def seconds() -> Seconds:
    return Seconds()


@pytest.fixture
def pool(postgres_url: str, seconds: Seconds) -> Iterator[Engine]:
    """An engine of one pooled connection, so every unit of work reuses the same one."""
    engine = make_engine(postgres_url, clock=seconds, pool_size=1, max_overflow=0)
    yield engine
    engine.dispose()


@pytest.fixture
def admin(postgres_url: str) -> Iterator[Engine]:
    engine = make_engine(postgres_url, isolation_level="AUTOCOMMIT")
    yield engine
    engine.dispose()


def _backend(sessions: sessionmaker[Session]) -> int:
    with transaction(sessions) as db:
        return int(db.execute(text("SELECT pg_backend_pid()")).scalar_one())


def _terminate(admin: Engine, pid: int) -> None:
    """End the backend from another connection and wait (up to 5 s) until it is gone."""
    with admin.connect() as connection:
        ended = connection.execute(text("SELECT pg_terminate_backend(:pid, 5000)"), {"pid": pid})
        assert ended.scalar_one() is True


def _status(session: Session) -> psycopg.pq.TransactionStatus:
    """The transaction status the server reported after the session's last statement."""
    return session.connection().connection.dbapi_connection.info.transaction_status  # type: ignore[union-attr]


def test_a_connection_killed_while_idle_is_replaced_before_use(pool, admin, seconds):
    sessions = make_sessionmaker(pool)
    killed = _backend(sessions)
    _terminate(admin, killed)  # as a PostgreSQL restart or a dropped socket would
    seconds.now += PING_AFTER_IDLE_SECONDS + 1
    assert _backend(sessions) != killed  # pinged, found dead, replaced: the work succeeds
    assert _backend(sessions) == _backend(sessions)  # and the new one is reused


def test_a_connection_used_moments_ago_is_not_pinged_and_one_failure_clears_the_pool(
    pool, admin, seconds
):
    sessions = make_sessionmaker(pool)
    killed = _backend(sessions)
    _terminate(admin, killed)
    seconds.now += PING_AFTER_IDLE_SECONDS - 1
    # No ping: the unit of work meets the dead connection (one would with a pre-ping too,
    # had the server died a moment later, during the work).
    with pytest.raises(OperationalError) as failure:
        _backend(sessions)
    assert failure.value.connection_invalidated
    assert _backend(sessions) != killed  # the next unit of work connects afresh


def test_read_sessions_run_without_a_transaction_and_give_the_connection_back_unchanged(pool):
    sessions = make_sessionmaker(pool)
    reads = read_sessions_of(sessions)
    with reads() as db:
        db.execute(text("SELECT 1"))
        assert _status(db) == psycopg.pq.TransactionStatus.IDLE  # no BEGIN was sent
    # The same pooled connection, transactional again for the next unit of work.
    with sessions() as db:
        db.execute(text("SELECT 1"))
        assert _status(db) == psycopg.pq.TransactionStatus.INTRANS


def test_on_sqlite_read_sessions_are_the_ordinary_sessions(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path}/beian.db")
    sessions = make_sessionmaker(engine)
    assert read_sessions_of(sessions) is sessions
    unbound: sessionmaker[Session] = sessionmaker()
    assert read_sessions_of(unbound) is unbound
    engine.dispose()


def test_read_sessions_are_made_once_and_follow_the_sessions_engine(pool, postgres_url):
    sessions = make_sessionmaker(pool)
    first = read_sessions_of(sessions)
    assert read_sessions_of(sessions) is first
    other = make_engine(postgres_url)
    sessions.configure(bind=other)  # as a test stage swapping the application's database
    assert read_sessions_of(sessions) is not first
    with read_sessions_of(sessions)() as db:
        assert db.get_bind().pool is other.pool  # type: ignore[union-attr]
    other.dispose()
