"""What every rule receives besides the document, and small helpers rules share."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from typing import Any, TypeVar

from beian.core import dictionaries
from beian.core.document import (
    AppletBaseInfo,
    FilingDocument,
    OrganizeInfo,
    PrincipalInfo,
    SubjectBaseInfo,
)
from beian.core.findings import Finding
from beian.core.precheck.config import PrecheckConfig
from beian.core.precheck.registry import Registry, SubjectFacts

SUBJECT = "icp_subject"
APPLET = "icp_applets"
SUBJECT_PRINCIPAL = "icp_subject.principal_info"
APPLET_PRINCIPAL = "icp_applets.principal_info"
PRINCIPAL_LABELS = {SUBJECT_PRINCIPAL: "主体负责人", APPLET_PRINCIPAL: "小程序负责人"}


# Read-only for the rules, but not a frozen dataclass: one is built per check, and a frozen
# one costs several times as much to build (each field goes through object.__setattr__).
@dataclass(slots=True)
class Context:
    """The moment of the check, its settings and (online) the other filings."""

    now: datetime
    today: date
    config: PrecheckConfig
    # Facts of the checked document that many rules read, worked out once by the engine:
    # is_individual(doc), principals(doc), the person_key of each principal's certificate
    # number (in the same order) and that of the subject's.
    individual: bool | None
    principals: tuple[tuple[str, PrincipalInfo], ...]
    # The parts of the document most rules read, so each reaches its fields in one step: an
    # attribute of a pydantic model costs several times one of this object (the model's
    # __getattr__ hook), and a walk like doc.icp_subject.base_info pays it on every link.
    subject_base: SubjectBaseInfo
    organize: OrganizeInfo
    applet_base: AppletBaseInfo
    principal_keys: tuple[str | None, ...]
    subject_key: str | None
    registry: Registry | None = None
    filing_id: str | None = None
    # Whose filing it is: only this applicant's uploads may be named (rules.uploads).
    applicant: str | None = None
    # The last answer asked of the registry about a subject, and the question: two rules ask
    # the same one. (One slot, not a dict: a dict made for every check cost more.)
    _facts_asked: tuple[int, str] | None = field(default=None, init=False, repr=False)
    _facts: SubjectFacts | None = field(default=None, init=False, repr=False)

    def subject_facts(self, certificate_type: int, number: str) -> SubjectFacts | None:
        """The registry's facts about a subject, asked once per check; None offline."""
        if self.registry is None:
            return None
        key = (certificate_type, number)
        if self._facts is not None and self._facts_asked == key:
            return self._facts
        facts = self.registry.subject_facts(certificate_type, number, exclude_filing=self.filing_id)
        self._facts_asked, self._facts = key, facts
        return facts


Rule = Callable[[FilingDocument, Context], Iterable[Finding]]
T = TypeVar("T")


def dictionary_lookup(function: Callable[..., T]) -> Callable[..., T]:
    """Cache a function of a few small values and the reference dictionaries only.

    For the findings that depend on nothing but codes and types (districts, certificate and
    service types): the same few combinations come back filing after filing. The caches are
    forgotten when the dictionaries have been reloaded (dictionaries.clear_cache after an
    import): forget_stale_lookups, which the engine calls at the start of every check, tells
    it once for all of them (a check per look-up cost a call each, five times a check).
    """
    cached = lru_cache(maxsize=4096)(function)
    _LOOKUPS.append(cached)
    return cached


_LOOKUPS: list[Any] = []  # the lru_cache wrappers made by dictionary_lookup
# The dictionaries' data the caches were filled from, told by its identity; held here, so
# the identity cannot be reused while the caches are there.
_filled_from: list[object] = [None]


def forget_stale_lookups() -> None:
    """Empty the dictionary_lookup caches if the dictionaries were reloaded since."""
    data = dictionaries.districts()
    if data is not _filled_from[0]:
        for cached in _LOOKUPS:
            cached.cache_clear()
        _filled_from[0] = data


def filled(value: object) -> bool:
    """Whether a field holds something: not None, not blank text, not an empty list."""
    if value.__class__ is str:  # the common case first: the check runs some 60 times a filing
        return bool(value.strip())  # type: ignore[attr-defined]
    if value is None:
        return False
    if isinstance(value, str):
        return bool(value.strip())
    if isinstance(value, list | tuple | set | frozenset):
        return bool(value)
    return True


def principals(doc: FilingDocument) -> tuple[tuple[str, PrincipalInfo], ...]:
    """Both principals with their field paths: subject first, then applet."""
    return (
        (SUBJECT_PRINCIPAL, doc.icp_subject.principal_info),
        (APPLET_PRINCIPAL, doc.icp_applets.principal_info),
    )


def is_individual(doc: FilingDocument) -> bool | None:
    """Whether the subject is an individual; None when the subject type is unknown."""
    return is_individual_type(doc.icp_subject.base_info.type)


def is_individual_type(type_id: int | None) -> bool | None:
    """is_individual for the subject type id."""
    if type_id is None:
        return None
    subject_type = dictionaries.subject_type(type_id)
    if subject_type is None:
        return None
    return subject_type.individual


def person_key(number: str | None) -> str | None:
    """A certificate number normalised for telling people apart, or None if blank."""
    if number is None:
        return None
    key = number.strip()  # some seven calls a filing: filled() would strip it once more
    return key.upper() if key else None
