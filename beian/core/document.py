"""The filing document: pydantic models shaped like the body of WeChat's `apply_icp_filing`.

Field names follow that API so payloads written for it parse here unchanged. Every
leaf is optional at this level: a draft may be incomplete, and which fields are
required (and for which subject type) is a pre-check rule with a proper message.
Only the shape is enforced here: JSON types, lengths and no unknown fields.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictInt,
    StrictStr,
    ValidationError,
    model_validator,
)

from beian.core.dictionaries import INDIVIDUAL_SUBJECT_TYPE
from beian.core.findings import Finding

# Generous ceilings: they stop absurd payloads; business limits live in the rules.
PersonName = Annotated[StrictStr, Field(max_length=64)]
OrgName = Annotated[StrictStr, Field(max_length=200)]
Code = Annotated[StrictStr, Field(max_length=32)]
Number = Annotated[StrictStr, Field(max_length=64)]
Phone = Annotated[StrictStr, Field(max_length=32)]
Email = Annotated[StrictStr, Field(max_length=128)]
Address = Annotated[StrictStr, Field(max_length=256)]
DateText = Annotated[StrictStr, Field(max_length=16)]
MediaId = Annotated[StrictStr, Field(max_length=512)]
LongText = Annotated[StrictStr, Field(max_length=1000)]
MediaList = Annotated[list[MediaId], Field(max_length=10)]


class _Part(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    @model_validator(mode="before")
    @classmethod
    def _null_means_absent(cls, data: Any) -> Any:
        # Many SDKs serialise unset fields as null; treat them as not given.
        if isinstance(data, dict):
            return {key: value for key, value in data.items() if value is not None}
        return data


class SubjectBaseInfo(_Part):
    type: StrictInt | None = None
    name: OrgName | None = None
    province: Code | None = None
    city: Code | None = None
    district: Code | None = None
    address: Address | None = None
    comment: LongText | None = None
    # Returned by WeChat's query APIs for filed records; accepted so such payloads parse.
    record_number: Code | None = None


class PersonalInfo(_Part):
    residence_permit: MediaId | None = None


class OrganizeInfo(_Part):
    certificate_type: StrictInt | None = None
    certificate_number: Number | None = None
    certificate_address: Address | None = None
    certificate_photo: MediaId | None = None


class PrincipalInfo(_Part):
    name: PersonName | None = None
    mobile: Phone | None = None
    email: Email | None = None
    emergency_contact: Phone | None = None
    certificate_type: StrictInt | None = None
    certificate_number: Number | None = None
    certificate_validity_date_start: DateText | None = None
    certificate_validity_date_end: DateText | None = None
    certificate_photo_front: MediaId | None = None
    certificate_photo_back: MediaId | None = None
    authorization_letter: MediaId | None = None
    verify_task_id: MediaId | None = None


class LegalPersonInfo(_Part):
    name: PersonName | None = None
    certificate_number: Number | None = None


class Subject(_Part):
    base_info: SubjectBaseInfo = Field(default_factory=SubjectBaseInfo)
    personal_info: PersonalInfo = Field(default_factory=PersonalInfo)
    organize_info: OrganizeInfo = Field(default_factory=OrganizeInfo)
    principal_info: PrincipalInfo = Field(default_factory=PrincipalInfo)
    legal_person_info: LegalPersonInfo = Field(default_factory=LegalPersonInfo)


class NrlxDetail(_Part):
    type: StrictInt
    code: Number | None = None
    media: MediaId | None = None


class AppletBaseInfo(_Part):
    appid: Code | None = None
    name: OrgName | None = None
    service_content_types: Annotated[list[StrictInt], Field(max_length=50)] | None = None
    nrlx_details: Annotated[list[NrlxDetail], Field(max_length=50)] | None = None
    comment: LongText | None = None
    record_number: Code | None = None


class Applet(_Part):
    base_info: AppletBaseInfo = Field(default_factory=AppletBaseInfo)
    principal_info: PrincipalInfo = Field(default_factory=PrincipalInfo)


class Materials(_Part):
    commitment_letter: MediaList | None = None
    business_name_change_letter: MediaList | None = None
    party_building_confirmation_letter: MediaList | None = None
    promise_video: MediaList | None = None
    authenticity_responsibility_letter: MediaList | None = None
    authenticity_commitment_letter: MediaList | None = None
    website_construction_proposal: MediaList | None = None
    subject_other_materials: MediaList | None = None
    applets_other_materials: MediaList | None = None
    holding_certificate_photo: MediaList | None = None


MATERIAL_FIELDS: frozenset[str] = frozenset(Materials.model_fields)


class FilingDocument(_Part):
    """One filing: subject, applet and materials, as the applicant wrote them."""

    icp_subject: Subject = Field(default_factory=Subject)
    icp_applets: Applet = Field(default_factory=Applet)
    icp_materials: Materials = Field(default_factory=Materials)

    def with_individual_defaults(self) -> FilingDocument:
        """For an individual subject, an empty applet principal becomes the subject principal.

        SPEC 3: the individual's mini-program principal defaults to the subject principal.
        The face-check task is the applet principal's own and is kept as given.
        """
        applet = self.icp_applets.principal_info
        if self.icp_subject.base_info.type != INDIVIDUAL_SUBJECT_TYPE:
            return self
        if applet.model_dump(exclude={"verify_task_id"}, exclude_none=True):
            return self
        principal = self.icp_subject.principal_info.model_copy(
            update={"verify_task_id": applet.verify_task_id}
        )
        applets = self.icp_applets.model_copy(update={"principal_info": principal})
        return self.model_copy(update={"icp_applets": applets})

    def to_json_dict(self) -> dict[str, Any]:
        """The document as JSON-ready data, only with the fields that were given."""
        return self.model_dump(mode="json", exclude_none=True, exclude_unset=True)


# errcodes 1001-1099: the document's shape.
UNKNOWN_FIELD = 1001
MISSING_FIELD = 1002
WRONG_TYPE = 1003
TOO_LONG = 1004
BAD_VALUE = 1005
NOT_AN_OBJECT = 1006

_TYPE_NAMES = {
    "string_type": "字符串",
    "int_type": "整数",
    "list_type": "数组",
    "dict_type": " JSON 对象",
    "model_type": " JSON 对象",
    "model_attributes_type": " JSON 对象",
}
_TYPE_HINTS = {
    "string_type": "请用双引号把该值写成字符串",
    "int_type": "请填写字典中的数字编号，不带引号和小数点",
    "list_type": "请用方括号 [] 列出各项",
    "dict_type": "请用花括号 {} 填写这一部分",
    "model_type": "请用花括号 {} 填写这一部分",
    "model_attributes_type": "请用花括号 {} 填写这一部分",
}


def parse_document(data: object) -> tuple[FilingDocument | None, list[Finding]]:
    """Parse JSON data into a document, or explain every shape problem as findings."""
    if not isinstance(data, dict):
        return None, [
            Finding(
                NOT_AN_OBJECT,
                "",
                "备案文档必须是一个 JSON 对象",
                '请提交形如 {"icp_subject": {...}, "icp_applets": {...}} 的 JSON 对象',
            )
        ]
    try:
        return FilingDocument.model_validate(data), []
    except ValidationError as exc:
        details = exc.errors(include_url=False, include_input=False)
        return None, _dedupe([_finding_for(detail) for detail in details])
    except RecursionError:
        return None, [
            Finding(
                BAD_VALUE, "", "备案文档嵌套层级过深，无法解析", "请按接口文档的结构填写备案文档"
            )
        ]


def field_path(loc: tuple[object, ...] | list[object]) -> str:
    """The dotted err_field for a location such as ("icp_applets", "nrlx_details", 0)."""
    return ".".join(str(part) for part in loc)


def _finding_for(detail: Any) -> Finding:
    loc = tuple(detail.get("loc", ()))
    path = field_path(loc)
    shown = path or "文档"
    kind = detail.get("type", "")
    context = detail.get("ctx") or {}
    if kind == "extra_forbidden":
        name = str(loc[-1]) if loc else path
        return Finding(
            UNKNOWN_FIELD,
            path,
            f"不支持的字段 {name}",
            f"请删除 {shown}，或对照接口文档核对字段名的拼写（区分大小写）",
        )
    if kind == "missing":
        return Finding(MISSING_FIELD, path, f"缺少必填字段 {shown}", f"请填写 {shown}")
    if kind in _TYPE_NAMES:
        return Finding(
            WRONG_TYPE, path, f"{shown} 的类型错误，应为{_TYPE_NAMES[kind]}", _TYPE_HINTS[kind]
        )
    if kind == "string_too_long":
        limit = context.get("max_length", "")
        return Finding(
            TOO_LONG, path, f"{shown} 超过 {limit} 个字符", f"请精简到 {limit} 个字符以内"
        )
    if kind == "too_long":
        limit = context.get("max_length", "")
        return Finding(TOO_LONG, path, f"{shown} 超过 {limit} 项", f"请删减到最多 {limit} 项")
    return Finding(
        BAD_VALUE, path, f"{shown} 的值不符合要求", "请对照接口文档检查该字段的类型和格式"
    )


def _dedupe(findings: list[Finding]) -> list[Finding]:
    seen: set[tuple[int, str]] = set()
    unique = []
    for finding in findings:
        key = (finding.errcode, finding.err_field)
        if key not in seen:
            seen.add(key)
            unique.append(finding)
    return unique
