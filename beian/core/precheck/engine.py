"""Run every pre-check rule over a document."""

from __future__ import annotations

import logging
from datetime import date, datetime
from functools import lru_cache

from beian.clock import china_date
from beian.core.document import FilingDocument, parse_document
from beian.core.findings import Finding
from beian.core.precheck.config import PrecheckConfig
from beian.core.precheck.context import (
    APPLET_PRINCIPAL,
    SUBJECT_PRINCIPAL,
    Context,
    Rule,
    forget_stale_lookups,
    is_individual_type,
    person_key,
)
from beian.core.precheck.registry import Registry
from beian.core.precheck.rules import (
    certificates,
    contacts,
    documents,
    facecheck,
    identity,
    places,
    required,
    services,
    subjects,
    texts,
    uploads,
)

# Every rule, in the order its findings are listed (roughly the order of the form).
RULES: tuple[Rule, ...] = (
    required.required_fields,
    certificates.certificate_types,
    identity.resident_id_numbers,
    identity.credit_codes,
    certificates.validity_dates,
    contacts.mobiles,
    contacts.emails,
    places.districts,
    places.address,
    documents.legal_person_documents,
    documents.individual_documents,
    subjects.individual_principal,
    subjects.subject_consistency,
    subjects.subject_limits,
    services.service_types,
    services.pre_approvals,
    texts.applet_comment,
    texts.prohibited_words,
    texts.individual_applet_name,
    facecheck.face_check,
    documents.province_materials,
    uploads.uploaded_media,
)

# Rules that find nothing, and say so first thing, unless the subject is of one kind: an
# individual (ctx.individual is True) or an organisation (False). For each kind the engine
# leaves the others' rules out instead of calling them; for an unknown type, all four.
_INDIVIDUAL_ONLY = frozenset(
    {documents.individual_documents, subjects.individual_principal, texts.individual_applet_name}
)
_ORGANISATION_ONLY = frozenset({documents.legal_person_documents})
_RULES_BY_KIND: dict[bool | None, tuple[Rule, ...]] = {
    kind: tuple(rule for rule in RULES if rule not in skipped)
    for kind, skipped in (
        (True, _ORGANISATION_ONLY),
        (False, _INDIVIDUAL_ONLY),
        (None, _INDIVIDUAL_ONLY | _ORGANISATION_ONLY),
    )
}
_SHIPPED_RULES = RULES

RULE_FAILED = 9001
DEFAULT_CONFIG = PrecheckConfig()
log = logging.getLogger(__name__)


def precheck(
    data: dict | FilingDocument,
    *,
    now: datetime,
    registry: Registry | None = None,
    config: PrecheckConfig | None = None,
    filing_id: str | None = None,
    applicant: str | None = None,
) -> list[Finding]:
    """Every finding for a filing document; without a registry, checks run offline.
    Online, `applicant` is whose filing it is: the owner its media ids must belong to."""
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    # A JSON object (the usual input) is told first: isinstance against a pydantic model
    # class goes through its metaclass's __instancecheck__, which costs more.
    if data.__class__ is not dict and isinstance(data, FilingDocument):
        doc = data
    else:
        parsed, findings = parse_document(data)
        if parsed is None:
            return findings
        doc = parsed
    try:
        forget_stale_lookups()
        ctx = _context(doc, now, registry, config, filing_id, applicant)
    except Exception:
        # The reference dictionaries (shipped files) could not be read: no rule can run.
        # One error finding, as for a failing rule: the draft is still saved, never
        # waved through.
        log.exception("pre-check could not start")
        return [_failed("预检无法启动（参考字典无法读取），无法完成校验")]
    # RULES may be replaced (tests add a failing rule): only the shipped list is narrowed.
    rules = _RULES_BY_KIND[ctx.individual] if RULES is _SHIPPED_RULES else RULES
    findings = []
    for rule in rules:
        try:
            found = rule(doc, ctx)
            if found:  # most rules find nothing and say so with an empty tuple
                findings.extend(found)
        except Exception:
            log.exception("pre-check rule %s failed", rule.__name__)
            # A defect in one rule must not hide the others or crash a save; it is
            # reported as an error so the filing is never waved through unchecked.
            findings.append(_failed(f"校验规则 {rule.__name__} 运行出错，无法完成校验"))
    return findings


def _failed(message: str) -> Finding:
    """The error finding of a check that could not run (RULE_FAILED)."""
    return Finding(RULE_FAILED, "", message, "请稍后重试；如果问题持续，请联系平台管理员")


def _context(
    doc: FilingDocument,
    now: datetime,
    registry: Registry | None,
    config: PrecheckConfig | None,
    filing_id: str | None,
    applicant: str | None,
) -> Context:
    # Each part read once (see Context: every attribute of the document costs).
    subject, applet = doc.icp_subject, doc.icp_applets
    subject_base, organize = subject.base_info, subject.organize_info
    subject_principal, applet_principal = subject.principal_info, applet.principal_info
    # An individual's number is given three times: normalised once.
    subject_number = subject_principal.certificate_number
    subject_principal_key = person_key(subject_number)
    applet_number = applet_principal.certificate_number
    applet_key = (
        subject_principal_key if applet_number == subject_number else person_key(applet_number)
    )
    organize_number = organize.certificate_number
    subject_key = (
        subject_principal_key if organize_number == subject_number else person_key(organize_number)
    )
    # The document's facts by position, in the order Context declares them (a call by
    # keyword cost some 250 ns more, on every check); mypy checks each against its field.
    return Context(
        now,
        _china_date(now),
        config or DEFAULT_CONFIG,
        is_individual_type(subject_base.type),
        ((SUBJECT_PRINCIPAL, subject_principal), (APPLET_PRINCIPAL, applet_principal)),
        subject_base,
        organize,
        applet.base_info,
        (subject_principal_key, applet_key),
        subject_key,
        registry=registry,
        filing_id=filing_id,
        applicant=applicant,
    )


@lru_cache(maxsize=64)
def _china_date(now: datetime) -> date:
    # Checks come in bursts at (nearly) the same moment, and the time-zone conversion
    # behind the date costs more than this look-up.
    return china_date(now)
