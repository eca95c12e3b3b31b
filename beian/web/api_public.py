"""What anyone may read without logging in: profiles, the public query, the dictionaries."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from pydantic import BaseModel, Field

from beian.core import dictionaries
from beian.public.reads import public_reads
from beian.public.service import QueryError, applet_profile, query_records
from beian.web.api_common import PLAIN_TEXT, errors
from beian.web.findings import INVALID_FIELD, NOT_FOUND, FindingError, finding

router = APIRouter(prefix="/api/v1", tags=["public"])


class PreApproval(BaseModel):
    """A pre-approval item as the national query shows it."""

    type: str
    code: str


class PublicRecord(BaseModel):
    """A filed record as the national query shows it: never an ID number or a phone."""

    service_number: str | None = Field(description="服务备案号，如 京ICP备2026000001号-1X")
    subject_number: str | None = Field(description="主体备案号")
    unit_name: str | None
    unit_nature: str | None
    service_name: str | None
    service_kind: str
    appid: str | None
    pre_approvals: list[PreApproval]
    approved_on: str | None = Field(description="审核通过日期 YYYY-MM-DD")


class AppletProfile(BaseModel):
    """The "more information" page of a mini-program."""

    appid: str
    filed: bool
    record: PublicRecord | None


class SubjectTypeOut(BaseModel):
    type: int
    name: str
    individual: bool


class CertificateTypeOut(BaseModel):
    type: int
    name: str
    subject_type: int
    personal: bool


class ServiceTypeOut(BaseModel):
    type: int
    name: str
    parent_type: int = Field(description="0 表示一级分类；只有二级分类可以填写")
    required_nrlx: list[int] = Field(description="任选其一即可满足的前置审批类型")


class NrlxTypeOut(BaseModel):
    type: int
    name: str


class DistrictOut(BaseModel):
    code: str
    name: str
    parent: str | None
    level: int = Field(description="1 省，2 市，3 区县")


@router.get(
    "/public/applets/{appid}",
    operation_id="getAppletProfile",
    response_model=AppletProfile,
    responses=errors(422),
)
def get_applet_profile(
    appid: Annotated[str, Path(pattern=r"^[A-Za-z0-9_-]{1,64}$")], request: Request
) -> AppletProfile:
    """Name, subject and filing number of a mini-program (filed false when it has none)."""
    with public_reads(request.app.state.sessions) as reads:
        record = applet_profile(reads, appid)
    return AppletProfile(
        appid=appid,
        filed=record is not None,
        record=PublicRecord.model_validate(record) if record else None,
    )


@router.get(
    "/public/records",
    operation_id="queryPublicRecords",
    response_model=list[PublicRecord],
    responses=errors(422),
)
def query_public_records(
    request: Request,
    q: Annotated[
        str,
        Query(max_length=100, pattern=PLAIN_TEXT, description="备案号、小程序名称或主办单位名称"),
    ] = "",
) -> list[PublicRecord]:
    """Filed records found by number, mini-program name or organisation name."""
    try:
        with public_reads(request.app.state.sessions) as reads:
            records = query_records(reads, q)
    except QueryError as error:
        raise FindingError(
            422, [finding(INVALID_FIELD, error.field, str(error), "请修改查询内容后重试")]
        ) from None
    return [PublicRecord.model_validate(record) for record in records]


@router.get(
    "/dictionaries/subject-types",
    operation_id="listSubjectTypes",
    response_model=list[SubjectTypeOut],
)
def list_subject_types() -> list[SubjectTypeOut]:
    """Every subject type (单位性质)."""
    return [
        SubjectTypeOut.model_validate(item, from_attributes=True)
        for item in dictionaries.subject_types()
    ]


@router.get(
    "/dictionaries/certificate-types",
    operation_id="listCertificateTypes",
    response_model=list[CertificateTypeOut],
    responses=errors(422),
)
def list_certificate_types(
    subject_type: Annotated[int | None, Query(ge=1, le=1000)] = None,
) -> list[CertificateTypeOut]:
    """Certificate types, or only those a subject of `subject_type` may present."""
    items = (
        dictionaries.certificate_types()
        if subject_type is None
        else dictionaries.certificate_types_for(subject_type)
    )
    return [CertificateTypeOut.model_validate(item, from_attributes=True) for item in items]


@router.get(
    "/dictionaries/service-types",
    operation_id="listServiceTypes",
    response_model=list[ServiceTypeOut],
)
def list_service_types() -> list[ServiceTypeOut]:
    """Service content types, level 1 first; level 2 ones are filed."""
    return [
        ServiceTypeOut(
            type=item.type,
            name=item.name,
            parent_type=item.parent_type,
            required_nrlx=list(item.required_nrlx),
        )
        for item in dictionaries.service_types()
    ]


@router.get(
    "/dictionaries/nrlx-types", operation_id="listNrlxTypes", response_model=list[NrlxTypeOut]
)
def list_nrlx_types() -> list[NrlxTypeOut]:
    """Pre-approval types, "none of the above" included."""
    return [
        NrlxTypeOut.model_validate(item, from_attributes=True) for item in dictionaries.nrlx_types()
    ]


@router.get(
    "/dictionaries/districts",
    operation_id="listDistricts",
    response_model=list[DistrictOut],
    responses=errors(404, 422),
)
def list_districts(
    parent: Annotated[str | None, Query(pattern=r"^[0-9]{6}$", description="上级区划代码")] = None,
) -> list[DistrictOut]:
    """Provinces, or the cities of a province / the districts of a city given as `parent`."""
    if parent is None:
        items = tuple(item for item in dictionaries.districts() if item.level == 1)
    elif dictionaries.district(parent) is None:
        raise FindingError(
            404, [finding(NOT_FOUND, "parent", f"区划代码 {parent} 不存在", "请从省级区划开始选择")]
        )
    else:
        items = dictionaries.child_districts(parent)
    return [DistrictOut.model_validate(item, from_attributes=True) for item in items]
