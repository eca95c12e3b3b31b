"""Alembic environment: migrate the URL set on the config, against the full metadata."""

from typing import Any, Literal

from alembic import context

from beian.db import make_engine
from beian.db.models import metadata

config = context.config


def render_item(kind: str, item: Any, autogen_context: Any) -> str | Literal[False]:
    """Render the project's own column types (UtcDateTime, encrypted types) with their import."""
    cls = type(item)
    if kind == "type" and cls.__module__.startswith("beian."):
        autogen_context.imports.add(f"from {cls.__module__} import {cls.__name__}")
        return f"{cls.__name__}()"
    return False


def run_migrations() -> None:
    engine = make_engine(config.get_main_option("sqlalchemy.url") or "")
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=metadata,
            render_as_batch=engine.dialect.name == "sqlite",
            compare_type=True,
            render_item=render_item,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run_migrations()
