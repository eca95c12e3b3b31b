"""What the reviewer checks besides the form: uploaded documents, OCR and the face check.

Certificate photos show ID numbers, so while the view is masked their images are not
embedded and OCR messages have long digit runs masked; opening the personal data (an
audited reveal) shows them.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from beian.clock import CHINA_TZ, as_utc
from beian.core.findings import mask_number
from beian.documents.models import Media
from beian.facecheck import service as facecheck
from beian.facecheck.models import FaceTask, FaceTaskStatus
from beian.filings.documents import section
from beian.web.review_document import Row

VERDICT_LABELS = {"pass": "通过", "fail": "未通过", "review": "需人工确认"}
KIND_LABELS = {
    "photo": "照片",
    "certificate": "证件照片",
    "letter": "书面材料",
    "document": "文件",
    "video": "视频",
}
# The checks' component names, as reviewers read them.
COMPONENT_LABELS = {
    "ImageReadable": "图片可读",
    "Resolution": "分辨率",
    "Colour": "彩色原件",
    "Sharpness": "清晰度",
    "ContentPresent": "内容完整",
    "SingleFacePresent": "单人正脸",
    "HeadSize": "头部大小",
    "FaceWidthPixels": "面部像素宽度",
    "FaceCentring": "面部居中",
    "MarginAboveOfTheFaceImage": "头顶留白",
    "MarginBelowOfTheFaceImage": "下方留白",
    "BackgroundUniformity": "背景均匀",
    "BackgroundLuminance": "背景亮度",
    "LuminanceMean": "曝光",
    "NaturalColour": "肤色自然",
    "EyesOpen": "双眼睁开",
    "MouthOcclusionPrevention": "口鼻无遮挡",
    "FaceOcclusionPrevention": "面部无遮挡",
    "NoHeadCoverings": "未戴帽子或头饰",
    "NoEarphones": "未戴耳机",
    "UpperBodyClothed": "上身着装",
    "ExpressionNeutrality": "表情自然",
}
FACE_STATUS_LABELS = {status.value: text for status, text in facecheck.STATUS_LABELS.items()}
# Runs of 11+ digits and capitals with 7+ digits in them: phone, ID and credit-code numbers.
_NUMBER_RUN = re.compile(r"[0-9A-Zx]{11,}")


def china_time(instant: datetime | None) -> str:
    """An instant as China time, minute precision (what reviewers and principals read)."""
    if instant is None:
        return ""
    return as_utc(instant).astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M")


def china_deadline(instant: datetime | None) -> str:
    """A deadline as China time; one at midnight reads as 24:00 of the day it ends."""
    if instant is None:
        return ""
    local = as_utc(instant).astimezone(CHINA_TZ)
    if (local.hour, local.minute) == (0, 0):
        return (local - timedelta(days=1)).strftime("%Y-%m-%d") + " 24:00"
    return local.strftime("%Y-%m-%d %H:%M")


def mask_numbers(text: str) -> str:
    """Mask the phone, ID and credit-code numbers a message quotes (dates stay readable)."""

    def masked(match: re.Match[str]) -> str:
        run = match.group(0)
        return mask_number(run) if sum(c.isdigit() for c in run) >= 7 else run

    return _NUMBER_RUN.sub(masked, text)


def media_rows(session: Session, ids: list[str]) -> dict[str, Media]:
    """The stored uploads among `ids` (ids the document names but nobody uploaded are absent)."""
    wanted = [value for value in ids if isinstance(value, str) and len(value) <= 32]
    if not wanted:
        return {}
    return {m.id: m for m in session.scalars(select(Media).where(Media.id.in_(wanted)))}


def documents(
    session: Session, filing_id: str, refs: dict[str, Row], *, masked: bool
) -> list[dict[str, Any]]:
    """One entry per file the filing names: what it is, its checks, and how to show it."""
    stored = media_rows(session, list(refs))
    entries = []
    for media_id, row in refs.items():
        media = stored.get(media_id)
        entry: dict[str, Any] = {
            "id": media_id,
            "label": f"{row.group} · {row.label}" if row.group else row.label,
            "field": row.field,
            "personal": row.personal_media,
            "found": media is not None,
            "hidden": masked and row.personal_media,
        }
        if media is not None:
            entry.update(_media_entry(media, filing_id, masked=masked))
        entries.append(entry)
    return entries


def _media_entry(media: Media, filing_id: str, *, masked: bool) -> dict[str, Any]:
    report = media.check_report or {}
    ocr = media.ocr_findings
    ocr_items = []
    for item in (ocr or {}).get("findings", []):
        message = str(item.get("errmsg", ""))
        ocr_items.append(
            {
                "errmsg": mask_numbers(message) if masked else message,
                "suggest": item.get("suggest", ""),
            }
        )
    size = (
        f"{media.size / 1024:.0f} KB"
        if media.size < 1024 * 1024
        else f"{media.size / 1048576:.1f} MB"
    )
    dimensions = f"{media.width}×{media.height}" if media.width and media.height else ""
    return {
        "url": f"/review/{filing_id}/media/{media.id}",
        "is_image": media.content_type.startswith("image/"),
        "kind": KIND_LABELS.get(media.kind, media.kind),
        "content_type": media.content_type,
        "size": size,
        "dimensions": dimensions,
        "pages": media.pages,
        "uploaded": china_time(media.created_at),
        "verdict": report.get("verdict"),
        "verdict_label": VERDICT_LABELS.get(str(report.get("verdict")), ""),
        "components": _components(report),
        "hints": [str(hint) for hint in report.get("hints", [])],
        "ocr_done": ocr is not None,
        "ocr_findings": ocr_items,
    }


def _components(report: dict[str, Any]) -> list[dict[str, Any]]:
    items = []
    for item in report.get("components", []):
        if not isinstance(item, dict):
            continue
        name = str(item.get("name", ""))
        value = item.get("value")
        items.append(
            {
                "name": COMPONENT_LABELS.get(name, name),
                "value": "" if value is None else str(value),
                "threshold": "人工确认"
                if item.get("threshold") == "human"
                else item.get("threshold", ""),
                "result": item.get("result", ""),
                "result_label": VERDICT_LABELS.get(str(item.get("result")), ""),
            }
        )
    return items


def _face_task(session: Session, document: dict[str, Any]) -> FaceTask | None:
    task_id = section(document, "icp_applets", "principal_info").get("verify_task_id")
    return facecheck.get_task(session, task_id) if isinstance(task_id, str) else None


def face_photo_id(session: Session, document: dict[str, Any]) -> str | None:
    """The stored face photo of the applet principal's task (its report names it), if any."""
    task = _face_task(session, document)
    media_id = (task.result or {}).get("media_id") if task is not None else None
    return media_id if isinstance(media_id, str) and media_id else None


def face_check(
    session: Session, filing_id: str, document: dict[str, Any], *, now: datetime, masked: bool
) -> dict[str, Any]:
    """The face-check report of the applet principal's task, for the reviewer to judge."""
    task_id = section(document, "icp_applets", "principal_info").get("verify_task_id")
    if not isinstance(task_id, str) or not task_id:
        return {"present": False, "reason": "未填写人脸核身任务"}
    task = _face_task(session, document)
    if task is None:
        return {"present": False, "reason": "人脸核身任务不存在"}
    status = facecheck.status_at(task, now)
    report = task.result or {}
    photo_id = face_photo_id(session, document)
    photo = media_rows(session, [photo_id]).get(photo_id) if photo_id else None
    return {
        "photo_url": f"/review/{filing_id}/media/{photo.id}" if photo is not None else None,
        "photo_hidden": masked,
        "present": True,
        "status": status.value,
        "status_label": FACE_STATUS_LABELS[status.value],
        "needs_review": status is FaceTaskStatus.REVIEW,
        "photo_at": china_time(task.photo_at),
        "expires_at": china_time(task.expires_at),
        "decided_at": china_time(task.decided_at),
        "reviewer": task.reviewer,
        "reason": task.reason,
        "verdict_label": VERDICT_LABELS.get(str(report.get("verdict")), ""),
        "components": _components(report),
        "hints": [str(hint) for hint in report.get("hints", [])],
    }
