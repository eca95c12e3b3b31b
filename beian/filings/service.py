"""The applicant's side of a filing: save, submit, withdraw, resubmit, cancel, change.

Each public function is one action in the caller's transaction: check, change state through
`lifecycle.move`, and let the move write history, timers and notifications.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, delete, select
from sqlalchemy.orm import Session

from beian.core.precheck import precheck
from beian.core.workflow import EDITABLE, Event, Status
from beian.db import direct
from beian.db.direct import Direct
from beian.db.multirow import direct_multi_row_insert, multi_row_values
from beian.filings import rows, verification
from beian.filings.documents import changed_paths, denormalise, people
from beian.filings.errors import (
    LOCKED_FIELD,
    Conflict,
    FilingError,
    NotFound,
    PrecheckFailed,
)
from beian.filings.lifecycle import move, require_move
from beian.filings.models import Filing, FilingEvent, FilingPerson
from beian.filings.registry import DatabaseRegistry

MAX_DOCUMENT_BYTES = 200_000
_PEOPLE = cast(Table, FilingPerson.__table__)
_DELETE_PEOPLE = Direct(delete(_PEOPLE).where(_PEOPLE.c.filing_id == bindparam("filing_id")))
_PERSON_COLUMNS = ("filing_id", "role", "certificate_hash", "mobile_hash")
# Editable even after a rejection locked the rest: the face check lives three days, so a
# filing fixed later must be able to name a fresh one.
ALWAYS_EDITABLE = ("icp_applets.principal_info.verify_task_id",)


def get_filing(session: Session, filing_id: str) -> Filing:
    """The filing, or NotFound."""
    filing = rows.load(session, filing_id) if isinstance(filing_id, str) else None
    if filing is None:
        raise NotFound()
    return filing


def own_filing(session: Session, filing_id: str, applicant: str) -> Filing:
    """The applicant's own filing; another applicant's reads as not found."""
    filing = get_filing(session, filing_id)
    if filing.applicant != applicant:
        raise NotFound()
    return filing


def check(
    session: Session, filing: Filing, *, now: datetime, before_move: bool = False
) -> list[dict[str, Any]]:
    """Run the full pre-check on the filing's current document. `before_move`: a move
    follows in this transaction, so its calendar is read in the same statement."""
    return _ask_check(session, filing, now=now, before_move=before_move)()


def _ask_check(
    session: Session, filing: Filing, *, now: datetime, before_move: bool = False
) -> Callable[[], list[dict[str, Any]]]:
    """`check` in two steps: the pre-check's questions are sent to the database now
    (within a batch of beian.db.direct, with its other statements); the function
    returned reads the answers and runs the pre-check."""
    ignore = {filing.id} | ({filing.replaces_id} if filing.replaces_id else set())
    registry = DatabaseRegistry(session, now=now, ignore=ignore)
    answer = registry.read_ahead(
        filing.document, filing_id=filing.id, applicant=filing.applicant, calendar=before_move
    )

    def findings() -> list[dict[str, Any]]:
        found = precheck(
            filing.document, now=now, registry=registry, config=answer(),
            filing_id=filing.id, applicant=filing.applicant,
        )
        return [finding.to_dict() for finding in found]

    return findings


def create_filing(
    session: Session, *, applicant: str, document: dict[str, Any], now: datetime
) -> tuple[Filing, list[dict[str, Any]]]:
    """Save a new draft and return it with its pre-check findings."""
    _check_shape(document)
    with direct.batch(session):  # the draft's row and the pre-check's questions together
        filing = _new_draft(session, applicant=applicant, document=document, now=now)
        checking = _ask_check(session, filing, now=now)
    return filing, checking()


def update_filing(
    session: Session, *, filing_id: str, applicant: str, document: dict[str, Any], now: datetime
) -> tuple[Filing, list[dict[str, Any]]]:
    """Replace the document of an editable filing; after a rejection only the named fields."""
    _check_shape(document)
    filing = own_filing(session, filing_id, applicant)
    if Status(filing.status) not in EDITABLE:
        raise Conflict(
            f"当前状态「{filing.status}」下不能修改备案信息",
            suggest="审核中的备案请先撤回；已备案的记录请申请变更",
            field="status",
        )
    if filing.unlocked_fields is not None:
        locked = [
            path
            for path in changed_paths(filing.document, document)
            if not any(
                _within(path, allowed) for allowed in [*filing.unlocked_fields, *ALWAYS_EDITABLE]
            )
        ]
        if locked:
            raise FilingError(
                f"驳回后只能修改被驳回的字段，以下字段已锁定：{'、'.join(locked[:5])}",
                field=locked[0],
                suggest="请只修改驳回原因中列出的字段，其余内容保持不变",
                errcode=LOCKED_FIELD,
            )
    filing.document = document
    filing.updated_at = now
    denormalise(filing)
    session.flush()
    return filing, check(session, filing, now=now)


def submit(session: Session, *, filing_id: str, applicant: str, now: datetime) -> Filing:
    """Send a draft to platform review once the pre-check finds no error."""
    return submit_with_history(session, filing_id=filing_id, applicant=applicant, now=now)[0]


def submit_with_history(
    session: Session, *, filing_id: str, applicant: str, now: datetime
) -> tuple[Filing, list[FilingEvent] | None]:
    """`submit`, and the filing's whole history when it is known without reading it.

    A filing still at its first version was never moved (every move raises the version),
    so its history is this move alone, and it has no verification calls (those are made
    in platform review). Otherwise None: the history must be read.
    """
    filing = own_filing(session, filing_id, applicant)
    require_move(filing, Event.SUBMIT)
    never_moved = filing.version == 1
    _require_clean(session, filing, now=now)
    with direct.batch(session):  # the people named and the move: one round trip
        storing = _record_submission(session, filing)
        record = move(session, filing, Event.SUBMIT, actor=applicant, now=now, storing=storing)
    return filing, [record] if never_moved else None


def withdraw(session: Session, *, filing_id: str, applicant: str, now: datetime) -> Filing:
    """Take a filing back from platform review; it becomes an editable draft again."""
    filing = own_filing(session, filing_id, applicant)
    move(session, filing, Event.WITHDRAW, actor=applicant, now=now)
    filing.unlocked_fields = None
    return filing


def resubmit(session: Session, *, filing_id: str, applicant: str, now: datetime) -> Filing:
    """Resubmit after a rejection or an SMS failure (unchanged data skips the platform)."""
    filing = own_filing(session, filing_id, applicant)
    require_move(filing, Event.RESUBMIT)
    _require_clean(session, filing, now=now)
    unchanged = filing.status == Status.SMS_FAILED and filing.document == filing.submitted_document
    storing = _record_submission(session, filing)
    if unchanged:
        move(session, filing, Event.RESUBMIT_UNCHANGED, actor=applicant, now=now,
             storing=storing)
        verification.start(session, filing, purpose="verify", now=now)
    else:
        move(session, filing, Event.RESUBMIT, actor=applicant, now=now, storing=storing)
    filing.unlocked_fields = None
    return filing


def request_cancellation(
    session: Session, *, filing_id: str, applicant: str, now: datetime
) -> Filing:
    """Ask to cancel a filed record; the applet principal must confirm by SMS within 24 h."""
    filing = own_filing(session, filing_id, applicant)
    require_move(filing, Event.REQUEST_CANCELLATION)
    if pending_change(session, filing) is not None:
        raise Conflict(
            "该备案有一项变更正在办理，暂不能注销",
            suggest="请等待变更审核结束后再申请注销",
            field="status",
        )
    move(session, filing, Event.REQUEST_CANCELLATION, actor=applicant, now=now)
    verification.start(session, filing, purpose="cancel", now=now)
    return filing


def request_change(
    session: Session, *, filing_id: str, applicant: str, document: dict[str, Any], now: datetime
) -> Filing:
    """Open a change of a filed record: a new review of the new data; the number stays."""
    _check_shape(document)
    original = own_filing(session, filing_id, applicant)
    if original.status != Status.FILED:
        raise Conflict(
            "只有已备案的记录可以变更",
            suggest="请等待备案完成后再申请变更",
            field="status",
        )
    if pending_change(session, original) is not None:
        raise Conflict("该备案已有一项变更正在办理", suggest="请先完成或撤回正在办理的变更")
    change = _new_draft(
        session, applicant=applicant, document=document, now=now, replaces=original
    )
    _require_clean(session, change, now=now)
    storing = _record_submission(session, change)
    move(session, change, Event.SUBMIT, actor=applicant, now=now, storing=storing)
    return change


def pending_change(session: Session, record: Filing) -> str | None:
    """The id of an unfinished change of a filed record, if any."""
    query = select(Filing.id).where(
        Filing.replaces_id == record.id,
        Filing.status.not_in([Status.FILED.value, Status.SUPERSEDED.value]),
    )
    return session.scalars(query.limit(1)).first()


def new_draft(
    *, applicant: str, document: dict[str, Any], now: datetime, replaces: Filing | None = None
) -> Filing:
    """A draft filing, not yet stored; a change of a filed record names the record it
    replaces."""
    filing = Filing(
        id=secrets.token_hex(8),
        kind="change" if replaces else "new",
        replaces_id=replaces.id if replaces else None,
        applicant=applicant,
        status=Status.DRAFT.value,
        document=document,
        created_at=now,
        updated_at=now,
        stage_started_at=now,
    )
    denormalise(filing)
    return filing


def _new_draft(
    session: Session,
    *,
    applicant: str,
    document: dict[str, Any],
    now: datetime,
    replaces: Filing | None = None,
) -> Filing:
    """A draft filing, stored (see beian.filings.rows)."""
    filing = new_draft(applicant=applicant, document=document, now=now, replaces=replaces)
    rows.insert_new(session, filing)
    return filing


def _require_clean(session: Session, filing: Filing, *, now: datetime) -> None:
    """Refuse unless the pre-check finds no error; a move follows (see `check`)."""
    findings = check(session, filing, now=now, before_move=True)
    if any(f["severity"] == "error" for f in findings):
        raise PrecheckFailed(findings)


def _record_submission(session: Session, filing: Filing) -> dict[str, Any]:
    """Write the people named, for the cross-filing rules; return the submitted copy as
    columns for the move that follows to store in its own UPDATE (`lifecycle.move`).

    The people rows are written with the submitted copy and only then (here, and by
    beian.crypto.rehash from the submitted copy), so a filing never submitted has none to
    delete. They go straight to the table: the filing row exists already.
    """
    if filing.submitted_document is not None:
        _DELETE_PEOPLE.send(session, {"filing_id": filing.id})
    rows = [dict(zip(_PERSON_COLUMNS, (filing.id, *person), strict=True))
            for person in people(filing.document)]
    if rows:  # everyone named (at most two) in one statement, compiled once
        direct_multi_row_insert(_PEOPLE, _PERSON_COLUMNS, len(rows)).send(
            session, multi_row_values(_PERSON_COLUMNS, rows))
    return {"submitted_document": filing.document}


def _check_shape(document: Any) -> None:
    if not isinstance(document, dict):
        raise FilingError(
            "备案信息必须是一个 JSON 对象",
            field="document",
            suggest="请按 icp_subject、icp_applets、icp_materials 的结构提交",
        )
    if len(json.dumps(document, ensure_ascii=False)) > MAX_DOCUMENT_BYTES:
        raise FilingError(
            "备案信息过大",
            field="document",
            suggest="文件请通过上传接口提交，表单中只填写返回的 media_id",
        )


def _within(path: str, allowed: str) -> bool:
    return path == allowed or path.startswith(allowed + ".")
