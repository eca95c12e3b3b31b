"""Through the API, a filing may name only uploads its applicant made (SPEC §3, 2802)."""

from __future__ import annotations

from functools import cache

import pytest
from sqlalchemy import func, select

from beian.filings.models import Filing, FilingEvent
from beian.notifications.models import OutboxMessage
from beian.timers.models import Timer
from tests.documents import face_photos as faces
from tests.documents import paper_photos as papers
from tests.web.api_support import APPLICANT, OTHER_APPLICANT, Api, edited

FRONT = "icp_applets.principal_info.certificate_photo_front"
LICENCE = "icp_subject.organize_info.certificate_photo"
NOT_UPLOADED = 2802


@pytest.fixture
def api(sessions, clock, tmp_path):
    return Api(sessions, clock, tmp_path / "storage")


@cache
def licence_jpg():
    return faces.encode(papers.business_licence())


def uploaded_licence(api, user):
    response = api.call("POST", "/media", user, data={"field": LICENCE},
                        files={"file": ("licence.jpg", licence_jpg(), "image/jpeg")})
    assert response.status_code == 201, response.text
    return response.json()["id"]


def counts(sessions):
    """Rows a submission writes besides the filing itself."""
    with sessions() as db:
        return {model.__name__: db.scalar(select(func.count()).select_from(model))
                for model in (FilingEvent, OutboxMessage, Timer)}


def upload_findings(body):
    return [(f["errcode"], f["err_field"], f["severity"]) for f in body["findings"]
            if 2800 <= f["errcode"] < 2900]


def test_a_made_up_media_id_is_refused_naming_the_field_and_nothing_is_written(
    api, document, sessions
):
    made_up = edited(document, FRONT, "made-up-media-0001")
    created = api.call("POST", "/filings", APPLICANT, json=made_up)
    assert created.status_code == 201  # a draft may be incomplete: saved, with the finding
    filing_id = created.json()["id"]
    assert upload_findings(created.json()) == [(NOT_UPLOADED, FRONT, "error")]
    before = counts(sessions)

    refused = api.call("POST", f"/filings/{filing_id}/submit", APPLICANT)

    assert refused.status_code == 422
    errors = [f for f in refused.json()["errors"] if f["severity"] == "error"]
    assert [(f["errcode"], f["err_field"]) for f in errors] == [(NOT_UPLOADED, FRONT)]
    assert "made-up-media-0001" in errors[0]["errmsg"] and FRONT in errors[0]["suggest"]
    with sessions() as db:
        filing = db.get(Filing, filing_id)
        assert (filing.status, filing.submitted_document) == ("draft", None)
    assert counts(sessions) == before


def test_another_applicants_upload_reads_exactly_like_a_missing_one(api, document):
    theirs = uploaded_licence(api, OTHER_APPLICANT)
    mine = uploaded_licence(api, APPLICANT)

    def licence_finding(media_id):
        body = api.ok("POST", "/precheck", APPLICANT,
                      json={"document": edited(document, LICENCE, media_id)})
        return [f for f in body["findings"] if f["err_field"] == LICENCE]

    other, missing = licence_finding(theirs), licence_finding("f" * 32)
    assert [f["errcode"] for f in other] == [f["errcode"] for f in missing] == [NOT_UPLOADED]
    assert other[0]["errmsg"].replace(theirs, "ID") == missing[0]["errmsg"].replace("f" * 32, "ID")
    assert licence_finding(mine) == []  # a real upload of the applicant passes


def test_the_pre_check_endpoints_check_as_the_caller(api, document):
    stored = api.ok("POST", "/filings", APPLICANT, json=document)
    assert upload_findings(stored) == []
    # The same document, checked by another applicant, names uploads that are not theirs.
    theirs = api.ok("POST", "/precheck", OTHER_APPLICANT, json={"document": document})
    assert theirs["ok"] is False
    assert {code for code, _, _ in upload_findings(theirs)} == {NOT_UPLOADED}
    assert api.ok("POST", "/precheck", APPLICANT, json={"document": document})["ok"] is True
    posted = api.ok("POST", f"/filings/{stored['id']}/precheck", APPLICANT,
                    json={"document": edited(document, FRONT, "made-up-media-0002")})
    assert upload_findings(posted) == [(NOT_UPLOADED, FRONT, "error")]
