"""The reviewers' operations through the API: queues, claims, decisions, masking, reveal."""

from __future__ import annotations

import json

import pytest

from beian.audit import service as audit
from beian.filings.errors import FORBIDDEN, ILLEGAL_MOVE
from beian.filings.reasons import REASON_LIBRARY
from tests.journey import platform_approved, submitted, verify_all
from tests.web.api_support import (
    APPLICANT,
    BUREAU,
    OPERATOR,
    OTHER_BUREAU,
    OTHER_PLATFORM,
    PLATFORM,
    Api,
    rejection,
)
from tests.web.web_helpers import assert_findings

COMMENT = "icp_applets.base_info.comment"


@pytest.fixture
def api(sessions, clock, tmp_path):
    return Api(sessions, clock, tmp_path / "storage")


def personal_values(document):
    values = []
    for part in ("icp_subject", "icp_applets"):
        principal = document[part]["principal_info"]
        values += [principal["mobile"], principal["emergency_contact"],
                   principal["certificate_number"]]
    return values


def reveals(world, filing_id):
    entries = world.read(lambda s: audit.trail(s, target_type="filing", target_id=filing_id))
    return [e for e in entries if e.action == "filing.reveal_personal_data"]


def at_bureau(world, document):
    filing_id = platform_approved(world, document)
    verify_all(world, document, filing_id)
    return filing_id


def test_the_platform_queue_lists_filings_in_platform_review(api, world, document):
    filing_id = submitted(world, document)
    queue = api.ok("GET", "/review/platform/queue", PLATFORM)
    assert [row["id"] for row in queue] == [filing_id]
    assert queue[0]["status"] == "platform_review"
    assert_findings(api.call("GET", "/review/platform/queue", BUREAU), 403)
    assert_findings(api.call("GET", "/review/platform/queue", APPLICANT), 403)
    assert_findings(api.call("GET", "/review/platform/queue"), 401)


def test_the_bureau_queue_holds_only_the_reviewers_province(api, world, document):
    filing_id = at_bureau(world, document)
    assert [row["id"] for row in api.ok("GET", "/review/bureau/queue", BUREAU)] == [filing_id]
    assert api.ok("GET", "/review/bureau/queue", OTHER_BUREAU) == []
    assert_findings(api.call("GET", "/review/bureau/queue", PLATFORM), 403)


def test_claims_are_exclusive_and_limited_to_the_reviewers_stage(api, world, document):
    filing_id = submitted(world, document)
    claimed = api.ok("POST", f"/filings/{filing_id}/claim", PLATFORM)
    assert claimed["claimed_by"] == PLATFORM and claimed["masked"] is True
    taken = assert_findings(api.call("POST", f"/filings/{filing_id}/claim", OTHER_PLATFORM), 409)
    assert PLATFORM in taken[0]["errmsg"]
    # A bureau reviewer cannot take a filing that is not at the bureau.
    assert_findings(api.call("POST", f"/filings/{filing_id}/claim", BUREAU), 409)
    assert_findings(api.call("POST", f"/filings/{filing_id}/claim", APPLICANT), 403)
    assert_findings(api.call("POST", "/filings/ffffffffffffffff/claim", PLATFORM), 404)


def test_acting_without_a_claim_is_refused(api, world, document):
    filing_id = submitted(world, document)
    refused = assert_findings(
        api.call("POST", f"/filings/{filing_id}/platform-review/approve", PLATFORM), 403)
    assert refused[0]["errcode"] == FORBIDDEN
    assert api.ok("GET", f"/filings/{filing_id}", APPLICANT)["status"] == "platform_review"


def test_recording_a_call(api, world, document):
    filing_id = submitted(world, document)
    api.ok("POST", f"/filings/{filing_id}/claim", PLATFORM)
    body = {"principal": "applet", "outcome": "reached", "note": "本人确认"}
    call = api.ok("POST", f"/filings/{filing_id}/calls", PLATFORM, json=body)
    assert (call["reviewer"], call["outcome"]) == (PLATFORM, "reached")
    shown = api.ok("GET", f"/filings/{filing_id}", APPLICANT)["verification_calls"]
    assert [c["note"] for c in shown] == ["本人确认"]
    bad = assert_findings(api.call("POST", f"/filings/{filing_id}/calls", PLATFORM,
                                   json={**body, "outcome": "maybe"}), 422)
    assert bad[0]["err_field"] == "outcome"
    assert_findings(api.call("POST", f"/filings/{filing_id}/calls", OTHER_PLATFORM, json=body),
                    403)
    assert_findings(api.call("POST", f"/filings/{filing_id}/calls", BUREAU, json=body), 403)


def test_platform_approval_starts_sms_verification(api, world, document):
    filing_id = submitted(world, document)
    api.ok("POST", f"/filings/{filing_id}/claim", PLATFORM)
    body = api.ok("POST", f"/filings/{filing_id}/platform-review/approve", PLATFORM)
    assert (body["status"], body["status_code"], body["sms_verify_status"]) == (
        "sms_verification", 4, 1)
    again = assert_findings(
        api.call("POST", f"/filings/{filing_id}/platform-review/approve", PLATFORM), 409)
    assert again[0]["err_field"] == "status"


def test_platform_rejection_names_the_fields_and_unlocks_only_them(api, world, document):
    filing_id = submitted(world, document)
    api.ok("POST", f"/filings/{filing_id}/claim", PLATFORM)
    empty = assert_findings(api.call("POST", f"/filings/{filing_id}/platform-review/reject",
                                     PLATFORM, json={"audit_data": []}), 422)
    assert empty[0]["err_field"] == "audit_data"
    missing = assert_findings(api.call(
        "POST", f"/filings/{filing_id}/platform-review/reject", PLATFORM,
        json={"audit_data": [{"field": COMMENT}]}), 422)
    assert missing[0]["err_field"] == "audit_data.0.error"
    body = api.ok("POST", f"/filings/{filing_id}/platform-review/reject", PLATFORM,
                  json=rejection(COMMENT, "备注过于简单"))
    assert (body["status"], body["status_code"]) == ("platform_rejected", 3)
    assert body["audit_data"] == [{"field": COMMENT, "key_name": "小程序备注",
                                   "error": "备注过于简单", "suggest": "请按要求修改"}]
    assert body["unlocked_fields"] == [COMMENT]
    seen = api.ok("GET", f"/filings/{filing_id}", APPLICANT)
    assert seen["audit_data"] == body["audit_data"]


def test_bureau_decisions_stay_in_the_reviewers_province(api, world, document):
    filing_id = at_bureau(world, document)
    assert_findings(api.call("POST", f"/filings/{filing_id}/claim", OTHER_BUREAU), 404)
    assert_findings(api.call("GET", f"/filings/{filing_id}", OTHER_BUREAU), 404)
    assert_findings(api.call("POST", f"/filings/{filing_id}/bureau-review/approve",
                             OTHER_BUREAU), 404)
    assert_findings(api.call("POST", f"/filings/{filing_id}/bureau-review/approve", PLATFORM),
                    403)
    api.ok("POST", f"/filings/{filing_id}/claim", BUREAU)
    body = api.ok("POST", f"/filings/{filing_id}/bureau-review/approve", BUREAU)
    assert (body["status"], body["status_code"]) == ("filed", 6)
    assert body["record_number"].startswith("京ICP备") and body["record_number"].endswith("X")
    again = assert_findings(api.call("POST", f"/filings/{filing_id}/bureau-review/reject",
                                     BUREAU, json=rejection(COMMENT)), 409)
    assert again[0]["err_field"] == "status"


def test_bureau_rejection(api, world, document):
    filing_id = at_bureau(world, document)
    api.ok("POST", f"/filings/{filing_id}/claim", BUREAU)
    assert_findings(api.call("POST", f"/filings/{filing_id}/bureau-review/reject", BUREAU,
                             json={"audit_data": "no"}), 422)
    body = api.ok("POST", f"/filings/{filing_id}/bureau-review/reject", BUREAU,
                  json=rejection(COMMENT))
    assert (body["status"], body["status_code"]) == ("bureau_rejected", 5)
    assert api.ok("GET", f"/filings/{filing_id}", APPLICANT)["allowed_events"] == ["resubmit"]


def test_reviewers_see_masked_documents_until_they_reveal_and_the_reveal_is_audited(
    api, world, document
):
    filing_id = at_bureau(world, document)
    secrets = personal_values(document)
    for reviewer in (PLATFORM, BUREAU):
        shown = api.ok("GET", f"/filings/{filing_id}", reviewer)
        text = json.dumps(shown, ensure_ascii=False)
        assert shown["masked"] is True and not any(value in text for value in secrets)
    assert reveals(world, filing_id) == []
    revealed = api.ok("POST", f"/filings/{filing_id}/reveal", BUREAU, json={"reason": "电话核验"})
    assert revealed["document"] == document
    entries = reveals(world, filing_id)
    assert [e.actor for e in entries] == [BUREAU]
    assert entries[0].detail == {"reason": "电话核验"}
    # The applicant's own view is whole and needs no reveal.
    own = json.dumps(api.ok("GET", f"/filings/{filing_id}", APPLICANT), ensure_ascii=False)
    assert all(value in own for value in secrets)


def test_reveal_refusals(api, world, document):
    filing_id = at_bureau(world, document)
    reason = {"reason": "电话核验"}
    assert_findings(api.call("POST", f"/filings/{filing_id}/reveal", OTHER_BUREAU, json=reason),
                    404)
    assert_findings(api.call("POST", f"/filings/{filing_id}/reveal", APPLICANT, json=reason), 403)
    assert_findings(api.call("POST", f"/filings/{filing_id}/reveal", OPERATOR, json=reason), 403)
    why = assert_findings(api.call("POST", f"/filings/{filing_id}/reveal", PLATFORM, json={}),
                          422)
    assert why[0]["err_field"] == "reason"
    assert reveals(world, filing_id) == []


def test_the_reason_library_is_for_reviewers(api):
    reasons = api.ok("GET", "/review/reasons", PLATFORM)
    assert [r["field"] for r in reasons] == [r["field"] for r in REASON_LIBRARY]
    assert all(r["key_name"] and r["key_name"] != r["field"] for r in reasons)
    assert api.ok("GET", "/review/reasons", BUREAU) == reasons
    assert_findings(api.call("GET", "/review/reasons", APPLICANT), 403)


def test_illegal_moves_name_the_event_and_the_status(api, world, document):
    filing_id = submitted(world, document)
    api.ok("POST", f"/filings/{filing_id}/withdraw", APPLICANT)
    refused = assert_findings(api.call("POST", f"/filings/{filing_id}/withdraw", APPLICANT), 409)
    assert refused[0]["errcode"] == ILLEGAL_MOVE and "撤回" in refused[0]["errmsg"]
