"""The valid examples pass every rule; each bad example fails where it should."""

from __future__ import annotations

import pytest

from beian.core.findings import has_errors


@pytest.mark.parametrize("name", ["education-enterprise", "individual"])
def test_valid_examples_have_no_error_and_only_the_offline_warnings(check, example, name):
    findings = check(example(name))
    assert not has_errors(findings)
    # Offline, neither the face task nor the uploads named can be looked up.
    assert [(f.errcode, f.severity) for f in findings] == [(2601, "warning"), (2801, "warning")]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        (
            "bad-enterprise",
            {
                (1203, "icp_applets.principal_info.certificate_type"),
                (1404, "icp_subject.organize_info.certificate_number"),
                (1505, "icp_subject.principal_info.certificate_validity_date_end"),
                (1604, "icp_applets.principal_info.mobile"),
                (2303, "icp_applets.principal_info.authorization_letter"),
                (1911, "icp_applets.base_info.nrlx_details"),
            },
        ),
        (
            "bad-individual",
            {
                (1304, "icp_applets.principal_info.certificate_number"),
                (1601, "icp_subject.principal_info.mobile"),
                (1701, "icp_subject.principal_info.email"),
                (1811, "icp_subject.base_info.address"),
                (2304, "icp_subject.personal_info.residence_permit"),
                (2403, "icp_applets.principal_info.certificate_number"),
                (2001, "icp_applets.base_info.comment"),
                (2202, "icp_applets.base_info.name"),
                (2203, "icp_applets.base_info.name"),
            },
        ),
        (
            "bad-shape",
            {
                (1003, "icp_subject.base_info.type"),
                (1001, "icp_subject.base_info.zip_code"),
                (1003, "icp_applets.base_info.service_content_types"),
                (1001, "extra"),
            },
        ),
    ],
)
def test_bad_examples_fail_where_expected(found, example, name, expected):
    assert expected <= found(example(name))
