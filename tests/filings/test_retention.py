"""Personal data of filings left alone past the retention period is erased (SPEC §10)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from beian.audit import service as audit
from beian.audit.models import AuditEntry
from beian.core.precheck.rules.uploads import named_media
from beian.documents.models import Media
from beian.documents.storage import MemoryStorage, new_key, new_media_id
from beian.facecheck.models import FaceTask
from beian.filings import retention
from beian.filings.models import Filing, FilingEvent, FilingPerson, SmsChallenge
from beian.maintenance import schedule_purge
from tests.journey import APPLICANT, edited, filed, platform_approved

KEPT = timedelta(days=180)


@pytest.fixture
def storage() -> MemoryStorage:
    return MemoryStorage()


def _upload(world, storage, field: str) -> str:
    """A stored upload of the applicant, as the upload endpoint leaves it."""
    media_id = new_media_id()
    key = new_key(media_id, "png")
    storage.put(key, b"\x89PNG upload bytes")
    world.act(lambda s: s.add(Media(
        id=media_id, owner_key=APPLICANT, field=field, kind="certificate",
        content_type="image/png", size=17, sha256="0" * 64, storage_key=key,
        created_at=world.clock.now())))
    return media_id


def _with_uploads(world, storage, document: dict) -> dict:
    front = "icp_applets.principal_info.certificate_photo_front"
    document = edited(document, front, _upload(world, storage, front))
    licence = "icp_subject.organize_info.certificate_photo"
    return edited(document, licence, _upload(world, storage, licence))


def _erase(world, storage) -> int:
    return world.act(lambda s: retention.erase_expired(
        s, now=world.clock.now(), retention=KEPT, storage=storage))


def _personal_values(document: dict) -> list[str]:
    """The names, phones and ID numbers of the principals, as the applicant typed them."""
    values = []
    for part in ("icp_subject", "icp_applets"):
        person = document[part]["principal_info"]
        values += [person["name"], person["mobile"], person["certificate_number"],
                   person["emergency_contact"], person["email"]]
    return values


def test_an_abandoned_draft_is_cut_down_to_facts_that_name_nobody(world, document, storage):
    document = _with_uploads(world, storage, document)
    draft, _ = world.save(document)
    world.clock.advance(KEPT + timedelta(days=1))

    assert _erase(world, storage) == 1

    kept = world.filing(draft.id)
    text = json.dumps([kept.document, kept.submitted_document], ensure_ascii=False)
    for value in _personal_values(document):
        assert value not in text
    base = document["icp_applets"]["base_info"]
    assert kept.document["icp_applets"]["base_info"]["name"] == base["name"]
    assert kept.document["icp_subject"]["base_info"]["name"] == (
        document["icp_subject"]["base_info"]["name"])  # an organisation names no person
    assert kept.erased_at == world.clock.now()
    assert kept.subject_key is None
    assert not storage.files  # both uploads gone from storage
    named = [media_id for _, media_id in named_media(document)]
    assert world.read(lambda s: s.scalar(
        select(func.count()).select_from(Media).where(Media.id.in_(named)))) == 0


def test_people_challenges_and_face_task_names_go_history_and_audit_stay(
    world, document, storage
):
    filing_id = platform_approved(world, document)  # texts sent: challenges exist
    world.act(lambda s: s.execute(update(Filing).where(Filing.id == filing_id)
                                  .values(status="sms_failed")))
    history_before = len(world.history(filing_id))
    task_id = document["icp_applets"]["principal_info"]["verify_task_id"]
    world.clock.advance(KEPT + timedelta(days=1))

    assert _erase(world, storage) == 1

    def count(model):
        return world.read(lambda s: s.scalar(
            select(func.count()).select_from(model).where(model.filing_id == filing_id)))

    assert count(FilingPerson) == 0
    assert count(SmsChallenge) == 0
    assert count(FilingEvent) == history_before
    assert world.read(lambda s: s.get(FaceTask, task_id)).principal_name == ""
    entry = world.read(lambda s: s.scalars(
        select(AuditEntry).where(AuditEntry.action == retention.ERASED_ACTION)).one())
    assert entry.target_id == filing_id
    assert world.read(lambda s: audit.verify(s))[1] == []


def test_filings_under_way_filed_records_and_recent_drafts_are_left_alone(
    world, document, storage
):
    record = filed(world, document)
    world.clock.advance(KEPT - timedelta(days=1))
    recent, _ = world.save(edited(document, "icp_applets.base_info.appid", "wx1234567890abcdef"))
    world.clock.advance(timedelta(days=2))  # the record is now older than the period

    assert _erase(world, storage) == 0

    for filing_id in (record, recent.id):
        untouched = world.filing(filing_id)
        assert untouched.erased_at is None
        assert "principal_info" in untouched.document["icp_applets"]


def test_an_upload_another_live_filing_names_is_kept(world, document, storage):
    document = _with_uploads(world, storage, document)
    old, _ = world.save(document)
    world.clock.advance(KEPT + timedelta(days=1))
    live, _ = world.save(edited(document, "icp_applets.base_info.appid", "wx1234567890abcdef"))

    assert _erase(world, storage) == 1

    assert world.filing(old.id).erased_at is not None
    assert len(storage.files) == 2  # the live filing still names both uploads
    assert world.filing(live.id).erased_at is None


def test_an_individuals_name_goes_with_the_rest(world, document, storage):
    draft, _ = world.save(document)
    world.act(lambda s: s.execute(update(Filing).where(Filing.id == draft.id).values(
        document=edited(document, "icp_subject.base_info.type", 5))))
    world.clock.advance(KEPT + timedelta(days=1))

    _erase(world, storage)

    kept = world.filing(draft.id)
    assert kept.subject_name is None
    assert "name" not in kept.document["icp_subject"]["base_info"]


def test_a_filing_edited_after_erasure_is_erased_again_only_after_a_new_period(
    world, document, storage
):
    draft, _ = world.save(document)
    world.clock.advance(KEPT + timedelta(days=1))
    _erase(world, storage)
    world.update(draft.id, document)  # the applicant came back and filled it in again

    world.clock.advance(KEPT - timedelta(days=1))
    assert _erase(world, storage) == 0
    assert "principal_info" in world.filing(draft.id).document["icp_subject"]

    world.clock.advance(timedelta(days=2))
    assert _erase(world, storage) == 1
    assert "principal_info" not in world.filing(draft.id).document["icp_subject"]


def test_the_hourly_maintenance_run_erases(world, document, storage, monkeypatch):
    from beian.documents import tasks as document_tasks

    monkeypatch.setattr(document_tasks, "_storage", storage)
    draft, _ = world.save(document)
    world.clock.advance(KEPT + timedelta(days=1))
    world.act(lambda s: schedule_purge(s, now=world.clock.now()))
    world.clock.advance(timedelta(hours=1))

    world.work()

    assert world.filing(draft.id).erased_at is not None


def test_the_period_is_configurable_and_can_be_switched_off(monkeypatch):
    monkeypatch.delenv(retention.SETTING, raising=False)
    assert retention.personal_data_retention() == timedelta(days=180)
    monkeypatch.setenv(retention.SETTING, "30")
    assert retention.personal_data_retention() == timedelta(days=30)
    monkeypatch.setenv(retention.SETTING, "off")
    assert retention.personal_data_retention() is None
    for wrong in ("0", "-3", "half a year"):
        monkeypatch.setenv(retention.SETTING, wrong)
        with pytest.raises(retention.RetentionSettingError, match=retention.SETTING):
            retention.personal_data_retention()
