"""The name on an ID card is read right from real renders, and a wrong name is still caught.

Each real render costs about a second of OCR, so only renders that the old reading got
wrong are read (one per name, across formats, JPEG qualities and sizes); how boxes become
lines, how the ID number is picked and how names compare are tested on plain data.
"""

from __future__ import annotations

from functools import cache

import cv2
import pytest

from beian.documents import ocr
from tests.documents import face_photos as faces
from tests.documents import paper_photos as papers

FIELD = "icp_subject.principal_info.certificate_photo_front"
NUMBER = "11010519491231002X"


@cache
def card(name: str, kind: str = "png", quality: int = 92, scale: float = 1.0) -> bytes:
    """An ID card front showing `name`, encoded as an upload would be."""
    image = papers.id_card_front(name=name)
    if scale != 1.0:
        image = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    return faces.encode(image, kind, quality)


def check(data: bytes, typed_name: str) -> ocr.CrossCheck:
    return ocr.cross_check(
        data, "id_card_front", {"name": typed_name, "certificate_number": NUMBER}, FIELD
    )


# Each of these was read as "性别男民族汉" or "龚炎" before, a false mismatch.
RENDERS = [
    ("欧阳娜娜", "jpg", 75, 1.0),
    ("司马相如", "jpg", 50, 1.0),
    ("张三丰", "jpg", 75, 0.6),
    ("买买提·艾力", "png", 92, 0.5),
    ("阿依古丽·买买提", "png", 92, 1.0),
    ("龚燚", "png", 92, 1.0),
]


@pytest.mark.parametrize(("name", "kind", "quality", "scale"), RENDERS,
                         ids=[f"{n}-{k}{q}-x{s}" for n, k, q, s in RENDERS])
def test_the_name_on_the_card_matches_what_was_typed(name, kind, quality, scale) -> None:
    result = check(card(name, kind, quality, scale), name)
    assert result.read == {"name": name, "certificate_number": NUMBER}
    assert result.findings == []


def test_a_name_one_character_short_is_still_a_mismatch() -> None:
    [finding] = check(card("欧阳娜娜", "jpg", 75), "欧阳娜").findings
    assert finding.errcode == 6201
    assert "「欧阳娜娜」" in finding.errmsg and "「欧阳娜」" in finding.errmsg


def test_a_second_look_never_accepts_a_different_rare_character() -> None:
    # 龚燚 is first read as 龚炎; looking again reads 燚, which is not the typed 焱 either.
    [finding] = check(card("龚燚"), "龚焱").findings
    assert finding.errcode == 6201 and "「龚焱」" in finding.errmsg


def box(left: float, top: float, right: float, bottom: float) -> list[list[float]]:
    return [[left, top], [right, top], [right, bottom], [left, bottom]]


def test_a_value_in_a_larger_font_stays_after_its_label() -> None:
    # Boxes of a JPEG render: the name's box starts 3 px above its label's.
    boxes = [box(76, 75, 212, 116), box(192, 72, 378, 120), box(71, 168, 461, 224)]
    lines = ocr.group_lines(boxes, ["姓名", "欧阳娜娜", "性別男民族漢"])
    assert lines == ["姓名 欧阳娜娜", "性別男民族漢"]
    assert ocr.parse("id_card_front", lines) == {"name": "欧阳娜娜"}


def test_a_name_split_into_two_boxes_is_one_line() -> None:
    boxes = [box(200, 40, 260, 75), box(45, 43, 96, 71), box(270, 41, 300, 74),
             box(42, 100, 277, 135)]
    lines = ocr.group_lines(boxes, ["张三", "姓名", "丰", "性别男民族汉"])
    assert ocr.parse("id_card_front", lines) == {"name": "张三丰"}


def test_neighbouring_rows_stay_apart() -> None:
    # Tall boxes of consecutive rows that touch by a few pixels.
    boxes = [box(40, 100, 200, 140), box(40, 134, 200, 174)]
    assert ocr.group_lines(boxes, ["第一行", "第二行"]) == ["第一行", "第二行"]


def test_a_stray_digit_before_the_id_number_is_not_taken_for_its_start() -> None:
    assert ocr.resident_id("公民身份号码1" + NUMBER) == NUMBER
    # A number whose check character is wrong is still read, so it is reported.
    assert ocr.resident_id("公民身份号码110105194912310021") == "110105194912310021"


@pytest.mark.parametrize("typed", ["买买提·艾力", "买买提.艾力", "买买提・艾力", "买买提艾力",
                                   "买买提 • 艾力"])
def test_a_middle_dot_written_any_way_compares_equal(typed) -> None:
    assert ocr.compare("id_card_front", {"name": "买买提·艾力"}, {"name": typed}, FIELD) == []


@pytest.mark.parametrize("typed", ["买买提·艾", "买买提·艾丽", "买提·艾力", "王芳"])
def test_any_other_difference_in_a_name_is_reported(typed) -> None:
    findings = ocr.compare("id_card_front", {"name": "买买提·艾力"}, {"name": typed}, FIELD)
    assert [f.errcode for f in findings] == [6201]


def test_the_edge_of_the_name_read_into_the_label_box_is_dropped() -> None:
    # A PNG render: the label's box reaches into the name's first character, read as 「.
    boxes = [box(77, 75, 208, 116), box(194, 72, 521, 119), box(74, 168, 462, 224)]
    lines = ocr.group_lines(boxes, ["姓名「", "帕尔哈提·吐尔逊", "性別男民族漢"])
    assert ocr.parse("id_card_front", lines) == {"name": "帕尔哈提·吐尔逊"}


def test_a_closing_bracket_ending_a_company_name_is_kept() -> None:
    read = ocr.parse("business_licence", ["名称：北京某律师事务所（特殊普通合伙）"])
    assert read == {"name": "北京某律师事务所(特殊普通合伙)"}
