"""Face photos are deleted a configurable number of days after the task's decision."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from beian.clock import FixedClock
from beian.documents import tasks as documents
from beian.documents.models import Media
from beian.documents.service import store_upload
from beian.documents.storage import EncryptedStorage, LocalStorage
from beian.facecheck.models import FaceTask
from beian.facecheck.service import (
    PHOTO_DELETION_TIMER,
    InvalidFaceTaskInput,
    create_task,
    decide_review,
    record_result,
)
from beian.timers.models import Timer
from beian.worker import fire_due_timers, load_task_modules
from tests.documents import face_photos as faces
from tests.documents import paper_photos as papers

DAY = timedelta(days=1)
FACE_FIELD = "icp_applets.principal_info.face_photo"


@pytest.fixture
def storage(tmp_path: Path) -> Iterator[EncryptedStorage]:
    """The storage the worker deletes from."""
    store = EncryptedStorage(LocalStorage(tmp_path / "storage"))
    documents.use_storage(store)
    load_task_modules()
    yield store
    documents.use_storage(None)


def _photo(
    db: Session,
    storage: EncryptedStorage,
    clock: FixedClock,
    field: str = FACE_FIELD,
    data: bytes | None = None,
) -> Media:
    media = store_upload(
        db,
        storage,
        owner_key="applicant-1",
        field=field,
        filename="p.jpg",
        data=data or faces.encode(faces.portrait()),
        now=clock.now(),
    )
    assert isinstance(media, Media)
    return media


def _task_with_photo(db, storage, clock, verdict: str = "pass") -> tuple[FaceTask, Media]:
    task = create_task(db, applicant_key="applicant-1", principal_name="李四", now=clock.now())
    media = _photo(db, storage, clock)
    record_result(
        db,
        task_id=task.id,
        now=clock.now(),
        verdict=verdict,
        report={"verdict": verdict, "media_id": media.id},
    )
    db.commit()
    return task, media


def _deletion_due(db: Session, task: FaceTask):
    timer = db.scalars(
        select(Timer).where(Timer.kind == PHOTO_DELETION_TIMER, Timer.key == task.id)
    ).one()
    return timer.due_at


def test_a_decision_arms_deletion_30_days_later_by_default(db, clock, storage, monkeypatch):
    monkeypatch.delenv("BEIAN_FACE_PHOTO_RETENTION_DAYS", raising=False)
    task, _ = _task_with_photo(db, storage, clock)
    assert _deletion_due(db, task) == clock.now() + 30 * DAY


def test_the_retention_period_is_configurable(db, clock, storage, monkeypatch):
    monkeypatch.setenv("BEIAN_FACE_PHOTO_RETENTION_DAYS", "7")
    task, _ = _task_with_photo(db, storage, clock, verdict="fail")
    assert _deletion_due(db, task) == clock.now() + 7 * DAY


def test_a_bad_retention_setting_is_named(db, clock, storage, monkeypatch):
    monkeypatch.setenv("BEIAN_FACE_PHOTO_RETENTION_DAYS", "a month")
    task = create_task(db, applicant_key="a", principal_name="李四", now=clock.now())
    with pytest.raises(InvalidFaceTaskInput, match="BEIAN_FACE_PHOTO_RETENTION_DAYS"):
        record_result(db, task_id=task.id, now=clock.now(), verdict="pass", report={})


def test_a_photo_left_to_a_human_counts_from_expiry_then_from_the_verdict(
    db, clock, storage, monkeypatch
):
    monkeypatch.setenv("BEIAN_FACE_PHOTO_RETENTION_DAYS", "10")
    task, _ = _task_with_photo(db, storage, clock, verdict="review")
    assert _deletion_due(db, task) == task.expires_at + 10 * DAY
    decided = clock.advance(hours=5)
    decide_review(db, task_id=task.id, now=decided, approve=True, reviewer="甲", reason="")
    db.commit()
    assert _deletion_due(db, task) == decided + 10 * DAY


def test_the_worker_deletes_the_file_and_row_when_due_and_only_then(
    sessions: sessionmaker[Session], db, clock, storage, monkeypatch
):
    monkeypatch.setenv("BEIAN_FACE_PHOTO_RETENTION_DAYS", "30")
    task, media = _task_with_photo(db, storage, clock)
    db.close()
    clock.advance(days=30, microseconds=-1)
    fire_due_timers(sessions, clock)
    assert storage.exists(media.storage_key)
    clock.advance(microseconds=1)
    assert fire_due_timers(sessions, clock).timers_fired >= 1
    assert not storage.exists(media.storage_key)
    with sessions() as session:
        assert session.get(Media, media.id) is None
        assert session.get(FaceTask, task.id).photo_deleted_at == clock.now()
        assert session.get(FaceTask, task.id).result["verdict"] == "pass"  # the record stays


def test_deletion_touches_nothing_but_a_face_photo_and_runs_once(
    sessions: sessionmaker[Session], db, clock, storage
):
    from beian.facecheck.tasks import delete_photo

    licence = _photo(
        db,
        storage,
        clock,
        field="icp_subject.organize_info.certificate_photo",
        data=faces.encode(papers.business_licence()),
    )
    task = create_task(db, applicant_key="a", principal_name="李四", now=clock.now())
    record_result(
        db, task_id=task.id, now=clock.now(), verdict="pass", report={"media_id": licence.id}
    )
    assert delete_photo(db, task.id, storage=storage, now=clock.now()) is False
    assert storage.exists(licence.storage_key) and db.get(Media, licence.id) is not None
    assert delete_photo(db, task.id, storage=storage, now=clock.now()) is False
    assert delete_photo(db, "no-such-task", storage=storage, now=clock.now()) is False
