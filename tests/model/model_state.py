"""The pure model of Beian's filings that the lifecycle machine compares the database with.

It follows the declared workflow (beian.core.workflow.TRANSITIONS) and the
timers each status owns (beian.filings.lifecycle.STEP_TIMERS), and keeps its own account of
deadlines, SMS challenges, claims, filing numbers and the cross-filing pre-check rules.
"""

from __future__ import annotations

import copy
import itertools
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from beian.clock import china_date
from beian.core.workflow import (
    AT_BUREAU,
    LIVE,
    PUBLIC,
    TRANSITIONS,
    Event,
    Status,
    StepDeadline,
)
from beian.filings.lifecycle import SMS_REMINDER_BEFORE, STEP_TIMERS
from tests.model.model_calendar import HOLIDAYS_2026, step_deadline

S, E = Status, Event
MAX_WRONG = 5
MAX_RESENDS = 1
# Wrong codes one phone may type in a day, over every code texted to it.
MAX_WRONG_PER_PHONE = 10
PHONE_WINDOW = timedelta(hours=24)
RESEND_COOLDOWN = timedelta(seconds=60)
CLAIM_TTL = timedelta(hours=4)
FACE_LIFETIME = timedelta(days=3)
ORGANISATION_LIMIT = 50
# Pre-check errcodes the model predicts (the only ones its documents can trigger).
MOBILE_SHARED_IN_FILING = 1604
MOBILE_HELD_ELSEWHERE = 1605
ORGANISATION_LIMIT_REACHED = 2502
ALREADY_AT_BUREAU = 2503
FACE_EXPIRED = 2605
# How long each step may last: SPEC §2 (24 hours to enter a code or confirm a cancellation)
# and the review deadlines beian.core.workflow declares by default.
STEP_DEADLINES = {
    S.PLATFORM_REVIEW: StepDeadline(workdays=2),
    S.SMS_VERIFICATION: StepDeadline(hours=24),
    S.BUREAU_REVIEW: StepDeadline(workdays=20),
    S.CANCEL_PENDING: StepDeadline(hours=24),
}
# What the runs reached, for the report (BEIAN_MODEL_TALLY).
COVERAGE: Counter[str] = Counter()
# Statuses that keep the filing number: a cancelled record keeps it (it is never reused);
# a superseded one has handed it to the change that replaced it.
NUMBERED = frozenset({S.FILED, S.CANCEL_PENDING, S.CANCELLED})


@dataclass
class MChallenge:
    """One texted code as the model expects it."""

    order: int
    filing_id: str
    purpose: str
    phone: str
    certificate_number: str
    roles: str
    window_end: datetime
    sent_at: datetime
    last_sent: datetime
    status: str = "waiting"
    wrong: int = 0
    resends: int = 0


@dataclass
class MFiling:
    """One filing as the model expects it."""

    id: str
    applicant: str
    kind: str
    replaces_id: str | None
    document: dict[str, Any]
    status: Status = S.DRAFT
    submitted_document: dict[str, Any] | None = None
    people: list[tuple[str, str, str]] = field(default_factory=list)
    unlocked: list[str] | None = None
    deadline: datetime | None = None
    provisional: bool = False
    overdue: bool = False
    claimed_by: str | None = None
    claimed_at: datetime | None = None
    record_number: str | None = None
    filed_at: datetime | None = None
    history: list[tuple[str, str, str, str]] = field(default_factory=list)
    timers: dict[str, datetime] = field(default_factory=dict)

    @property
    def subject_key(self) -> str:
        organize = self.document["icp_subject"]["organize_info"]
        return f"{organize['certificate_type']}:{organize['certificate_number'].upper()}"

    @property
    def province(self) -> str:
        return str(self.document["icp_subject"]["base_info"]["province"])


class Model:
    """Every filing, challenge, face task and issued number the machine has caused."""

    def __init__(self) -> None:
        self.filings: dict[str, MFiling] = {}
        self.challenges: list[MChallenge] = []
        self.face_expiry: dict[str, datetime] = {}
        self.subject_numbers: dict[str, str] = {}
        self.last_ordinal: dict[str, int] = {}
        self.province_sequence: dict[int, int] = {}
        self.ledger: set[str] = set()
        self._order = itertools.count(1)
        # What the public query was last verified against (see model_invariants).
        self.checked_public: dict[str, Any] = {}
        # Stored ciphertext -> plaintext, so the invariants decrypt each value once.
        self.plaintexts: dict[bytes, Any] = {}

    # --- moves --------------------------------------------------------------------------

    def move(self, filing: MFiling, event: Event, *, actor: str, now: datetime) -> None:
        """Apply a declared transition with its deadline and timers, as lifecycle.move must."""
        source = filing.status
        target = TRANSITIONS[(event, source)]
        for kind in STEP_TIMERS.get(source, ()):
            filing.timers.pop(kind, None)
        filing.status = target
        filing.overdue = False
        filing.claimed_by = filing.claimed_at = None
        step = STEP_DEADLINES.get(target)
        filing.deadline, filing.provisional = step_deadline(now, step) if step else (None, False)
        if filing.deadline is not None and step and step.workdays:
            days = (china_date(filing.deadline) - china_date(now)).days
            holidays = sum(
                china_date(now) + timedelta(days=n) in HOLIDAYS_2026 for n in range(days)
            )
            COVERAGE["working-day deadlines set"] += 1
            COVERAGE["… spanning a public holiday"] += holidays > 0
            COVERAGE["… provisional (into 2027)"] += filing.provisional
        for kind in STEP_TIMERS.get(target, ()):
            assert filing.deadline is not None
            early = SMS_REMINDER_BEFORE if kind == "sms_reminder" else timedelta(0)
            filing.timers[kind] = filing.deadline - early
        filing.history.append((event.value, source.value, target.value, actor))

    def record_submission(self, filing: MFiling) -> None:
        """Keep the submitted copy and the people it names (the phone rule reads them)."""
        filing.submitted_document = copy.deepcopy(filing.document)
        filing.people = people(filing.document)

    # --- the cross-filing pre-check -------------------------------------------------------

    def errors(
        self, document: dict[str, Any], *, own: str | None, replaces: str | None, now: datetime
    ) -> set[int]:
        """Errcodes of the pre-check errors this document should get at `now`."""
        ignore = {own, replaces}
        others = [f for f in self.filings.values() if f.id not in ignore and f.status in LIVE]
        found: set[int] = set()
        seen: dict[str, str] = {}
        for _role, number, mobile in people(document):
            if seen.get(mobile, number) != number:
                found.add(MOBILE_SHARED_IN_FILING)
            seen.setdefault(mobile, number)
            holders = {n for f in others for (_, n, m) in f.people if m == mobile}
            if holders - {number}:
                found.add(MOBILE_HELD_ELSEWHERE)
        key = subject_key(document)
        same_subject = [f for f in others if f.subject_key == key]
        if sum(f.kind == "new" for f in same_subject) >= ORGANISATION_LIMIT:
            found.add(ORGANISATION_LIMIT_REACHED)
        if any(f.status in AT_BUREAU for f in same_subject):
            found.add(ALREADY_AT_BUREAU)
        task = document["icp_applets"]["principal_info"]["verify_task_id"]
        if now >= self.face_expiry[task]:
            found.add(FACE_EXPIRED)
        return found

    # --- SMS challenges -------------------------------------------------------------------

    def wrong_today(self, phone: str, now: datetime) -> int:
        """Wrong codes typed for this phone against codes texted in the last 24 hours."""
        return sum(
            c.wrong for c in self.challenges if c.phone == phone and c.sent_at > now - PHONE_WINDOW
        )

    def start_challenges(self, filing: MFiling, purpose: str, now: datetime) -> None:
        """Void the waiting codes of this purpose and text the principals concerned."""
        for old in self.waiting(filing.id, purpose):
            old.status = "void"
        assert filing.deadline is not None
        wanted = []
        subject = principal(filing.document, "icp_subject")
        if purpose == "verify" and self.subject_is_new(filing):
            wanted.append(("subject", subject))
        wanted.append(("applet", principal(filing.document, "icp_applets")))
        by_phone: dict[str, tuple[str, list[str]]] = {}
        for role, (phone, number) in wanted:
            by_phone.setdefault(phone, (number, []))[1].append(role)
        for phone, (number, roles) in by_phone.items():
            self.challenges.append(
                MChallenge(
                    order=next(self._order),
                    filing_id=filing.id,
                    purpose=purpose,
                    phone=phone,
                    certificate_number=number,
                    roles=",".join(roles),
                    window_end=filing.deadline,
                    sent_at=now,
                    last_sent=now,
                )
            )

    def subject_is_new(self, filing: MFiling) -> bool:
        """No other filing of the subject has ever been filed (superseded ones count)."""
        return not any(
            f.subject_key == filing.subject_key and f.status in PUBLIC | {S.SUPERSEDED}
            for f in self.filings.values()
            if f.id != filing.id
        )

    def waiting(self, filing_id: str, purpose: str | None = None) -> list[MChallenge]:
        """Codes of a filing still waiting to be entered."""
        return [
            c
            for c in self.challenges
            if c.filing_id == filing_id
            and c.status == "waiting"
            and (purpose is None or c.purpose == purpose)
        ]

    def newest_waiting(self, purpose: str, phone: str, number: str) -> MChallenge | None:
        """The waiting code the verification page finds for this phone and certificate."""
        found = [
            c
            for c in self.challenges
            if c.status == "waiting"
            and c.purpose == purpose
            and c.phone == phone
            and c.certificate_number == number.upper()
        ]
        return max(found, key=lambda c: c.order, default=None)

    def fail(self, filing: MFiling, purpose: str, *, now: datetime) -> None:
        """A window closed or too many wrong codes: the step ends unsuccessfully."""
        for challenge in self.waiting(filing.id, purpose):
            challenge.status = "failed"
        expected = S.SMS_VERIFICATION if purpose == "verify" else S.CANCEL_PENDING
        if filing.status == expected:
            event = E.SMS_FAILED if purpose == "verify" else E.ABORT_CANCELLATION
            self.move(filing, event, actor="system", now=now)

    # --- the worker -----------------------------------------------------------------------

    def run_worker(self, now: datetime) -> None:
        """Fire every timer due at `now`, soonest first."""
        due = sorted(
            (when, kind, filing.id)
            for filing in self.filings.values()
            for kind, when in filing.timers.items()
            if when <= now
        )
        for _when, kind, filing_id in due:
            filing = self.filings[filing_id]
            if kind not in filing.timers:
                continue  # disarmed by an earlier timer of the same run
            del filing.timers[kind]
            if kind == "review_overdue":
                filing.overdue = True
            elif kind == "sms_window":
                self.fail(filing, "verify", now=now)
            elif kind == "cancel_window":
                self.fail(filing, "cancel", now=now)

    # --- numbers --------------------------------------------------------------------------

    def issue_number(self, filing: MFiling, now: datetime) -> str:
        """The next mini-program number of the filing's subject (a subject number first)."""
        key = filing.subject_key
        if key not in self.subject_numbers:
            year = china_date(now).year
            sequence = self.province_sequence.get(year, 0) + 1
            self.province_sequence[year] = sequence
            self.subject_numbers[key] = f"京ICP备{year:04d}{sequence:06d}号"
            self.ledger.add(self.subject_numbers[key])
        ordinal = self.last_ordinal.get(key, 0) + 1
        self.last_ordinal[key] = ordinal
        number = f"{self.subject_numbers[key]}-{ordinal}X"
        COVERAGE[f"numbers issued in {china_date(now).year}"] += 1
        self.ledger.add(number)
        return number

    def claim_active(self, filing: MFiling, now: datetime) -> bool:
        """Whether the filing's current claim still holds at `now`."""
        return filing.claimed_at is not None and now < filing.claimed_at + CLAIM_TTL


def subject_key(document: dict[str, Any]) -> str:
    """Certificate type and number of the document's subject."""
    organize = document["icp_subject"]["organize_info"]
    return f"{organize['certificate_type']}:{organize['certificate_number'].upper()}"


def principal(document: dict[str, Any], part: str) -> tuple[str, str]:
    """(mobile, upper-case certificate number) of one principal."""
    info = document[part]["principal_info"]
    return info["mobile"], info["certificate_number"].upper()


def people(document: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(role, certificate number, mobile) of both principals."""
    return [
        (role, principal(document, part)[1], principal(document, part)[0])
        for role, part in (("subject", "icp_subject"), ("applet", "icp_applets"))
    ]
