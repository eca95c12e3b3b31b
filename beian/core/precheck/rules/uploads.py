"""Media fields name real uploads of the filing's applicant (errcodes 2800-2899).

SPEC §3: media fields hold ids returned by the upload endpoint. An id that names no
upload, or someone else's, is refused with one and the same finding, so that a document
cannot tell whether another applicant's file exists. The face-check task id
(`verify_task_id`) is no upload: rules.facecheck checks it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from operator import attrgetter, itemgetter
from typing import Any

from beian.core.document import FilingDocument
from beian.core.findings import WARNING, Finding
from beian.core.media import ACCEPTED, kind_for_field
from beian.core.precheck.context import PRINCIPAL_LABELS, Context
from beian.core.precheck.registry import UploadFacts
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
# Read from the parsed document by C-level getters, from each part's __dict__ (where
# pydantic keeps the values), as rules.required does: this runs on every check.
_read_parts = attrgetter(
    "icp_subject.personal_info",
    "icp_subject.organize_info",
    "icp_subject.principal_info",
    "icp_applets.principal_info",
    "icp_applets.base_info",
    "icp_materials",
)
_read_principal_media = itemgetter(*_PRINCIPAL_MEDIA)
_read_materials = itemgetter(*MATERIAL_LABELS)
# The paths of list items, built once (the document model allows 50 pre-approval items
# and 10 files per material).
_NRLX_PATHS = tuple(f"{NRLX}.{index}.media" for index in range(50))
_MATERIAL_PATHS = tuple(
    tuple(f"icp_materials.{name}.{index}" for index in range(10)) for name in MATERIAL_LABELS
)


def _fit(path: str) -> tuple[tuple[str, ...], str | None]:
    """The file types a field accepts, and "certificate" where the upload must have been
    made (and checked) for a certificate field, else None."""
    kind = kind_for_field(path)
    assert kind is not None, f"{path} takes no upload"
    return ACCEPTED[kind], "certificate" if kind == "certificate" else None


# Looked up per field on every check, instead of a regex search on the path.
_FITS = {
    path: _fit(path)
    for path in (*_SINGLE, *_NRLX_PATHS, *(path for paths in _MATERIAL_PATHS for path in paths))
}
_TYPE_NAMES = {
    "image/jpeg": "JPEG",
    "image/png": "PNG",
    "application/pdf": "PDF",
    "video/mp4": "MP4",
}


def named_media(document: FilingDocument | dict[str, Any]) -> list[tuple[str, str]]:
    """(field path, media id) of every media id a document names, in the form's order.

    Takes the parsed document or its raw JSON (the database registry reads ahead from the
    raw form): in the raw form anything that is not a non-blank string is no id.
    """
    if isinstance(document, dict):
        return _named_in_json(document)
    personal, organize, subject, applet, applet_base, materials = _read_parts(document)
    values = (
        personal.residence_permit,
        organize.certificate_photo,
        *_read_principal_media(subject.__dict__),
        *_read_principal_media(applet.__dict__),
    )
    found = [
        (path, value)
        for path, value in zip(_SINGLE, values, strict=True)
        if value is not None and value.strip()
    ]
    nrlx = applet_base.nrlx_details
    if nrlx:
        # strict=False: there are paths for as many items as the model allows.
        for path, item in zip(_NRLX_PATHS, nrlx, strict=False):
            if item.media is not None and item.media.strip():
                found.append((path, item.media))
    for paths, items in zip(_MATERIAL_PATHS, _read_materials(materials.__dict__), strict=True):
        if items:
            found.extend(
                (path, item) for path, item in zip(paths, items, strict=False) if item.strip()
            )
    return found


def uploaded_media(doc: FilingDocument, ctx: Context) -> Iterable[Finding]:
    """Each media id names an upload of the applicant whose file type suits the field."""
    registry = ctx.registry
    if registry is None:
        named = named_media(doc)
        return (_offline_at(named[0][0]),) if named else ()
    # The usual case, told without the field paths: every id the applicant's own upload of
    # a type its fields accept. The ids are grouped by what their fields accept, fields left
    # empty among them; a blank id is asked too (it cannot spoil a verdict of "all fit":
    # the detailed way skips it).
    certificates, others, videos = _ids_by_fit(doc, ctx)
    ids: set[str] = {*certificates, *others, *videos} - _NO_ID  # type: ignore[assignment]
    if not ids:
        return ()
    uploads = registry.uploads(ids, owner=ctx.applicant)
    if _all_fit(uploads, certificates, others, videos):
        return ()
    # The detailed way names only non-blank ids, all among those just asked.
    return _problems(named_media(doc), uploads)


# What an empty media field holds.
_NO_ID = frozenset({None, ""})


# The file types of the fields other than certificates and videos (letters, documents).
_OTHER_TYPES = ACCEPTED["letter"]
assert set(ACCEPTED["letter"]) == set(ACCEPTED["document"])
_CERTIFICATE_TYPES = ACCEPTED["certificate"]
_VIDEO_TYPES = ACCEPTED["video"]
# The materials by the kind of file their fields take.
_MATERIALS_BY_KIND = {
    kind: tuple(name for name in MATERIAL_LABELS if kind_for_field(name) == kind)
    for kind in ("certificate", "letter", "document", "video")
}
assert sum(map(len, _MATERIALS_BY_KIND.values())) == len(MATERIAL_LABELS)
_read_certificate_materials = itemgetter(*_MATERIALS_BY_KIND["certificate"], "promise_video")
_read_other_materials = itemgetter(*_MATERIALS_BY_KIND["letter"], *_MATERIALS_BY_KIND["document"])
assert _MATERIALS_BY_KIND["video"] == ("promise_video",)
assert _MATERIALS_BY_KIND["certificate"] == ("holding_certificate_photo",)
assert {_fit(path) for path in _SINGLE if not path.endswith("authorization_letter")} == {
    (_CERTIFICATE_TYPES, "certificate")
}
assert {_fit(path) for path in _SINGLE if path.endswith("authorization_letter")} == {
    (_OTHER_TYPES, None)
}


def _ids_by_fit(
    doc: FilingDocument, ctx: Context
) -> tuple[list[str | None], list[str | None], list[str]]:
    """The ids the document names, as certificates, letters or documents, videos; with a
    None or "" for each field left empty (filtering them out here cost more than skipping
    them where the ids are used)."""
    # Each part of the document read once: the principals and the organisation come with
    # ctx, and the materials' lists by C-level getters from the part's __dict__.
    (_, subject), (_, applet) = ctx.principals
    certificates = [
        doc.icp_subject.personal_info.residence_permit,
        ctx.organize.certificate_photo,
        subject.certificate_photo_front,
        subject.certificate_photo_back,
        applet.certificate_photo_front,
        applet.certificate_photo_back,
    ]
    others = [subject.authorization_letter, applet.authorization_letter]
    nrlx = ctx.applet_base.nrlx_details
    if nrlx:
        others += map(_media_of, nrlx)
    materials = doc.icp_materials.__dict__
    held, videos = _read_certificate_materials(materials)
    if held:
        certificates += held
    for items in filter(None, _read_other_materials(materials)):
        others += items
    return certificates, others, videos or []


_media_of = attrgetter("media")


def _all_fit(
    uploads: Mapping[str, UploadFacts],
    certificates: list[str | None],
    others: list[str | None],
    videos: list[str],
) -> bool:
    """Whether every id is an upload in `uploads` whose file type suits its group, and each
    certificate an upload made for a certificate field; empty fields are passed over."""
    get = uploads.get
    for media_id in certificates:
        if media_id:
            upload = get(media_id)
            if (
                upload is None
                or upload.kind != "certificate"
                or upload.content_type not in _CERTIFICATE_TYPES
            ):
                return False
    for media_id in others:
        if media_id:
            upload = get(media_id)
            if upload is None or upload.content_type not in _OTHER_TYPES:
                return False
    for media_id in videos:
        if media_id:
            upload = get(media_id)
            if upload is None or upload.content_type not in _VIDEO_TYPES:
                return False
    return True


def _problems(named: list[tuple[str, str]], uploads: Mapping[str, UploadFacts]) -> list[Finding]:
    found = []
    for path, media_id in named:
        upload = uploads.get(media_id)
        if upload is not None:
            accepted, certificate = _FITS[path]
            if upload.content_type in accepted and (not certificate or upload.kind == certificate):
                continue  # the applicant's own upload, made for such a field
        found.append(_problem(path, media_id, upload, kind_for_field(path)))
    return found


def _problem(path: str, media_id: str, upload: UploadFacts | None, kind: str | None) -> Finding:
    label = _label(path)
    if upload is None:
        return Finding(
            NOT_UPLOADED,
            path,
            f"{label}的文件 ID「{media_id[:40]}」不是您上传的文件",
            f"请在本系统上传{label}，并在 {path} 填写上传后返回的文件 ID",
        )
    assert kind is not None
    if upload.content_type not in ACCEPTED[kind]:
        accepted = "、".join(_TYPE_NAMES.get(t, t) for t in ACCEPTED[kind])
        given = _TYPE_NAMES.get(upload.content_type, upload.content_type)
        return Finding(
            WRONG_FILE_TYPE,
            path,
            f"{label}只接受 {accepted} 格式的文件，而所填文件是 {given}",
            f"请上传 {accepted} 格式的{label}，并在 {path} 填写新的文件 ID",
        )
    # Colour, resolution and sharpness are checked only on uploads made for a
    # certificate field; another upload named here would have skipped those checks.
    return Finding(
        NOT_CHECKED_AS_CERTIFICATE,
        path,
        f"所填文件不是作为证件照片上传的，未经过证件照片检查，不能用作{label}",
        f"请在{label}处重新上传证件照片（彩色、清晰），并在 {path} 填写新的文件 ID",
    )


def _offline_at(path: str) -> Finding:
    return Finding(
        OFFLINE,
        path,
        "离线校验无法核实文件 ID 是否为本人上传的文件",
        "提交到系统后会自动核实；请确认每个文件都已通过本系统上传，并填写上传后返回的文件 ID",
        WARNING,
    )


def _label(path: str) -> str:
    if path in _SINGLE:
        return _SINGLE[path]
    if path.startswith(NRLX):
        return "前置审批文件"
    return MATERIAL_LABELS.get(path.split(".")[1], "文件")


def _named_in_json(document: dict[str, Any]) -> list[tuple[str, str]]:
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


def _get(value: Any, *names: str) -> Any:
    """The value at `names` in raw JSON, or None where a part is missing or no object."""
    for name in names:
        if not isinstance(value, dict):
            return None
        value = value.get(name)
    return value


def _add(found: list[tuple[str, str]], path: str, value: Any) -> None:
    if isinstance(value, str) and value.strip():
        found.append((path, value))
