"""Required fields (errcodes 1100-1199)."""

from __future__ import annotations

from collections.abc import Iterator
from operator import attrgetter

from beian.core.document import FilingDocument
from beian.core.findings import Finding
from beian.core.precheck.context import (
    APPLET_PRINCIPAL,
    SUBJECT_PRINCIPAL,
    Context,
    filled,
    is_individual,
)

REQUIRED_FIELD = 1101
ORGANISATION_FIELD = 1102

_LABELS = {
    "icp_subject.base_info.type": "主体性质",
    "icp_subject.base_info.name": "主办单位名称",
    "icp_subject.base_info.province": "备案省份",
    "icp_subject.base_info.city": "备案城市",
    "icp_subject.base_info.district": "备案县区",
    "icp_subject.base_info.address": "通讯地址",
    "icp_subject.organize_info.certificate_type": "主体证件类型",
    "icp_subject.organize_info.certificate_number": "主体证件号码",
    "icp_subject.organize_info.certificate_address": "主体证件住所",
    "icp_applets.base_info.appid": "小程序 AppID",
    "icp_applets.base_info.name": "小程序名称",
    "icp_applets.base_info.service_content_types": "服务内容类型",
    "icp_applets.base_info.nrlx_details": "前置审批项",
    "icp_applets.base_info.comment": "小程序备注",
}
_PRINCIPAL_LABELS = {
    "name": "姓名",
    "mobile": "手机号码",
    "email": "电子邮箱",
    "emergency_contact": "应急联系方式",
    "certificate_type": "证件类型",
    "certificate_number": "证件号码",
    "certificate_validity_date_start": "证件有效期起始日期",
    "certificate_validity_date_end": "证件有效期终止日期",
    "certificate_photo_front": "证件正面照片",
    "certificate_photo_back": "证件背面照片",
}
for _prefix, _who in ((SUBJECT_PRINCIPAL, "主体负责人"), (APPLET_PRINCIPAL, "小程序负责人")):
    for _name, _label in _PRINCIPAL_LABELS.items():
        _LABELS[f"{_prefix}.{_name}"] = _who + _label
# Only the applet principal does the face check.
_LABELS[f"{APPLET_PRINCIPAL}.verify_task_id"] = "小程序负责人人脸核身任务"

REQUIRED_FIELDS: tuple[str, ...] = tuple(_LABELS)
# Fields only organisations (every subject type but the individual) must give.
ORGANISATION_FIELDS = {
    "icp_subject.organize_info.certificate_photo": "主体证件照片（证件原件的彩色扫描件）"
}


def _missing(errcode: int, path: str, label: str) -> Finding:
    verb = "上传" if path.endswith(("_photo", "_front", "_back")) else "填写"
    return Finding(errcode, path, f"未{verb}{label}", f"请{verb}{label}（{path}）")


# Read once per check with one C-level getter; the findings are fixed per field, so they
# are built here once (they are frozen) instead of on every check.
_read_required = attrgetter(*REQUIRED_FIELDS)
_MISSING = tuple(_missing(REQUIRED_FIELD, path, _LABELS[path]) for path in REQUIRED_FIELDS)
_ORGANISATION = tuple(
    (attrgetter(path), _missing(ORGANISATION_FIELD, path, label))
    for path, label in ORGANISATION_FIELDS.items()
)
# The same fields split by kind, to tell "all given" (the usual case) in a few C-level
# passes: text fields are given unless None, "" (both false) or only spaces; the numbers
# unless None (0 counts as given); the lists unless None or empty.
_NOT_TEXT = (".type", ".certificate_type", ".service_content_types", ".nrlx_details")
_read_others = attrgetter(*(path for path in REQUIRED_FIELDS if path.endswith(_NOT_TEXT)))
_read_texts = attrgetter(*(path for path in REQUIRED_FIELDS if not path.endswith(_NOT_TEXT)))


def required_fields(doc: FilingDocument, ctx: Context) -> Iterator[Finding]:
    """Every field the filing needs for its subject type."""
    texts, others = _read_texts(doc), _read_others(doc)
    if not all(texts) or any(map(str.isspace, texts)) or None in others or [] in others:
        for value, finding in zip(_read_required(doc), _MISSING, strict=True):
            if not filled(value):
                yield finding
    if is_individual(doc) is False:
        for read, finding in _ORGANISATION:
            if not filled(read(doc)):
                yield finding
