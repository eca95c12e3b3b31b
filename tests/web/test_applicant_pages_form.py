"""The guided form: a new filing, findings beside their fields, live pre-check, uploads."""

from __future__ import annotations

import re

import pytest

from beian.core.precheck.rules.uploads import OFFLINE as UPLOADS_UNCHECKED_OFFLINE
from beian.facecheck import service as facecheck
from beian.filings.models import Filing
from tests.documents.paper_photos import business_licence
from tests.journey import APPLICANT
from tests.web.applicant_helpers import (
    OTHER,
    applicant_app,
    as_data,
    findings_beside,
    form_fields,
    logged_in,
    replace,
    token,
    without_blanks,
)


@pytest.fixture
def app(sessions, clock, tmp_path):
    return applicant_app(sessions, clock, tmp_path / "storage")


@pytest.fixture
def client(app):
    return logged_in(app)


def _new(client, fields, **extra):
    data = [("csrf_token", token(client)), *fields, *extra.items()]
    return client.post("/filings/new", data=as_data(data), follow_redirects=False)


def _only_filing(world) -> Filing:
    rows = world.read(lambda s: s.query(Filing).all())
    assert len(rows) == 1
    return rows[0]


def test_the_empty_form_has_the_four_steps_in_order_and_materials(client):
    html = client.get("/filings/new").text
    titles = re.findall(r'<span class="ap-step-title">([^<]+)</span>', html)
    assert titles == ["主体信息", "主体负责人", "小程序信息", "小程序负责人", "补充材料"]
    assert 'enctype="multipart/form-data"' in html
    # Certificate types are the subject type's: with none chosen, grouped by subject type.
    assert '<optgroup label="企业">' in html
    assert 'name="icp_subject.organize_info.certificate_photo.upload"' in html


def test_a_filled_form_saves_the_example_document_as_a_draft(client, world, document):
    response = _new(client, form_fields(document), action="save")
    assert response.status_code == 303
    filing = _only_filing(world)
    assert response.headers["location"] == f"/filings/{filing.id}/edit?done=created"
    assert filing.status == "draft" and filing.applicant == APPLICANT
    # The one blank field of the example (the subject's comment) is left out.
    assert filing.document == without_blanks(document)
    page = client.get(response.headers["location"]).text
    assert "草稿已保存" in page
    assert 'value="启明星学堂"' in page


def test_every_finding_is_shown_beside_the_field_it_names(client, world, document):
    fields = replace(form_fields(document), "icp_subject.principal_info.mobile", "12345")
    fields = replace(fields, "icp_applets.base_info.comment", "太短的备注")
    response = _new(client, fields, action="save")
    page = client.get(response.headers["location"]).text
    mobile = findings_beside(page, "icp_subject.principal_info.mobile")
    assert "ap-finding-error" in mobile and "手机号码" in mobile
    comment = findings_beside(page, "icp_applets.base_info.comment")
    assert "ap-finding-error" in comment and "20" in comment
    assert findings_beside(page, "icp_subject.principal_info.email").strip() == ""
    # The stepper counts the errors of each step.
    assert re.search(r'data-step-errors="subject_principal">1<', page)


def test_a_warning_is_styled_apart_from_errors(client, world, document):
    task = world.act(lambda s: facecheck.create_task(
        s, applicant_key=APPLICANT, principal_name="李雨桐", now=world.clock.now()))
    world.act(lambda s: facecheck.record_result(
        s, task_id=task.id, now=world.clock.now(), verdict="review", report={}))
    fields = replace(form_fields(document), "icp_applets.principal_info.verify_task_id", task.id)
    page = client.get(_new(client, fields, action="save").headers["location"]).text
    beside = findings_beside(page, "icp_applets.principal_info.verify_task_id")
    assert "ap-finding-warning" in beside and "ap-finding-error" not in beside


def test_the_live_precheck_endpoint_checks_the_form_offline(client, document):
    fields = replace(form_fields(document), "icp_applets.base_info.comment", "太短")
    response = client.post(
        "/filings/-/precheck", data=as_data(fields), headers={"X-CSRF-Token": token(client)}
    )
    assert response.status_code == 200
    findings = response.json()["findings"]
    comment = [f for f in findings if f["err_field"] == "icp_applets.base_info.comment"]
    assert comment and comment[0]["severity"] == "error"
    assert comment[0]["anchor"] == "icp_applets.base_info.comment"
    assert comment[0]["step"] == "applet"
    # Offline, the face check cannot be confirmed: a warning, not an error.
    face = [f for f in findings if f["err_field"].endswith("verify_task_id")]
    assert [f["severity"] for f in face] == ["warning"]
    # The form's files come from its own upload: no "cannot verify offline" noise (2801).
    assert UPLOADS_UNCHECKED_OFFLINE not in {f["errcode"] for f in findings}


def test_the_live_precheck_needs_the_csrf_header(client, document):
    response = client.post("/filings/-/precheck", data=as_data(form_fields(document)))
    assert response.status_code == 403


def test_the_live_precheck_reads_over_the_applicants_own_filing_only(app, client, world, document):
    response = _new(client, form_fields(document), action="save")
    filing_id = response.headers["location"].split("/")[2]
    other = logged_in(app, OTHER)
    answer = other.post("/filings/-/precheck", data={"filing_id": filing_id},
                        headers={"X-CSRF-Token": token(other)})
    assert answer.status_code == 404


def test_districts_come_from_the_dictionary(client):
    body = client.get("/filings/-/districts", params={"parent": "440000"}).json()
    codes = {item["code"]: item["name"] for item in body["items"]}
    assert codes["440300"] == "深圳市"
    # 东莞 has no county level: the city stands for its own district.
    dongguan = client.get("/filings/-/districts", params={"parent": "441900"}).json()["items"]
    assert [item["code"] for item in dongguan] == ["441900"]
    assert client.get("/filings/-/districts", params={"parent": "abc"}).json()["items"] == []


def test_submit_from_the_form_sends_the_filing_to_platform_review(client, world, document):
    response = _new(client, form_fields(document), action="submit")
    filing = _only_filing(world)
    assert response.headers["location"] == f"/filings/{filing.id}?done=submitted"
    assert filing.status == "platform_review"


def test_submit_with_errors_keeps_the_draft_and_shows_why(client, world, document):
    fields = replace(form_fields(document), "icp_applets.base_info.appid", "")
    response = _new(client, fields, action="submit")
    assert response.status_code == 422
    filing = _only_filing(world)
    assert filing.status == "draft"  # saved, not submitted
    assert "未能完成" in response.text
    assert "AppID" in findings_beside(response.text, "icp_applets.base_info.appid")
    # The page now edits the saved draft: saving again does not create another.
    assert f'action="/filings/{filing.id}/edit"' in response.text
    again = client.post(
        f"/filings/{filing.id}/edit",
        data={"csrf_token": token(client), "action": "submit"},
        follow_redirects=False,
    )
    assert again.status_code == 422
    assert world.read(lambda s: s.query(Filing).count()) == 1


def test_a_refused_upload_is_explained_beside_its_field(client, world, document):
    path = "icp_subject.organize_info.certificate_photo"
    files = {f"{path}.upload": ("licence.jpg", b"this is not a picture", "image/jpeg")}
    data = [("csrf_token", token(client)), *form_fields(document), ("action", "save")]
    response = client.post("/filings/new", data=as_data(data), files=files,
                           follow_redirects=False)
    assert response.status_code == 422
    beside = findings_beside(response.text, path)
    assert "ap-finding-error" in beside and "格式" in beside
    # The rest of the form was saved, with the earlier media id kept.
    filing = _only_filing(world)
    assert filing.document["icp_subject"]["organize_info"]["certificate_photo"] == (
        document["icp_subject"]["organize_info"]["certificate_photo"]
    )


def test_an_accepted_upload_lands_in_the_document_and_only_its_owner_sees_it(
    app, client, world, document
):
    import cv2

    ok, encoded = cv2.imencode(".jpg", business_licence())
    assert ok
    path = "icp_subject.organize_info.certificate_photo"
    files = {f"{path}.upload": ("licence.jpg", encoded.tobytes(), "image/jpeg")}
    data = [("csrf_token", token(client)), *form_fields(document), ("action", "save")]
    response = client.post("/filings/new", data=as_data(data), files=files,
                           follow_redirects=False)
    assert response.status_code == 303, response.text
    filing = _only_filing(world)
    media_id = filing.document["icp_subject"]["organize_info"]["certificate_photo"]
    assert re.fullmatch(r"[0-9a-f]{32}", media_id)
    page = client.get(f"/filings/{filing.id}/edit").text
    assert f'src="/filings/{filing.id}/media/{media_id}"' in page
    image = client.get(f"/filings/{filing.id}/media/{media_id}")
    assert image.status_code == 200 and image.headers["content-type"] == "image/jpeg"
    assert "no-store" in image.headers["cache-control"]
    other = logged_in(app, OTHER)
    assert other.get(f"/filings/{filing.id}/media/{media_id}").status_code == 404


def test_an_individual_subject_uses_the_subject_principal_for_the_applet(client, world, document):
    fields = replace(form_fields(document), "icp_subject.base_info.type", "5")
    fields = [(k, v) for k, v in fields if not k.startswith("icp_applets.principal_info.")
              or k.endswith("verify_task_id")]
    _new(client, fields, action="save")
    saved = _only_filing(world).document
    subject = saved["icp_subject"]["principal_info"]
    applet = saved["icp_applets"]["principal_info"]
    assert {k: v for k, v in applet.items() if k != "verify_task_id"} == subject
    assert applet["verify_task_id"] == document["icp_applets"]["principal_info"]["verify_task_id"]


def test_posting_the_form_needs_the_csrf_token(client, world, document):
    response = client.post("/filings/new", data=as_data(form_fields(document)),
                           follow_redirects=False)
    assert response.status_code == 403
    assert world.read(lambda s: s.query(Filing).count()) == 0
