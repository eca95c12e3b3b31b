"""Column types that encrypt on the way in and decrypt on the way out, and hashed look-ups.

Callers keep reading and writing plain Python values (`filing.document` is a dict); only
the stored bytes are encrypted. An encrypted value cannot be compared in SQL, so a value
that must be found by equality is stored twice: encrypted, and as a keyed hash in an
indexed column. `hashed()` joins the two behind one attribute, so `LocalSms.phone == x`
in a query compares hashes while `sms.phone` on a row reads the decrypted number.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from typing import Any

from sqlalchemy import LargeBinary
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.hybrid import Comparator, hybrid_property
from sqlalchemy.sql import operators
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.types import TypeDecorator

from beian.crypto.cipher import decrypt, encrypt, keyed_hash


class EncryptedText(TypeDecorator[str]):
    """Text stored as AES-GCM ciphertext (bytes); reads back as the same str."""

    impl = LargeBinary
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> bytes | None:
        if value is None:
            return None
        if not isinstance(value, str):
            raise TypeError(f"an encrypted text column takes str, got {type(value).__name__}")
        return encrypt(value.encode("utf-8"))

    def process_result_value(self, value: Any, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return decrypt(bytes(value)).decode("utf-8")


class EncryptedJSON(TypeDecorator[Any]):
    """A JSON value stored as AES-GCM ciphertext of its UTF-8 text."""

    impl = LargeBinary
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> bytes | None:
        if value is None:
            return None
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
        return encrypt(text.encode("utf-8"))

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        return json.loads(decrypt(bytes(value)))

    def compare_values(self, x: Any, y: Any) -> bool:
        # Change detection compares the Python values, never the (randomised) ciphertexts.
        return bool(x == y)


class HashComparator(Comparator[str]):
    """SQL side of a hashed attribute: equality and IN become comparisons of keyed hashes."""

    def __init__(self, hash_column: Any, purpose: str) -> None:
        super().__init__(hash_column)
        self.hash_column: Any = hash_column
        self.purpose = purpose

    def _hash(self, value: Any) -> str | None:
        return None if value is None else keyed_hash(value, self.purpose)

    def operate(self, op: Any, *other: Any, **kwargs: Any) -> ColumnElement[Any]:
        column = self.hash_column
        if op is operators.eq:
            return column.is_(None) if other[0] is None else column == self._hash(other[0])
        if op is operators.ne:
            return column.is_not(None) if other[0] is None else column != self._hash(other[0])
        if op is operators.in_op:
            values: Iterable[Any] = other[0]
            return column.in_([self._hash(value) for value in values])
        raise NotImplementedError(
            f"a hashed value ({self.purpose}) can only be compared for equality, not with {op}"
        )


def hashed(encrypted: str, hash_column: str, purpose: str) -> hybrid_property[str]:
    """An attribute that reads `encrypted` and is looked up through `hash_column`.

    Setting it writes both the encrypted value and its keyed hash for `purpose`.
    """

    def read(self: Any) -> str:
        return getattr(self, encrypted)

    def write(self: Any, value: str | None) -> None:
        setattr(self, encrypted, value)
        setattr(self, hash_column, None if value is None else keyed_hash(value, purpose))

    prop: hybrid_property[str] = hybrid_property(read, write)
    prop = prop.comparator(lambda cls: HashComparator(getattr(cls, hash_column), purpose))
    # Found by `beian keys rehash`, which recomputes every hash from the plain value.
    prop.info["hashed"] = (encrypted, hash_column, purpose)
    return prop


class _NoDecryptedRows(logging.Filter):
    """Drops SQLAlchemy's "Row %r" debug records: they show rows after these types
    decrypted them. Statements and parameters still log; they hold ciphertext and hashes."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (isinstance(record.msg, str) and record.msg.endswith("Row %r"))


def keep_decrypted_rows_out_of_logs(logger_name: str = "sqlalchemy.engine.Engine") -> None:
    """Attach the row-dropping filter to SQLAlchemy's engine logger (once)."""
    logger = logging.getLogger(logger_name)
    if not any(isinstance(f, _NoDecryptedRows) for f in logger.filters):
        logger.addFilter(_NoDecryptedRows())


# Engines made by beian.db log through this logger (they set no `echo` of their own).
keep_decrypted_rows_out_of_logs()
