"""The pre-check's view of every other filing, answered from the database.

The queries read columns only, never whole Filing objects: a Filing row carries the
encrypted documents, which would be decrypted on load for nothing. The statements are
built once, with bound parameters, so each call only binds and runs them. A registry
lives for one pre-check; within it each question is asked of the database once (the
subject rules and the phone rule ask the same question more than once per document).

`read_ahead` asks, in one statement, every question a document's pre-check will ask (its
phones, its subject, its face task, the uploads it names) together with the province
rules: on PostgreSQL each statement is a round trip, and they were most of a pre-check's
time. A question it did not foresee is still answered, by its own query.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Collection, Iterable
from datetime import date, datetime
from typing import Any, NamedTuple

from sqlalchemy import (
    Integer,
    String,
    bindparam,
    case,
    cast,
    exists,
    extract,
    func,
    literal,
    literal_column,
    null,
    select,
    type_coerce,
    union_all,
)
from sqlalchemy.orm import Session

from beian.calendar.models import CalendarEntry
from beian.calendar.service import StoredDay, remember_stored_days
from beian.core.precheck import PrecheckConfig
from beian.core.precheck.registry import FaceTaskFacts, SubjectFacts, UploadFacts
from beian.core.precheck.rules.uploads import named_media
from beian.core.workflow import AT_BUREAU, LIVE
from beian.crypto.cipher import CERTIFICATE, PHONE, keyed_hash
from beian.db.direct import Direct
from beian.db.lists import none_of, one_of
from beian.documents.models import Media
from beian.facecheck.models import FaceTask
from beian.facecheck.service import facts, status_at
from beian.filings import history_ids
from beian.filings.documents import section, subject_key_of
from beian.filings.history_ids import NextEventId
from beian.filings.models import Filing, FilingPerson
from beian.provinces.models import ProvinceRule
from beian.provinces.service import precheck_config

LIVE_VALUES = sorted(status.value for status in LIVE)
AT_BUREAU_VALUES = sorted(status.value for status in AT_BUREAU)


def _written_in(values: list[str]) -> list[Any]:
    """Constant status values as literals in the SQL: an IN of bound values is expanded
    into the statement again on every execution (≈ 40 µs each, three per read-ahead)."""
    if not all(re.fullmatch(r"[a-z_]+", value) for value in values):
        raise ValueError(f"not a status value: {values!r}")
    return [literal_column(f"'{value}'", String) for value in values]


_LIVE = _written_in(LIVE_VALUES)
_AT_BUREAU = _written_in(AT_BUREAU_VALUES)

# The questions below are asked before every save and submission, so each must stay a
# look-up of the few rows it names, however many filings and uploads there are. They are
# written so that the only index a planner can use is the one that finds those rows:
# SQLite has no statistics to tell a selective index from a poor one, and went through
# every live filing (the status index) or every upload of the applicant (the owner index)
# when a condition on those columns stood beside the selective one.

# A person row belongs to another live filing: probed by the filing's key, row by row.
_IN_OTHER_LIVE_FILING = exists(
    select(literal(1))
    .where(Filing.id == FilingPerson.filing_id)
    .where(Filing.status.in_(_LIVE))
    .where(none_of(Filing.id, "others"))
)

# The certificate hashes of the people using one mobile in other live filings.
_PHONE_HOLDERS = (
    select(FilingPerson.certificate_hash)
    .where(FilingPerson.mobile_hash == bindparam("mobile_hash"))
    .where(_IN_OTHER_LIVE_FILING)
)

# Whether an upload is the owner's, as a value (1 or 0), not as a condition: found by
# its id alone, another owner's upload then reads as missing.
_OWNED = case((Media.owner_key == bindparam("owner"), 1), else_=0)

# The uploads among some ids, each saying whether the owner made it.
_UPLOADS = (
    select(Media.id, Media.content_type, Media.kind, _OWNED.label("owned"))
    .where(one_of(Media.id, "media_ids"))
)

# One row for a subject's other live filings: the earliest one's province and name, and
# over all of them (window aggregates, computed before the LIMIT) the number of first
# filings and whether any is at the bureau. No row when the subject has no live filing.
_SUBJECT_FACTS = (
    select(
        Filing.province,
        Filing.subject_name,
        func.sum(case((Filing.kind == "new", 1), else_=0)).over().label("live_applets"),
        func.max(case((Filing.status.in_(_AT_BUREAU), 1), else_=0))
        .over()
        .label("at_bureau"),
    )
    .where(Filing.subject_key == bindparam("subject_key"))
    .where(Filing.status.in_(_LIVE))
    .where(none_of(Filing.id, "others"))
    .order_by(Filing.created_at, Filing.id)
    .limit(1)
)

# Every answer `read_ahead` wants, as rows of one shape: (what, key, a, b, n, m, at).
_AT = FaceTask.__table__.c.expires_at.type


def _row(what: str, key: Any, a: Any, b: Any, n: Any, m: Any, at: Any) -> Any:
    """One arm of the union; None is a NULL of the column's type (PostgreSQL resolves a
    union's column types arm by arm, and refuses an untyped NULL beside a timestamp)."""
    columns = (("key", key, String()), ("a", a, String()), ("b", b, String()),
               ("n", n, Integer()), ("m", m, Integer()), ("at", at, _AT))
    return select(
        literal(what, String).label("what"),
        *(
            type_coerce(cast(null(), kind) if value is None else value, kind).label(name)
            for name, value, kind in columns
        ),
    )


_SUBJECT_ROW = _SUBJECT_FACTS.subquery()
_ARMS = (
    _row("rule", ProvinceRule.province, cast(ProvinceRule.required_materials, String), None,
         ProvinceRule.min_validity_months, None, None),
    _row("holder", FilingPerson.mobile_hash, FilingPerson.certificate_hash, None, None,
         None, None)
    .where(one_of(FilingPerson.mobile_hash, "mobile_hashes"))
    .where(_IN_OTHER_LIVE_FILING),
    _row("subject", None, _SUBJECT_ROW.c.province, _SUBJECT_ROW.c.subject_name,
         _SUBJECT_ROW.c.live_applets, _SUBJECT_ROW.c.at_bureau, None),
    _row("face", FaceTask.id, FaceTask.status, FaceTask.principal_name, None, None,
         FaceTask.expires_at)
    .where(FaceTask.id == bindparam("task_id")),
    _row("upload", Media.id, Media.content_type, Media.kind, _OWNED, None, None)
    .where(one_of(Media.id, "media_ids")),
)
# Run twice a submission: directly (beian.db.direct).
_AHEAD = Direct(union_all(*_ARMS))
# Before a move, the stored calendar days too (the move's deadline needs them): one
# statement fewer on the way to a submission (see calendar.service.remember_stored_days);
# and the move's history id (beian.filings.history_ids).
_AHEAD_WITH_CALENDAR = Direct(union_all(
    *_ARMS,
    # The day as the number yyyymmdd: a date's text form depends on PostgreSQL's DateStyle.
    _row("calendar", None, None, CalendarEntry.name,
         cast(extract("year", CalendarEntry.day) * 10000
              + extract("month", CalendarEntry.day) * 100 + extract("day", CalendarEntry.day),
              Integer),
         cast(CalendarEntry.is_workday, Integer), None),
    # And the id the move's history row will take: its notices can then go with it.
    _row("next_event", None, None, None, NextEventId(), None, None),
))


class _Rules(NamedTuple):
    province: str
    required_materials: list[str] | None
    min_validity_months: int | None


class DatabaseRegistry:
    """Facts about other live filings; `ignore` names filings that do not count (itself)."""

    def __init__(self, session: Session, *, now: datetime, ignore: Iterable[str] = ()) -> None:
        self.session = session
        self.now = now
        self.ignore = {i for i in ignore if i}
        self._holders: dict[tuple[str, str | None], set[str]] = {}
        self._subjects: dict[tuple[int, str, str | None], SubjectFacts] = {}
        self._tasks: dict[str, FaceTaskFacts | None] = {}
        self._uploads: dict[tuple[str, str], UploadFacts | None] = {}

    def _others(self, exclude_filing: str | None) -> list[str]:
        return sorted(self.ignore | ({exclude_filing} if exclude_filing else set()))

    def read_ahead(
        self,
        document: dict[str, Any],
        *,
        filing_id: str | None,
        applicant: str | None = None,
        base: PrecheckConfig | None = None,
        calendar: bool = False,
    ) -> Callable[[], PrecheckConfig]:
        """Ask in one statement what the pre-check of `document` (filed by `applicant`)
        will ask. The statement is sent now (within a batch of beian.db.direct, with the
        batch's other statements); the function returned reads the answer, after the
        batch, and returns the pre-check configuration (`base` plus the stored province
        rules read with it).
        With `calendar`, the stored calendar days are read too and left for the move that
        follows in this transaction (calendar.service.load_calendar)."""
        phones = _phones(document)
        subject = _subject(document)
        task_id = _face_task_id(document)
        # Without an applicant no upload can count: ask for none.
        media_ids = sorted({m for _, m in named_media(document)}) if applicant else []
        hashes = {phone: keyed_hash(phone, PHONE) for phone in phones}
        asked = (_AHEAD_WITH_CALENDAR if calendar else _AHEAD).send(
            self.session,
            {
                "mobile_hashes": sorted(set(hashes.values())),
                "others": self._others(filing_id),
                # No subject, no task: keys no row has, so those arms find nothing.
                "subject_key": subject_key_of(*subject) if subject else "",
                "task_id": task_id or "",
                "media_ids": media_ids,
                "owner": applicant or "",
            },
        )

        def answer() -> PrecheckConfig:
            rules: list[_Rules] = []
            holders: dict[str, set[str]] = {}
            found_subject = SubjectFacts()
            found_task: FaceTaskFacts | None = None
            found_uploads: dict[str, UploadFacts] = {}
            days: list[StoredDay] = []
            for what, key, a, b, n, m, at in asked.rows():
                if what == "calendar":
                    days.append((date(n // 10000, n // 100 % 100, n % 100), bool(m), b))
                elif what == "rule":
                    rules.append(_Rules(key, json.loads(a) if a is not None else None, n))
                elif what == "holder":
                    holders.setdefault(key, set()).add(a)
                elif what == "subject":
                    found_subject = SubjectFacts(
                        province=a, name=b, live_applets=int(n or 0), at_bureau=bool(m)
                    )
                elif what == "face":
                    task = FaceTask(status=a, expires_at=at)  # never added: read only
                    found_task = FaceTaskFacts(status=status_at(task, self.now).value,  # type: ignore[arg-type]
                                               expires_at=at, principal_name=b)
                elif what == "upload" and n:  # the owner's own
                    found_uploads[key] = UploadFacts(content_type=a, kind=b)
                elif what == "next_event" and filing_id is not None:
                    history_ids.reserve(self.session, filing_id, n)
            for phone, hashed in hashes.items():
                self._holders[(phone, filing_id)] = holders.get(hashed, set())
            if subject:
                self._subjects[(*subject, filing_id)] = found_subject
            if task_id:
                self._tasks[task_id] = found_task
            for media_id in media_ids:
                assert applicant is not None  # media_ids is empty without one
                self._uploads[(applicant, media_id)] = found_uploads.get(media_id)
            if calendar:
                remember_stored_days(self.session, days)
            return precheck_config(rules, base=base)

        return answer

    def phone_holders(self, phone: str, *, exclude_filing: str | None) -> set[str]:
        """Holder keys (keyed hashes of the certificate numbers) of the people using `phone`
        as their mobile in live filings; compare them with `holder_key`."""
        key = (phone, exclude_filing)
        if key not in self._holders:
            rows = self.session.scalars(
                _PHONE_HOLDERS,
                {"mobile_hash": keyed_hash(phone, PHONE), "others": self._others(exclude_filing)},
            )
            self._holders[key] = set(rows)
        return set(self._holders[key])

    def holder_key(self, certificate_number: str) -> str:
        """A certificate number in the form `phone_holders` returns: its keyed hash."""
        return keyed_hash(certificate_number, CERTIFICATE)

    def subject_facts(
        self, certificate_type: int, certificate_number: str, *, exclude_filing: str | None
    ) -> SubjectFacts:
        """The subject's province and name of record, live applet count, bureau presence."""
        key = (certificate_type, certificate_number, exclude_filing)
        if key not in self._subjects:
            row = self.session.execute(
                _SUBJECT_FACTS,
                {
                    "subject_key": subject_key_of(certificate_type, certificate_number),
                    "others": self._others(exclude_filing),
                },
            ).first()
            self._subjects[key] = (
                SubjectFacts(
                    province=row.province,
                    name=row.subject_name,
                    live_applets=int(row.live_applets or 0),
                    at_bureau=bool(row.at_bureau),
                )
                if row is not None
                else SubjectFacts()
            )
        return self._subjects[key]

    def face_task(self, task_id: str) -> FaceTaskFacts | None:
        """Status and expiry of a face-check task."""
        if task_id in self._tasks:
            return self._tasks[task_id]
        known = facts(self.session, task_id, self.now)
        if known is None:
            return None
        return FaceTaskFacts(status=known.status.value, expires_at=known.expires_at,  # type: ignore[arg-type]
                             principal_name=known.principal_name)

    def uploads(
        self, media_ids: Collection[str], *, owner: str | None
    ) -> dict[str, UploadFacts]:
        """Those of `media_ids` that `owner` uploaded (another's upload reads as missing)."""
        if owner is None:
            return {}
        unknown = sorted({m for m in media_ids if (owner, m) not in self._uploads})
        if unknown:
            rows = self.session.execute(_UPLOADS, {"media_ids": unknown, "owner": owner})
            found = {row.id: UploadFacts(content_type=row.content_type, kind=row.kind)
                     for row in rows if row.owned}
            for media_id in unknown:
                self._uploads[(owner, media_id)] = found.get(media_id)
        answers = {m: self._uploads[(owner, m)] for m in media_ids}
        return {m: facts for m, facts in answers.items() if facts is not None}


# What `read_ahead` expects the rules to ask, read from the raw document the way the
# rules read it (beian.core.precheck); a wrong guess costs a query, never an answer.
def _phones(document: dict[str, Any]) -> list[str]:
    found = []
    for part in ("icp_subject", "icp_applets"):
        mobile = section(document, part, "principal_info").get("mobile")
        if isinstance(mobile, str) and mobile and mobile not in found:
            found.append(mobile)
    return found


def _subject(document: dict[str, Any]) -> tuple[int, str] | None:
    organize = section(document, "icp_subject", "organize_info")
    kind, number = organize.get("certificate_type"), organize.get("certificate_number")
    if type(kind) is int and isinstance(number, str) and number.strip():
        return kind, number.strip().upper()
    return None


def _face_task_id(document: dict[str, Any]) -> str | None:
    task_id = section(document, "icp_applets", "principal_info").get("verify_task_id")
    # The same bounds as beian.facecheck.service.get_task: anything else is no task.
    return task_id if isinstance(task_id, str) and 0 < len(task_id) <= 64 else None
