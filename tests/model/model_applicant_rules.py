"""The applicant's rules of the lifecycle machine: create, submit, withdraw, edit, resubmit,
cancel and change, each also tried where it is illegal (wrong status, someone else's filing).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hypothesis import strategies as st

from beian.core.workflow import EDITABLE, Event, Status
from beian.filings import service
from beian.filings.errors import (
    LOCKED_FIELD,
    Conflict,
    FilingError,
    IllegalMove,
    NotFound,
    PrecheckFailed,
)
from tests.journey import edited
from tests.model.model_documents import (
    ADDRESSES,
    COMMENTS,
    FACE,
    PEOPLE,
    REJECTABLE,
    SUBJECTS,
    build_document,
    field_of,
)
from tests.model.model_harness import APPLICANTS, REFUSED, TALLY, Harness, Refusal, action
from tests.model.model_state import MFiling

S = Status
MAX_FILINGS = 14
INDEX = st.integers(min_value=0, max_value=255)
# Nine times in ten the rule looks for a filing where its move is legal.
LEGAL = st.integers(min_value=0, max_value=9).map(lambda n: n < 9)
# One time in twelve an applicant acts on someone else's filing.
STRANGER = st.integers(min_value=0, max_value=11).map(lambda n: n == 0)
# Three times in four an applicant whose face check expired renews it before submitting.
RENEW = st.integers(min_value=0, max_value=3).map(lambda n: n > 0)
RESUBMITTABLE = frozenset({S.PLATFORM_REJECTED, S.BUREAU_REJECTED, S.SMS_FAILED})


def some_in(*statuses: Status) -> Callable[[Harness], bool]:
    """Applies when some filing is where the move is legal (illegal attempts are still
    drawn, by `legal` picking any filing), so runs get deep into the lifecycle."""
    wanted = frozenset(statuses)
    return lambda machine: any(f.status in wanted for f in machine.model.filings.values())


def room_for_more(machine: Harness) -> bool:
    return len(machine.model.filings) < MAX_FILINGS


class ApplicantRules(Harness):
    """What applicants do."""

    @action(
        5,
        when=room_for_more,
        subject=st.integers(0, len(SUBJECTS) - 1),
        person=st.integers(0, len(PEOPLE) - 1),
        comment=st.integers(0, len(COMMENTS) - 1),
        borrow=st.integers(0, 59),
        owner=st.sampled_from(APPLICANTS),
    )
    def create(self, subject: int, person: int, comment: int, borrow: int, owner: str) -> None:
        # Sometimes the applet principal gives someone else's phone (refused once it clashes).
        phone_of = borrow if borrow < len(PEOPLE) and borrow != person else None
        self.applets += 1
        document = build_document(
            subject=subject,
            applet_person=person,
            applet=self.applets,
            face_task=self.new_face_task(PEOPLE[person].name),
            comment=comment,
            phone_of=phone_of,
            media_suffix=f".{APPLICANTS.index(owner)}",
        )
        self.world.upload_media(document, owner)
        now = self.now()
        filing, findings = self.attempt(
            "create",
            None,
            lambda s: service.create_filing(s, applicant=owner, document=document, now=now),
        )
        expected = self.model.errors(document, own=None, replaces=None, now=now)
        assert {f["errcode"] for f in findings if f["severity"] == "error"} == expected
        self.model.filings[filing.id] = MFiling(
            id=filing.id, applicant=owner, kind="new", replaces_id=None, document=document
        )

    @action(8, when=some_in(S.DRAFT), index=INDEX, legal=LEGAL, stranger=STRANGER, renew=RENEW)
    def submit(self, index: int, legal: bool, stranger: bool, renew: bool) -> None:
        filing = self.pick(index, legal, frozenset({S.DRAFT}))
        who = self.applicant(filing, stranger)
        if renew:
            self.renew_face_if_expired(filing, who)
        now = self.now()
        errors = self.model.errors(
            filing.document, own=filing.id, replaces=filing.replaces_id, now=now
        )
        expected = (
            Refusal(NotFound)
            if stranger
            else Refusal(IllegalMove)
            if filing.status != S.DRAFT
            else Refusal(PrecheckFailed, findings=frozenset(errors))
            if errors
            else None
        )
        done = self.attempt(
            "submit",
            expected,
            lambda s: service.submit(s, filing_id=filing.id, applicant=who, now=now),
        )
        if done is not REFUSED:
            self.model.record_submission(filing)
            self.model.move(filing, Event.SUBMIT, actor=who, now=now)

    @action(3, when=some_in(S.PLATFORM_REVIEW), index=INDEX, legal=LEGAL, stranger=STRANGER)
    def withdraw(self, index: int, legal: bool, stranger: bool) -> None:
        filing = self.pick(index, legal, frozenset({S.PLATFORM_REVIEW}))
        now, who = self.now(), self.applicant(filing, stranger)
        expected = (
            Refusal(NotFound)
            if stranger
            else Refusal(IllegalMove)
            if filing.status != S.PLATFORM_REVIEW
            else None
        )
        done = self.attempt(
            "withdraw",
            expected,
            lambda s: service.withdraw(s, filing_id=filing.id, applicant=who, now=now),
        )
        if done is not REFUSED:
            self.model.move(filing, Event.WITHDRAW, actor=who, now=now)
            filing.unlocked = None

    @action(
        6,
        when=some_in(*EDITABLE),
        index=INDEX,
        legal=LEGAL,
        stranger=STRANGER,
        field=st.sampled_from(REJECTABLE),
        value=st.integers(0, 2),
        locked_only=st.integers(0, 5).map(lambda n: n == 0),
    )
    def edit(
        self, index: int, legal: bool, stranger: bool, field: str, value: int, locked_only: bool
    ) -> None:
        """Change one field; after a rejection usually the unlocked one, sometimes another."""
        filing = self.pick(index, legal, EDITABLE)
        if filing.unlocked and not locked_only:
            field = filing.unlocked[value % len(filing.unlocked)]
        self.change_field(filing, field, value, self.applicant(filing, stranger))

    def change_field(self, filing: MFiling, field: str, value: int, who: str) -> None:
        """Save the document with one field changed (a new face check for the face field)."""
        fresh = {
            FACE: self.new_face_task(applet_principal(filing.document)) if field == FACE else "",
            "icp_applets.base_info.comment": COMMENTS[value],
            "icp_subject.base_info.address": ADDRESSES[value],
        }[field]
        document = edited(filing.document, field, fresh)
        changed = field_of(filing.document, field) != fresh
        now = self.now()
        # After a rejection only the fields it named may change, and the face check, which
        # expires after three days, may always be renewed.
        locked = changed and filing.unlocked is not None and field not in [*filing.unlocked, FACE]
        expected = (
            Refusal(NotFound)
            if who != filing.applicant
            else Refusal(Conflict)
            if filing.status not in EDITABLE
            else Refusal(FilingError, errcode=LOCKED_FIELD)
            if locked
            else None
        )
        done = self.attempt(
            "edit",
            expected,
            lambda s: service.update_filing(
                s, filing_id=filing.id, applicant=who, document=document, now=now
            ),
        )
        if done is not REFUSED:
            _, findings = done
            filing.document = document
            errors = self.model.errors(
                document, own=filing.id, replaces=filing.replaces_id, now=now
            )
            assert {f["errcode"] for f in findings if f["severity"] == "error"} == errors

    def pending_change(self, record: MFiling) -> bool:
        """Whether a change of this record is unfinished (a withdrawn one counts)."""
        return any(
            f.replaces_id == record.id and f.status not in (S.FILED, S.SUPERSEDED)
            for f in self.model.filings.values()
        )

    def renew_face_if_expired(self, filing: MFiling, who: str) -> None:
        """What an applicant does before (re)submitting once the face check has expired."""
        task = filing.document["icp_applets"]["principal_info"]["verify_task_id"]
        if filing.status in EDITABLE and self.now() >= self.model.face_expiry[task]:
            self.change_field(filing, FACE, 0, who)

    @action(
        6, when=some_in(*RESUBMITTABLE), index=INDEX, legal=LEGAL, stranger=STRANGER, renew=RENEW
    )
    def resubmit(self, index: int, legal: bool, stranger: bool, renew: bool) -> None:
        filing = self.pick(index, legal, RESUBMITTABLE)
        who = self.applicant(filing, stranger)
        if renew:
            self.renew_face_if_expired(filing, who)
        now = self.now()
        errors = self.model.errors(
            filing.document, own=filing.id, replaces=filing.replaces_id, now=now
        )
        expected = (
            Refusal(NotFound)
            if stranger
            else Refusal(IllegalMove)
            if filing.status not in RESUBMITTABLE
            else Refusal(PrecheckFailed, findings=frozenset(errors))
            if errors
            else None
        )
        done = self.attempt(
            "resubmit",
            expected,
            lambda s: service.resubmit(s, filing_id=filing.id, applicant=who, now=now),
        )
        if done is REFUSED:
            return
        unchanged = filing.status == S.SMS_FAILED and filing.document == filing.submitted_document
        self.model.record_submission(filing)
        TALLY[f"resubmit → {'unchanged, back to SMS' if unchanged else 'platform review'}"] += 1
        if unchanged:
            self.model.move(filing, Event.RESUBMIT_UNCHANGED, actor=who, now=now)
            self.model.start_challenges(filing, "verify", now)
        else:
            self.model.move(filing, Event.RESUBMIT, actor=who, now=now)
        filing.unlocked = None

    @action(4, when=some_in(S.FILED), index=INDEX, legal=LEGAL, stranger=STRANGER)
    def request_cancellation(self, index: int, legal: bool, stranger: bool) -> None:
        filing = self.pick(index, legal, frozenset({S.FILED}))
        now, who = self.now(), self.applicant(filing, stranger)
        expected = (
            Refusal(NotFound)
            if stranger
            else Refusal(IllegalMove)
            if filing.status != S.FILED
            else Refusal(Conflict)
            if self.pending_change(filing)
            else None
        )
        done = self.attempt(
            "request_cancellation",
            expected,
            lambda s: service.request_cancellation(s, filing_id=filing.id, applicant=who, now=now),
        )
        if done is not REFUSED:
            self.model.move(filing, Event.REQUEST_CANCELLATION, actor=who, now=now)
            self.model.start_challenges(filing, "cancel", now)

    @action(
        4,
        when=some_in(S.FILED),
        index=INDEX,
        legal=LEGAL,
        stranger=STRANGER,
        comment=st.integers(0, len(COMMENTS) - 1),
        fresh_face=st.integers(0, 4).map(lambda n: n > 0),
    )
    def request_change(
        self, index: int, legal: bool, stranger: bool, comment: int, fresh_face: bool
    ) -> None:
        original = self.pick(index, legal, frozenset({S.FILED}))
        document = edited(original.document, "icp_applets.base_info.comment", COMMENTS[comment])
        if fresh_face:
            document = edited(document, FACE, self.new_face_task(applet_principal(document)))
        now, who = self.now(), self.applicant(original, stranger)
        pending = self.pending_change(original)
        errors = self.model.errors(document, own=None, replaces=original.id, now=now)
        expected = (
            Refusal(NotFound)
            if stranger
            else Refusal(Conflict)
            if original.status != S.FILED or pending
            else Refusal(PrecheckFailed, findings=frozenset(errors))
            if errors
            else None
        )
        change = self.attempt(
            "request_change",
            expected,
            lambda s: service.request_change(
                s, filing_id=original.id, applicant=who, document=document, now=now
            ),
        )
        if change is REFUSED:
            return
        filing = MFiling(
            id=change.id, applicant=who, kind="change", replaces_id=original.id, document=document
        )
        self.model.filings[filing.id] = filing
        self.model.record_submission(filing)
        self.model.move(filing, Event.SUBMIT, actor=who, now=now)


def applet_principal(document: dict[str, Any]) -> str:
    """The name of the person whose face check the document's task must be."""
    return str(document["icp_applets"]["principal_info"]["name"])
