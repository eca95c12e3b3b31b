"""The public query and profile show filed records only, and no personal data."""

from __future__ import annotations

import copy
import json

import pytest
from sqlalchemy import text

from beian.filings import service
from beian.public.service import QueryError, applet_profile, query_records
from tests.journey import APPLICANT, filed


def test_a_filed_record_is_found_by_number_name_and_organisation(world, document):
    filing_id = filed(world, document)
    number = world.filing(filing_id).record_number
    subject_number = number.rsplit("-", 1)[0]
    for q in (number, subject_number, "启明星学堂", "启明星", "北京启明星教育"):
        records = world.read(lambda s, q=q: query_records(s, q))
        assert [r["service_number"] for r in records] == [number], q
    [record] = world.read(lambda s: query_records(s, number))
    assert record["subject_number"] == subject_number
    assert record["unit_nature"] == "企业"
    assert record["pre_approvals"] and record["pre_approvals"][0]["type"] == "教育"
    assert record["approved_on"] is not None


def test_nothing_personal_is_ever_shown(world, document):
    filing_id = filed(world, document)
    number = world.filing(filing_id).record_number
    shown = json.dumps(world.read(lambda s: query_records(s, number)), ensure_ascii=False)
    for part in ("icp_subject", "icp_applets"):
        principal = document[part]["principal_info"]
        for value in (principal["mobile"], principal["certificate_number"], principal["name"]):
            assert value not in shown


def test_filings_not_yet_filed_are_invisible(world, document):
    filing, _ = world.act(lambda s: service.create_filing(
        s, applicant=APPLICANT, document=document, now=world.clock.now()))
    assert world.read(lambda s: query_records(s, "启明星学堂")) == []
    appid = document["icp_applets"]["base_info"]["appid"]
    assert world.read(lambda s: applet_profile(s, appid)) is None


def test_the_profile_page_shows_the_number_of_the_mini_program(world, document):
    filing_id = filed(world, document)
    appid = document["icp_applets"]["base_info"]["appid"]
    profile = world.read(lambda s: applet_profile(s, appid))
    assert profile["service_number"] == world.filing(filing_id).record_number
    assert profile["service_name"] == "启明星学堂"


@pytest.mark.parametrize("q", ["", "  ", "启", "x" * 101])
def test_unanswerable_queries_are_refused_clearly(world, q):
    with pytest.raises(QueryError):
        world.read(lambda s: query_records(s, q))


def test_like_wildcards_are_taken_literally(world, document):
    filed(world, document)
    assert world.read(lambda s: query_records(s, "%%")) == []
    assert world.read(lambda s: query_records(s, "启_星")) == []


def test_a_record_is_shown_without_decrypting_its_document(world, document):
    filing_id = filed(world, document)
    number = world.filing(filing_id).record_number
    appid = document["icp_applets"]["base_info"]["appid"]
    # Unreadable ciphertext: any decryption of the document would now raise.
    world.act(lambda s: s.execute(text("UPDATE filings SET document = :junk WHERE id = :id"),
                                  {"junk": b"sealed", "id": filing_id}))
    [record] = world.read(lambda s: query_records(s, number))
    assert record["unit_nature"] == "企业"
    assert record["pre_approvals"] == [{"type": "教育", "code": "教民1101087000001号"}]
    profile = world.read(lambda s: applet_profile(s, appid))
    assert profile["unit_nature"] == "企业"
    assert profile["pre_approvals"] == record["pre_approvals"]


def test_the_public_facts_follow_every_change_of_the_document(world, document):
    filing, _ = world.save(document)
    stored = world.filing(filing.id)
    assert stored.subject_type_id == 4
    # The approval's document (media) is not a public fact and is not copied.
    assert stored.public_approvals == [{"type": 3, "code": "教民1101087000001号"}]
    changed = copy.deepcopy(document)
    changed["icp_subject"]["base_info"]["type"] = 3
    changed["icp_applets"]["base_info"]["nrlx_details"] = [
        {"type": 24, "code": "", "media": ""}, {"type": 3, "code": "教民2", "media": "m"}]
    world.update(filing.id, changed)
    stored = world.filing(filing.id)
    assert stored.subject_type_id == 3
    assert stored.public_approvals == [{"type": 24, "code": ""}, {"type": 3, "code": "教民2"}]
    stored.document = {}  # any assignment, not only the services', refreshes them
    assert (stored.subject_type_id, stored.public_approvals) == (None, [])


@pytest.mark.parametrize("value", [10**12, -1, True, "4", None, [4]])
def test_a_draft_with_a_strange_subject_type_still_saves(world, document, value):
    document["icp_subject"]["base_info"]["type"] = value
    document["icp_applets"]["base_info"]["nrlx_details"] = [{"type": 10**12}, "x", {"type": 3}]
    filing, _ = world.save(document)
    stored = world.filing(filing.id)
    assert stored.subject_type_id is None
    assert stored.public_approvals == [{"type": 3, "code": ""}]
