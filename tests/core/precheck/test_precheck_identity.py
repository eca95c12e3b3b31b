"""Resident ID (1300-1399) and USCC (1400-1499) rules on the document."""

from __future__ import annotations

RIC = range(1300, 1400)
USCC = range(1400, 1500)


def wrong_check(number: str) -> str:
    return number[:-1] + ("1" if number[-1] != "1" else "2")


def test_valid_filings_pass(found, enterprise, individual):
    for doc in (enterprise, individual):
        assert found(doc, RIC) == found(doc, USCC) == set()


def test_each_resident_id_is_checked(found, individual):
    for part in ("principal_info", "organize_info"):
        number = individual["icp_subject"][part]["certificate_number"]
        individual["icp_subject"][part]["certificate_number"] = wrong_check(number)
    number = individual["icp_applets"]["principal_info"]["certificate_number"]
    individual["icp_applets"]["principal_info"]["certificate_number"] = wrong_check(number)
    assert found(individual, RIC) == {
        (1304, "icp_subject.principal_info.certificate_number"),
        (1304, "icp_subject.organize_info.certificate_number"),
        (1304, "icp_applets.principal_info.certificate_number"),
    }


def test_messages_mask_the_number(check, enterprise):
    number = enterprise["icp_applets"]["principal_info"]["certificate_number"]
    enterprise["icp_applets"]["principal_info"]["certificate_number"] = wrong_check(number)
    for finding in check(enterprise):
        assert number[:-1] not in finding.errmsg + finding.suggest


def test_other_personal_certificates_are_not_checked_as_resident_ids(found, individual):
    principal = individual["icp_applets"]["principal_info"]
    principal["certificate_type"] = 7  # passport
    principal["certificate_number"] = "E12345678"
    assert found(individual, RIC) == set()


def test_an_unknown_county_code_is_only_a_warning(check, enterprise):
    enterprise["icp_applets"]["principal_info"]["certificate_number"] = "119999199001011234"
    [finding] = [f for f in check(enterprise) if f.errcode in RIC]
    assert (finding.errcode, finding.severity) == (1307, "warning")


def test_the_credit_code_is_checked(found, enterprise):
    number = enterprise["icp_subject"]["organize_info"]["certificate_number"]
    enterprise["icp_subject"]["organize_info"]["certificate_number"] = wrong_check(number)
    assert found(enterprise, USCC) == {(1404, "icp_subject.organize_info.certificate_number")}


def test_certificates_not_numbered_by_a_credit_code_are_left_alone(found, enterprise):
    enterprise["icp_subject"]["organize_info"]["certificate_type"] = 12  # organisation code
    enterprise["icp_subject"]["organize_info"]["certificate_number"] = "MA01BC2K3"
    assert found(enterprise, USCC) == set()
