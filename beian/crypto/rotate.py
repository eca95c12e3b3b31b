"""Key rotation: re-encrypt every encrypted column and every stored file with the newest key.

Run after putting a new key first in the ring (old keys stay, so everything still reads).
Rows are rewritten in batches, one transaction each, straight in SQL (no ORM, no history
rows). A row is rewritten only if it is still exactly what was read, so a value changed
meanwhile (and so already written with the newest key) is left alone. Values already under
the newest key are skipped, so running it again does nothing; an interrupted run is simply
run again. When it reports nothing left to rewrite, the old key can be removed.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import Column, LargeBinary, MetaData, Table, literal, select, type_coerce, update
from sqlalchemy.orm import Session, sessionmaker

from beian.crypto.cipher import reencrypt
from beian.crypto.keys import current_ring
from beian.crypto.types import EncryptedJSON, EncryptedText
from beian.db import transaction
from beian.documents.models import Media
from beian.documents.storage import EncryptedStorage

DEFAULT_BATCH = 500


@dataclass
class RotationReport:
    """What a rotation rewrote: rows per `table.column`, files per outcome."""

    key_id: str
    columns: dict[str, int] = field(default_factory=dict)
    files: Counter[str] = field(default_factory=Counter)

    @property
    def rewritten(self) -> int:
        """Rows and files rewritten (0 means everything was already under the newest key)."""
        return sum(self.columns.values()) + self.files["rotated"] + self.files["encrypted"]


def encrypted_columns(metadata: MetaData) -> list[tuple[Table, Column[object]]]:
    """Every column of an encrypted type, table by table."""
    return [
        (table, column)
        for table in metadata.sorted_tables
        for column in table.columns
        if isinstance(column.type, EncryptedText | EncryptedJSON)
    ]


def rotate_column(
    sessions: sessionmaker[Session],
    table: Table,
    column: Column[object],
    *,
    batch: int = DEFAULT_BATCH,
) -> int:
    """Re-encrypt one column's values that are not under the newest key; returns how many."""
    [key] = table.primary_key.columns  # every table holding personal data has one id column
    raw = type_coerce(column, LargeBinary)
    ring, rewritten, last = current_ring(), 0, None
    while True:
        with transaction(sessions) as session:
            query = select(key, raw).where(column.is_not(None)).order_by(key).limit(batch)
            if last is not None:
                query = query.where(key > last)
            rows = session.execute(query).all()
            for row_id, blob in rows:
                fresh = reencrypt(bytes(blob), ring)
                if fresh is None:
                    continue
                result = session.execute(
                    update(table)
                    .where(key == row_id, raw == literal(bytes(blob), LargeBinary))
                    .values({column.name: literal(fresh, LargeBinary)})
                )
                rewritten += int(getattr(result, "rowcount", 0) or 0)
        if len(rows) < batch:
            return rewritten
        last = rows[-1][0]


def rotate_files(
    sessions: sessionmaker[Session], storage: EncryptedStorage, *, batch: int = DEFAULT_BATCH
) -> Counter[str]:
    """Re-encrypt (or encrypt, if stored plain) the file of every media row."""
    outcomes: Counter[str] = Counter()
    last = ""
    while True:
        with sessions() as session:
            rows = session.execute(
                select(Media.id, Media.storage_key)
                .where(Media.id > last)
                .order_by(Media.id)
                .limit(batch)
            ).all()
        for _, storage_key in rows:
            try:
                outcomes[storage.rotate(storage_key)] += 1
            except FileNotFoundError:
                outcomes["missing"] += 1
        if len(rows) < batch:
            return outcomes
        last = rows[-1][0]


def rotate_all(
    sessions: sessionmaker[Session],
    metadata: MetaData,
    *,
    storage: EncryptedStorage | None = None,
    batch: int = DEFAULT_BATCH,
) -> RotationReport:
    """Rotate every encrypted column of `metadata` and, given a storage, every file."""
    report = RotationReport(key_id=current_ring().current.id)
    for table, column in encrypted_columns(metadata):
        name = f"{table.name}.{column.name}"
        report.columns[name] = rotate_column(sessions, table, column, batch=batch)
    if storage is not None:
        report.files = rotate_files(sessions, storage, batch=batch)
    return report
