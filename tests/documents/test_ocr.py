"""OCR reads rendered documents offline and compares them with typed values.

Real OCR costs about a second a document, so only three documents are read; the
comparison rules are tested on line lists.
"""

from __future__ import annotations

import socket

import pytest

from beian.documents import ocr
from tests.documents import face_photos as faces
from tests.documents import paper_photos as papers

FIELD = "icp_subject.principal_info.certificate_photo_front"


@pytest.fixture
def no_network(monkeypatch) -> None:
    """Any attempt to open a connection fails the test."""

    def refuse(*args, **kwargs):
        raise AssertionError("OCR tried to use the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)


def test_models_come_from_the_installed_wheel() -> None:
    paths = ocr.model_paths()
    assert all(path.is_file() and "site-packages" in str(path) for path in paths.values())


def test_id_card_front_is_read_and_matches(no_network) -> None:
    data = faces.encode(papers.id_card_front(), "png")
    result = ocr.cross_check(
        data, "id_card_front", {"name": "张三丰", "certificate_number": "11010519491231002x"}, FIELD
    )
    assert result.read == {"name": "张三丰", "certificate_number": "11010519491231002X"}
    assert result.findings == []


def test_licence_mismatch_is_a_warning_showing_both_values(no_network) -> None:
    field = "icp_subject.organize_info.certificate_photo"
    data = faces.encode(papers.business_licence())
    result = ocr.cross_check(
        data,
        "business_licence",
        {"name": "北京星河科技有限公司", "certificate_number": "91110105MA01ABCD2Y"},
        field,
    )
    assert result.read["name"] == "北京星河科技有限公司"
    assert result.read["validity_date_end"] == "长期"
    [finding] = result.findings
    assert (finding.errcode, finding.err_field, finding.severity) == (6202, field, "warning")
    assert "91110105MA01ABCD1X" in finding.errmsg and "91110105MA01ABCD2Y" in finding.errmsg


def test_id_card_back_validity_dates(no_network) -> None:
    data = faces.encode(papers.id_card_back(start="2021.06.01", end="2041.06.01"), "png")
    result = ocr.cross_check(
        data,
        "id_card_back",
        {"validity_date_start": "20210601", "validity_date_end": "20310601"},
        FIELD,
    )
    assert result.read == {"validity_date_start": "20210601", "validity_date_end": "20410601"}
    assert [f.errcode for f in result.findings] == [6203]


def test_parse_name_on_the_line_after_its_label() -> None:
    read = ocr.parse(
        "business_licence",
        ["名称", "北京 星河科技有限公司", "统一社会信用代码", "91110105MA01ABCD1X"],
    )
    assert read == {"name": "北京星河科技有限公司", "certificate_number": "91110105MA01ABCD1X"}


def test_unreadable_field_is_reported_not_taken_as_a_match() -> None:
    findings = ocr.compare("id_card_front", {}, {"name": "张三"}, FIELD)
    assert [f.errcode for f in findings] == [6210]


def test_full_width_characters_compare_equal() -> None:
    read = {"certificate_number": "11010519491231002X"}
    typed = {"certificate_number": "１１０１０５１９４９１２３１００２ｘ"}
    assert ocr.compare("id_card_front", read, typed, FIELD) == []
    assert ocr.compare("id_card_front", read, {"certificate_number": "110105194912310021"}, FIELD)


def test_unknown_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown OCR kind"):
        ocr.parse("passport", [])
