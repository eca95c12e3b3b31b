"""one_of / none_of: membership in a list bound as one parameter, on both databases."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, column, literal, select, table, union_all
from sqlalchemy.exc import StatementError
from sqlalchemy.types import String

from beian.db.lists import none_of, one_of
from tests.statements import statements_run

NAMES = union_all(*(select(literal(name, String).label("name")) for name in "abcd"))


def _matching(engine: Engine, condition, ids: list[str]) -> list[str]:
    names = NAMES.subquery("n")
    query = select(names.c.name).where(condition(names.c.name, "ids")).order_by(names.c.name)
    with engine.connect() as connection:
        return list(connection.scalars(query, {"ids": ids}))


@pytest.mark.parametrize(
    ("ids", "inside", "outside"),
    [
        ([], [], ["a", "b", "c", "d"]),  # as IN / NOT IN of an empty set
        (["b"], ["b"], ["a", "c", "d"]),
        (["d", "a", "x"], ["a", "d"], ["b", "c"]),  # an unknown value matches nothing
        (["c", "c"], ["c"], ["a", "b", "d"]),
        (["a'); DROP TABLE x; --"], [], ["a", "b", "c", "d"]),  # a value, never SQL
    ],
)
def test_membership_matches_in_and_not_in(engine: Engine, ids, inside, outside):
    assert _matching(engine, one_of, ids) == inside
    assert _matching(engine, none_of, ids) == outside


def test_every_list_runs_the_same_statement_text(engine: Engine):
    # The point of the construct: one text for every length, so the database prepares
    # and plans it once (an expanding IN writes one placeholder per value).
    with statements_run(engine, lambda statement, _context: "json_each" in statement
                        or "ANY" in statement) as seen:
        for ids in ([], ["a"], ["a", "b", "c"]):
            _matching(engine, one_of, ids)
    assert len(seen) == 3 and len(set(seen)) == 1


def test_anything_but_strings_is_refused(engine: Engine):
    # SQLAlchemy reports the type's refusal, naming the statement, before anything runs.
    with pytest.raises(StatementError, match="list of strings"):
        _matching(engine, one_of, [1, 2])


def test_the_construct_is_cached_by_sqlalchemy(engine: Engine):
    # inherit_cache with its traversal: the statement is compiled once, not per call.
    t = table("t", column("id", String))
    first = select(t.c.id).where(one_of(t.c.id, "ids"))
    second = select(t.c.id).where(one_of(t.c.id, "ids"))
    negated = select(t.c.id).where(none_of(t.c.id, "ids"))
    assert first._generate_cache_key() == second._generate_cache_key()
    assert first._generate_cache_key() != negated._generate_cache_key()
