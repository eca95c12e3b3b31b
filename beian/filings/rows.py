"""A filing's row written and read in Core, the object kept in the session as if the ORM
had written or loaded it.

Creating a draft and loading the filing an action works on are the most frequent writes
and reads of a filing. For one object the ORM's unit of work and its loading cost more
than the statement itself (about 0.15 ms for a draft, 0.1 ms for a load), so these two
run the statement in Core and put the object into the session's identity map as stored:
the rest of the request reads and changes it as any loaded Filing.
"""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import Column, Table, bindparam, insert, select
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.util import identity_key

from beian.db.direct import Direct
from beian.filings.models import Filing


def insert_new(session: Session, filing: Filing) -> None:
    """Write a new filing as a flush would, and keep it in the session as loaded.

    The row is the one the unit of work writes: a column left unset (or None) takes its
    default, on the object too, and the version counter starts where the ORM starts it.
    """
    session.flush()  # earlier changes first, as the flush of the filing did
    filing.version = _FIRST_VERSION
    row = {}
    for key, default in _DEFAULTS.items():
        value = filing.__dict__.get(key)
        if value is None and (default is not None or key not in filing.__dict__):
            value = default
            setattr(filing, key, value)  # left unset, it would read as expired: a SELECT
        if value is not None:  # left out, as the ORM leaves it: SQL NULL, never JSON null
            row[key] = value
    _INSERT.send(session, row)  # within a batch, sent with the batch's other statements
    _keep(session, filing)


def ask(session: Session, filing_id: str) -> None:
    """Send the read of the filing now (within a batch of beian.db.direct, with the
    batch's other statements); the next `load` of it in this session takes the answer.
    Call `load` before anything in the session changes the filing."""
    session.info.setdefault(_ASKED, {})[filing_id] = _SELECT.send(
        session, {"filing_id": filing_id})


def load(session: Session, filing_id: str) -> Filing | None:
    """`session.get(Filing, filing_id)`, with the row read in Core when the session does
    not hold the filing already (when it does, the ORM decides whether to read again)."""
    asked = session.info.get(_ASKED, {}).pop(filing_id, None)
    key = identity_key(Filing, filing_id)
    if session.identity_map.get(key) is None and session.autoflush:
        session.flush()  # as the ORM's query would: a pending filing is found too
    if session.identity_map.get(key) is not None:
        return session.get(Filing, filing_id)
    found = asked.rows() if asked is not None else _SELECT.rows(
        session, {"filing_id": filing_id})
    if not found:
        return None
    row = found[0]
    filing: Filing = _MANAGER.new_instance()
    # As the ORM's loading fills a new object: straight into its dict, bypassing the
    # attribute events (the document's validator would recompute the public facts).
    filing.__dict__.update(zip(_KEYS, row, strict=True))
    _keep(session, filing)
    return filing


def _keep(session: Session, filing: Filing) -> None:
    make_transient_to_detached(filing)  # its values are the stored ones: nothing to flush
    session.add(filing)  # a detached object joins the identity map; nothing is written


def _scalar_default(column: Column[Any]) -> Any:
    """A column's default as a value. A default made by the database or by a function
    cannot be known before the INSERT, so a table with one is refused at import."""
    if column.server_default is not None or (
        column.default is not None and not column.default.is_scalar
    ):
        raise TypeError(f"filings.{column.key}: insert_new supports plain scalar defaults only")
    return getattr(column.default, "arg", None)


_FILINGS = cast(Table, Filing.__table__)
_INSERT = Direct(insert(_FILINGS))
_SELECT = Direct(select(*_FILINGS.c).where(_FILINGS.c.id == bindparam("filing_id")))
# Filing names its attributes as its columns: rows and objects share the keys.
_KEYS = tuple(column.key for column in _FILINGS.c)
_DEFAULTS = {column.key: _scalar_default(column) for column in _FILINGS.c}
_MANAGER = Filing.__mapper__.class_manager
# session.info key: the filings `ask` has sent for, by id.
_ASKED = "beian.filings.rows.asked"
# Where the ORM's version counter (Filing's version_id_col) starts a new row: lifecycle
# moves count from it. tests/filings/test_rows.py holds the two to the same row.
_FIRST_VERSION = 1
