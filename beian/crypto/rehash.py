"""Recompute every keyed hash with the configured hash key (after changing BEIAN_HASH_KEY).

The hash key is not rotated like the data keys: look-ups compare hashes, so every hash
must change at once. Procedure: stop the web and worker processes, set the new hash key,
run `beian keys rehash`, start them again. Every hash is recomputed from its plain value:

- columns behind a `hashed()` attribute (SMS challenges, outbox recipients, local SMS):
  from the encrypted value beside them;
- `filing_people`: rebuilt from each filing's submitted document;
- `filings.subject_key` (type + hash of the certificate number): from the document, and
  the numbering tables that were keyed by it are moved to the new key in the same
  transaction, so an interrupted run can simply be run again.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import delete, inspect, select, update
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Session, sessionmaker

from beian.crypto.cipher import keyed_hash
from beian.db import Base, transaction
from beian.filings.documents import people, subject_key
from beian.filings.models import Filing, FilingPerson
from beian.numbering.models import IssuedNumberRecord, NumberedSubject

DEFAULT_BATCH = 500


def hashed_attributes() -> Iterator[tuple[type[Any], str, str, str]]:
    """(model, encrypted attribute, hash attribute, purpose) of every `hashed()` attribute."""
    for mapper in Base.registry.mappers:
        for attribute in mapper.all_orm_descriptors:
            if isinstance(attribute, hybrid_property) and "hashed" in attribute.info:
                encrypted, hash_column, purpose = attribute.info["hashed"]
                yield mapper.class_, encrypted, hash_column, purpose


def rehash_all(sessions: sessionmaker[Session], *, batch: int = DEFAULT_BATCH) -> dict[str, int]:
    """Recompute every hash; returns rows changed per table (0 everywhere on a re-run)."""
    changed: dict[str, int] = {}
    for model, encrypted, hash_column, purpose in hashed_attributes():
        name = f"{model.__tablename__}.{hash_column}"
        changed[name] = _rehash_model(sessions, model, encrypted, hash_column, purpose, batch)
    changed["filing_people"] = _rebuild_people(sessions, batch)
    changed["filings.subject_key"] = _rekey_subjects(sessions, batch)
    return changed


def _batches(sessions: sessionmaker[Session], model: type[Any], batch: int) -> Iterator[Any]:
    """Yield (session, rows) batch by batch, each in its own committed transaction."""
    [key] = inspect(model).primary_key
    last = None
    while True:
        with transaction(sessions) as session:
            query = select(model).order_by(key).limit(batch)
            if last is not None:
                query = query.where(key > last)
            rows = list(session.scalars(query))
            yield session, rows
        if len(rows) < batch:
            return
        last = getattr(rows[-1], key.key)


def _rehash_model(
    sessions: sessionmaker[Session],
    model: type[Any],
    encrypted: str,
    hash_column: str,
    purpose: str,
    batch: int,
) -> int:
    changed = 0
    for _session, rows in _batches(sessions, model, batch):
        for row in rows:
            value = getattr(row, encrypted)
            fresh = None if value is None else keyed_hash(value, purpose)
            if getattr(row, hash_column) != fresh:
                setattr(row, hash_column, fresh)
                changed += 1
    return changed


def _rebuild_people(sessions: sessionmaker[Session], batch: int) -> int:
    changed = 0
    for session, filings in _batches(sessions, Filing, batch):
        for filing in filings:
            rows = session.scalars(select(FilingPerson).where(FilingPerson.filing_id == filing.id))
            stored = sorted((p.role, p.certificate_hash, p.mobile_hash) for p in rows)
            wanted = sorted(people(filing.submitted_document)) if filing.submitted_document else []
            if stored == wanted:
                continue
            session.execute(delete(FilingPerson).where(FilingPerson.filing_id == filing.id))
            for role, certificate_hash, mobile_hash in wanted:
                session.add(
                    FilingPerson(
                        filing_id=filing.id,
                        role=role,
                        certificate_hash=certificate_hash,
                        mobile_hash=mobile_hash,
                    )
                )
            changed += 1
    return changed


def _rekey_subjects(sessions: sessionmaker[Session], batch: int) -> int:
    changed = 0
    for session, filings in _batches(sessions, Filing, batch):
        for filing in filings:
            old, new = filing.subject_key, subject_key(filing.document)
            if old == new:
                continue
            if old is not None and new is not None:
                _move_numbering(session, old, new)
            # Raw UPDATE: re-keying is not an edit of the filing (no version bump).
            session.execute(update(Filing).where(Filing.id == filing.id).values(subject_key=new))
            changed += 1
    return changed


def _move_numbering(session: Session, old: str, new: str) -> None:
    if session.get(NumberedSubject, new) is None:
        session.execute(
            update(NumberedSubject)
            .where(NumberedSubject.subject_key == old)
            .values(subject_key=new)
        )
    session.execute(
        update(IssuedNumberRecord)
        .where(IssuedNumberRecord.subject_key == old)
        .values(subject_key=new)
    )
