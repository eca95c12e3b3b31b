"""The pre-check's view of every other filing, answered from the database.

The queries read columns only, never whole Filing objects: a Filing row carries the
encrypted documents, which would be decrypted on load for nothing. The statements are
built once, with bound parameters, so each call only binds and runs them. A registry
lives for one pre-check; within it each question is asked of the database once (the
subject rules and the phone rule ask the same question more than once per document).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import bindparam, case, func, select
from sqlalchemy.orm import Session

from beian.core.precheck.registry import FaceTaskFacts, SubjectFacts
from beian.core.workflow import AT_BUREAU, LIVE
from beian.crypto.cipher import CERTIFICATE, PHONE, keyed_hash
from beian.facecheck.service import facts
from beian.filings.documents import subject_key_of
from beian.filings.models import Filing, FilingPerson

LIVE_VALUES = sorted(status.value for status in LIVE)
AT_BUREAU_VALUES = sorted(status.value for status in AT_BUREAU)

# The certificate hashes of the people using one mobile in other live filings.
_PHONE_HOLDERS = (
    select(FilingPerson.certificate_hash)
    .join(Filing, Filing.id == FilingPerson.filing_id)
    .where(FilingPerson.mobile_hash == bindparam("mobile_hash"))
    .where(Filing.status.in_(LIVE_VALUES))
    .where(Filing.id.not_in(bindparam("others", expanding=True)))
)

# One row for a subject's other live filings: the earliest one's province and name, and
# over all of them (window aggregates, computed before the LIMIT) the number of first
# filings and whether any is at the bureau. No row when the subject has no live filing.
_SUBJECT_FACTS = (
    select(
        Filing.province,
        Filing.subject_name,
        func.sum(case((Filing.kind == "new", 1), else_=0)).over().label("live_applets"),
        func.max(case((Filing.status.in_(AT_BUREAU_VALUES), 1), else_=0))
        .over()
        .label("at_bureau"),
    )
    .where(Filing.subject_key == bindparam("subject_key"))
    .where(Filing.status.in_(LIVE_VALUES))
    .where(Filing.id.not_in(bindparam("others", expanding=True)))
    .order_by(Filing.created_at, Filing.id)
    .limit(1)
)


class DatabaseRegistry:
    """Facts about other live filings; `ignore` names filings that do not count (itself)."""

    def __init__(self, session: Session, *, now: datetime, ignore: Iterable[str] = ()) -> None:
        self.session = session
        self.now = now
        self.ignore = {i for i in ignore if i}
        self._holders: dict[tuple[str, str | None], set[str]] = {}
        self._subjects: dict[tuple[int, str, str | None], SubjectFacts] = {}

    def _others(self, exclude_filing: str | None) -> list[str]:
        return sorted(self.ignore | ({exclude_filing} if exclude_filing else set()))

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
        known = facts(self.session, task_id, self.now)
        if known is None:
            return None
        return FaceTaskFacts(status=known.status.value, expires_at=known.expires_at)  # type: ignore[arg-type]
