"""What the pre-check needs to know about other filings, behind a small interface.

The database-backed implementation lives with the filings feature; `InMemoryRegistry`
is a real, simple implementation for tests and for tools without a database.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol

from beian.core.document import FilingDocument

FaceTaskStatus = Literal["pending", "review", "passed", "failed", "expired"]


@dataclass(frozen=True, slots=True)
class SubjectFacts:
    """A subject as the other live filings know it."""

    province: str | None = None
    name: str | None = None
    live_applets: int = 0
    at_bureau: bool = False


@dataclass(frozen=True, slots=True)
class FaceTaskFacts:
    """The state of one face-check task, and whose face it checks (None: not known)."""

    status: FaceTaskStatus
    expires_at: datetime
    principal_name: str | None = None


@dataclass(frozen=True, slots=True)
class UploadFacts:
    """An accepted upload: the file type found in its bytes, and the kind of field it was
    uploaded for (which decided the checks it passed, beian.core.media)."""

    content_type: str
    kind: str


class Registry(Protocol):
    """Facts about every other filing in the system."""

    def phone_holders(self, phone: str, *, exclude_filing: str | None) -> set[str]:
        """Holder keys of the people using this mobile in other live filings."""
        ...

    def holder_key(self, certificate_number: str) -> str:
        """A certificate number in the form `phone_holders` returns it.

        A registry may keep only keyed hashes of certificate numbers (the database does,
        SPEC §10); the rule compares like with like through this method.
        """
        ...

    def subject_facts(
        self, certificate_type: int, certificate_number: str, *, exclude_filing: str | None
    ) -> SubjectFacts:
        """Province, name, applet count and bureau state of a subject in other live filings."""
        ...

    def face_task(self, task_id: str) -> FaceTaskFacts | None:
        """The face-check task with this id, or None when there is none."""
        ...

    def uploads(
        self, media_ids: Collection[str], *, owner: str | None
    ) -> Mapping[str, UploadFacts]:
        """Those of `media_ids` that `owner` uploaded; another's upload is left out exactly
        like one that does not exist, so a document cannot probe for other people's files."""
        ...


class InMemoryRegistry:
    """A registry over documents held in memory."""

    def __init__(self) -> None:
        self._filings: dict[str, FilingDocument] = {}
        self._at_bureau: set[str] = set()
        self._face_tasks: dict[str, FaceTaskFacts] = {}
        self._uploads: dict[str, tuple[str, UploadFacts]] = {}
        # Look-up tables over _filings, rebuilt on the first query after a change, so a
        # check costs a dict look-up instead of a walk over every other filing.
        self._by_phone: dict[str | None, list[tuple[str, str]]] | None = None
        self._by_subject: dict[tuple[int | None, str], list[str]] | None = None

    def add_filing(
        self, filing_id: str, document: FilingDocument, *, at_bureau: bool = False
    ) -> None:
        """Record (or replace) a live filing."""
        self._filings[filing_id] = document
        self._by_phone = self._by_subject = None
        if at_bureau:
            self._at_bureau.add(filing_id)
        else:
            self._at_bureau.discard(filing_id)

    def remove_filing(self, filing_id: str) -> None:
        """Forget a filing, as when it is withdrawn or cancelled."""
        self._filings.pop(filing_id, None)
        self._by_phone = self._by_subject = None
        self._at_bureau.discard(filing_id)

    def add_face_task(self, task_id: str, facts: FaceTaskFacts) -> None:
        """Record (or replace) a face-check task."""
        self._face_tasks[task_id] = facts

    def add_upload(self, media_id: str, *, owner: str, content_type: str, kind: str) -> None:
        """Record (or replace) an accepted upload of `owner`."""
        self._uploads[media_id] = (owner, UploadFacts(content_type=content_type, kind=kind))

    def phone_holders(self, phone: str, *, exclude_filing: str | None) -> set[str]:
        """Certificate numbers (normalised) of the people using this mobile elsewhere."""
        # The index read directly when built: a method call costs as much as the look-up.
        index = self._by_phone if self._by_phone is not None else self._phone_index()
        users = index.get(phone)
        if users is None:
            return set()  # the usual case: a number nobody else gives
        return {holder for filing_id, holder in users if filing_id != exclude_filing}

    def holder_key(self, certificate_number: str) -> str:
        """The normalised certificate number: this registry keeps numbers as they are."""
        return _normal(certificate_number)

    def subject_facts(
        self, certificate_type: int, certificate_number: str, *, exclude_filing: str | None
    ) -> SubjectFacts:
        """Province, name, applet count and bureau state of a subject in other live filings."""
        wanted = (certificate_type, _normal(certificate_number))
        index = self._by_subject if self._by_subject is not None else self._subject_index()
        filing_ids = index.get(wanted)
        if filing_ids is None:
            return _NO_OTHER_FILINGS  # the usual case: a subject's first filing
        province = name = None
        live = 0
        at_bureau = False
        for filing_id in filing_ids:
            if filing_id == exclude_filing:
                continue
            live += 1
            at_bureau = at_bureau or filing_id in self._at_bureau
            base = self._filings[filing_id].icp_subject.base_info
            province = province or base.province
            name = name or base.name
        return SubjectFacts(province=province, name=name, live_applets=live, at_bureau=at_bureau)

    def face_task(self, task_id: str) -> FaceTaskFacts | None:
        """The face-check task with this id, or None when there is none."""
        return self._face_tasks.get(task_id)

    def uploads(self, media_ids: Collection[str], *, owner: str | None) -> dict[str, UploadFacts]:
        """Those of `media_ids` that `owner` uploaded."""
        found: dict[str, UploadFacts] = {}
        if owner is None:
            return found
        known = self._uploads
        for media_id in media_ids:
            upload = known.get(media_id)
            if upload is not None and upload[0] == owner:
                found[media_id] = upload[1]
        return found

    def _phone_index(self) -> dict[str | None, list[tuple[str, str]]]:
        """Each mobile's (filing id, holder) pairs, for principals with a certificate number."""
        if self._by_phone is None:
            self._by_phone = {}
            for filing_id, document in self._filings.items():
                subject, applet = document.icp_subject, document.icp_applets
                for principal in (subject.principal_info, applet.principal_info):
                    holder = _normal(principal.certificate_number)
                    if holder:
                        users = self._by_phone.setdefault(principal.mobile, [])
                        users.append((filing_id, holder))
        return self._by_phone

    def _subject_index(self) -> dict[tuple[int | None, str], list[str]]:
        """The filing ids of each subject certificate, in the order the filings were added."""
        if self._by_subject is None:
            self._by_subject = {}
            for filing_id, document in self._filings.items():
                organize = document.icp_subject.organize_info
                key = (organize.certificate_type, _normal(organize.certificate_number))
                self._by_subject.setdefault(key, []).append(filing_id)
        return self._by_subject


# Facts are frozen, so the answer for a subject without other filings can be shared.
_NO_OTHER_FILINGS = SubjectFacts()


def _normal(number: str | None) -> str:
    return (number or "").strip().upper()
