"""GB 11643 and GB 32100 wrappers around python-stdnum: no crash, no false refusal."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum.cn import ric, uscc

from beian.core import dictionaries
from beian.core.precheck.idnumbers import (
    USCC_ALPHABET,
    _uscc_check_in_alphabet,
    check_resident_id,
    check_uscc,
    resident_id_check_character,
    resident_id_valid,
    uscc_check_character,
)

TODAY = date(2026, 3, 2)


def resident_id(first17: str) -> str:
    """Complete 17 digits with their GB 11643 check character."""
    return first17 + ric.calc_check_digit(first17 + "0")


def credit_code(first17: str) -> str:
    """Complete 17 characters with their GB 32100 check character."""
    return first17 + uscc.calc_check_digit(first17 + "0")


def kinds(problems):
    return [(problem.kind, problem.severity) for problem in problems]


def test_a_valid_number_has_no_problem():
    assert check_resident_id(resident_id("11010519900101123"), today=TODAY) == []


@pytest.mark.parametrize(
    ("number", "kind"),
    [
        ("11010519900101123", "length"),
        ("1101051990010112345", "length"),
        ("11010519900101123A", "format"),
        ("１１０１０５１９９００１０１１２３２", "format"),
        ("110105 9900101123X", "format"),
        ("11011119900101123x", "lowercase"),
        ("110105199001011231", "checksum"),
    ],
)
def test_malformed_numbers_are_errors(number, kind):
    assert kinds(check_resident_id(number, today=TODAY)) == [(kind, "error")]


def test_lowercase_fixture_really_ends_in_x():
    # the parametrised lowercase case relies on this number's check character being X
    assert resident_id("11011119900101123") == "11011119900101123X"
    assert check_resident_id("11011119900101123X", today=TODAY) == []


@pytest.mark.parametrize(
    "first17",
    ["11010519900230123", "11010519901301123", "11010518991231123", "11010520260303123"],
)
def test_impossible_or_future_birth_dates_are_errors(first17):
    assert kinds(check_resident_id(resident_id(first17), today=TODAY)) == [("birth_date", "error")]


def test_born_today_is_fine():
    assert check_resident_id(resident_id("11010520260302123"), today=TODAY) == []


def test_an_unknown_province_prefix_is_an_error():
    assert kinds(check_resident_id(resident_id("99010119900101123"), today=TODAY)) == [
        ("region", "error")
    ]


def test_stdnum_crashes_on_an_unknown_county_but_we_only_warn():
    number = resident_id("11999919900101123")
    with pytest.raises(KeyError):
        ric.validate(number)  # the stdnum behaviour this wrapper exists for
    assert kinds(check_resident_id(number, today=TODAY)) == [("region_unknown", "warning")]


def test_a_code_created_after_the_birth_year_is_not_refused():
    # 110111 (Fangshan district) dates from 1986; someone born in 1980 may hold it.
    number = resident_id("11011119800101123")
    assert not ric.is_valid(number)
    assert kinds(check_resident_id(number, today=TODAY)) == [("region_unknown", "warning")]


def test_an_abolished_code_is_accepted_for_people_born_while_it_existed():
    # 110103 (Chongwen district) was merged away in 2010; its holders keep it.
    assert check_resident_id(resident_id("11010319800101123"), today=TODAY) == []


@pytest.mark.parametrize("value", [None, 110105199001011232, b"110105199001011232", ""])
def test_non_text_values_are_errors_not_crashes(value):
    assert kinds(check_resident_id(value, today=TODAY))[0][1] == "error"


@settings(derandomize=True, max_examples=300, deadline=None)
@given(st.text(max_size=24) | st.text(alphabet="0123456789Xx", min_size=16, max_size=20))
def test_random_text_never_crashes(text):
    for problem in check_resident_id(text, today=TODAY):
        assert problem.severity in ("error", "warning")
        assert text not in problem.message or len(text) < 8


COUNTIES = sorted(d.code for d in dictionaries.districts() if d.level == 3)


@settings(derandomize=True, max_examples=300, deadline=None)
@given(
    region=st.sampled_from(COUNTIES),
    born=st.dates(min_value=date(1900, 1, 1), max_value=TODAY),
    sequence=st.integers(min_value=0, max_value=999),
)
def test_generated_valid_numbers_are_never_refused(region, born, sequence):
    number = resident_id(f"{region}{born:%Y%m%d}{sequence:03d}")
    assert [p for p in check_resident_id(number, today=TODAY) if p.severity == "error"] == []


def test_messages_never_repeat_the_whole_number():
    number = resident_id("11010519900101123")
    bad = number[:-1] + ("0" if number[-1] != "0" else "1")
    for problem in check_resident_id(bad, today=TODAY) + check_resident_id(
        resident_id("11999919900101123"), today=TODAY + timedelta(days=1)
    ):
        assert bad not in problem.message and "119999199001011" not in problem.message


# Unified social credit codes


def test_a_valid_code_has_no_problem():
    assert check_uscc("91110000600037341L") == []


@pytest.mark.parametrize("authority", ["A", "N", "Y"])
def test_letter_authorities_of_gb_32100_are_accepted_though_stdnum_refuses_them(authority):
    code = credit_code(f"{authority}1110000600037341")
    assert not uscc.is_valid(code)
    assert check_uscc(code) == []


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        ("9111000060003734", "length"),
        ("91110000600037341l", "lowercase"),
        ("9111000060003734IL", "format"),
        ("91110000600037341O", "format"),
        ("9111000060003734 L", "format"),
        ("B1110000600037341L", "format"),
        ("911A0000600037341L", "format"),
        ("91110000600037341K", "checksum"),
    ],
)
def test_malformed_codes_are_errors(code, kind):
    assert kinds(check_uscc(code)) == [(kind, "error")]


@settings(derandomize=True, max_examples=300, deadline=None)
@given(st.text(max_size=24) | st.text(alphabet=USCC_ALPHABET + "iozsv", min_size=17, max_size=19))
def test_random_codes_never_crash(text):
    for problem in check_uscc(text):
        assert problem.severity in ("error", "warning")


@settings(derandomize=True, max_examples=300, deadline=None)
@given(
    authority=st.sampled_from("123456789ANY"),
    category=st.sampled_from(USCC_ALPHABET),
    region=st.sampled_from(COUNTIES),
    organisation=st.text(alphabet=USCC_ALPHABET, min_size=9, max_size=9),
)
def test_generated_valid_codes_are_accepted(authority, category, region, organisation):
    assert check_uscc(credit_code(authority + category + region + organisation)) == []


@settings(derandomize=True, max_examples=500, deadline=None)
@given(st.text(alphabet=USCC_ALPHABET, min_size=17, max_size=17))
def test_our_uscc_check_character_is_stdnum_s(first17):
    assert uscc_check_character(first17) == uscc.calc_check_digit(first17 + "0")


@settings(derandomize=True, max_examples=500, deadline=None)
@given(st.text(alphabet="0123456789", min_size=17, max_size=17))
def test_our_resident_id_check_character_is_stdnum_s(first17):
    assert resident_id_check_character(first17) == ric.calc_check_digit(first17 + "0")


@settings(derandomize=True, max_examples=500, deadline=None)
@given(st.text(alphabet=USCC_ALPHABET, min_size=17, max_size=18))
def test_the_fast_uscc_check_character_is_stdnum_s(code):
    assert _uscc_check_in_alphabet(code) == uscc.calc_check_digit(code[:17] + "0")


@settings(derandomize=True, max_examples=1000, deadline=None)
@given(
    region=st.sampled_from([*COUNTIES[::40], "119999", "990000", "830000", "710000"]),
    born=st.sampled_from(["18991231", "19000101", "19860101", "19900230", "20260302", "20260303"])
    | st.dates(min_value=date(1900, 1, 1), max_value=TODAY).map(lambda day: f"{day:%Y%m%d}"),
    sequence=st.integers(min_value=0, max_value=999),
    last=st.sampled_from(["", *"0123456789Xx"]),
)
def test_the_fast_resident_id_verdict_agrees_with_the_detailed_checks(region, born, sequence, last):
    body = f"{region}{born}{sequence:03d}"
    number = body + (last or resident_id_check_character(body))
    assert resident_id_valid(number, TODAY) == (check_resident_id(number, today=TODAY) == [])
