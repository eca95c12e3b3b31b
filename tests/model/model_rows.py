"""Whole tables read cheaply for the invariants, which run after every step.

Rows come back as plain namespaces; each encrypted value is decrypted by its own column
type, once: a value's ciphertext changes whenever it is written, so the stored bytes are
a safe key for the plaintext.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from sqlalchemy import LargeBinary, select, type_coerce
from sqlalchemy.orm import Session

from beian.crypto.types import EncryptedJSON, EncryptedText


def read_rows(session: Session, model: Any, plaintexts: dict[bytes, Any]) -> list[Any]:
    """Every row of a model's table in id order, with encrypted columns decrypted."""
    statement, encrypted = _query(model)
    dialect = session.get_bind().dialect
    rows = []
    for row in session.execute(statement):
        values = dict(row._mapping)
        for key, column_type in encrypted.items():
            raw = values[key]
            if raw is None:
                continue
            raw = bytes(raw)
            if raw not in plaintexts:
                plaintexts[raw] = column_type.process_result_value(raw, dialect)
            values[key] = plaintexts[raw]
        rows.append(SimpleNamespace(**values))
    return rows


_QUERIES: dict[Any, tuple[Any, dict[str, Any]]] = {}


def _query(model: Any) -> tuple[Any, dict[str, Any]]:
    """The table's select with encrypted columns as raw bytes (built once per table)."""
    if model not in _QUERIES:
        table = model.__table__
        encrypted = {
            column.key: column.type
            for column in table.columns
            if isinstance(column.type, EncryptedJSON | EncryptedText)
        }
        columns = [
            type_coerce(column, LargeBinary).label(column.key)
            if column.key in encrypted
            else column
            for column in table.columns
        ]
        _QUERIES[model] = (select(*columns).order_by(table.c.id), encrypted)
    return _QUERIES[model]
