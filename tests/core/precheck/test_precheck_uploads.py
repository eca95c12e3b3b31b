"""Media fields name real uploads of the filing's applicant (errcodes 2800-2899)."""

from __future__ import annotations

import pytest

from beian.core.document import parse_document
from beian.core.precheck import InMemoryRegistry
from beian.core.precheck.rules.uploads import named_media
from beian.testing.media import register_media_in

UPLOADS = range(2800, 2900)
OWNER = "applicant-1"
PHOTO = "icp_subject.organize_info.certificate_photo"
FRONT = "icp_applets.principal_info.certificate_photo_front"


@pytest.fixture
def registry(enterprise):
    """A registry knowing every upload of the enterprise example as the owner's."""
    registry = InMemoryRegistry()
    register_media_in(registry, enterprise, owner=OWNER)
    return registry


def test_a_document_naming_the_owners_uploads_passes(found, enterprise, registry):
    assert found(enterprise, UPLOADS, registry=registry, applicant=OWNER) == set()


def test_every_media_field_is_checked_with_its_dotted_path(enterprise):
    paths = [path for path, _ in named_media(enterprise)]
    assert paths == [
        PHOTO,
        "icp_subject.principal_info.certificate_photo_front",
        "icp_subject.principal_info.certificate_photo_back",
        FRONT,
        "icp_applets.principal_info.certificate_photo_back",
        "icp_applets.principal_info.authorization_letter",
        "icp_applets.base_info.nrlx_details.0.media",
        "icp_materials.commitment_letter.0",
    ]
    # The face-check task id is no upload.
    assert not any(path.endswith("verify_task_id") for path in paths)


def test_the_raw_and_the_parsed_document_name_the_same_media(enterprise):
    doc, _ = parse_document(enterprise)
    assert named_media(doc) == named_media(enterprise)


def test_a_made_up_id_is_refused_naming_the_field(found, check, enterprise, registry):
    enterprise["icp_subject"]["organize_info"]["certificate_photo"] = "made-up-0001"
    assert found(enterprise, UPLOADS, registry=registry, applicant=OWNER) == {(2802, PHOTO)}
    finding = next(f for f in check(enterprise, registry=registry, applicant=OWNER)
                   if f.errcode == 2802)
    assert finding.is_error
    assert "主体证件照片" in finding.errmsg and PHOTO in finding.suggest


def test_list_items_are_named_by_index(found, enterprise, registry):
    enterprise["icp_applets"]["base_info"]["nrlx_details"][0]["media"] = "made-up-0002"
    enterprise["icp_materials"]["commitment_letter"].append("made-up-0003")
    assert found(enterprise, UPLOADS, registry=registry, applicant=OWNER) == {
        (2802, "icp_applets.base_info.nrlx_details.0.media"),
        (2802, "icp_materials.commitment_letter.1"),
    }


def test_someone_elses_upload_reads_exactly_like_a_missing_one(check, enterprise):
    theirs = InMemoryRegistry()
    register_media_in(theirs, enterprise, owner="applicant-2")
    photo_id = enterprise["icp_subject"]["organize_info"]["certificate_photo"]
    nobody = InMemoryRegistry()

    def photo_finding(registry):
        return next(
            f for f in check(enterprise, registry=registry, applicant=OWNER) if f.err_field == PHOTO
        )

    assert photo_finding(theirs) == photo_finding(nobody)
    assert photo_finding(theirs).errcode == 2802
    assert photo_id[:40] in photo_finding(theirs).errmsg


def test_online_without_an_applicant_no_upload_counts(found, enterprise, registry):
    codes = {code for code, _ in found(enterprise, UPLOADS, registry=registry)}
    assert codes == {2802}


def test_a_video_named_as_an_id_card_photo_is_refused(found, enterprise, registry):
    registry.add_upload("video-0001", owner=OWNER, content_type="video/mp4", kind="video")
    enterprise["icp_applets"]["principal_info"]["certificate_photo_front"] = "video-0001"
    assert found(enterprise, UPLOADS, registry=registry, applicant=OWNER) == {(2803, FRONT)}


def test_a_pdf_letter_may_be_named_as_another_letter(found, enterprise, registry):
    registry.add_upload("letter-0001", owner=OWNER, content_type="application/pdf",
                        kind="document")
    enterprise["icp_materials"]["commitment_letter"] = ["letter-0001"]
    assert found(enterprise, UPLOADS, registry=registry, applicant=OWNER) == set()


def test_a_certificate_field_needs_an_upload_checked_as_a_certificate(
    found, enterprise, registry
):
    # A JPEG uploaded as an "other material" skipped the colour and resolution checks.
    registry.add_upload("other-0001", owner=OWNER, content_type="image/jpeg", kind="document")
    enterprise["icp_subject"]["organize_info"]["certificate_photo"] = "other-0001"
    assert found(enterprise, UPLOADS, registry=registry, applicant=OWNER) == {(2804, PHOTO)}


def test_offline_one_warning_for_the_whole_document(check, enterprise):
    findings = [f for f in check(enterprise) if f.errcode in UPLOADS]
    assert [(f.errcode, f.severity, f.err_field) for f in findings] == [(2801, "warning", PHOTO)]


def test_a_document_naming_no_media_has_nothing_to_check(found):
    assert found({"icp_subject": {"base_info": {"type": 4}}}, UPLOADS) == set()
    assert found({"icp_subject": {"base_info": {"type": 4}}}, UPLOADS,
                 registry=InMemoryRegistry(), applicant=OWNER) == set()
