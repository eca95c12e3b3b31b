"""The pre-check's view of every other filing, answered from the database."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from beian.core.precheck.registry import FaceTaskFacts, SubjectFacts
from beian.core.workflow import AT_BUREAU, LIVE
from beian.crypto.cipher import CERTIFICATE, PHONE, keyed_hash
from beian.facecheck.service import facts
from beian.filings.documents import subject_key_of
from beian.filings.models import Filing, FilingPerson

LIVE_VALUES = [status.value for status in LIVE]


class DatabaseRegistry:
    """Facts about other live filings; `ignore` names filings that do not count (itself)."""

    def __init__(self, session: Session, *, now: datetime, ignore: Iterable[str] = ()) -> None:
        self.session = session
        self.now = now
        self.ignore = {i for i in ignore if i}

    def _others(self, exclude_filing: str | None) -> set[str]:
        return self.ignore | ({exclude_filing} if exclude_filing else set())

    def phone_holders(self, phone: str, *, exclude_filing: str | None) -> set[str]:
        """Holder keys (keyed hashes of the certificate numbers) of the people using `phone`
        as their mobile in live filings; compare them with `holder_key`."""
        query = (
            select(FilingPerson.certificate_hash)
            .join(Filing, Filing.id == FilingPerson.filing_id)
            .where(FilingPerson.mobile_hash == keyed_hash(phone, PHONE))
            .where(Filing.status.in_(LIVE_VALUES))
            .where(Filing.id.not_in(self._others(exclude_filing)))
        )
        return set(self.session.scalars(query))

    def holder_key(self, certificate_number: str) -> str:
        """A certificate number in the form `phone_holders` returns: its keyed hash."""
        return keyed_hash(certificate_number, CERTIFICATE)

    def subject_facts(
        self, certificate_type: int, certificate_number: str, *, exclude_filing: str | None
    ) -> SubjectFacts:
        """The subject's province and name of record, live applet count, bureau presence."""
        key = subject_key_of(certificate_type, certificate_number)
        live = (
            select(Filing)
            .where(Filing.subject_key == key, Filing.status.in_(LIVE_VALUES))
            .where(Filing.id.not_in(self._others(exclude_filing)))
        )
        first = self.session.scalars(live.order_by(Filing.created_at).limit(1)).first()
        count = self.session.scalar(
            select(func.count()).select_from(live.where(Filing.kind == "new").subquery())
        )
        at_bureau = self.session.scalars(
            live.where(Filing.status.in_([s.value for s in AT_BUREAU])).limit(1)
        ).first()
        return SubjectFacts(
            province=first.province if first else None,
            name=first.subject_name if first else None,
            live_applets=int(count or 0),
            at_bureau=at_bureau is not None,
        )

    def face_task(self, task_id: str) -> FaceTaskFacts | None:
        """Status and expiry of a face-check task."""
        known = facts(self.session, task_id, self.now)
        if known is None:
            return None
        return FaceTaskFacts(status=known.status.value, expires_at=known.expires_at)  # type: ignore[arg-type]
