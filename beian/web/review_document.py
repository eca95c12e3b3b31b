"""The review view's layout of a filing document: sections of labelled, readable rows.

Reviewers read names, not dictionary ids: types, districts, service types and
pre-approvals are shown by their Chinese names, dates as YYYY-MM-DD, and every media id
becomes a reference to the uploaded file. Pre-check findings are attached to the row of
the field they name, so a warning sits next to what it is about.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from beian.core import dictionaries
from beian.filings.documents import section
from beian.filings.reasons import label

MISSING = ""

# Media fields that show a person's certificate (and so their ID number): their images
# appear only after the reviewer opened the personal data, and every read is audited.
PERSONAL_MEDIA = frozenset(
    {
        "certificate_photo_front",
        "certificate_photo_back",
        "residence_permit",
        "authorization_letter",
        "holding_certificate_photo",
    }
)

MATERIAL_LABELS: dict[str, str] = {
    "commitment_letter": "承诺书",
    "business_name_change_letter": "主体更名说明",
    "party_building_confirmation_letter": "党建确认函",
    "promise_video": "承诺视频",
    "authenticity_responsibility_letter": "真实性责任告知书",
    "authenticity_commitment_letter": "真实性承诺书",
    "website_construction_proposal": "建设方案书",
    "subject_other_materials": "主体其他材料",
    "applets_other_materials": "小程序其他材料",
    "holding_certificate_photo": "手持证件照片",
}


@dataclass
class Row:
    """One labelled value; `media` lists the ids of files this field refers to."""

    field: str
    label: str
    value: str = MISSING
    media: tuple[str, ...] = ()
    findings: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    personal_media: bool = False
    # The title of the section the row sits in ("小程序负责人"), to name files unambiguously.
    group: str = ""


@dataclass
class Section:
    """A titled group of rows (subject, its principal, the applet, ...)."""

    key: str
    title: str
    rows: list[Row]


def _name(lookup: Callable[[int], Any], value: Any) -> str:
    """The dictionary name of an id, with the id kept for cross-reference."""
    if not isinstance(value, int) or isinstance(value, bool):
        return _text(value)
    item = lookup(value)
    return item.name if item is not None else f"未知编号 {value}"


def _text(value: Any) -> str:
    if value is None or value == "":
        return MISSING
    return str(value)


def _date(value: Any) -> str:
    text = _text(value)
    if len(text) == 8 and text.isdigit():
        return f"{text[:4]}-{text[4:6]}-{text[6:]}"
    return text


def _place(base: dict[str, Any]) -> str:
    names = []
    for key in ("province", "city", "district"):
        code = base.get(key)
        if isinstance(code, str) and code:
            place = dictionaries.district(code)
            if place is None:
                names.append(f"未知代码 {code}")
            elif place.name not in ("市辖区", "县"):  # placeholders of municipalities
                names.append(place.name)
    return " ".join(names)


def _media(field_path: str, value: Any) -> Row:
    ids = tuple(v for v in (value if isinstance(value, list) else [value]) if isinstance(v, str))
    name = field_path.rsplit(".", 1)[-1]
    return Row(
        field=field_path,
        label="",
        media=ids,
        personal_media=name in PERSONAL_MEDIA,
    )


def _person(document: dict[str, Any], part: str, *, applet: bool) -> list[Row]:
    prefix = f"{part}.principal_info"
    person = section(document, part, "principal_info")
    start = person.get("certificate_validity_date_start")
    end = person.get("certificate_validity_date_end")
    validity = f"{_date(start) or '未填写'} 至 {_date(end) or '未填写'}" if start or end else ""
    rows = [
        Row(f"{prefix}.name", "姓名", _text(person.get("name"))),
        Row(f"{prefix}.mobile", "手机号码", _text(person.get("mobile"))),
        Row(f"{prefix}.emergency_contact", "应急联系电话", _text(person.get("emergency_contact"))),
        Row(f"{prefix}.email", "电子邮箱", _text(person.get("email"))),
        Row(
            f"{prefix}.certificate_type",
            "证件类型",
            _name(dictionaries.certificate_type, person.get("certificate_type")),
        ),
        Row(f"{prefix}.certificate_number", "证件号码", _text(person.get("certificate_number"))),
        Row(f"{prefix}.certificate_validity_date_start", "证件有效期", validity),
    ]
    for name, caption in (
        ("certificate_photo_front", "证件正面"),
        ("certificate_photo_back", "证件反面"),
        ("authorization_letter", "授权书"),
    ):
        rows.append(_labelled(_media(f"{prefix}.{name}", person.get(name)), caption))
    if applet:
        task = person.get("verify_task_id")
        rows.append(
            Row(f"{prefix}.verify_task_id", "人脸核身", "见下方人脸核身报告" if task else MISSING)
        )
    return rows


def _labelled(row: Row, caption: str) -> Row:
    row.label = caption
    return row


def layout(document: dict[str, Any]) -> list[Section]:
    """The document as titled sections of labelled rows, in the order a reviewer reads."""
    base = section(document, "icp_subject", "base_info")
    organize = section(document, "icp_subject", "organize_info")
    personal = section(document, "icp_subject", "personal_info")
    legal = section(document, "icp_subject", "legal_person_info")
    applet = section(document, "icp_applets", "base_info")
    materials = section(document, "icp_materials")
    individual = base.get("type") == dictionaries.INDIVIDUAL_SUBJECT_TYPE

    subject_rows = [
        Row(
            "icp_subject.base_info.type",
            "主体性质",
            _name(dictionaries.subject_type, base.get("type")),
        ),
        Row(
            "icp_subject.base_info.name",
            label("icp_subject.base_info.name"),
            _text(base.get("name")),
        ),
        Row("icp_subject.base_info.province", "所在地区", _place(base)),
        Row(
            "icp_subject.base_info.address",
            label("icp_subject.base_info.address"),
            _text(base.get("address")),
        ),
        Row(
            "icp_subject.organize_info.certificate_type",
            "主体证件类型",
            _name(dictionaries.certificate_type, organize.get("certificate_type")),
        ),
        Row(
            "icp_subject.organize_info.certificate_number",
            label("icp_subject.organize_info.certificate_number"),
            _text(organize.get("certificate_number")),
        ),
        Row(
            "icp_subject.organize_info.certificate_address",
            label("icp_subject.organize_info.certificate_address"),
            _text(organize.get("certificate_address")),
        ),
        _labelled(
            _media(
                "icp_subject.organize_info.certificate_photo", organize.get("certificate_photo")
            ),
            label("icp_subject.organize_info.certificate_photo"),
        ),
    ]
    if individual:
        # An individual's "organisation" certificate is their resident ID card.
        subject_rows[-1].personal_media = True
    if personal.get("residence_permit"):
        subject_rows.append(
            _labelled(
                _media("icp_subject.personal_info.residence_permit", personal["residence_permit"]),
                "居住证",
            )
        )
    if base.get("comment"):
        subject_rows.append(
            Row("icp_subject.base_info.comment", "主体备注", _text(base["comment"]))
        )

    sections = [
        Section("subject", "主体信息", subject_rows),
        Section("subject_principal", "主体负责人", _person(document, "icp_subject", applet=False)),
    ]
    if legal:
        sections.append(
            Section(
                "legal_person",
                "法定代表人",
                [
                    Row("icp_subject.legal_person_info.name", "姓名", _text(legal.get("name"))),
                    Row(
                        "icp_subject.legal_person_info.certificate_number",
                        "证件号码",
                        _text(legal.get("certificate_number")),
                    ),
                ],
            )
        )
    sections.append(Section("applet", "小程序信息", _applet_rows(applet)))
    sections.append(
        Section("applet_principal", "小程序负责人", _person(document, "icp_applets", applet=True))
    )
    material_rows = [
        _labelled(_media(f"icp_materials.{key}", value), MATERIAL_LABELS.get(key, key))
        for key, value in materials.items()
        if value
    ]
    if material_rows:
        sections.append(Section("materials", "补充材料", material_rows))
    for part in sections:
        for row in part.rows:
            row.group = part.title
    return sections


def _applet_rows(applet: dict[str, Any]) -> list[Row]:
    types = applet.get("service_content_types")
    service_names = (
        "、".join(_name(dictionaries.service_type, t) for t in types)
        if isinstance(types, list)
        else ""
    )
    rows = [
        Row("icp_applets.base_info.appid", "AppID", _text(applet.get("appid"))),
        Row(
            "icp_applets.base_info.name",
            label("icp_applets.base_info.name"),
            _text(applet.get("name")),
        ),
        Row(
            "icp_applets.base_info.service_content_types",
            label("icp_applets.base_info.service_content_types"),
            service_names,
        ),
    ]
    details = applet.get("nrlx_details")
    for index, item in enumerate(details if isinstance(details, list) else []):
        if not isinstance(item, dict):
            continue
        path = f"icp_applets.base_info.nrlx_details.{index}"
        kind = _name(dictionaries.nrlx_type, item.get("type"))
        code = _text(item.get("code"))
        row = _labelled(_media(f"{path}.media", item.get("media")), "前置审批")
        row.field = path
        row.value = kind + (f"，审批号 {code}" if code else "")
        rows.append(row)
    rows.append(
        Row(
            "icp_applets.base_info.comment",
            label("icp_applets.base_info.comment"),
            _text(applet.get("comment")),
        )
    )
    return rows


def rows(sections: Iterable[Section]) -> list[Row]:
    """Every row of every section, in order."""
    return [row for part in sections for row in part.rows]


def attach_findings(
    sections: list[Section], findings: Iterable[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Put each finding on the row of its field; return them all, each naming where it is."""
    by_row = rows(sections)
    placed = []
    for item in findings:
        target = item.get("err_field") or ""
        # The most specific row whose field is the finding's field or an ancestor of it.
        matches = [
            row
            for row in by_row
            if target == row.field
            or target.startswith(row.field + ".")
            or (
                row.field.endswith("certificate_validity_date_start")
                and target == row.field.replace("_start", "_end")
            )
        ]
        if matches:
            row = max(matches, key=lambda candidate: len(candidate.field))
            entry = {**item, "where": f"{row.group} · {row.label}"}
            row.findings.append(entry)
        else:
            entry = {**item, "where": label(target) if target else ""}
        placed.append(entry)
    return placed


def media_fields(sections: Iterable[Section]) -> dict[str, Row]:
    """Media id -> the row that refers to it (the first one, when shared)."""
    found: dict[str, Row] = {}
    for row in rows(sections):
        for media_id in row.media:
            found.setdefault(media_id, row)
    return found
