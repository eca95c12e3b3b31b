"""The principal's operations (no login): SMS verification, resends, cancellation."""

from __future__ import annotations

import pytest

from beian.filings.errors import CODE_REJECTED
from tests.journey import filed, platform_approved, principal
from tests.web.api_support import APPLICANT, Api
from tests.web.web_helpers import assert_findings


@pytest.fixture
def api(sessions, clock, tmp_path):
    return Api(sessions, clock, tmp_path / "storage")


def entry(document, world, part="icp_applets", code=None):
    mobile, number = principal(document, part)
    return {
        "mobile": mobile,
        "certificate_number": number,
        "code": code if code is not None else world.latest_code(mobile),
    }


def wrong(code):
    return "000000" if code != "000000" else "111111"


def status_of(api, document, part="icp_applets", purpose="verify"):
    mobile, number = principal(document, part)
    body = {"mobile": mobile, "certificate_number": number, "purpose": purpose}
    return api.ok("POST", "/sms-verification/status", None, json=body)


def filing_status(api, filing_id):
    return api.ok("GET", f"/filings/{filing_id}", APPLICANT)["status"]


def test_both_principals_verify_and_the_filing_goes_to_the_bureau(api, world, document):
    filing_id = platform_approved(world, document)
    first = api.ok("POST", "/sms-verification/verify", None, json=entry(document, world))
    assert first == {"accepted": True, "all_verified": False, "message": first["message"]}
    assert filing_status(api, filing_id) == "sms_verification"
    second = api.ok("POST", "/sms-verification/verify", None,
                    json=entry(document, world, "icp_subject"))
    assert second["all_verified"] is True
    detail = api.ok("GET", f"/filings/{filing_id}", APPLICANT)
    assert (detail["status"], detail["sms_verify_status"]) == ("bureau_review", 2)


def test_a_wrong_code_is_refused_and_the_attempt_still_counts(api, world, document):
    platform_approved(world, document)
    good = entry(document, world)
    refused = assert_findings(
        api.call("POST", "/sms-verification/verify", json={**good, "code": wrong(good["code"])}),
        422,
    )
    assert (refused[0]["errcode"], refused[0]["err_field"]) == (CODE_REJECTED, "code")
    assert "4" in refused[0]["errmsg"]
    # The refusal was raised after the transaction committed the wrong attempt.
    assert status_of(api, document)["wrong_attempts"] == 1
    assert status_of(api, document)["attempts_left"] == 4


def test_five_wrong_codes_return_the_filing(api, world, document):
    filing_id = platform_approved(world, document)
    good = entry(document, world)
    for _ in range(5):
        api.call("POST", "/sms-verification/verify", json={**good, "code": wrong(good["code"])})
    assert filing_status(api, filing_id) == "sms_failed"
    after = api.call("POST", "/sms-verification/verify", json=good)
    assert assert_findings(after, 422)[0]["errcode"] == CODE_REJECTED


def test_the_24_hour_window_closes(api, world, document, clock):
    filing_id = platform_approved(world, document)
    good = entry(document, world)
    assert status_of(api, document)["remaining_seconds"] == 24 * 3600
    clock.advance(hours=23)
    assert status_of(api, document)["remaining_seconds"] == 3600
    clock.advance(hours=1)
    expired = assert_findings(api.call("POST", "/sms-verification/verify", json=good), 422)
    assert "过期" in expired[0]["errmsg"]
    # (Read directly: the applicant's 24-hour token has run out by now.)
    assert world.filing(filing_id).status == "sms_failed"


def test_unknown_phones_and_wrong_certificate_numbers_read_alike(api, world, document):
    platform_approved(world, document)
    good = entry(document, world)
    stranger = {**good, "mobile": "13912345678"}
    wrong_number = {**good, "certificate_number": "110101199001011234"}
    answers = [
        assert_findings(api.call("POST", "/sms-verification/verify", json=body), 422)
        for body in (stranger, wrong_number)
    ]
    assert answers[0] == answers[1]
    status = api.call("POST", "/sms-verification/status",
                      json={"mobile": "13912345678", "certificate_number": "110101199001011234"})
    assert assert_findings(status, 422) == answers[0]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"mobile": "abc"}, "mobile"),
        ({"mobile": "1380013800\u0000"}, "mobile"),
        ({"code": "12"}, "code"),
        ({"certificate_number": ""}, "certificate_number"),
        ({"extra": 1}, "extra"),
    ],
)
def test_malformed_entries_are_422_naming_the_field(api, change, field):
    body = {"mobile": "13800138001", "certificate_number": "110108198503150018",
            "code": "123456"} | change
    findings = assert_findings(api.call("POST", "/sms-verification/verify", json=body), 422)
    assert [f["err_field"] for f in findings] == [field]


def test_one_resend_replaces_the_code(api, world, document):
    platform_approved(world, document)
    old = entry(document, world)
    resend = {"mobile": old["mobile"], "certificate_number": old["certificate_number"]}
    world.clock.advance(minutes=1)  # the resend cool-down
    status = api.ok("POST", "/sms-verification/resend", None, json=resend)
    assert status["resends_left"] == 0
    assert assert_findings(api.call("POST", "/sms-verification/resend", json=resend), 409)
    new = entry(document, world)
    assert new["code"] != old["code"]
    assert_findings(api.call("POST", "/sms-verification/verify", json=old), 422)
    assert api.ok("POST", "/sms-verification/verify", None, json=new)["accepted"] is True


def test_a_cancellation_is_confirmed_by_the_applet_principal(api, world, document):
    filing_id = filed(world, document)
    detail = api.ok("POST", f"/filings/{filing_id}/cancellation", APPLICANT)
    assert (detail["status_code"], detail["is_canceling"]) == (6, True)
    code = entry(document, world)
    # A cancellation code does not verify a filing, and the other way round.
    assert_findings(api.call("POST", "/sms-verification/verify", json=code), 422)
    assert status_of(api, document, purpose="cancel")["wrong_attempts"] == 0
    body = api.ok("POST", "/cancellation/confirm", None, json=code)
    assert body["all_verified"] is True
    assert filing_status(api, filing_id) == "cancelled"
    assert_findings(api.call("POST", "/cancellation/confirm", json=code), 422)
