"""Conditional documents (errcodes 2300-2399) and per-province materials (2700-2799)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from beian.core import dictionaries
from beian.core.document import FilingDocument
from beian.core.findings import Finding
from beian.core.precheck.context import (
    PRINCIPAL_LABELS,
    SUBJECT_PRINCIPAL,
    Context,
    filled,
    person_key,
)

LEGAL_PERSON_MISSING = 2302
AUTHORIZATION_LETTER_MISSING = 2303
RESIDENCE_PERMIT_MISSING = 2304
INDIVIDUAL_CERTIFICATE_MISMATCH = 2305
MATERIAL_MISSING = 2701

LEGAL = "icp_subject.legal_person_info"
ORGANIZE = "icp_subject.organize_info"
MATERIAL_LABELS = {
    "commitment_letter": "互联网信息服务承诺书",
    "business_name_change_letter": "主体更名函",
    "party_building_confirmation_letter": "党建确认函",
    "promise_video": "承诺视频",
    "authenticity_responsibility_letter": "网站备案信息真实性责任告知书",
    "authenticity_commitment_letter": "小程序备案信息真实性承诺书",
    "website_construction_proposal": "小程序建设方案书",
    "subject_other_materials": "主体其它附件",
    "applets_other_materials": "小程序其它附件",
    "holding_certificate_photo": "手持证件照",
}


def legal_person_documents(doc: FilingDocument, ctx: Context) -> Iterable[Finding]:
    """A principal who is not the legal person needs the legal person's details and a letter.

    A principal is taken as not the legal representative when legal_person_info names
    another certificate number, or when the principal carries an authorization letter.
    """
    if ctx.individual is not False:
        return ()  # decided before a generator is made: most checks end here or pass
    if _legal_person_usual(doc, ctx):
        return ()
    return _legal_person_problems(doc, ctx)


def _legal_person_usual(doc: FilingDocument, ctx: Context) -> bool:
    """Whether _legal_person_problems would find nothing, told the short way for the usual
    case: each principal is the legal person (same number) or carries a letter, and the
    legal person's name and number are given whenever a principal is not the legal person."""
    (_, subject), (_, applet) = ctx.principals
    subject_key, applet_key = ctx.principal_keys
    legal = doc.icp_subject.legal_person_info
    legal_key = person_key(legal.certificate_number)
    subject_other = subject_key is not None and legal_key is not None and legal_key != subject_key
    applet_other = applet_key is not None and legal_key is not None and legal_key != applet_key
    subject_letter = filled(subject.authorization_letter)
    applet_letter = filled(applet.authorization_letter)
    if (subject_other and not subject_letter) or (applet_other and not applet_letter):
        return False  # a letter is missing
    if subject_other or applet_other or subject_letter or applet_letter:
        return legal_key is not None and filled(legal.name)  # legal_key: the number given
    return True


def _legal_person_problems(doc: FilingDocument, ctx: Context) -> list[Finding]:
    found: list[Finding] = []
    legal = doc.icp_subject.legal_person_info
    legal_key = person_key(legal.certificate_number)
    legal_reported = False
    for (path, principal), key in zip(ctx.principals, ctx.principal_keys, strict=True):
        has_letter = filled(principal.authorization_letter)
        if not (has_letter or (legal_key is not None and key is not None and legal_key != key)):
            continue
        who = PRINCIPAL_LABELS[path]
        if not legal_reported:
            legal_reported = True
            for name, label in (("name", "姓名"), ("certificate_number", "证件号码")):
                if not filled(getattr(legal, name)):
                    found.append(
                        Finding(
                            LEGAL_PERSON_MISSING,
                            f"{LEGAL}.{name}",
                            f"{who}不是法定代表人，但未填写法定代表人{label}",
                            f"请填写法定代表人的{label}；如果{who}就是法定代表人，请删除授权书",
                        )
                    )
        if not has_letter:
            found.append(
                Finding(
                    AUTHORIZATION_LETTER_MISSING,
                    f"{path}.authorization_letter",
                    f"{who}不是法定代表人，需要法定代表人签署的授权书",
                    f"请上传法定代表人授权{who}办理备案的授权书（加盖单位公章）",
                )
            )
    return found


def individual_documents(doc: FilingDocument, ctx: Context) -> Iterable[Finding]:
    """An individual: residence permit when not native; the subject certificate is the ID."""
    if ctx.individual is not True:
        return ()
    return _individual_problems(doc, ctx)


def _individual_problems(doc: FilingDocument, ctx: Context) -> list[Finding]:
    found: list[Finding] = []
    subject = doc.icp_subject
    principal = ctx.principals[0][1]
    organize = ctx.organize
    number = principal.certificate_number or ""
    province = ctx.subject_base.province or ""
    if (
        principal.certificate_type == dictionaries.RESIDENT_ID_CARD
        and len(number) == 18
        and len(province) == 6
        and number[:2] != province[:2]
        and not filled(subject.personal_info.residence_permit)
    ):
        found.append(
            Finding(
                RESIDENCE_PERMIT_MISSING,
                "icp_subject.personal_info.residence_permit",
                f"身份证号码前两位为 {number[:2]}，与备案省份 {province} 不同，"
                "需要提供临时居住证明",
                "请上传在备案省份的居住证、暂住证、社保缴纳证明或房产证等居住证明；"
                "或改在户籍所在省份备案",
            )
        )
    # Types are numbers: given whenever not None (what filled() would say, without a call).
    if (
        organize.certificate_type is not None
        and principal.certificate_type is not None
        and (organize.certificate_type != principal.certificate_type)
    ):
        found.append(
            Finding(
                INDIVIDUAL_CERTIFICATE_MISMATCH,
                f"{ORGANIZE}.certificate_type",
                "个人备案的主体证件类型与主体负责人的证件类型不一致",
                "个人备案时，主体证件就是负责人本人的证件：请填写相同的证件类型",
            )
        )
    organize_key, principal_key = ctx.subject_key, ctx.principal_keys[0]
    if organize_key and principal_key and organize_key != principal_key:
        found.append(
            Finding(
                INDIVIDUAL_CERTIFICATE_MISMATCH,
                f"{ORGANIZE}.certificate_number",
                "个人备案的主体证件号码与主体负责人的证件号码不一致",
                "个人备案时，主体证件就是负责人本人的证件："
                f"请填写与 {SUBJECT_PRINCIPAL}.certificate_number 相同的号码",
            )
        )
    return found


def province_materials(doc: FilingDocument, ctx: Context) -> Iterable[Finding]:
    """The icp_materials the filing province requires are present."""
    province = ctx.subject_base.province
    required = ctx.config.required_materials_for(province)
    if not required:
        return ()  # most provinces ask for nothing more: decided before making a generator
    return _missing_materials(doc, province, required)


def _missing_materials(
    doc: FilingDocument, province: str | None, required: frozenset[str]
) -> Iterator[Finding]:
    place = dictionaries.district(province or "")
    where = place.name if place is not None else province
    for name in sorted(required):
        if not filled(getattr(doc.icp_materials, name)):
            label = MATERIAL_LABELS.get(name, name)
            yield Finding(
                MATERIAL_MISSING,
                f"icp_materials.{name}",
                f"{where}要求提供{label}，但未上传",
                f"请上传{label}（icp_materials.{name}）",
            )
