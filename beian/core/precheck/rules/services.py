"""Service content types and pre-approval items (errcodes 1900-1999)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from beian.core import dictionaries
from beian.core.document import FilingDocument
from beian.core.findings import Finding
from beian.core.precheck.context import Context, dictionary_lookup

TOO_MANY_SERVICES = 1901
UNKNOWN_SERVICE = 1902
NOT_LEVEL_TWO = 1903
DUPLICATE_SERVICE = 1904
UNKNOWN_NRLX = 1906
DUPLICATE_NRLX = 1907
NRLX_CODE_MISSING = 1908
NRLX_MEDIA_MISSING = 1909
NONE_MIXED = 1910
APPROVAL_MISSING = 1911

MAX_SERVICES = 5
SERVICES = "icp_applets.base_info.service_content_types"
NRLX = "icp_applets.base_info.nrlx_details"


def service_types(doc: FilingDocument, ctx: Context) -> Iterable[Finding]:
    """One to five distinct level-2 service content types."""
    return _service_type_findings(tuple(ctx.applet_base.service_content_types or ()))


@dictionary_lookup
def _service_type_findings(chosen: tuple[int, ...]) -> tuple[Finding, ...]:
    return tuple(_service_type_problems(chosen))


def _service_type_problems(chosen: tuple[int, ...]) -> Iterator[Finding]:
    if len(chosen) > MAX_SERVICES:
        yield Finding(
            TOO_MANY_SERVICES,
            SERVICES,
            f"选择了 {len(chosen)} 个服务内容类型，最多 {MAX_SERVICES} 个",
            f"请只保留最能概括小程序实际服务的 {MAX_SERVICES} 个以内的二级服务内容类型",
        )
    seen: set[int] = set()
    for index, type_id in enumerate(chosen):
        field = f"{SERVICES}.{index}"
        service = dictionaries.service_type(type_id)
        if service is None:
            yield Finding(
                UNKNOWN_SERVICE,
                field,
                f"服务内容类型 {type_id} 不存在",
                "请从服务内容类型字典中选择二级类型",
            )
        elif service.parent_type == 0:
            yield Finding(
                NOT_LEVEL_TWO,
                field,
                f"「{service.name}」是一级服务内容类型，不能直接选择",
                f"请改选「{service.name}」下的二级服务内容类型",
            )
        elif type_id in seen:
            yield Finding(
                DUPLICATE_SERVICE, field, f"服务内容类型「{service.name}」重复", "请删除重复的一项"
            )
        seen.add(type_id)


def pre_approvals(doc: FilingDocument, ctx: Context) -> Iterable[Finding]:
    """Items unique, each with number and document, "none" alone, required ones present."""
    base = ctx.applet_base
    # Only whether each item's number and document are given matters, not what they say.
    # (Plain tuples: a NamedTuple costs a Python-level call per item to build; and filled()
    # spelled out for these texts, as a call costs more than the test.)
    items = tuple(
        [
            (
                item.type,
                bool(item.code and item.code.strip()),
                bool(item.media and item.media.strip()),
            )
            for item in base.nrlx_details or ()
        ]
    )
    return _pre_approval_findings(items, tuple(base.service_content_types or ()))


# An item: its type, and whether its approval number and document are given.
_Item = tuple[int, bool, bool]


@dictionary_lookup
def _pre_approval_findings(
    items: tuple[_Item, ...], services: tuple[int, ...]
) -> tuple[Finding, ...]:
    return tuple(_pre_approval_problems(items, services))


def _pre_approval_problems(
    items: tuple[_Item, ...], services: tuple[int, ...]
) -> Iterator[Finding]:
    seen: set[int] = set()
    for index, (type_id, has_code, has_media) in enumerate(items):
        path = f"{NRLX}.{index}"
        nrlx = dictionaries.nrlx_type(type_id)
        if nrlx is None:
            yield Finding(
                UNKNOWN_NRLX,
                f"{path}.type",
                f"前置审批类型 {type_id} 不存在",
                "请从前置审批项字典中选择",
            )
            continue
        if type_id in seen:
            yield Finding(
                DUPLICATE_NRLX,
                f"{path}.type",
                f"前置审批项「{nrlx.name}」重复",
                "每类前置审批只填写一项，请删除重复的一项",
            )
            continue
        seen.add(type_id)
        if type_id == dictionaries.NRLX_NONE:
            if len(items) > 1:
                none_name = _nrlx_name(dictionaries.NRLX_NONE)
                yield Finding(
                    NONE_MIXED,
                    f"{path}.type",
                    f"已填写其他前置审批项，不能同时选择「{none_name}」",
                    f"请删除「{none_name}」这一项，或删除其他各项",
                )
            continue
        if not has_code:
            yield Finding(
                NRLX_CODE_MISSING,
                f"{path}.code",
                f"前置审批项「{nrlx.name}」未填写审批号",
                "请填写审批文件上的许可证号或批准文号",
            )
        if not has_media:
            yield Finding(
                NRLX_MEDIA_MISSING,
                f"{path}.media",
                f"前置审批项「{nrlx.name}」未上传审批文件",
                "请上传审批文件（许可证）原件的彩色照片或扫描件",
            )
    yield from _required_approvals(services, seen)


def _required_approvals(services: tuple[int, ...], present: set[int]) -> Iterator[Finding]:
    # A service's required_nrlx lists alternatives: any one of them satisfies it.
    for type_id in dict.fromkeys(services):
        service = dictionaries.service_type(type_id)
        if service is None or not service.required_nrlx:
            continue
        if not present.isdisjoint(service.required_nrlx):
            continue
        names = "或".join(f"「{_nrlx_name(need)}」" for need in service.required_nrlx)
        yield Finding(
            APPROVAL_MISSING,
            NRLX,
            f"服务内容类型「{service.name}」需要前置审批{names}，但未填写",
            f"请添加前置审批项{names}并填写审批号、上传审批文件；"
            "如果没有取得该审批，请不要选择这一服务内容类型",
        )


def _nrlx_name(type_id: int) -> str:
    nrlx = dictionaries.nrlx_type(type_id)
    return nrlx.name if nrlx is not None else str(type_id)
