"""Uploads, face tasks and face photos through the API, with generated images."""

from __future__ import annotations

from functools import cache

import pytest
from sqlalchemy import select

from beian.documents.models import Media
from beian.documents.service import OCR_TIMER
from beian.timers.models import Timer
from tests.documents import face_photos as faces
from tests.documents import paper_photos as papers
from tests.web.api_support import APPLICANT, OTHER_APPLICANT, PLATFORM, Api
from tests.web.web_helpers import assert_findings

LICENCE = "icp_subject.organize_info.certificate_photo"


@pytest.fixture
def storage(tmp_path):
    return tmp_path / "storage"


@pytest.fixture
def api(sessions, clock, storage):
    return Api(sessions, clock, storage)


@cache
def licence_jpg():
    return faces.encode(papers.business_licence())


@cache
def portrait_jpg():
    return faces.encode(faces.portrait())


def stored_files(storage):
    return sorted(p for p in storage.rglob("*") if p.is_file()) if storage.exists() else []


def upload(api, field, data, user=APPLICANT, **form):
    return api.call("POST", "/media", user, data={"field": field, **form},
                    files={"file": ("scan.jpg", data, "image/jpeg")})


def test_an_accepted_licence_photo_returns_its_media_id(api, storage):
    response = upload(api, LICENCE, licence_jpg())
    assert response.status_code == 201, response.text
    media = response.json()
    assert (media["field"], media["kind"], media["content_type"]) == (
        LICENCE, "certificate", "image/jpeg")
    assert (media["width"], media["height"]) == (1280, 1800)
    assert media["check_report"]["verdict"] in ("pass", "review")
    assert media["ocr_scheduled"] is False
    assert len(stored_files(storage)) == 1


def test_with_a_filing_the_typed_values_are_cross_checked_by_ocr(api, world, document):
    filing = api.ok("POST", "/filings", APPLICANT, json=document)
    response = upload(api, LICENCE, licence_jpg(), filing_id=filing["id"])
    media = response.json()
    assert media["ocr_scheduled"] is True
    timers = world.read(lambda s: list(s.scalars(select(Timer).where(Timer.kind == OCR_TIMER))))
    assert [t.key for t in timers] == [media["id"]]
    row = world.read(lambda s: s.get(Media, media["id"]))
    assert row.ocr_expected == {
        "name": document["icp_subject"]["base_info"]["name"],
        "certificate_number": document["icp_subject"]["organize_info"]["certificate_number"],
    }


def test_another_applicants_filing_cannot_lend_its_values(api, document, storage):
    filing = api.ok("POST", "/filings", OTHER_APPLICANT, json=document)
    assert_findings(upload(api, LICENCE, licence_jpg(), filing_id=filing["id"]), 404)
    assert stored_files(storage) == []


def test_refused_uploads_are_findings_on_the_field_and_store_nothing(api, storage):
    photocopy = faces.encode(faces.grey(papers.business_licence()))
    grey = assert_findings(upload(api, LICENCE, photocopy), 422)
    assert grey[0]["err_field"] == LICENCE
    small = assert_findings(upload(api, LICENCE, portrait_jpg()), 422)
    assert small[0]["err_field"] == LICENCE
    not_image = assert_findings(upload(api, LICENCE, b"%PDF-1.4 not really"), 422)
    assert not_image[0]["err_field"] == LICENCE
    no_upload_field = "icp_subject.base_info.name"
    assert assert_findings(upload(api, no_upload_field, licence_jpg()), 422)[0]["err_field"] == (
        no_upload_field)
    assert stored_files(storage) == []


@pytest.mark.parametrize(
    ("form", "files", "field"),
    [
        ({"field": "../../etc/passwd"}, {"file": ("a.jpg", b"x", "image/jpeg")}, "field"),
        ({}, {"file": ("a.jpg", b"x", "image/jpeg")}, "field"),
        ({"field": LICENCE}, None, "file"),
        ({"field": LICENCE, "filing_id": "a b"}, {"file": ("a.jpg", b"x", "image/jpeg")},
         "filing_id"),
    ],
)
def test_malformed_upload_forms_are_422_naming_the_field(api, form, files, field):
    response = api.call("POST", "/media", APPLICANT, data=form, files=files)
    assert field in {f["err_field"] for f in assert_findings(response, 422)}


def test_uploads_are_for_applicants(api):
    assert_findings(upload(api, LICENCE, licence_jpg(), user=PLATFORM), 403)
    assert_findings(upload(api, LICENCE, licence_jpg(), user=None), 401)
    as_json = api.call("POST", "/media", APPLICANT, json={"field": LICENCE})
    assert_findings(as_json, 422)


def test_face_tasks_belong_to_the_applicant_who_created_them(api):
    task = api.ok("POST", "/face-tasks", APPLICANT, json={"principal_name": "李雨桐"})
    assert (task["status"], task["principal_name"]) == ("pending", "李雨桐")
    assert api.ok("GET", f"/face-tasks/{task['id']}", APPLICANT)["id"] == task["id"]
    assert_findings(api.call("GET", f"/face-tasks/{task['id']}", OTHER_APPLICANT), 404)
    assert_findings(api.call("GET", "/face-tasks/unknown-task", APPLICANT), 404)
    assert_findings(api.call("GET", "/face-tasks/bad%20id", APPLICANT), 422)
    assert_findings(api.call("GET", f"/face-tasks/{task['id']}", PLATFORM), 403)


def test_creating_a_face_task_needs_a_name_and_the_applicant_role(api):
    empty = assert_findings(api.call("POST", "/face-tasks", APPLICANT,
                                     json={"principal_name": ""}), 422)
    assert empty[0]["err_field"] == "principal_name"
    assert_findings(api.call("POST", "/face-tasks", PLATFORM, json={"principal_name": "李"}),
                    403)


def submit_photo(api, task_id, data):
    return api.call("POST", "/face-tasks/photo", None, data={"task_id": task_id},
                    files={"photo": ("me.jpg", data, "image/jpeg")})


def test_a_good_photo_goes_to_a_person_for_what_the_machine_cannot_see(api, storage):
    task = api.ok("POST", "/face-tasks", APPLICANT, json={"principal_name": "李雨桐"})
    response = submit_photo(api, task["id"], portrait_jpg())
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["report"]["verdict"] == "review" and body["task"]["status"] == "review"
    human = {c["name"] for c in body["report"]["components"] if c["result"] == "review"}
    assert "MouthOcclusionPrevention" in human
    assert len(stored_files(storage)) == 1  # kept for the reviewer who judges it
    again = submit_photo(api, task["id"], portrait_jpg())
    assert assert_findings(again, 409)[0]["err_field"] == "verify_task_id"
    assert len(stored_files(storage)) == 1


def test_a_photo_with_two_faces_fails_the_task(api):
    task = api.ok("POST", "/face-tasks", APPLICANT, json={"principal_name": "李雨桐"})
    body = submit_photo(api, task["id"], faces.encode(faces.two_faces(faces.portrait()))).json()
    assert body["report"]["verdict"] == "fail"
    assert api.ok("GET", f"/face-tasks/{task['id']}", APPLICANT)["status"] == "failed"


def test_face_photo_refusals(api, clock, storage):
    task = api.ok("POST", "/face-tasks", APPLICANT, json={"principal_name": "李雨桐"})
    assert_findings(submit_photo(api, "no-such-task", portrait_jpg()), 404)
    not_image = assert_findings(submit_photo(api, task["id"], b"GIF89a......"), 422)
    assert not_image[0]["err_field"] == "photo"
    malformed = api.call("POST", "/face-tasks/photo", data={"task_id": "x y"},
                         files={"photo": ("me.jpg", b"x", "image/jpeg")})
    assert assert_findings(malformed, 422)[0]["err_field"] == "task_id"
    clock.advance(hours=24)  # the photo link lives 24 hours
    assert_findings(submit_photo(api, task["id"], portrait_jpg()), 409)
    assert stored_files(storage) == []
