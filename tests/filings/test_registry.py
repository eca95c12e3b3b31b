"""The one-phone-one-person rule across filings, on the hashes the database keeps."""

from __future__ import annotations

import copy

from sqlalchemy import select, text

from beian.crypto.cipher import CERTIFICATE, PHONE, keyed_hash
from beian.filings import service
from beian.filings.models import FilingPerson
from beian.filings.registry import DatabaseRegistry
from tests.journey import submitted
from tests.statements import sqlite_plan

HELD_ELSEWHERE = 1605


def _codes(world, document, applicant="applicant-2"):
    filing, findings = world.act(
        lambda s: service.create_filing(
            s, applicant=applicant, document=document, now=world.clock.now()
        )
    )
    return {f["errcode"] for f in findings}


def test_people_are_kept_as_hashes_only(world, document):
    filing_id = submitted(world, document)
    principal = document["icp_applets"]["principal_info"]
    rows = world.read(
        lambda s: s.scalars(select(FilingPerson).where(FilingPerson.filing_id == filing_id)).all()
    )
    applet = next(row for row in rows if row.role == "applet")
    assert applet.mobile_hash == keyed_hash(principal["mobile"], PHONE)
    assert applet.certificate_hash == keyed_hash(principal["certificate_number"], CERTIFICATE)
    raw = world.read(lambda s: s.execute(text("SELECT * FROM filing_people")).all())
    assert principal["mobile"] not in repr(raw) and principal["certificate_number"] not in repr(raw)


def test_the_same_person_may_use_their_mobile_in_another_filing(world, document):
    submitted(world, document)
    again = copy.deepcopy(document)
    again["icp_applets"]["base_info"]["appid"] = "wx1111111111111111"
    # Typed in lower case this time: the hash is of the normalised number.
    number = again["icp_applets"]["principal_info"]["certificate_number"]
    again["icp_applets"]["principal_info"]["certificate_number"] = number.lower()
    assert HELD_ELSEWHERE not in _codes(world, again)


def test_another_person_may_not_use_a_mobile_held_in_a_live_filing(world, document):
    submitted(world, document)
    other = copy.deepcopy(document)
    other["icp_applets"]["base_info"]["appid"] = "wx2222222222222222"
    other["icp_applets"]["principal_info"]["certificate_number"] = "11010519491231002X"
    assert HELD_ELSEWHERE in _codes(world, other)


def test_the_registry_answers_in_its_own_form(world, document):
    submitted(world, document)
    principal = document["icp_applets"]["principal_info"]

    def ask(session):
        registry = DatabaseRegistry(session, now=world.clock.now())
        holders = registry.phone_holders(principal["mobile"], exclude_filing=None)
        return holders, registry.holder_key(principal["certificate_number"])

    holders, key = world.read(ask)
    assert holders == {key} and principal["certificate_number"] not in holders


def test_the_status_lists_are_written_into_the_read_ahead():
    # An IN of bound values is expanded into the SQL again on every execution: the
    # constant lists are written in, and the per-call lists are one parameter each
    # (beian.db.lists), so the statement's text never changes.
    from sqlalchemy.dialects import postgresql

    from beian.filings.registry import _AHEAD_WITH_CALENDAR, LIVE_VALUES

    compiled = _AHEAD_WITH_CALENDAR.statement.compile(dialect=postgresql.dialect())
    expanding = {bind.key for bind in compiled.binds.values() if bind.expanding}
    assert expanding == set()
    assert {"mobile_hashes", "others", "media_ids"} <= set(compiled.binds)
    assert all(f"'{value}'" in str(compiled) for value in LIVE_VALUES)


def test_the_read_ahead_looks_up_only_the_rows_it_names(tmp_path):
    # Asked before every save and submission: it must not grow with the number of
    # filings or uploads. SQLite has no statistics, and went through every live filing
    # (the status index) and every upload of the applicant (the owner index) while the
    # questions stood as joins beside those columns: 0.2 ms a check became 1.3 ms after
    # a thousand filings. Each arm must be a search by its selective key.
    from beian.db import make_engine
    from beian.db.models import metadata
    from beian.filings.registry import _AHEAD_WITH_CALENDAR, _PHONE_HOLDERS, _UPLOADS

    engine = make_engine(f"sqlite:///{tmp_path}/plan.db")
    metadata.create_all(engine)
    ids = '["a","b"]'

    def plan(statement, **values) -> str:
        compiled = statement.compile(dialect=engine.dialect)
        params = compiled.construct_params(values)
        order = tuple(params[name] for name in compiled.positiontup)
        return "\n".join(sqlite_plan(engine, str(compiled), order))

    ahead = plan(_AHEAD_WITH_CALENDAR.statement, mobile_hashes=ids, others=ids, subject_key="k",
                 task_id="t", media_ids=ids, owner="o")
    holders = plan(_PHONE_HOLDERS, mobile_hash="m", others=ids)
    uploads = plan(_UPLOADS, media_ids=ids, owner="o")
    engine.dispose()
    for found in (ahead, holders):
        assert "SEARCH filing_people USING INDEX ix_filing_people_mobile_hash" in found
        assert "ix_filings_status" not in found and "SCAN filings" not in found
    for found in (ahead, uploads):
        assert "SEARCH media USING INDEX sqlite_autoindex_media_1 (id=?)" in found
        assert "ix_media_owner_field" not in found and "SCAN media" not in found
