"""Indexes of the filings table that serve the public query at millions of rows.

Declared outside the class body because they carry PostgreSQL operator classes: the
database's collation is not "C" (C.UTF-8, en_US.UTF-8), so a plain b-tree cannot answer
`LIKE 'prefix%'`; the `varchar_pattern_ops` class compares bytes and can. The public
search is a prefix search on the mini-program name, the organisation name and (for a
subject number) the service number, so b-trees are the right tool: they also keep the
range in order and cost little on every write. SQLite gets plain b-trees of the same
columns, which it simply ignores for LIKE.

A substring ("contains") search would need trigram GIN indexes instead; see TRIGRAM_DDL.
Imported by beian.db.models so that Alembic and `metadata.create_all` see them.
"""

from __future__ import annotations

from sqlalchemy import Index

from beian.filings.models import Filing

PATTERN_OPS = "varchar_pattern_ops"
# Each name arm of the query keeps the ids of its first matches by number among the
# public rows: with the number, the status and the id in the index, that is an index-only
# scan of the prefix's range (a 4-character prefix matches a thousand rows at a million
# filings), not a thousand heap visits. PostgreSQL only; SQLite ignores INCLUDE.
NAME_ARM_COLUMNS = ["record_number", "status", "id"]

APPLET_NAME_PREFIX = Index(
    "ix_filings_applet_name_prefix",
    Filing.applet_name,
    postgresql_ops={"applet_name": PATTERN_OPS},
    postgresql_include=NAME_ARM_COLUMNS,
)
SUBJECT_NAME_PREFIX = Index(
    "ix_filings_subject_name_prefix",
    Filing.subject_name,
    postgresql_ops={"subject_name": PATTERN_OPS},
    postgresql_include=NAME_ARM_COLUMNS,
)
# The unique constraint's index answers `record_number = x`; this one answers the
# services of a subject number, `record_number LIKE '京ICP备2026000001号-%'`.
RECORD_NUMBER_PREFIX = Index(
    "ix_filings_record_number_prefix",
    Filing.record_number,
    postgresql_ops={"record_number": PATTERN_OPS},
)
# The profile page of a mini-program looks it up by appid.
APPID = Index("ix_filings_appid", Filing.appid)

INDEXES = (APPLET_NAME_PREFIX, SUBJECT_NAME_PREFIX, RECORD_NUMBER_PREFIX, APPID)

# Not created: what a substring search would need (PostgreSQL only, extension pg_trgm).
TRIGRAM_DDL = (
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX ix_filings_applet_name_trgm ON filings USING gin (applet_name gin_trgm_ops)",
    "CREATE INDEX ix_filings_subject_name_trgm ON filings USING gin (subject_name gin_trgm_ops)",
)
