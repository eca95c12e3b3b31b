"""The guided filing form: its steps and fields, and the document assembled from a post.

Every input is named by the dotted path of its field in the `apply_icp_filing` document,
the same path findings use as `err_field`, so a finding lands beside its input. A post
is laid over the stored document: fields the form did not send (locked ones, which are
shown as text) keep their stored value, and a field left blank is removed, so an
untouched form changes nothing.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from starlette.datastructures import ImmutableMultiDict

from beian.core import dictionaries
from beian.core.document import MATERIAL_FIELDS

SUBJECT_BASE = "icp_subject.base_info"
ORGANIZE = "icp_subject.organize_info"
LEGAL_PERSON = "icp_subject.legal_person_info"
SUBJECT_PRINCIPAL = "icp_subject.principal_info"
APPLET_BASE = "icp_applets.base_info"
APPLET_PRINCIPAL = "icp_applets.principal_info"
SERVICE_TYPES = f"{APPLET_BASE}.service_content_types"
NRLX = f"{APPLET_BASE}.nrlx_details"
VERIFY_TASK = f"{APPLET_PRINCIPAL}.verify_task_id"
SUBJECT_TYPE = f"{SUBJECT_BASE}.type"
SAME_PRINCIPAL = "applet_principal_same"
LONG_TERM = "长期"
# A form offers this many pre-approval rows beyond the filled ones (one more per save).
NRLX_SPARE_ROWS = 1
MAX_NRLX_ROWS = 13
COMMENT_LIMITS = (20, 200)


@dataclass(frozen=True)
class FormField:
    """One input: its document path, Chinese label, widget and a hint."""

    path: str
    label: str
    widget: str = "text"  # text, textarea, select, media, date, date_end, email, tel
    options: str = ""  # which option list a select shows (see applicant_edit.options_for)
    hint: str = ""
    required: bool = True
    inputmode: str = ""
    maxlength: int = 0

    @property
    def name(self) -> str:
        """The last segment of the path."""
        return self.path.rsplit(".", 1)[-1]


@dataclass(frozen=True)
class Group:
    """A titled block of fields; `widget` names a special block drawn by the template."""

    title: str
    fields: tuple[FormField, ...] = ()
    hint: str = ""
    widget: str = ""
    path: str = ""


@dataclass(frozen=True)
class Step:
    """One step of the guided form."""

    key: str
    title: str
    groups: tuple[Group, ...] = field(default_factory=tuple)


def _principal(prefix: str, who: str) -> tuple[FormField, ...]:
    return (
        FormField(f"{prefix}.name", "姓名", maxlength=64),
        FormField(f"{prefix}.mobile", "手机号码", "tel", inputmode="tel", maxlength=11,
                  hint="用于接收工信部 12381 短信核验码，一个号码只能属于一个人"),
        FormField(f"{prefix}.email", "电子邮箱", "email", maxlength=128),
        FormField(f"{prefix}.emergency_contact", "应急联系电话", "tel", inputmode="tel",
                  maxlength=11, hint="不能与本人手机号码相同"),
        FormField(f"{prefix}.certificate_type", "证件类型", "select", "personal_certificates"),
        FormField(f"{prefix}.certificate_number", "证件号码", maxlength=64),
        FormField(f"{prefix}.certificate_validity_date_start", "证件有效期开始", "date",
                  inputmode="numeric", maxlength=8, hint="8 位数字，例如 20150601"),
        FormField(f"{prefix}.certificate_validity_date_end", "证件有效期截止", "date_end",
                  inputmode="numeric", maxlength=8,
                  hint="8 位数字；长期有效的证件请勾选“长期”。提交时须剩余 1 个月以上"),
        FormField(f"{prefix}.certificate_photo_front", "证件正面照片", "media",
                  hint="彩色原件照片，JPG/PNG，不超过 2 MB，不小于 720×1280"),
        FormField(f"{prefix}.certificate_photo_back", "证件背面照片", "media"),
        FormField(f"{prefix}.authorization_letter", "授权书", "media", required=False,
                  hint="负责人不是法定代表人时必须上传，加盖公章（PDF/JPG/PNG）"),
    )


MATERIAL_LABELS: dict[str, str] = {
    "commitment_letter": "承诺书",
    "business_name_change_letter": "主体名称变更函",
    "party_building_confirmation_letter": "党建确认函",
    "promise_video": "承诺视频（MP4）",
    "authenticity_responsibility_letter": "真实性核验单",
    "authenticity_commitment_letter": "真实性承诺书",
    "website_construction_proposal": "建设方案书",
    "subject_other_materials": "主体其他材料",
    "applets_other_materials": "小程序其他材料",
    "holding_certificate_photo": "手持证件照",
}
MATERIAL_PATHS = tuple(f"icp_materials.{name}" for name in MATERIAL_LABELS)
assert set(MATERIAL_LABELS) == MATERIAL_FIELDS, "every material of the document has a label"

STEPS: tuple[Step, ...] = (
    Step("subject", "主体信息", (
        Group("主体基本信息", (
            FormField(SUBJECT_TYPE, "主体性质", "select", "subject_types"),
            FormField(f"{SUBJECT_BASE}.name", "主办单位名称", maxlength=200,
                      hint="与证件上的名称一致；个人主体填写本人姓名"),
            FormField(f"{SUBJECT_BASE}.province", "省份", "select", "provinces"),
            FormField(f"{SUBJECT_BASE}.city", "城市", "select", "cities"),
            FormField(f"{SUBJECT_BASE}.district", "区县", "select", "districts"),
            FormField(f"{SUBJECT_BASE}.address", "通信地址", maxlength=256,
                      hint="填写到门牌号，不要重复省、市、区县"),
            FormField(f"{SUBJECT_BASE}.comment", "主体备注", "textarea", required=False,
                      maxlength=1000),
        )),
        Group("主体证件", (
            FormField(f"{ORGANIZE}.certificate_type", "证件类型", "select",
                      "subject_certificates", hint="可选的证件类型取决于主体性质"),
            FormField(f"{ORGANIZE}.certificate_number", "证件号码", maxlength=64,
                      hint="企业等填写 18 位统一社会信用代码；个人填写身份证号码"),
            FormField(f"{ORGANIZE}.certificate_address", "证件住所", maxlength=256,
                      hint="按证件上打印的住所填写"),
            FormField(f"{ORGANIZE}.certificate_photo", "证件照片", "media",
                      hint="单位主体必传：证件原件的彩色扫描件或照片"),
            FormField("icp_subject.personal_info.residence_permit", "居住证", "media",
                      required=False, hint="个人主体的身份证不属于备案省份时上传"),
        )),
        Group("法定代表人", (
            FormField(f"{LEGAL_PERSON}.name", "法定代表人姓名", required=False, maxlength=64),
            FormField(f"{LEGAL_PERSON}.certificate_number", "法定代表人证件号码",
                      required=False, maxlength=64),
        ), hint="主体负责人不是法定代表人时必须填写，并上传授权书", path=LEGAL_PERSON),
    )),
    Step("subject_principal", "主体负责人", (
        Group("主体负责人", _principal(SUBJECT_PRINCIPAL, "主体负责人"), path=SUBJECT_PRINCIPAL),
    )),
    Step("applet", "小程序信息", (
        Group("小程序基本信息", (
            FormField(f"{APPLET_BASE}.appid", "AppID", maxlength=32, hint="以 wx 开头，18 位"),
            FormField(f"{APPLET_BASE}.name", "小程序名称", maxlength=200,
                      hint="与小程序账号的名称一致"),
        )),
        Group("服务内容类型", widget="service_types", path=SERVICE_TYPES,
              hint="选择 1 至 5 项二级类型"),
        Group("前置审批项", widget="nrlx", path=NRLX,
              hint="涉及教育、医疗、新闻等服务时填写审批号并上传审批文件；都不涉及时选择“以上都不涉及”"),
        Group("小程序备注", (
            FormField(f"{APPLET_BASE}.comment", "小程序备注", "textarea", maxlength=1000,
                      hint="写明小程序实际提供的服务和服务对象，20 至 200 字"),
        )),
    )),
    Step("applet_principal", "小程序负责人", (
        Group("小程序负责人", _principal(APPLET_PRINCIPAL, "小程序负责人"),
              widget="applet_principal", path=APPLET_PRINCIPAL),
        Group("人脸核身", widget="face", path=VERIFY_TASK,
              hint="小程序负责人须完成人脸核身，结果 3 天内有效"),
    )),
    Step("materials", "补充材料", (
        Group("补充材料", widget="materials", path="icp_materials",
              hint="按所在省份要求上传；每类最多 10 个文件"),
    )),
)

SCALAR_FIELDS: tuple[FormField, ...] = tuple(
    item for step in STEPS for group in step.groups for item in group.fields
)
_INT_OPTIONS = {"subject_types", "subject_certificates", "personal_certificates"}
PRINCIPAL_NAMES = tuple(item.name for item in _principal(SUBJECT_PRINCIPAL, ""))


def step_of(path: str) -> str:
    """The key of the step whose field, group or widget is nearest to `path`."""
    anchor = anchor_for(path)
    for step in STEPS:
        for group in step.groups:
            if anchor in (group.path, *(item.path for item in group.fields)):
                return step.key
            if group.widget and group.path and anchor.startswith(group.path + "."):
                return step.key
    return ""


def _anchors() -> frozenset[str]:
    paths = {item.path for item in SCALAR_FIELDS}
    paths |= {group.path for step in STEPS for group in step.groups if group.path}
    paths |= set(MATERIAL_PATHS)
    paths |= {
        f"{NRLX}.{index}.{name}"
        for index in range(MAX_NRLX_ROWS)
        for name in ("type", "code", "media")
    }
    paths |= {"icp_subject", "icp_applets"}
    return frozenset(paths)


ANCHORS = _anchors()


def anchor_for(err_field: str) -> str:
    """The nearest rendered field or block for a finding's err_field ("" = the whole form)."""
    path = err_field
    while path:
        if path in ANCHORS:
            return path
        path = path.rpartition(".")[0]
    return ""


def place_findings(findings: Iterable[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """Findings by the anchor they are shown beside; "" holds those about the whole form."""
    placed: dict[str, list[dict[str, Any]]] = {}
    for item in findings:
        placed.setdefault(anchor_for(str(item.get("err_field") or "")), []).append(item)
    return placed


# A parsed form post (starlette's FormData is one): names may repeat.
FormValues = ImmutableMultiDict[str, Any]


def lookup(document: Any, path: str) -> Any:
    """The value at a dotted path, or None."""
    current = document
    for part in path.split("."):
        if isinstance(current, dict):
            current = current.get(part)
        elif isinstance(current, list) and part.isdigit() and int(part) < len(current):
            current = current[int(part)]
        else:
            return None
    return current


def put(document: dict[str, Any], path: str, value: Any) -> None:
    """Set a dotted path, creating the objects on the way."""
    *parents, last = path.split(".")
    current = document
    for part in parents:
        child = current.get(part)
        if not isinstance(child, dict):
            child = current[part] = {}
        current = child
    current[last] = value


def remove(document: dict[str, Any], path: str) -> None:
    """Delete a dotted path if present."""
    parent = lookup(document, path.rpartition(".")[0]) if "." in path else document
    if isinstance(parent, dict):
        parent.pop(path.rpartition(".")[2], None)


def _text(form: FormValues, key: str) -> str | None:
    value = form.get(key)
    return value.strip() if isinstance(value, str) else None


def _convert(item: FormField, value: str) -> Any:
    # Dictionary ids are numbers in the document; anything else stays text for the
    # pre-check to name (a tampered "abc" becomes a wrong-type finding, not a crash).
    if item.options in _INT_OPTIONS and value.isdigit():
        return int(value)
    return value


def _apply(document: dict[str, Any], base: dict[str, Any], path: str, value: Any) -> None:
    """Set a value, or for a blank one keep the stored blank or remove the field."""
    if value in ("", None, []):
        if lookup(base, path) != value:
            remove(document, path)
        return
    put(document, path, value)


def assemble(
    form: FormValues, base: dict[str, Any] | None = None, *, uploads: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The filing document from a posted form, laid over `base` (the stored document)."""
    base = base or {}
    uploads = uploads or {}
    document = copy.deepcopy(base)
    for item in SCALAR_FIELDS:
        value = _text(form, item.path)
        if item.widget == "date_end" and form.get(item.path + ".long"):
            value = LONG_TERM
        if item.path in uploads:
            value = uploads[item.path]
        if value is not None:
            _apply(document, base, item.path, _convert(item, value))
    task = _text(form, VERIFY_TASK)
    if task is not None:
        _apply(document, base, VERIFY_TASK, task)
    if SERVICE_TYPES in form:
        chosen = [v.strip() for v in form.getlist(SERVICE_TYPES) if isinstance(v, str)]
        types = list(dict.fromkeys(int(v) if v.isdigit() else v for v in chosen if v))
        _apply(document, base, SERVICE_TYPES, types)
    if f"{NRLX}.0.type" in form:
        _apply(document, base, NRLX, _nrlx_rows(form, base, uploads))
    for path in MATERIAL_PATHS:
        if path in form or path in uploads:
            kept = [v.strip() for v in form.getlist(path) if isinstance(v, str) and v.strip()]
            dropped = set(form.getlist(path + ".remove"))
            items = [v for v in dict.fromkeys(kept) if v not in dropped]
            _apply(document, base, path, items + list(uploads.get(path, [])))
    if _same_principal(form, document):
        copied = copy.deepcopy(lookup(document, SUBJECT_PRINCIPAL) or {})
        copied.pop("verify_task_id", None)
        task = lookup(document, VERIFY_TASK)
        if task is not None:
            copied["verify_task_id"] = task
        put(document, APPLET_PRINCIPAL, copied)
    return document


def _same_principal(form: FormValues, document: dict[str, Any]) -> bool:
    # SPEC 3: an individual's mini-program principal must be the subject principal.
    if lookup(document, SUBJECT_TYPE) == dictionaries.INDIVIDUAL_SUBJECT_TYPE:
        return SUBJECT_PRINCIPAL + ".name" in form
    return bool(form.get(SAME_PRINCIPAL))


def _nrlx_rows(form: FormValues, base: dict[str, Any], uploads: dict[str, Any]) -> list[Any]:
    stored = lookup(base, NRLX)
    stored = stored if isinstance(stored, list) else []
    rows = []
    for index in range(MAX_NRLX_ROWS):
        prefix = f"{NRLX}.{index}"
        if f"{prefix}.type" not in form:
            break
        old = stored[index] if index < len(stored) and isinstance(stored[index], dict) else {}
        row = copy.deepcopy(old)
        for name in ("type", "code", "media"):
            value = uploads.get(f"{prefix}.{name}", _text(form, f"{prefix}.{name}"))
            if name == "type" and isinstance(value, str) and value.isdigit():
                value = int(value)
            if value in ("", None):
                if old.get(name) != value:
                    row.pop(name, None)
            else:
                row[name] = value
        if not row:
            continue
        rows.append(row)
    return rows


def same_principal_now(document: dict[str, Any]) -> bool:
    """Whether the applet principal is (or must be) the subject principal, for the checkbox."""
    if lookup(document, SUBJECT_TYPE) == dictionaries.INDIVIDUAL_SUBJECT_TYPE:
        return True
    subject = dict(lookup(document, SUBJECT_PRINCIPAL) or {})
    applet = dict(lookup(document, APPLET_PRINCIPAL) or {})
    applet.pop("verify_task_id", None)
    subject.pop("verify_task_id", None)
    return bool(subject) and subject == applet


def is_editable(path: str, unlocked: list[str] | None) -> bool:
    """Whether the field (or block) at `path` may change now: everything unless rejected."""
    if unlocked is None:
        return True
    return any(
        path == allowed or path.startswith(allowed + ".") or allowed.startswith(path + ".")
        for allowed in unlocked
    )
