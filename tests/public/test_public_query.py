"""The public query and profile show filed records only, and no personal data."""

from __future__ import annotations

import json

import pytest

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
