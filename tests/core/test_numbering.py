"""The filing-number format of SPEC §7: abbreviations, formatting and parsing."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from beian.core.numbering import (
    PROVINCE_ABBREVIATIONS,
    format_service_number,
    format_subject_number,
    parse_number,
    province_abbreviation,
)

SPEC_ABBREVIATIONS = "京津冀晋蒙辽吉黑沪苏浙皖闽赣鲁豫鄂湘粤桂琼渝蜀黔滇藏陕陇青宁新"


def test_the_31_mainland_provinces_in_spec_order() -> None:
    assert len(PROVINCE_ABBREVIATIONS) == 31
    assert "".join(PROVINCE_ABBREVIATIONS.values()) == SPEC_ABBREVIATIONS


@pytest.mark.parametrize(
    ("code", "abbreviation"),
    [
        ("110000", "京"),
        ("110105", "京"),
        ("11", "京"),
        ("440300", "粤"),
        ("510100", "蜀"),
        ("620000", "陇"),
        ("500000", "渝"),
        ("650000", "新"),
    ],
)
def test_province_abbreviation_from_a_gbt2260_code(code: str, abbreviation: str) -> None:
    assert province_abbreviation(code) == abbreviation


@pytest.mark.parametrize("code", ["710000", "810000", "820000", "990000", "00"])
def test_unknown_province_is_refused_naming_the_field(code: str) -> None:
    with pytest.raises(ValueError, match="province_code.*不属于任何内地省份"):
        province_abbreviation(code)


@pytest.mark.parametrize("code", ["", "1", "1100", "11000a", "京", "1100000", "１１0000"])
def test_malformed_province_code_is_refused(code: str) -> None:
    with pytest.raises(ValueError, match="province_code.*GB/T 2260"):
        province_abbreviation(code)


def test_spec_examples() -> None:
    subject = format_subject_number("京", 2026, 59598)
    assert subject == "京ICP备2026059598号"
    assert format_service_number(subject, 1) == "京ICP备2026059598号-1X"
    assert format_service_number("粤B2-20090059", 1626) == "粤B2-20090059-1626X"


def test_first_number_of_a_year_is_zero_padded() -> None:
    assert format_subject_number("蜀", 2026, 1) == "蜀ICP备2026000001号"


@pytest.mark.parametrize(
    ("kind", "expected"), [("website", "-3"), ("app", "-3A"), ("applet", "-3X")]
)
def test_kind_suffix(kind: str, expected: str) -> None:
    assert format_service_number("京ICP备2026000001号", 3, kind) == "京ICP备2026000001号" + expected


def test_last_sequence_of_a_year_is_accepted_and_the_next_refused() -> None:
    assert format_subject_number("京", 2026, 999_999) == "京ICP备2026999999号"
    with pytest.raises(ValueError, match="sequence.*已用尽"):
        format_subject_number("京", 2026, 1_000_000)


@pytest.mark.parametrize(
    ("abbreviation", "year", "sequence", "field"),
    [
        ("京", 2026, 0, "sequence"),
        ("京", 2026, -1, "sequence"),
        ("京", 999, 1, "year"),
        ("京", 10000, 1, "year"),
        ("港", 2026, 1, "abbreviation"),
        ("京津", 2026, 1, "abbreviation"),
    ],
)
def test_format_subject_number_refuses_bad_parts(
    abbreviation: str, year: int, sequence: int, field: str
) -> None:
    with pytest.raises(ValueError, match=field):
        format_subject_number(abbreviation, year, sequence)


@pytest.mark.parametrize(
    ("subject", "ordinal", "kind", "field"),
    [
        ("京ICP备2026000001号-1X", 2, "applet", "subject_number"),
        ("京ICP备2026000001", 1, "applet", "subject_number"),
        ("京ICP备2026000001号", 0, "applet", "ordinal"),
        ("京ICP备2026000001号", True, "applet", "ordinal"),
        ("京ICP备2026000001号", 1, "miniprogram", "kind"),
    ],
)
def test_format_service_number_refuses_bad_parts(
    subject: str, ordinal: int, kind: str, field: str
) -> None:
    with pytest.raises(ValueError, match=field):
        format_service_number(subject, ordinal, kind)


def test_parse_a_current_service_number() -> None:
    parsed = parse_number("京ICP备2026059598号-1X")
    assert parsed is not None
    assert (parsed.abbreviation, parsed.province_prefix) == ("京", "11")
    assert parsed.subject_number == "京ICP备2026059598号"
    assert (parsed.year, parsed.sequence, parsed.ordinal, parsed.kind) == (2026, 59598, 1, "applet")
    assert parsed.licence is None
    assert parsed.is_service


def test_parse_an_older_eight_digit_subject_number() -> None:
    parsed = parse_number("浙ICP备09012345号")
    assert parsed is not None
    assert parsed.digits == "09012345"
    assert (parsed.year, parsed.sequence) == (None, None)
    assert not parsed.is_service
    assert parsed.province_prefix == "33"


def test_parse_a_licence_holders_service_number() -> None:
    parsed = parse_number("粤B2-20090059-1626X")
    assert parsed is not None
    assert (parsed.subject_number, parsed.licence) == ("粤B2-20090059", "B2-20090059")
    assert (parsed.ordinal, parsed.kind, parsed.province_prefix) == (1626, "applet", "44")


def test_parse_website_and_app_numbers() -> None:
    website = parse_number("沪ICP备2025000007号-2")
    app = parse_number("沪ICP备2025000007号-3A")
    assert website is not None and app is not None
    assert (website.ordinal, website.kind) == (2, "website")
    assert (app.ordinal, app.kind) == (3, "app")


@pytest.mark.parametrize(
    "text",
    [
        "",
        "京ICP备2026000000号",  # sequence 0 is never issued
        "京ICP备202600001号",  # 9 digits
        "京ICP备0026000001号",  # no 4-digit year
        "港ICP备2026000001号",  # not a mainland province
        "京ICP备2026000001号-0X",
        "京ICP备2026000001号-01X",
        "京ICP备2026000001号-1Y",
        "京ICP备2026000001号-1X-2X",
        "京ICP备2026000001号1X",
        "京ICP证030173号",
        "粤B2-2009005",
        "B2-20090059",
        "京ICP备２０２６000001号",  # full-width digits are not ASCII digits
    ],
)
def test_parse_rejects_what_is_not_a_number(text: str) -> None:
    assert parse_number(text) is None


def test_parse_ignores_surrounding_whitespace_only() -> None:
    assert parse_number(" 京ICP备2026000001号-1X\n") == parse_number("京ICP备2026000001号-1X")
    assert parse_number("京ICP备 2026000001号") is None


abbreviations = st.sampled_from(list(PROVINCE_ABBREVIATIONS.values()))
kinds = st.sampled_from(["website", "app", "applet"])
ordinals = st.integers(min_value=1, max_value=10**6)


@given(abbreviations, st.integers(1000, 9999), st.integers(1, 999_999), ordinals, kinds)
def test_current_numbers_round_trip(
    abbreviation: str, year: int, sequence: int, ordinal: int, kind: str
) -> None:
    subject = format_subject_number(abbreviation, year, sequence)
    service = format_service_number(subject, ordinal, kind)
    parsed = parse_number(service)
    assert parsed is not None
    assert (parsed.abbreviation, parsed.year, parsed.sequence) == (abbreviation, year, sequence)
    assert (parsed.subject_number, parsed.ordinal, parsed.kind) == (subject, ordinal, kind)
    assert PROVINCE_ABBREVIATIONS[parsed.province_prefix] == abbreviation
    again = parse_number(subject)
    assert again is not None and not again.is_service and again.sequence == sequence


@given(abbreviations, st.from_regex(r"\A[0-9]{8}\Z"), ordinals, kinds)
def test_older_numbers_round_trip(abbreviation: str, digits: str, ordinal: int, kind: str) -> None:
    subject = f"{abbreviation}ICP备{digits}号"
    parsed = parse_number(format_service_number(subject, ordinal, kind))
    assert parsed is not None
    assert (parsed.subject_number, parsed.digits, parsed.ordinal, parsed.kind) == (
        subject,
        digits,
        ordinal,
        kind,
    )


@given(abbreviations, st.from_regex(r"\A[A-Z][0-9]-[0-9]{8}\Z"), ordinals, kinds)
def test_licence_numbers_round_trip(
    abbreviation: str, licence: str, ordinal: int, kind: str
) -> None:
    subject = abbreviation + licence
    parsed = parse_number(format_service_number(subject, ordinal, kind))
    assert parsed is not None
    assert (parsed.subject_number, parsed.licence, parsed.ordinal, parsed.kind) == (
        subject,
        licence,
        ordinal,
        kind,
    )
