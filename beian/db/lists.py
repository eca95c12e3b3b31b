"""Membership in a list given as one bound parameter, so the statement's text never changes.

`column.in_(bindparam("ids", expanding=True))` writes one placeholder per value into the
statement on every execution: SQLAlchemy rewrites the compiled text each time (≈ 40 µs a
list), and each list length is a different statement to the database, which PostgreSQL
then prepares and plans again (≈ 60 µs of planning per execution). Here the whole list is
one parameter: an array on PostgreSQL (`= ANY(:ids)`), a JSON array read by `json_each`
on SQLite. An empty list matches nothing (`one_of`) or everything (`none_of`), as IN and
NOT IN of an empty set do.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Boolean, String, bindparam
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import QueryableAttribute
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import BindParameter, ColumnElement
from sqlalchemy.sql.visitors import InternalTraversal
from sqlalchemy.types import TypeDecorator, TypeEngine

Column = ColumnElement[Any] | QueryableAttribute[Any]  # a column, or a mapped class's attribute


class TextList(TypeDecorator[list[str]]):
    """A list of strings bound as one value: an array on PostgreSQL, JSON text elsewhere."""

    impl = String
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(ARRAY(String()))
        return dialect.type_descriptor(String())

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        values = list(value or ())
        if not all(isinstance(item, str) for item in values):
            raise TypeError(f"a list of strings was expected, not {value!r}")
        return values if dialect.name == "postgresql" else json.dumps(values)


class _Membership(ColumnElement[bool]):
    """`column` is (or, negated, is not) one of the strings in the bound list `name`."""

    __visit_name__ = "beian_list_membership"
    inherit_cache = True
    _traverse_internals = [
        ("column", InternalTraversal.dp_clauseelement),
        ("values", InternalTraversal.dp_clauseelement),
        ("negated", InternalTraversal.dp_boolean),
    ]
    type = Boolean()
    _is_implicitly_boolean = True  # a predicate already: never compared with 1 on SQLite

    def __init__(self, column: Column, name: str, *, negated: bool) -> None:
        self.column = (column.__clause_element__() if isinstance(column, QueryableAttribute)
                       else column)
        self.values: BindParameter[list[str]] = bindparam(name, type_=TextList())
        self.negated = negated


def one_of(column: Column, name: str) -> ColumnElement[bool]:
    """`column IN (the list bound as name)`, one statement text for every list."""
    return _Membership(column, name, negated=False)


def none_of(column: Column, name: str) -> ColumnElement[bool]:
    """`column NOT IN (the list bound as name)`, one statement text for every list."""
    return _Membership(column, name, negated=True)


@compiles(_Membership, "postgresql")
def _on_postgresql(element: _Membership, compiler: SQLCompiler, **kw: Any) -> str:
    column = compiler.process(element.column, **kw)
    values = compiler.process(element.values, **kw)
    return f"{column} <> ALL ({values})" if element.negated else f"{column} = ANY ({values})"


@compiles(_Membership)
def _elsewhere(element: _Membership, compiler: SQLCompiler, **kw: Any) -> str:
    column = compiler.process(element.column, **kw)
    values = compiler.process(element.values, **kw)
    operator = "NOT IN" if element.negated else "IN"
    return f"{column} {operator} (SELECT value FROM json_each({values}))"
