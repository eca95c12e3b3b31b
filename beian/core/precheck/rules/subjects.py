"""Subject consistency (errcodes 2400-2499) and subject limits (2500-2599)."""

from __future__ import annotations

from collections.abc import Iterable

from beian.core.document import FilingDocument
from beian.core.findings import Finding
from beian.core.precheck.context import Context, filled
from beian.core.precheck.registry import SubjectFacts

PROVINCE_CHANGED = 2401
NAME_CHANGED = 2402
APPLET_PRINCIPAL_NOT_SUBJECT = 2403
INDIVIDUAL_NAME_MISMATCH = 2404
INDIVIDUAL_LIMIT = 2501
ORGANISATION_LIMIT = 2502
ALREADY_AT_BUREAU = 2503

SUBJECT_NUMBER = "icp_subject.organize_info.certificate_number"


def individual_principal(doc: FilingDocument, ctx: Context) -> Iterable[Finding]:
    """An individual is their own subject principal and their applet's principal."""
    if ctx.individual is not True:
        return ()  # decided before a generator is made
    return _individual_principal_problems(doc, ctx)


def _individual_principal_problems(doc: FilingDocument, ctx: Context) -> list[Finding]:
    found: list[Finding] = []
    name = ctx.subject_base.name
    principal = ctx.principals[0][1]
    if (
        filled(name)
        and filled(principal.name)
        and ((name or "").strip() != (principal.name or "").strip())
    ):
        found.append(
            Finding(
                INDIVIDUAL_NAME_MISMATCH,
                "icp_subject.base_info.name",
                "个人备案的主办单位名称应为主体负责人本人的姓名",
                "请把主办单位名称填写为与主体负责人证件一致的姓名",
            )
        )
    subject_key, applet_key = ctx.principal_keys
    if subject_key and applet_key and subject_key != applet_key:
        found.append(
            Finding(
                APPLET_PRINCIPAL_NOT_SUBJECT,
                "icp_applets.principal_info.certificate_number",
                "个人备案的小程序负责人必须是主体负责人本人",
                "请把小程序负责人信息填写为与主体负责人相同的本人信息",
            )
        )
    return found


def subject_consistency(doc: FilingDocument, ctx: Context) -> Iterable[Finding]:
    """A subject keeps one filing province and one name across all its filings."""
    facts = _facts(doc, ctx)
    if facts is None or not (facts.province or facts.name):
        return ()  # the usual case, a subject's first filing: nothing to compare with
    found: list[Finding] = []
    base = ctx.subject_base
    if facts.province and filled(base.province) and facts.province != base.province:
        found.append(
            Finding(
                PROVINCE_CHANGED,
                "icp_subject.base_info.province",
                f"该主体已有的备案在省份 {facts.province}，本次填写为 {base.province}",
                "同一主体的所有备案须在同一省份：请按已有备案填写省份，或先办理主体变更",
            )
        )
    if facts.name and filled(base.name) and facts.name.strip() != (base.name or "").strip():
        found.append(
            Finding(
                NAME_CHANGED,
                "icp_subject.base_info.name",
                f"该主体已有备案的名称为「{facts.name}」，与本次填写的「{base.name}」不同",
                "请按证件填写与已有备案一致的名称；如果主体已更名，请先办理主体变更",
            )
        )
    return found


def subject_limits(doc: FilingDocument, ctx: Context) -> Iterable[Finding]:
    """At most N applets per subject, and one filing of it at the bureau at a time."""
    facts = _facts(doc, ctx)
    individual = ctx.individual
    # The usual case, a subject's first filing, is told at once: limits are at least 1.
    if facts is None or individual is None or not (facts.live_applets or facts.at_bureau):
        return ()
    found: list[Finding] = []
    if individual:
        limit, errcode, kind = ctx.config.individual_applet_limit, INDIVIDUAL_LIMIT, "个人主体"
    else:
        limit, errcode, kind = ctx.config.organisation_applet_limit, ORGANISATION_LIMIT, "单位主体"
    if facts.live_applets >= limit:
        found.append(
            Finding(
                errcode,
                SUBJECT_NUMBER,
                f"{kind}最多备案 {limit} 个小程序，该主体已有 {facts.live_applets} 个",
                "请先注销不再使用的小程序备案，再提交新的备案",
            )
        )
    if facts.at_bureau:
        found.append(
            Finding(
                ALREADY_AT_BUREAU,
                SUBJECT_NUMBER,
                "该主体已有一个备案正在管局审核中",
                "同一主体同时只能有一个备案在管局审核：请等待该备案审核结束后再提交",
            )
        )
    return found


def _facts(doc: FilingDocument, ctx: Context) -> SubjectFacts | None:
    certificate_type = ctx.organize.certificate_type
    if certificate_type is None or ctx.subject_key is None:
        return None
    return ctx.subject_facts(certificate_type, ctx.subject_key)
