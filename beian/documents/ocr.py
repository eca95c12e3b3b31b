"""OCR cross-check of ID cards and business licences against what the applicant typed.

RapidOCR runs on onnxruntime with the PP-OCR models shipped inside the `rapidocr` wheel;
the model paths are given explicitly, so its download code is never reached. OCR takes
about a second per document, so it runs in the worker (see beian.documents.tasks).
A mismatch is a warning for the reviewer showing both values, never a refusal: OCR can
misread, the reviewer has the document in front of them.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from beian.core.findings import WARNING, Finding, mask_number
from beian.documents.imaging import decode, fit

KINDS = ("id_card_front", "id_card_back", "business_licence")
# Larger pages are shrunk first: detection cost grows with the area, legibility does not.
OCR_SIDE = 1280

_ID_NUMBER = re.compile(r"\d{17}[\dX]")
_USCC = re.compile(r"[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}")
_DATE = r"(\d{4})[.\-/年](\d{1,2})[.\-/月](\d{1,2})日?"
_PERIOD = re.compile(_DATE + r"(?:起)?[-—–~至到]+(?:" + _DATE + r"|(长期))")


class OcrUnavailable(RuntimeError):
    """The OCR models are not where the installed package should have them."""


def model_paths() -> dict[str, Path]:
    """The detection, direction and recognition models inside the installed rapidocr wheel."""
    import rapidocr

    root = Path(rapidocr.__file__).parent / "models"
    paths = {
        "Det": root / "PP-OCRv6_det_small.onnx",
        "Cls": root / "ch_ppocr_mobile_v2.0_cls_mobile.onnx",
        "Rec": root / "PP-OCRv6_rec_small.onnx",
    }
    missing = [str(path) for path in paths.values() if not path.is_file()]
    if missing:
        raise OcrUnavailable("RapidOCR models missing (reinstall rapidocr): " + ", ".join(missing))
    return paths


@lru_cache(maxsize=2)
def engine(threads: int = 1) -> Any:
    """One RapidOCR engine per process (loading takes a moment; reuse it)."""
    from rapidocr import RapidOCR

    params: dict[str, Any] = {"Global.log_level": "error"}
    for task, path in model_paths().items():
        params[f"{task}.model_path"] = str(path)
    params["EngineConfig.onnxruntime.intra_op_num_threads"] = threads
    params["EngineConfig.onnxruntime.inter_op_num_threads"] = 1
    return RapidOCR(params=params)


def read_lines(image: np.ndarray, threads: int = 1) -> list[str]:
    """The text lines of a BGR image, top to bottom."""
    small, _ = fit(image, OCR_SIDE)
    result = engine(threads)(small)
    if result.txts is None:
        return []
    boxes = result.boxes
    order = sorted(range(len(result.txts)), key=lambda i: (boxes[i][0][1], boxes[i][0][0]))
    return [str(result.txts[i]) for i in order]


def normalise(text: str) -> str:
    """Full-width to half-width, no spaces, upper case, one kind of middle dot."""
    text = unicodedata.normalize("NFKC", text)
    text = re.sub(r"\s+", "", text).upper()
    return re.sub(r"[·•．.]", "·", text) if not re.search(r"\d", text) else text


def _after_label(lines: list[str], label: str) -> str | None:
    """The text after `label` on its line, or the next line when the label stands alone."""
    for index, line in enumerate(lines):
        compact = re.sub(r"\s+", "", line)
        if compact.startswith(label):
            rest = compact[len(label):].lstrip(":：")
            if rest:
                return rest
            if index + 1 < len(lines):
                return re.sub(r"\s+", "", lines[index + 1])
    return None


def _date(year: str, month: str, day: str) -> str:
    return f"{int(year):04d}{int(month):02d}{int(day):02d}"


def _period(text: str) -> tuple[str, str] | None:
    match = _PERIOD.search(text)
    if match is None:
        return None
    start = _date(*match.group(1, 2, 3))
    end = "长期" if match.group(7) else _date(*match.group(4, 5, 6))
    return start, end


def parse(kind: str, lines: list[str]) -> dict[str, str]:
    """The fields a kind of document shows, as far as they could be read."""
    joined = normalise("".join(lines))
    read: dict[str, str] = {}
    if kind == "id_card_front":
        name = _after_label(lines, "姓名")
        if name:
            read["name"] = normalise(name)
        number = _ID_NUMBER.search(joined)
        if number:
            read["certificate_number"] = number.group()
    elif kind == "id_card_back":
        period = _period(joined)
        if period:
            read["validity_date_start"], read["validity_date_end"] = period
    elif kind == "business_licence":
        name = _after_label(lines, "名称")
        if name:
            read["name"] = normalise(name)
        code = _USCC.search(joined)
        if code:
            read["certificate_number"] = code.group()
        term = joined.split("营业期限", 1)[1] if "营业期限" in joined else ""
        period = _period(term)
        if period:
            read["validity_date_start"], read["validity_date_end"] = period
    else:
        raise ValueError(f"unknown OCR kind {kind!r}; expected one of {', '.join(KINDS)}")
    return read


LABELS = {
    "name": ("名称或姓名", 6201),
    "certificate_number": ("证件号码", 6202),
    "validity_date_start": ("有效期起始日期", 6203),
    "validity_date_end": ("有效期截止日期", 6203),
}
# What each kind is expected to show.
FIELDS = {
    "id_card_front": ("name", "certificate_number"),
    "id_card_back": ("validity_date_start", "validity_date_end"),
    "business_licence": ("name", "certificate_number"),
}


@dataclass(frozen=True)
class CrossCheck:
    """What OCR read and the warnings it raised."""

    kind: str
    read: dict[str, str]
    findings: list[Finding] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """The result as stored on the media row."""
        return {"kind": self.kind, "read": self.read,
                "findings": [finding.to_dict() for finding in self.findings]}


def compare(kind: str, read: dict[str, str], expected: dict[str, str], field: str
            ) -> list[Finding]:
    """Warnings for every typed value the document contradicts or does not show."""
    findings = []
    for key in FIELDS[kind]:
        typed = expected.get(key)
        if not typed:
            continue
        label, errcode = LABELS[key]
        seen = read.get(key)
        # A person's ID number: findings are shown and stored, so it appears only masked.
        show = mask_number if (kind, key) == ("id_card_front", "certificate_number") else str
        if seen is None:
            findings.append(Finding(
                6210, field, f"未能从证件照片中识别出{label}，无法与填写的「{show(typed)}」核对",
                "请确认照片清晰、完整；审核人员将人工核对", WARNING))
        elif normalise(seen) != normalise(typed):
            findings.append(Finding(
                errcode, field,
                f"证件照片上识别的{label}为「{show(seen)}」，与填写的「{show(typed)}」不一致",
                "请核对填写内容与证件照片是否一致；如填写无误，审核人员将以证件为准", WARNING))
    return findings


def cross_check(data: bytes, kind: str, expected: dict[str, str], field: str,
                threads: int = 1) -> CrossCheck:
    """Read a stored certificate photo and compare it with the applicant's typed values."""
    if kind not in FIELDS:
        raise ValueError(f"unknown OCR kind {kind!r}; expected one of {', '.join(KINDS)}")
    read = parse(kind, read_lines(decode(data), threads))
    return CrossCheck(kind, read, compare(kind, read, expected, field))
