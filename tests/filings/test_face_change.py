"""A new face check for a change of a filed record, on both databases.

The record's own task expires three days after it was taken; these tests file a record,
move past that, and check that a change can only go through with a task started for it.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from beian.audit.models import AuditEntry
from beian.audit.service import verify
from beian.facecheck import service as facecheck
from beian.facecheck.models import FaceTask
from beian.filings.errors import Conflict, NotFound, PrecheckFailed
from beian.filings.face_change import START_ACTION, fingerprint, start_for_change, task_for_change
from tests.journey import APPLICANT, World, edited, filed, submitted

FACE_FIELD = "icp_applets.principal_info.verify_task_id"
TASK_EXPIRED = 2605
TASK_UNFINISHED = 2603
TASK_OTHER_PERSON = 2607
APPLET_NAME = "icp_applets.principal_info.name"
NEW_PRINCIPAL = "王小明"
MONTHS_LATER = timedelta(days=120)


def start(
    world: World, record_id: str, applicant: str = APPLICANT, principal_name: str | None = None
) -> FaceTask:
    return world.act(lambda s: start_for_change(
        s, record_id=record_id, applicant=applicant, now=world.clock.now(),
        principal_name=principal_name))


def photo(world: World, task_id: str, verdict: str = "pass") -> None:
    world.act(lambda s: facecheck.record_result(
        s, task_id=task_id, now=world.clock.now(), verdict=verdict, report={}))


def counts(world: World) -> tuple[int, int]:
    """(face tasks, audit entries of this feature)."""
    return world.read(lambda s: (
        s.scalar(select(func.count()).select_from(FaceTask)),
        s.scalar(select(func.count()).select_from(AuditEntry)
                 .where(AuditEntry.action == START_ACTION)),
    ))


def test_a_change_months_later_needs_and_then_uses_a_new_face_check(world, document):
    record_id = filed(world, document)
    world.clock.advance(MONTHS_LATER)
    changed = edited(world.filing(record_id).document, "icp_subject.base_info.address",
                     "中关村大街27号10层")
    with pytest.raises(PrecheckFailed) as refused:
        world.change(record_id, changed)
    face = [f for f in refused.value.findings if f["err_field"] == FACE_FIELD]
    assert [f["errcode"] for f in face] == [TASK_EXPIRED]

    task = start(world, record_id)
    photo(world, task.id)
    named = world.read(lambda s: task_for_change(
        s, record=world.filing(record_id), applicant=APPLICANT))
    assert named is not None and named.id == task.id
    change = world.change(record_id, edited(changed, FACE_FIELD, task.id))
    assert change.status == "platform_review" and change.replaces_id == record_id
    assert world.filing(change.id).document["icp_applets"]["principal_info"][
        "verify_task_id"] == task.id


def test_the_new_task_is_for_the_record_principal_and_leaves_the_record_untouched(
    world, document
):
    record_id = filed(world, document)
    world.clock.advance(MONTHS_LATER)
    before = world.filing(record_id)
    task = start(world, record_id)
    after = world.filing(record_id)
    assert after.document == before.document and after.version == before.version
    assert after.status == "filed"
    stored = world.read(lambda s: facecheck.get_task(s, task.id))
    assert stored.status == "pending" and stored.record_id == record_id
    assert stored.applicant_key == APPLICANT
    assert stored.principal_name == document["icp_applets"]["principal_info"]["name"]
    assert stored.expires_at == world.clock.now() + timedelta(days=3)


def test_a_change_replacing_the_applet_principal_needs_the_new_principal_s_check(
    world, document
):
    record_id = filed(world, document)
    world.clock.advance(MONTHS_LATER)
    old = start(world, record_id)
    photo(world, old.id)
    changed = edited(edited(world.filing(record_id).document, APPLET_NAME, NEW_PRINCIPAL),
                     FACE_FIELD, old.id)
    with pytest.raises(PrecheckFailed) as refused:
        world.change(record_id, changed)
    assert [f["errcode"] for f in refused.value.findings
            if f["err_field"] == FACE_FIELD] == [TASK_OTHER_PERSON]

    # The old principal's passed task does not stop a check of the new one.
    world.clock.advance(timedelta(minutes=5))
    new = start(world, record_id, principal_name=f" {NEW_PRINCIPAL} ")
    assert new.principal_name == NEW_PRINCIPAL and new.id != old.id
    with pytest.raises(Conflict):  # but that one is not replaced while it runs
        start(world, record_id, principal_name=NEW_PRINCIPAL)
    photo(world, new.id)
    change = world.change(record_id, edited(changed, FACE_FIELD, new.id))
    assert change.status == "platform_review"


def test_every_start_is_audited_without_the_task_link(world, document):
    record_id = filed(world, document)
    task = start(world, record_id)
    entries = world.read(lambda s: s.scalars(
        select(AuditEntry).where(AuditEntry.action == START_ACTION)).all())
    assert [(e.actor, e.target_type, e.target_id) for e in entries] == [
        (APPLICANT, "filing", record_id)]
    assert entries[0].detail["task_fingerprint"] == fingerprint(task.id)
    assert task.id not in str(entries[0].detail)
    assert world.read(lambda s: verify(s))[1] == []


def test_a_pending_task_with_an_open_link_is_not_replaced_until_the_link_closes(
    world, document
):
    record_id = filed(world, document)
    first = start(world, record_id)
    with pytest.raises(Conflict) as refused:
        start(world, record_id)
    assert refused.value.findings[0]["err_field"] == FACE_FIELD
    assert "上传照片" in refused.value.findings[0]["suggest"]
    world.clock.advance(timedelta(hours=24))
    second = start(world, record_id)
    assert second.id != first.id
    named = world.read(lambda s: task_for_change(
        s, record=world.filing(record_id), applicant=APPLICANT))
    assert named.id == second.id


@pytest.mark.parametrize(("verdict", "again"), [("fail", True), ("pass", False),
                                                 ("review", False)])
def test_a_failed_task_may_be_replaced_a_passed_or_reviewed_one_not(
    world, document, verdict, again
):
    record_id = filed(world, document)
    photo(world, start(world, record_id).id, verdict)
    if again:
        start(world, record_id)
    else:
        with pytest.raises(Conflict):
            start(world, record_id)


def test_a_task_not_finished_in_time_still_blocks_the_change(world, document):
    record_id = filed(world, document)
    world.clock.advance(MONTHS_LATER)
    task = start(world, record_id)
    changed = edited(world.filing(record_id).document, FACE_FIELD, task.id)
    with pytest.raises(PrecheckFailed) as refused:
        world.change(record_id, changed)
    assert TASK_UNFINISHED in [f["errcode"] for f in refused.value.findings
                               if f["err_field"] == FACE_FIELD]


def test_only_the_owner_of_a_filed_record_without_a_change_under_way(world, document):
    draft, _ = world.save(document)
    in_review = submitted(world, edited(document, "icp_applets.base_info.appid",
                                        "wx1111111111111111"))
    record_id = filed(world, edited(document, "icp_applets.base_info.appid",
                                    "wx2222222222222222"))
    before = counts(world)
    with pytest.raises(NotFound):
        start(world, record_id, applicant="someone-else")
    with pytest.raises(NotFound):
        start(world, "no-such-filing")
    for not_filed in (draft.id, in_review):
        with pytest.raises(Conflict) as refused:
            start(world, not_filed)
        assert refused.value.findings[0]["err_field"] == "status"
    assert counts(world) == before  # a refusal leaves no task and no audit entry

    world.change(record_id, world.filing(record_id).document)  # fresh task: goes through
    with pytest.raises(Conflict) as refused:
        start(world, record_id)
    finding = refused.value.findings[0]
    assert finding["err_field"] == "status" and "变更正在办理" in finding["errmsg"]
    assert counts(world) == before


def test_each_applicant_sees_only_their_own_newest_task(world, document):
    record_id = filed(world, document)
    older = start(world, record_id)
    photo(world, older.id, "fail")
    world.clock.advance(timedelta(minutes=1))
    newer = start(world, record_id)
    found = world.read(lambda s: facecheck.latest_for_record(
        s, record_id=record_id, applicant_key=APPLICANT))
    assert found.id == newer.id
    assert world.read(lambda s: facecheck.latest_for_record(
        s, record_id=record_id, applicant_key="someone-else")) is None
