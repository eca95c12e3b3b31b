"""Alembic migrations build exactly the schema the models declare, on both databases."""

import os
import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url

from beian.db import make_engine
from beian.db.migrate import upgrade
from beian.db.models import metadata

POSTGRES_URL = os.environ.get("BEIAN_TEST_POSTGRES_URL", "")


def _drift(url: str) -> list:
    engine = make_engine(url)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        diff = compare_metadata(context, metadata)
    engine.dispose()
    return diff


def test_sqlite_migrations_match_the_models(tmp_path):
    url = f"sqlite:///{tmp_path}/migrated.db"
    upgrade(url)
    assert _drift(url) == []
    engine = make_engine(url)
    assert set(metadata.tables) <= set(inspect(engine).get_table_names())
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
    engine.dispose()


def test_upgrade_twice_is_harmless(tmp_path):
    url = f"sqlite:///{tmp_path}/twice.db"
    upgrade(url)
    upgrade(url)
    assert _drift(url) == []


@pytest.mark.postgres
def test_postgresql_migrations_match_the_models():
    admin = make_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    name = f"beian_migrate_{uuid.uuid4().hex[:8]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        url = make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
        upgrade(url)
        assert _drift(url) == []
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
