"""The applicant's filing operations through the API: success and every refusal."""

from __future__ import annotations

import pytest

from beian.db import transaction
from beian.filings.errors import ILLEGAL_MOVE, LOCKED_FIELD, NOT_FOUND
from beian.provinces.service import set_province_rules
from tests.journey import filed, submitted
from tests.web.api_support import (
    APPLICANT,
    BUREAU,
    OTHER_APPLICANT,
    PLATFORM,
    Api,
    edited,
    rejection,
)
from tests.web.web_helpers import assert_findings

COMMENT = "icp_applets.base_info.comment"
NEW_COMMENT = "面向海淀区儿童家长的课程服务小程序：展示美术、书法和阅读课程，提供试听预约。"


@pytest.fixture
def api(sessions, clock, tmp_path):
    return Api(sessions, clock, tmp_path / "storage")


def created(api, document, user=APPLICANT):
    response = api.call("POST", "/filings", user, json=document)
    assert response.status_code == 201, response.text
    return response.json()


def test_create_saves_a_draft_and_returns_it_whole_with_findings(api, document):
    body = created(api, document)
    assert (body["status"], body["status_code"], body["kind"]) == ("draft", 1024, "new")
    assert body["document"] == document and body["masked"] is False
    assert not [f for f in body["findings"] if f["severity"] == "error"]
    assert body["applet_name"] == "启明星学堂"
    assert body["allowed_events"] == ["submit"]


def test_create_keeps_an_incomplete_draft_and_reports_what_is_missing(api):
    body = created(api, {"icp_subject": {"base_info": {"name": "某公司"}}})
    assert body["status"] == "draft"
    errors = [f for f in body["findings"] if f["severity"] == "error"]
    assert errors and all(set(f) == {"errcode", "err_field", "errmsg", "suggest", "severity"}
                          for f in errors)


@pytest.mark.parametrize(
    ("content", "field"),
    [
        ("[1, 2]", ""),
        ('"a string"', ""),
        ("{not json", ""),
        ('{"icp_subject": {"base_info": {"type": NaN}}}', "icp_subject.base_info.type"),
        ('{"icp_subject": {"base_info": {"name": "a\\u0000b"}}}', "icp_subject.base_info.name"),
        ('{"icp_applets": [{"x": "\\ud800"}]}', "icp_applets.0.x"),
        ('{"icp_subject": {"base_info": {"type": 9007199254740992}}}', 
         "icp_subject.base_info.type"),
    ],
)
def test_a_document_that_is_not_a_plain_json_object_is_422_naming_the_field(api, content, field):
    response = api.call(
        "POST", "/filings", APPLICANT, content=content,
        headers={"Content-Type": "application/json"},
    )
    findings = assert_findings(response, 422)
    assert findings[0]["err_field"] == field
    assert api.ok("GET", "/filings", APPLICANT) == []


def test_only_applicants_create_filings(api, document):
    assert_findings(api.call("POST", "/filings", PLATFORM, json=document), 403)
    assert_findings(api.call("POST", "/filings", None, json=document), 401)


def test_get_filing_shows_the_own_filing_and_hides_others(api, document):
    filing = created(api, document)
    shown = api.ok("GET", f"/filings/{filing['id']}", APPLICANT)
    assert shown["document"] == document and shown["history"] == []
    other = assert_findings(api.call("GET", f"/filings/{filing['id']}", OTHER_APPLICANT), 404)
    assert other[0]["errcode"] == NOT_FOUND
    assert_findings(api.call("GET", "/filings/0000000000000000", APPLICANT), 404)
    malformed = assert_findings(api.call("GET", "/filings/a%00b", APPLICANT), 422)
    assert malformed[0]["err_field"] == "filing_id"


def test_a_reviewer_cannot_read_a_draft(api, document):
    filing = created(api, document)
    assert_findings(api.call("GET", f"/filings/{filing['id']}", PLATFORM), 404)


def test_list_my_filings_lists_only_the_applicants_own(api, document, clock):
    first = created(api, document)
    clock.advance(minutes=1)
    second = created(api, document)
    created(api, document, OTHER_APPLICANT)
    listed = api.ok("GET", "/filings", APPLICANT)
    assert [row["id"] for row in listed] == [second["id"], first["id"]]
    assert "document" not in listed[0]
    assert_findings(api.call("GET", "/filings", BUREAU), 403)


def test_update_replaces_the_document_of_a_draft(api, document):
    filing = created(api, document)
    body = api.ok("PUT", f"/filings/{filing['id']}", APPLICANT,
                  json=edited(document, COMMENT, NEW_COMMENT))
    assert body["document"]["icp_applets"]["base_info"]["comment"] == NEW_COMMENT
    assert "findings" in body
    assert_findings(api.call("PUT", f"/filings/{filing['id']}", OTHER_APPLICANT, json=document),
                    404)
    assert_findings(api.call("PUT", f"/filings/{filing['id']}", APPLICANT, json=[document]), 422)
    assert_findings(api.call("PUT", f"/filings/{filing['id']}", PLATFORM, json=document), 403)


def test_update_is_refused_while_in_review(api, world, document):
    filing_id = submitted(world, document)
    response = api.call("PUT", f"/filings/{filing_id}", APPLICANT, json=document)
    assert assert_findings(response, 409)[0]["err_field"] == "status"


def test_after_a_rejection_only_the_unlocked_fields_may_change(api, world, document):
    filing_id = submitted(world, document)
    api.ok("POST", f"/filings/{filing_id}/claim", PLATFORM)
    api.ok("POST", f"/filings/{filing_id}/platform-review/reject", PLATFORM,
           json=rejection(COMMENT))
    locked = edited(document, "icp_applets.base_info.name", "别的名字")
    findings = assert_findings(api.call("PUT", f"/filings/{filing_id}", APPLICANT, json=locked),
                               422)
    assert (findings[0]["errcode"], findings[0]["err_field"]) == (
        LOCKED_FIELD, "icp_applets.base_info.name")
    allowed = edited(document, COMMENT, NEW_COMMENT)
    assert api.ok("PUT", f"/filings/{filing_id}", APPLICANT, json=allowed)["status"] == (
        "platform_rejected")


def test_precheck_of_the_stored_filing_and_of_a_posted_document(api, document):
    filing = created(api, document)
    stored = api.ok("POST", f"/filings/{filing['id']}/precheck", APPLICANT)
    assert stored["ok"] is True
    broken = edited(document, "icp_subject.principal_info.mobile", "12345")
    posted = api.ok("POST", f"/filings/{filing['id']}/precheck", APPLICANT,
                    json={"document": broken})
    assert posted["ok"] is False
    assert "icp_subject.principal_info.mobile" in {f["err_field"] for f in posted["findings"]}
    # Nothing was stored by checking.
    assert api.ok("GET", f"/filings/{filing['id']}", APPLICANT)["document"] == document
    assert_findings(api.call("POST", f"/filings/{filing['id']}/precheck", OTHER_APPLICANT), 404)
    assert_findings(api.call("POST", f"/filings/{filing['id']}/precheck", APPLICANT,
                             json={"document": []}), 422)


def test_precheck_of_an_unsaved_document(api, document):
    assert api.ok("POST", "/precheck", APPLICANT, json={"document": document})["ok"] is True
    unknown = api.ok("POST", "/precheck", APPLICANT, json={"document": {"surprise": 1}})
    assert unknown["ok"] is False
    refused = assert_findings(api.call("POST", "/precheck", APPLICANT, json={"doc": {}}), 422)
    assert {f["err_field"] for f in refused} == {"document", "doc"}
    assert_findings(api.call("POST", "/precheck", PLATFORM, json={"document": document}), 403)


def test_submit_moves_a_clean_draft_to_platform_review(api, document):
    filing = created(api, document)
    body = api.ok("POST", f"/filings/{filing['id']}/submit", APPLICANT)
    assert (body["status"], body["status_code"]) == ("platform_review", 2)
    assert body["deadline"]["at"] is not None
    assert body["history"][0]["event"] == "submit" and body["history"][0]["from"] == "draft"
    twice = assert_findings(api.call("POST", f"/filings/{filing['id']}/submit", APPLICANT), 409)
    assert twice[0]["errcode"] == ILLEGAL_MOVE
    assert_findings(api.call("POST", f"/filings/{filing['id']}/submit", OTHER_APPLICANT), 404)


def test_submit_with_errors_is_422_with_the_findings(api, document):
    filing = created(api, edited(document, "icp_subject.principal_info.email", "not-an-email"))
    # Not assert_findings: the pre-check's warnings travel along with its errors.
    response = api.call("POST", f"/filings/{filing['id']}/submit", APPLICANT)
    assert response.status_code == 422
    findings = response.json()["errors"]
    assert all(set(f) == {"errcode", "err_field", "errmsg", "suggest", "severity"}
               for f in findings)
    assert "icp_subject.principal_info.email" in {f["err_field"] for f in findings}
    assert api.ok("GET", f"/filings/{filing['id']}", APPLICANT)["status"] == "draft"


def test_withdraw_returns_the_filing_to_draft_and_only_from_review(api, world, document):
    filing_id = submitted(world, document)
    assert_findings(api.call("POST", f"/filings/{filing_id}/withdraw", OTHER_APPLICANT), 404)
    assert_findings(api.call("POST", f"/filings/{filing_id}/withdraw", PLATFORM), 403)
    assert api.ok("POST", f"/filings/{filing_id}/withdraw", APPLICANT)["status"] == "draft"
    again = assert_findings(api.call("POST", f"/filings/{filing_id}/withdraw", APPLICANT), 409)
    assert again[0]["errcode"] == ILLEGAL_MOVE


def test_resubmit_after_a_rejection_and_not_before(api, world, document):
    filing_id = submitted(world, document)
    assert_findings(api.call("POST", f"/filings/{filing_id}/resubmit", APPLICANT), 409)
    api.ok("POST", f"/filings/{filing_id}/claim", PLATFORM)
    api.ok("POST", f"/filings/{filing_id}/platform-review/reject", PLATFORM,
           json=rejection(COMMENT))
    assert_findings(api.call("POST", f"/filings/{filing_id}/resubmit", OTHER_APPLICANT), 404)
    body = api.ok("POST", f"/filings/{filing_id}/resubmit", APPLICANT)
    assert body["status"] == "platform_review"
    assert [row["event"] for row in body["history"]] == ["submit", "platform_reject", "resubmit"]


def test_cancellation_and_change_need_a_filed_record(api, world, document):
    filing_id = submitted(world, document)
    refused = assert_findings(api.call("POST", f"/filings/{filing_id}/cancellation", APPLICANT),
                              409)
    assert refused[0]["errcode"] == ILLEGAL_MOVE
    change = api.call("POST", f"/filings/{filing_id}/change", APPLICANT, json=document)
    assert assert_findings(change, 409)[0]["err_field"] == "status"
    assert_findings(api.call("POST", f"/filings/{filing_id}/cancellation", OTHER_APPLICANT), 404)
    assert_findings(api.call("POST", f"/filings/{filing_id}/change", APPLICANT, json="x"), 422)



def test_a_change_of_a_filed_record_is_a_new_filing_in_review(api, world, document):
    filing_id = filed(world, document)
    change = api.call("POST", f"/filings/{filing_id}/change", APPLICANT,
                      json=edited(document, COMMENT, NEW_COMMENT))
    assert change.status_code == 201, change.text
    body = change.json()
    assert (body["kind"], body["replaces_id"], body["status"]) == (
        "change", filing_id, "platform_review")
    assert body["id"] != filing_id
    original = api.ok("GET", f"/filings/{filing_id}", APPLICANT)
    assert original["status"] == "filed" and original["record_number"]
    again = api.call("POST", f"/filings/{filing_id}/change", APPLICANT, json=document)
    assert assert_findings(again, 409)
    assert_findings(api.call("POST", f"/filings/{filing_id}/change", OTHER_APPLICANT,
                             json=document), 404)


def test_a_pre_check_without_saving_applies_the_provinces_stored_rules(
    api, document, sessions, clock
):
    promise_video = "icp_materials.promise_video"
    created_draft = created(api, document)

    def fields(response):
        assert response.status_code == 200, response.text
        return [f["err_field"] for f in response.json()["findings"]]

    with transaction(sessions) as db:
        set_province_rules(db, province="110000", required_materials=["promise_video"],
                           min_validity_months=None, now=clock.now(), actor="ops")
    unsaved = api.call("POST", "/precheck", APPLICANT, json={"document": document})
    assert promise_video in fields(unsaved)
    replaced = api.call("POST", f"/filings/{created_draft['id']}/precheck", APPLICANT,
                        json={"document": document})
    assert promise_video in fields(replaced)
