"""Media fields name real uploads of the filing's applicant (errcodes 2800-2899).

SPEC §3: media fields hold ids returned by the upload endpoint. An id that names no
upload, or someone else's, is refused with one and the same finding, so that a document
cannot tell whether another applicant's file exists. The face-check task id
(`verify_task_id`) is no upload: rules.facecheck checks it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from beian.core.document import FilingDocument
from beian.core.findings import WARNING, Finding
from beian.core.media import ACCEPTED, kind_for_field
from beian.core.precheck.context import PRINCIPAL_LABELS, Context
from beian.core.precheck.rules.documents import MATERIAL_LABELS

OFFLINE = 2801
NOT_UPLOADED = 2802
WRONG_FILE_TYPE = 2803
NOT_CHECKED_AS_CERTIFICATE = 2804

NRLX = "icp_applets.base_info.nrlx_details"
_PRINCIPAL_MEDIA = {
    "certificate_photo_front": "证件正面照片",
    "certificate_photo_back": "证件背面照片",
    "authorization_letter": "授权书",
}
# Every field holding one media id, with its label.
_SINGLE = {
    "icp_subject.personal_info.residence_permit": "临时居住证明",
    "icp_subject.organize_info.certificate_photo": "主体证件照片",
    **{
        f"{prefix}.{name}": who + label
        for prefix, who in PRINCIPAL_LABELS.items()
        for name, label in _PRINCIPAL_MEDIA.items()
    },
}
_SINGLE_PATHS = tuple((path, tuple(path.split("."))) for path in _SINGLE)
_TYPE_NAMES = {"image/jpeg": "JPEG", "image/png": "PNG", "application/pdf": "PDF",
               "video/mp4": "MP4"}


def named_media(document: FilingDocument | dict[str, Any]) -> list[tuple[str, str]]:
    """(field path, media id) of every media id a document names, in the form's order.

    Takes the parsed document or its raw JSON (the database registry reads ahead from the
    raw form): in the raw form anything that is not a non-blank string is no id.
    """
    found: list[tuple[str, str]] = []
    for path, names in _SINGLE_PATHS:
        _add(found, path, _get(document, *names))
    nrlx = _get(document, "icp_applets", "base_info", "nrlx_details")
    if isinstance(nrlx, list):
        for index, item in enumerate(nrlx):
            _add(found, f"{NRLX}.{index}.media", _get(item, "media"))
    for name in MATERIAL_LABELS:
        items = _get(document, "icp_materials", name)
        if isinstance(items, list):
            for index, item in enumerate(items):
                _add(found, f"icp_materials.{name}.{index}", item)
    return found


def uploaded_media(doc: FilingDocument, ctx: Context) -> Iterable[Finding]:
    """Each media id names an upload of the applicant whose file type suits the field."""
    named = named_media(doc)
    if not named:
        return ()
    if ctx.registry is None:
        return (
            Finding(
                OFFLINE,
                named[0][0],
                "离线校验无法核实文件 ID 是否为本人上传的文件",
                "提交到系统后会自动核实；请确认每个文件都已通过本系统上传，"
                "并填写上传后返回的文件 ID",
                WARNING,
            ),
        )
    uploads = ctx.registry.uploads({media_id for _, media_id in named}, owner=ctx.applicant)
    found = []
    for path, media_id in named:
        label = _label(path)
        upload = uploads.get(media_id)
        kind = kind_for_field(path)
        if upload is None:
            found.append(
                Finding(
                    NOT_UPLOADED,
                    path,
                    f"{label}的文件 ID「{media_id[:40]}」不是您上传的文件",
                    f"请在本系统上传{label}，并在 {path} 填写上传后返回的文件 ID",
                )
            )
        elif kind is not None and upload.content_type not in ACCEPTED[kind]:
            accepted = "、".join(_TYPE_NAMES.get(t, t) for t in ACCEPTED[kind])
            found.append(
                Finding(
                    WRONG_FILE_TYPE,
                    path,
                    f"{label}只接受 {accepted} 格式的文件，"
                    f"而所填文件是 {_TYPE_NAMES.get(upload.content_type, upload.content_type)}",
                    f"请上传 {accepted} 格式的{label}，并在 {path} 填写新的文件 ID",
                )
            )
        elif kind == "certificate" and upload.kind != "certificate":
            # Colour, resolution and sharpness are checked only on uploads made for a
            # certificate field; another upload named here would skip those checks.
            found.append(
                Finding(
                    NOT_CHECKED_AS_CERTIFICATE,
                    path,
                    f"所填文件不是作为证件照片上传的，未经过证件照片检查，不能用作{label}",
                    f"请在{label}处重新上传证件照片（彩色、清晰），并在 {path} 填写新的文件 ID",
                )
            )
    return found


def _label(path: str) -> str:
    if path in _SINGLE:
        return _SINGLE[path]
    if path.startswith(NRLX):
        return "前置审批文件"
    return MATERIAL_LABELS.get(path.split(".")[1], "文件")


def _get(value: Any, *names: str) -> Any:
    """The value at `names` in a parsed document (attributes) or raw JSON (keys)."""
    for name in names:
        if value is None:
            return None
        value = value.get(name) if isinstance(value, dict) else getattr(value, name, None)
    return value


def _add(found: list[tuple[str, str]], path: str, value: Any) -> None:
    if isinstance(value, str) and value.strip():
        found.append((path, value))
