"""Findings: the shape every pre-check result takes."""

from __future__ import annotations

import dataclasses

import pytest

from beian.core.findings import Finding, errors, has_errors, mask_number, warnings


def test_to_dict_has_the_documented_keys_in_order():
    finding = Finding(1601, "icp_subject.principal_info.mobile", "格式不正确", "请改正", "warning")
    assert list(finding.to_dict().items()) == [
        ("errcode", 1601),
        ("err_field", "icp_subject.principal_info.mobile"),
        ("errmsg", "格式不正确"),
        ("suggest", "请改正"),
        ("severity", "warning"),
    ]


def test_severity_defaults_to_error_and_other_values_are_refused():
    assert Finding(1, "", "m", "s").severity == "error"
    with pytest.raises(ValueError, match="severity"):
        Finding(1, "", "m", "s", "fatal")  # type: ignore[arg-type]


def test_findings_are_immutable():
    finding = Finding(1, "", "m", "s")
    with pytest.raises(dataclasses.FrozenInstanceError):
        finding.errcode = 2  # type: ignore[misc]


def test_errors_and_warnings_split_a_list():
    error = Finding(1, "a", "m", "s")
    warning = Finding(2, "b", "m", "s", "warning")
    assert has_errors([warning, error]) is True
    assert has_errors([warning]) is False
    assert has_errors([]) is False
    assert errors([warning, error]) == [error]
    assert warnings([warning, error]) == [warning]


@pytest.mark.parametrize(
    ("number", "masked"),
    [
        ("110108198503150018", "110***********0018"),
        ("91110108MA01BC2K31", "911***********2K31"),
        ("12345678", "123*5678"),
        ("1234567", "*******"),
        ("", ""),
    ],
)
def test_mask_number_keeps_first_three_and_last_four(number, masked):
    assert mask_number(number) == masked


def test_a_finding_is_built_by_keyword_and_replaced_like_a_dataclass():
    finding = Finding(errcode=1, err_field="a", errmsg="m", suggest="s", severity="warning")
    assert finding == Finding(1, "a", "m", "s", "warning")
    assert hash(finding) == hash(Finding(1, "a", "m", "s", "warning"))
    assert dataclasses.replace(finding, errcode=2) == Finding(2, "a", "m", "s", "warning")
    assert dataclasses.astuple(finding) == (1, "a", "m", "s", "warning")
    with pytest.raises(ValueError, match="severity"):
        dataclasses.replace(finding, severity="fatal")
