"""Required fields (errcodes 1100-1199)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from operator import attrgetter
from typing import Any

from beian.core.document import FilingDocument
from beian.core.findings import Finding
from beian.core.precheck.context import (
    APPLET_PRINCIPAL,
    SUBJECT_PRINCIPAL,
    Context,
    filled,
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
# The same fields grouped by the part of the document they sit in, and split by kind, to
# tell "all given" (the usual case) at once: text fields are given unless None, "" (both
# false) or only spaces; the numbers unless None (0 counts as given); the lists unless None
# or empty.
_NOT_TEXT = (".type", ".certificate_type", ".service_content_types", ".nrlx_details")
_LISTS = frozenset({"service_content_types", "nrlx_details"})
_SECTIONS: dict[str, tuple[list[str], list[str]]] = {}
for _path in REQUIRED_FIELDS:
    _section, _name = _path.rsplit(".", 1)
    _texts, _others = _SECTIONS.setdefault(_section, ([], []))
    (_others if _path.endswith(_NOT_TEXT) else _texts).append(_name)


# The parts the engine has read already (Context), each reached in one step from there.
_READ_FROM_CONTEXT = {
    "icp_subject.base_info": "ctx.subject_base",
    "icp_subject.organize_info": "ctx.organize",
    "icp_applets.base_info": "ctx.applet_base",
    SUBJECT_PRINCIPAL: "subject_principal",
    APPLET_PRINCIPAL: "applet_principal",
}


def _all_given_source() -> str:
    """The source of _all_given: every required value read from its part's __dict__ (where
    pydantic keeps it) by a subscript written out, so the usual case costs three tuples and
    as many C-level passes. Generated from the table above, which stays the one place the
    fields are named; measured at less than half the cost of getters applied in a loop. The
    parts the engine has read are taken from the Context (_READ_FROM_CONTEXT)."""
    lines = [
        "def _all_given(doc, ctx):",
        "    (_, subject_principal), (_, applet_principal) = ctx.principals",
    ]
    texts: list[str] = []
    numbers: list[str] = []
    lists: list[str] = []
    for index, (section, (text_names, other_names)) in enumerate(_SECTIONS.items()):
        part = _READ_FROM_CONTEXT.get(section, f"doc.{section}")
        lines.append(f"    part{index} = {part}.__dict__")
        texts += [f"part{index}[{name!r}]" for name in text_names]
        for name in other_names:
            # A list is given when it holds something; a number whenever it is not None
            # (testing the numbers against [] as well cost two failed comparisons each).
            (lists if name in _LISTS else numbers).append(f"part{index}[{name!r}]")
    lines += [
        f"    texts = ({', '.join(texts)},)",
        # One pass: a text is given when something is left once stripped (strip and
        # isspace agree on what is white space); a None among them makes strip raise.
        "    try:",
        "        if not all(map(str.strip, texts)):",
        "            return False",
        "    except TypeError:",
        "        return False",
        f"    return None not in ({', '.join(numbers)},) and all(({', '.join(lists)},))",
    ]
    return "\n".join(lines)


_namespace: dict[str, Any] = {}
exec(_all_given_source(), _namespace)  # noqa: S102 - source built above from constants
_all_given: Callable[[FilingDocument, Context], bool] = _namespace["_all_given"]


def required_fields(doc: FilingDocument, ctx: Context) -> Iterable[Finding]:
    """Every field the filing needs for its subject type."""
    all_given = _all_given(doc, ctx)
    if all_given and (ctx.individual is not False or _organisation_given(ctx)):
        return ()  # the usual case, told without making a generator
    return _missing_fields(doc, ctx, all_given)


# The one field only organisations must give sits in the part the engine has read already.
assert tuple(ORGANISATION_FIELDS) == ("icp_subject.organize_info.certificate_photo",)


def _organisation_given(ctx: Context) -> bool:
    photo = ctx.organize.certificate_photo
    return bool(photo and photo.strip())  # filled(photo), without a call


def _missing_fields(doc: FilingDocument, ctx: Context, all_given: bool) -> Iterator[Finding]:
    if not all_given:
        for value, finding in zip(_read_required(doc), _MISSING, strict=True):
            if not filled(value):
                yield finding
    if ctx.individual is False:
        for read, finding in _ORGANISATION:
            if not filled(read(doc)):
                yield finding
