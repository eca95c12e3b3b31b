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
from typing import Any, NamedTuple

import numpy as np
from stdnum.cn import ric

from beian.core.findings import WARNING, Finding, mask_number
from beian.documents.imaging import decode, fit

KINDS = ("id_card_front", "id_card_back", "business_licence")
# Larger pages are shrunk first: detection cost grows with the area, legibility does not.
OCR_SIDE = 1280

# Every 18-character window, overlapping ones included.
_ID_NUMBER = re.compile(r"(?=(\d{17}[\dX]))")
_USCC = re.compile(r"[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}")
# Middle dots and their look-alikes (after NFKC: full-width ones are already ASCII).
_DOTS = re.compile("[\u00b7\u2022\u2027\u2219\u22c5\u30fb.]")
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
    return _rapidocr(threads, {})


@lru_cache(maxsize=2)
def line_reader(threads: int = 1) -> Any:
    """An engine that only recognises: the image given is one line of text.

    A separate engine, because RapidOCR keeps the use_det/use_cls given to one call
    for all later calls of the same engine.
    """
    return _rapidocr(threads, {"Global.use_det": False, "Global.use_cls": False})


def _rapidocr(threads: int, extra: dict[str, Any]) -> Any:
    from rapidocr import RapidOCR

    params: dict[str, Any] = {"Global.log_level": "error", **extra}
    for task, path in model_paths().items():
        params[f"{task}.model_path"] = str(path)
    params["EngineConfig.onnxruntime.intra_op_num_threads"] = threads
    params["EngineConfig.onnxruntime.inter_op_num_threads"] = 1
    return RapidOCR(params=params)


def read_lines(image: np.ndarray, threads: int = 1) -> list[str]:
    """The text lines of a BGR image, top to bottom, the boxes of a line separated by a space."""
    small, _ = fit(image, OCR_SIDE)
    result = engine(threads)(small)
    if result.txts is None:
        return []
    lines = _group(_spans(result.boxes, [str(text) for text in result.txts]))
    return [Line(_joined(line), (min(s.left for s in line), min(s.top for s in line),
                                 max(s.right for s in line), max(s.bottom for s in line)))
            for line in lines]


class Line(str):
    """A line of text as read, remembering where on the (shrunk) image it was read."""

    box: tuple[float, float, float, float]  # left, top, right, bottom

    def __new__(cls, text: str, box: tuple[float, float, float, float]) -> Line:
        line = super().__new__(cls, text)
        line.box = box
        return line


def group_lines(boxes: Any, texts: list[str]) -> list[str]:
    """Join the boxes that share a line, left to right; lines top to bottom."""
    return [_joined(line) for line in _group(_spans(boxes, texts))]


class _Span(NamedTuple):
    """Where one OCR box is and what it says."""

    top: float
    bottom: float
    left: float
    right: float
    text: str


def _spans(boxes: Any, texts: list[str]) -> list[_Span]:
    spans = []
    for box, text in zip(boxes, texts, strict=True):
        xs, ys = [float(point[0]) for point in box], [float(point[1]) for point in box]
        spans.append(_Span(min(ys), max(ys), min(xs), max(xs), text))
    return spans


def _group(spans: list[_Span]) -> list[list[_Span]]:
    """Boxes that overlap vertically by half the height of the shorter one form a line.

    Sorting boxes by their top corner is not enough: a label in a small font starts
    lower than the larger value beside it, so when detection gives them separate boxes
    the value came before its label and the label was followed by the next line
    (姓名 then 性别男民族汉).
    """
    lines: list[list[_Span]] = []
    for span in sorted(spans, key=lambda span: span.top + span.bottom):
        if lines and _same_line(lines[-1], span):
            lines[-1].append(span)
        else:
            lines.append([span])
    return [sorted(line, key=lambda span: span.left) for line in lines]


def _same_line(line: list[_Span], span: _Span) -> bool:
    top, bottom = min(s.top for s in line), max(s.bottom for s in line)
    shared = min(bottom, span.bottom) - max(top, span.top)
    return shared >= 0.5 * min(bottom - top, span.bottom - span.top)


def _joined(line: list[_Span]) -> str:
    return " ".join(span.text for span in line)


def _second_reading(image: np.ndarray, lines: list[str], threads: int) -> list[str]:
    """Every line recognised again as one crop, without detection.

    The recogniser sees the box crop that detection chose; a rare character read at
    low confidence (燚 as 炎) is often read right from a crop of the whole line.
    """
    small, _ = fit(image, OCR_SIDE)
    texts = []
    for line in lines:
        if not isinstance(line, Line):
            texts.append(line)
            continue
        left, top, right, bottom = line.box
        pad = 0.2 * (bottom - top)
        crop = small[max(0, int(top - pad)):int(bottom + pad) + 1,
                     max(0, int(left - pad)):int(right + pad) + 1]
        result = line_reader(threads)(crop)
        texts.append("".join(result.txts) if result.txts else line)
    return texts


def normalise(text: str) -> str:
    """Full-width to half-width, no spaces, upper case, one kind of middle dot."""
    text = unicodedata.normalize("NFKC", text)
    text = re.sub(r"\s+", "", text).upper()
    return re.sub(_DOTS, "·", text) if not re.search(r"\d", text) else text


def same_value(key: str, seen: str, typed: str) -> bool:
    """Whether a value read from a document is the typed one.

    The middle dot of a name like 买买提·艾力 only separates its parts, and applicants
    (and OCR) write it in many ways or leave it out; any other difference counts.
    """
    seen, typed = normalise(seen), normalise(typed)
    if key == "name":
        seen, typed = seen.replace("·", ""), typed.replace("·", "")
    return seen == typed


def _after_label(lines: list[str], label: str) -> str | None:
    """The text after `label` on its line, or the next line when the label stands alone."""
    for index, line in enumerate(lines):
        compact = re.sub(r"\s+", "", line)
        if compact.startswith(label):
            rest = _trim(compact[len(label):])
            if rest:
                return rest
            if index + 1 < len(lines):
                return _trim(re.sub(r"\s+", "", lines[index + 1]))
    return None


def _trim(text: str) -> str:
    """Without punctuation or symbols at either end (closing brackets end some company names).

    At the start they are a colon after the label, or the edge of the value's first
    character read as 「 when the label's box overlaps it.
    """
    start, end = 0, len(text)
    while start < end and unicodedata.category(text[start])[0] in "PS":
        start += 1
    while end > start and unicodedata.category(text[end - 1]) in _TRAILING_NOISE:
        end -= 1
    return text[start:end]


_TRAILING_NOISE = frozenset({"Po", "Pd", "Ps", "Pi", "Sm", "So", "Sk", "Sc"})


def _date(year: str, month: str, day: str) -> str:
    return f"{int(year):04d}{int(month):02d}{int(day):02d}"


def _period(text: str) -> tuple[str, str] | None:
    match = _PERIOD.search(text)
    if match is None:
        return None
    start = _date(*match.group(1, 2, 3))
    end = "长期" if match.group(7) else _date(*match.group(4, 5, 6))
    return start, end


def resident_id(text: str) -> str | None:
    """The resident ID number in normalised text, preferring one whose check character fits.

    A stray digit read from the label before it ("公民身份号码1") makes a run of 19
    characters; its first 18 are not the number, the 18 with the right check character are.
    """
    candidates = [match.group(1) for match in _ID_NUMBER.finditer(text)]
    for number in candidates:
        if ric.calc_check_digit(number) == number[17]:
            return number
    return candidates[0] if candidates else None


def parse(kind: str, lines: list[str]) -> dict[str, str]:
    """The fields a kind of document shows, as far as they could be read."""
    joined = normalise("".join(lines))
    read: dict[str, str] = {}
    if kind == "id_card_front":
        name = _after_label(lines, "姓名")
        if name:
            read["name"] = normalise(name)
        number = resident_id(joined)
        if number:
            read["certificate_number"] = number
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
        elif not same_value(key, seen, typed):
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
    image = decode(data)
    lines = read_lines(image, threads)
    read = parse(kind, lines)
    typed = expected.get("name")
    if typed and not same_value("name", read.get("name", ""), typed):
        # A second look only ever confirms the typed name; if it reads something else
        # too, the first reading is what the reviewer sees.
        again = parse(kind, _second_reading(image, lines, threads)).get("name")
        if again and same_value("name", again, typed):
            read["name"] = again
    return CrossCheck(kind, read, compare(kind, read, expected, field))
