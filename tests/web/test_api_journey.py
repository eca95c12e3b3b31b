"""A whole filing through the API only, and the OpenAPI document that describes it."""

from __future__ import annotations

import json
import re

import pytest

from beian.notifications.channels import Channels
from beian.worker import load_task_modules, run_once
from tests.documents import face_photos as faces
from tests.documents import paper_photos as papers
from tests.journey import EXAMPLE
from tests.web.api_support import APPLICANT, BUREAU, OPERATOR, PLATFORM, Api, edited, rejection

COMMENT = "icp_applets.base_info.comment"
FIXED_COMMENT = "面向海淀区儿童家长的课程服务小程序：展示美术、书法和阅读课程，提供试听预约。"

ISSUE_OPERATIONS = {
    "login", "createFiling", "updateFiling", "getFiling", "listMyFilings", "precheckFiling",
    "submitFiling", "withdrawFiling", "resubmitFiling", "uploadMedia", "createFaceTask",
    "getFaceTask", "listPlatformQueue", "claimFiling", "recordVerificationCall",
    "approvePlatformReview", "rejectPlatformReview", "verifySms", "resendSms",
    "listBureauQueue", "approveBureauReview", "rejectBureauReview", "requestCancellation",
    "confirmCancellation", "requestChange", "getInbox", "listSmsOutbox", "getAppletProfile",
    "queryPublicRecords", "listSubjectTypes", "listCertificateTypes", "listServiceTypes",
    "listNrlxTypes", "listDistricts", "submitFacePhoto", "markInboxRead", "revealFiling",
    "listRejectionReasons", "getSmsVerificationStatus", "listOutbox", "precheckDocument",
}
PERSONAL_PARAMETERS = re.compile(r"mobile|phone|certificate|id_?number|code", re.IGNORECASE)


@pytest.fixture
def api(sessions, clock, tmp_path):
    return Api(sessions, clock, tmp_path / "storage")


def latest_codes(api):
    """The newest code texted to each phone, read by the operator from the SMS outbox."""
    codes = {}
    for text in api.ok("GET", "/sms-outbox", OPERATOR):
        found = re.findall(r"(?<!\d)\d{6}(?!\d)", text["text"])
        if found:
            codes[text["phone"]] = found[0]
    return codes


def test_a_filing_goes_from_draft_to_the_public_record_through_the_api(
    api, sessions, clock
):
    load_task_modules()
    document = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    applet_principal = document["icp_applets"]["principal_info"]
    subject_principal = document["icp_subject"]["principal_info"]

    # The applet principal's face check: the machine leaves part of it to a person.
    name = {"principal_name": applet_principal["name"]}
    task = api.ok("POST", "/face-tasks", APPLICANT, json=name)
    photo = api.call("POST", "/face-tasks/photo", data={"task_id": task["id"]},
                     files={"photo": ("me.jpg", faces.encode(faces.portrait()), "image/jpeg")})
    assert photo.json()["task"]["status"] == "review"
    applet_principal["verify_task_id"] = task["id"]

    # The business licence is uploaded for real; the other files are recorded as uploaded.
    licence = api.call("POST", "/media", APPLICANT,
                       data={"field": "icp_subject.organize_info.certificate_photo"},
                       files={"file": ("licence.jpg", faces.encode(papers.business_licence()),
                                       "image/jpeg")})
    assert licence.status_code == 201, licence.text
    document["icp_subject"]["organize_info"]["certificate_photo"] = licence.json()["id"]
    api.register_media(document)

    filing = api.call("POST", "/filings", APPLICANT, json=document)
    assert filing.status_code == 201
    filing = filing.json()
    fid = filing["id"]
    assert not [f for f in filing["findings"] if f["severity"] == "error"]
    face_warnings = [f for f in filing["findings"]
                     if f["err_field"] == "icp_applets.principal_info.verify_task_id"]
    assert [f["severity"] for f in face_warnings] == ["warning"]
    assert api.ok("POST", f"/filings/{fid}/submit", APPLICANT)["status"] == "platform_review"

    # Platform review: rejected once for the comment, which alone may then change.
    clock.advance(hours=2)
    api.ok("POST", f"/filings/{fid}/claim", PLATFORM)
    api.ok("POST", f"/filings/{fid}/platform-review/reject", PLATFORM, json=rejection(COMMENT))
    fixed = edited(document, COMMENT, FIXED_COMMENT)
    api.ok("PUT", f"/filings/{fid}", APPLICANT, json=fixed)
    api.ok("POST", f"/filings/{fid}/resubmit", APPLICANT)
    clock.advance(hours=2)
    api.ok("POST", f"/filings/{fid}/claim", PLATFORM)
    api.ok("POST", f"/filings/{fid}/calls", PLATFORM,
           json={"principal": "applet", "outcome": "reached", "note": ""})
    approved = api.ok("POST", f"/filings/{fid}/platform-review/approve", PLATFORM)
    assert approved["status"] == "sms_verification"
    assert api.ok("GET", f"/face-tasks/{task['id']}", APPLICANT)["status"] == "passed"

    # The worker texts the codes; the operator reads them off the development gateway.
    run_once(sessions, clock, Channels())
    codes = latest_codes(api)
    for person in (applet_principal, subject_principal):
        api.ok("POST", "/sms-verification/verify", None, json={
            "mobile": person["mobile"], "certificate_number": person["certificate_number"],
            "code": codes[person["mobile"]]})
    assert api.ok("GET", f"/filings/{fid}", APPLICANT)["status"] == "bureau_review"

    clock.advance(hours=3)
    assert [row["id"] for row in api.ok("GET", "/review/bureau/queue", BUREAU)] == [fid]
    api.ok("POST", f"/filings/{fid}/claim", BUREAU)
    api.ok("POST", f"/filings/{fid}/bureau-review/approve", BUREAU)

    final = api.ok("GET", f"/filings/{fid}", APPLICANT)
    number = final["record_number"]
    assert re.fullmatch(r"京ICP备2026\d{6}号-1X", number)
    assert (final["status"], final["status_code"], final["is_canceling"]) == ("filed", 6, False)
    assert [row["event"] for row in final["history"]] == [
        "submit", "platform_reject", "resubmit", "platform_approve", "sms_verified",
        "bureau_approve",
    ]
    assert final["document"]["icp_applets"]["base_info"]["comment"] == FIXED_COMMENT

    appid = document["icp_applets"]["base_info"]["appid"]
    profile = api.ok("GET", f"/public/applets/{appid}")
    assert profile["record"]["service_number"] == number
    found = api.ok("GET", "/public/records", params={"q": "启明星学堂"})
    assert [record["service_number"] for record in found] == [number]
    shown = json.dumps(found, ensure_ascii=False)
    for person in (applet_principal, subject_principal):
        for key in ("mobile", "certificate_number", "email", "emergency_contact", "name"):
            assert person[key] not in shown


def test_the_openapi_document_lists_every_operation_with_typed_answers(api):
    document = api.client.get("/openapi.json").json()
    operations = {
        operation["operationId"]: (method, path, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
    }
    assert set(operations) >= ISSUE_OPERATIONS
    error_ref = {"$ref": "#/components/schemas/ErrorBody"}
    for name in ISSUE_OPERATIONS - {"login"}:
        method, path, operation = operations[name]
        responses = operation["responses"]
        success = [code for code in responses if code.startswith("2")]
        assert len(success) == 1, name
        assert responses[success[0]]["content"]["application/json"]["schema"], name
        for code, response in responses.items():
            if code.startswith("4"):
                assert response["content"]["application/json"]["schema"] == error_ref, name
        # No ID number, phone or code ever travels in a URL.
        for parameter in operation.get("parameters", []):
            assert not PERSONAL_PARAMETERS.search(parameter["name"]), (name, parameter)
    detail = document["components"]["schemas"]["FilingDetail"]["properties"]
    for field in ("status", "status_code", "sms_verify_status", "is_canceling", "audit_data",
                  "record_number", "deadline", "history"):
        assert field in detail
