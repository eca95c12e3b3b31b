"""A history row's id, known before its INSERT when the move is foreseen.

The notices of a move name its history row (`event:<id>:<channel>`). With the id known
only from the INSERT's answer, they wait for it: one round trip more for each person's
action. A submission asks the database for the id with the pre-check's read-ahead
(beian.filings.registry, before a move), so the notices go with the move's other rows in
one batch (beian.db.direct).

The id is drawn from the table's sequence on PostgreSQL (a rolled-back move leaves a gap,
as any rolled-back INSERT does). On SQLite it is one past the largest: the transaction
holds the write lock from its first statement (BEGIN IMMEDIATE), so no other writer can
take it, and SQLite would give the INSERT that very id. It holds only in the transaction
that read it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Integer
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ColumnElement

from beian.filings.models import FilingEvent

# session.info key: (transaction, filing id, reserved history id).
_RESERVED = "beian.filings.history_ids.reserved"


class NextEventId(ColumnElement[int]):
    """The id the next history row takes (see the module's description)."""

    __visit_name__ = "beian_next_event_id"
    inherit_cache = True
    type = Integer()


_TABLE = FilingEvent.__tablename__


@compiles(NextEventId, "postgresql")
def _from_sequence(_element: NextEventId, _compiler: SQLCompiler, **_kw: Any) -> str:
    return f"nextval('{_TABLE}_id_seq')"  # the SERIAL column's sequence, by its name


@compiles(NextEventId)
def _past_the_largest(_element: NextEventId, _compiler: SQLCompiler, **_kw: Any) -> str:
    return f"(SELECT coalesce(max(id), 0) + 1 FROM {_TABLE})"


def reserve(session: Session, filing_id: str, event_id: int) -> None:
    """Keep `event_id` for the next history row of `filing_id` in this transaction."""
    session.info[_RESERVED] = (session.get_transaction(), filing_id, int(event_id))


def take(session: Session, filing_id: str) -> int | None:
    """The id reserved for `filing_id`'s next history row in this transaction, once."""
    reserved = session.info.pop(_RESERVED, None)
    if reserved is None:
        return None
    transaction, reserved_for, event_id = reserved
    if transaction is None or transaction is not session.get_transaction():
        return None
    return event_id if reserved_for == filing_id else None
