"""Alembic environment: migrate the URL set on the config, against the full metadata."""

from typing import Any, Literal

from alembic import context

from beian.db import make_engine
from beian.db.models import metadata
from beian.db.types import UtcDateTime

config = context.config


def render_item(kind: str, item: Any, autogen_context: Any) -> str | Literal[False]:
    """Render the project's own column types with their import."""
    if kind == "type" and isinstance(item, UtcDateTime):
        autogen_context.imports.add("from beian.db.types import UtcDateTime")
        return "UtcDateTime()"
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
