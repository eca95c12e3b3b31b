"""Shared fixtures: a clock that only moves when told, and databases of both kinds.

`engine` is parametrized over SQLite (a fresh file per test) and PostgreSQL (one
scratch database per test run, emptied after each test). Tests that take `engine`
or `db` therefore run on both. The schema comes from the models' metadata here;
tests/db/test_migrations.py proves the Alembic migrations build the same schema.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import datetime

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session, sessionmaker

from beian.clock import CHINA_TZ, FixedClock
from beian.db import make_engine, make_sessionmaker
from beian.db.models import metadata
from tests.journey import World, example_document

POSTGRES_URL = os.environ.get("BEIAN_TEST_POSTGRES_URL", "")


@pytest.fixture
def clock() -> FixedClock:
    """Monday 2026-03-02 09:00 China time, an ordinary working morning."""
    return FixedClock(datetime(2026, 3, 2, 9, 0, tzinfo=CHINA_TZ))


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A scratch PostgreSQL database with the full schema, dropped after the run."""
    if not POSTGRES_URL:
        pytest.fail("BEIAN_TEST_POSTGRES_URL is not set: run the tests with `make test`")
    admin = make_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    name = f"beian_test_{uuid.uuid4().hex[:10]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    engine = make_engine(url)
    metadata.create_all(engine)
    engine.dispose()
    yield url
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: os.PathLike[str]) -> Iterator[Engine]:
    """A migrated, empty database of each kind."""
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path}/beian.db")
        metadata.create_all(engine)
        yield engine
        engine.dispose()
        return
    engine = make_engine(request.getfixturevalue("postgres_url"))
    yield engine
    tables = ", ".join(f'"{table.name}"' for table in metadata.sorted_tables)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture
def sessions(engine: Engine) -> sessionmaker[Session]:
    return make_sessionmaker(engine)


@pytest.fixture
def db(sessions: sessionmaker[Session]) -> Iterator[Session]:
    """A session on each kind of database; the test commits when it needs to."""
    with sessions() as session:
        yield session


@pytest.fixture
def world(sessions: sessionmaker[Session], clock: FixedClock) -> World:
    """Drives whole journeys through the services on each kind of database."""
    return World(sessions, clock)


@pytest.fixture
def document(world: World) -> dict:
    """The example education filing, with a freshly passed face check."""
    return example_document(world)
