"""Face-check tasks on both databases: every move, every refusal, the 24 h and 3-day edges."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from beian.clock import FixedClock
from beian.facecheck.models import FaceTask, FaceTaskStatus
from beian.facecheck.service import (
    EXPIRY_TIMER,
    FaceTaskNotFound,
    IllegalFaceTaskMove,
    InvalidFaceTaskInput,
    create_task,
    decide_review,
    expire_due,
    facts,
    get_task,
    notify_again,
    record_result,
)
from beian.timers.models import Timer

TICK = timedelta(microseconds=1)
DAY = timedelta(hours=24)
LIFE = timedelta(days=3)
REPORT = {"background": "light", "faces": 1, "eyes_open": True}


def new_task(db: Session, clock: FixedClock) -> FaceTask:
    return create_task(db, applicant_key="applicant-1", principal_name="张三", now=clock.now())


def test_a_new_task_is_pending_with_a_24_hour_link_and_a_3_day_life(
    db: Session, clock: FixedClock
) -> None:
    task = new_task(db, clock)
    db.commit()
    db.expire_all()
    stored = get_task(db, task.id)
    assert stored is not None
    assert stored.status == "pending"
    assert (stored.applicant_key, stored.principal_name) == ("applicant-1", "张三")
    assert stored.created_at == clock.now()  # read back timezone-aware on both databases
    assert stored.notify_expires_at == clock.now() + DAY
    assert stored.expires_at == clock.now() + LIFE
    assert stored.decided_at is None and stored.result is None


def test_task_ids_are_long_random_tokens(db: Session, clock: FixedClock) -> None:
    ids = {new_task(db, clock).id for _ in range(20)}
    assert len(ids) == 20
    assert all(
        len(task_id) >= 40 and task_id.replace("-", "").replace("_", "").isalnum()
        for task_id in ids
    )


def test_creating_a_task_arms_its_expiry_timer(db: Session, clock: FixedClock) -> None:
    task = new_task(db, clock)
    timer = db.scalars(select(Timer).where(Timer.kind == EXPIRY_TIMER)).one()
    assert (timer.key, timer.due_at) == (task.id, clock.now() + LIFE)


def test_a_passing_photo_passes_the_task(db: Session, clock: FixedClock) -> None:
    task = new_task(db, clock)
    decided = clock.advance(minutes=5)
    record_result(db, task_id=task.id, now=decided, verdict="pass", report=REPORT)
    db.commit()
    db.expire_all()
    task = get_task(db, task.id)  # type: ignore[assignment]
    assert (task.status, task.decided_at, task.photo_at) == ("passed", decided, decided)
    assert task.result == REPORT
    assert facts(db, task.id, clock.now()) == ("passed", task.expires_at, task.principal_name)


def test_a_failing_photo_fails_the_task_with_a_reason(db: Session, clock: FixedClock) -> None:
    first, second = new_task(db, clock), new_task(db, clock)
    now = clock.advance(hours=1)
    record_result(db, task_id=first.id, now=now, verdict="fail", report=REPORT)
    record_result(db, task_id=second.id, now=now, verdict="fail", report=REPORT, reason="佩戴口罩")
    assert (first.status, first.reason, first.decided_at) == ("failed", "照片未通过人脸核身", now)
    assert (second.status, second.reason) == ("failed", "佩戴口罩")
    assert facts(db, first.id, now)[:2] == ("failed", first.expires_at)


def test_an_undecidable_photo_goes_to_a_human(db: Session, clock: FixedClock) -> None:
    task = new_task(db, clock)
    record_result(db, task_id=task.id, now=clock.advance(hours=2), verdict="review", report=REPORT)
    assert (task.status, task.decided_at) == ("review", None)
    assert facts(db, task.id, clock.now())[:2] == ("review", task.expires_at)

    # The link has lapsed, but the photo was taken in time: the human may still judge it.
    decided = clock.advance(hours=40)
    decide_review(db, task_id=task.id, now=decided, approve=True, reviewer="审核员甲", reason="")
    assert (task.status, task.decided_at, task.reviewer, task.reason) == (
        "passed",
        decided,
        "审核员甲",
        None,
    )


def test_a_reviewer_rejects_with_a_reason(db: Session, clock: FixedClock) -> None:
    task = new_task(db, clock)
    record_result(db, task_id=task.id, now=clock.now(), verdict="review", report=REPORT)
    with pytest.raises(InvalidFaceTaskInput, match="reason"):
        decide_review(
            db, task_id=task.id, now=clock.now(), approve=False, reviewer="乙", reason=" "
        )
    decide_review(
        db, task_id=task.id, now=clock.now(), approve=False, reviewer="乙", reason="背景不是浅色"
    )
    assert (task.status, task.reason, task.reviewer) == ("failed", "背景不是浅色", "乙")


def decided_tasks(db: Session, clock: FixedClock) -> dict[str, FaceTask]:
    tasks = {name: new_task(db, clock) for name in ("pending", "review", "passed", "failed")}
    for name, verdict in (("review", "review"), ("passed", "pass"), ("failed", "fail")):
        record_result(db, task_id=tasks[name].id, now=clock.now(), verdict=verdict, report={})
    return tasks


@pytest.mark.parametrize("status", ["review", "passed", "failed"])
def test_a_result_is_recorded_only_once(db: Session, clock: FixedClock, status: str) -> None:
    task = decided_tasks(db, clock)[status]
    with pytest.raises(IllegalFaceTaskMove, match=f"（{status}），不能提交核验照片结果") as caught:
        record_result(db, task_id=task.id, now=clock.now(), verdict="pass", report={})
    assert (caught.value.status, caught.value.move, caught.value.task_id) == (
        status,
        "record_result",
        task.id,
    )
    assert task.status == status


@pytest.mark.parametrize("status", ["pending", "passed", "failed"])
def test_only_a_task_in_review_is_reviewed(db: Session, clock: FixedClock, status: str) -> None:
    task = decided_tasks(db, clock)[status]
    with pytest.raises(IllegalFaceTaskMove, match=f"（{status}），不能人工复核"):
        decide_review(db, task_id=task.id, now=clock.now(), approve=True, reviewer="甲", reason="")
    assert task.status == status


@pytest.mark.parametrize("status", ["review", "passed", "failed"])
def test_only_a_pending_task_is_notified_again(db: Session, clock: FixedClock, status: str) -> None:
    task = decided_tasks(db, clock)[status]
    with pytest.raises(IllegalFaceTaskMove, match=f"（{status}），不能重新发送核验通知"):
        notify_again(db, task_id=task.id, now=clock.now())


def test_the_link_is_open_until_just_before_24_hours(db: Session, clock: FixedClock) -> None:
    on_time, too_late = new_task(db, clock), new_task(db, clock)
    created = clock.now()
    record_result(db, task_id=on_time.id, now=created + DAY - TICK, verdict="pass", report={})
    assert on_time.status == "passed"
    with pytest.raises(IllegalFaceTaskMove, match="核验链接已失效") as caught:
        record_result(db, task_id=too_late.id, now=created + DAY, verdict="pass", report={})
    assert caught.value.status == "pending"
    assert too_late.status == "pending"
    assert facts(db, too_late.id, created + DAY)[:2] == ("pending", too_late.expires_at)


def test_notifying_again_gives_another_24_hours(db: Session, clock: FixedClock) -> None:
    task = new_task(db, clock)
    created = clock.now()
    notify_again(db, task_id=task.id, now=created + timedelta(hours=30))
    assert task.notified_at == created + timedelta(hours=30)
    assert task.notify_expires_at == created + timedelta(hours=54)
    with pytest.raises(IllegalFaceTaskMove, match="核验链接已失效"):
        record_result(
            db, task_id=task.id, now=created + timedelta(hours=54), verdict="pass", report={}
        )
    record_result(
        db, task_id=task.id, now=created + timedelta(hours=54) - TICK, verdict="pass", report={}
    )
    assert task.status == "passed"


def test_a_late_notification_never_outlives_the_task(db: Session, clock: FixedClock) -> None:
    task = new_task(db, clock)
    created = clock.now()
    notify_again(db, task_id=task.id, now=created + timedelta(hours=60))
    assert task.notify_expires_at == created + LIFE
    with pytest.raises(IllegalFaceTaskMove, match="（expired），不能重新发送核验通知.*3 天"):
        notify_again(db, task_id=task.id, now=created + LIFE)
    with pytest.raises(IllegalFaceTaskMove, match="（expired），不能提交核验照片结果"):
        record_result(db, task_id=task.id, now=created + LIFE, verdict="pass", report={})


def test_a_pass_is_usable_until_just_before_3_days(db: Session, clock: FixedClock) -> None:
    task = new_task(db, clock)
    created = clock.now()
    record_result(db, task_id=task.id, now=created, verdict="pass", report={})
    assert facts(db, task.id, created + LIFE - TICK)[:2] == ("passed", created + LIFE)
    # Expired at exactly 3 days, even before the worker has marked it.
    assert facts(db, task.id, created + LIFE)[:2] == ("expired", created + LIFE)
    assert task.status == "passed"


def test_a_review_left_undecided_for_3_days_expires(db: Session, clock: FixedClock) -> None:
    task = new_task(db, clock)
    created = clock.now()
    record_result(db, task_id=task.id, now=created, verdict="review", report={})
    decide = {"task_id": task.id, "approve": True, "reviewer": "甲", "reason": ""}
    with pytest.raises(IllegalFaceTaskMove, match="（expired），不能人工复核"):
        decide_review(db, now=created + LIFE, **decide)  # type: ignore[arg-type]
    decide_review(db, now=created + LIFE - TICK, **decide)  # type: ignore[arg-type]
    assert task.status == "passed"


def test_expire_due_marks_live_tasks_at_3_days_and_is_idempotent(
    db: Session, clock: FixedClock
) -> None:
    created = clock.now()
    tasks = decided_tasks(db, clock)
    later = create_task(
        db, applicant_key="a", principal_name="李四", now=created + timedelta(hours=1)
    )
    db.commit()

    assert expire_due(db, now=created + LIFE - TICK) == 0
    assert expire_due(db, now=created + LIFE) == 3  # pending, review, passed
    assert expire_due(db, now=created + LIFE) == 0
    db.commit()
    db.expire_all()
    statuses = {name: get_task(db, task.id).status for name, task in tasks.items()}  # type: ignore[union-attr]
    assert statuses == {
        "pending": "expired",
        "review": "expired",
        "passed": "expired",
        "failed": "failed",  # a failure stays a failure
    }
    assert later.status == "pending"
    assert expire_due(db, now=created + LIFE + timedelta(hours=1)) == 1
    expired = facts(db, later.id, created + LIFE + timedelta(hours=1))
    assert expired[:2] == ("expired", later.expires_at)


def test_the_worker_expires_tasks_when_their_timer_is_due(
    sessions: sessionmaker[Session], clock: FixedClock
) -> None:
    import beian.facecheck.tasks  # noqa: F401  (registers the timer handler)
    from beian.worker import fire_due_timers

    with sessions.begin() as session:
        task_id = new_task(session, clock).id
    clock.advance(LIFE - TICK)
    assert fire_due_timers(sessions, clock).timers_fired == 0
    clock.advance(TICK)
    assert fire_due_timers(sessions, clock).timers_fired == 1
    with sessions() as session:
        assert get_task(session, task_id).status == FaceTaskStatus.EXPIRED  # type: ignore[union-attr]


def test_an_unknown_task(db: Session, clock: FixedClock) -> None:
    assert get_task(db, "no-such-task") is None
    assert get_task(db, "") is None
    assert get_task(db, "x" * 500) is None
    assert facts(db, "no-such-task", clock.now()) is None
    with pytest.raises(FaceTaskNotFound, match="人脸核身任务不存在"):
        record_result(db, task_id="no-such-task", now=clock.now(), verdict="pass", report={})
    with pytest.raises(FaceTaskNotFound):
        decide_review(db, task_id="nope", now=clock.now(), approve=True, reviewer="甲", reason="")
    with pytest.raises(FaceTaskNotFound):
        notify_again(db, task_id="nope", now=clock.now())


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"verdict": "ok"}, "verdict"),
        ({"report": ["not", "an", "object"]}, "report"),
        ({"report": {"photo": b"raw bytes"}}, "report"),
        ({"report": {"score": float("nan")}}, "report"),
        ({"reason": "很" * 501}, "reason"),
    ],
)
def test_record_result_refuses_bad_input(
    db: Session, clock: FixedClock, arguments: dict[str, object], field: str
) -> None:
    task = new_task(db, clock)
    call: dict[str, object] = {"verdict": "pass", "report": {}} | arguments
    with pytest.raises(InvalidFaceTaskInput, match=field):
        record_result(db, task_id=task.id, now=clock.now(), **call)  # type: ignore[arg-type]
    assert task.status == "pending"


@pytest.mark.parametrize(
    ("applicant_key", "principal_name", "field"),
    [
        ("", "张三", "applicant_key"),
        ("a" * 121, "张三", "applicant_key"),
        ("a", "  ", "principal_name"),
    ],
)
def test_create_task_refuses_bad_input(
    db: Session, clock: FixedClock, applicant_key: str, principal_name: str, field: str
) -> None:
    with pytest.raises(InvalidFaceTaskInput, match=field):
        create_task(db, applicant_key=applicant_key, principal_name=principal_name, now=clock.now())
    assert db.scalars(select(FaceTask)).first() is None


def test_moves_refuse_a_clock_before_the_task_and_an_empty_reviewer(
    db: Session, clock: FixedClock
) -> None:
    task = new_task(db, clock)
    with pytest.raises(InvalidFaceTaskInput, match="now"):
        record_result(db, task_id=task.id, now=clock.now() - TICK, verdict="pass", report={})
    record_result(db, task_id=task.id, now=clock.now(), verdict="review", report={})
    with pytest.raises(InvalidFaceTaskInput, match="reviewer"):
        decide_review(db, task_id=task.id, now=clock.now(), approve=True, reviewer="", reason="")
    assert task.status == "review"
