"""Mobiles and emergency contacts (1600-1699) and email (1700-1799)."""

from __future__ import annotations

import copy

import pytest

from beian.core.document import parse_document
from beian.core.precheck import InMemoryRegistry

PHONES = range(1600, 1700)
EMAIL = range(1700, 1800)
SUBJECT = "icp_subject.principal_info"
APPLET = "icp_applets.principal_info"


def document(data):
    doc, findings = parse_document(data)
    assert findings == []
    return doc


def test_valid_filings_pass(found, enterprise, individual):
    for doc in (enterprise, individual):
        assert found(doc, PHONES) == found(doc, EMAIL) == set()


@pytest.mark.parametrize(
    "mobile", ["1380013800", "138001380011", "+8613800138001", "138-0013-8001", "12800138001"]
)
def test_mobiles_are_mainland_numbers(found, enterprise, mobile):
    enterprise["icp_subject"]["principal_info"]["mobile"] = mobile
    assert found(enterprise, PHONES) == {(1601, f"{SUBJECT}.mobile")}


def test_emergency_contacts_are_mainland_numbers(found, enterprise):
    enterprise["icp_subject"]["principal_info"]["emergency_contact"] = "010-12345678"
    assert found(enterprise, PHONES) == {(1602, f"{SUBJECT}.emergency_contact")}


def test_emergency_contact_is_not_the_own_mobile(found, enterprise):
    principal = enterprise["icp_applets"]["principal_info"]
    principal["emergency_contact"] = principal["mobile"]
    assert found(enterprise, PHONES) == {(1603, f"{APPLET}.emergency_contact")}


def test_two_people_in_one_filing_cannot_share_a_mobile(found, enterprise):
    subject_mobile = enterprise["icp_subject"]["principal_info"]["mobile"]
    enterprise["icp_applets"]["principal_info"]["mobile"] = subject_mobile
    assert found(enterprise, PHONES) == {(1604, f"{APPLET}.mobile")}


def test_one_person_may_use_the_same_mobile_twice(found, individual):
    assert (
        individual["icp_subject"]["principal_info"]["mobile"]
        == individual["icp_applets"]["principal_info"]["mobile"]
    )
    assert found(individual, PHONES) == set()


def test_a_mobile_held_by_someone_else_in_another_filing_is_refused(found, enterprise, individual):
    registry = InMemoryRegistry()
    registry.add_filing("other", document(individual))
    enterprise["icp_applets"]["principal_info"]["mobile"] = individual["icp_subject"][
        "principal_info"
    ]["mobile"]
    assert found(enterprise, PHONES, registry=registry) == {(1605, f"{APPLET}.mobile")}
    # offline there is nothing to compare with
    assert found(enterprise, PHONES) == set()


def test_the_same_person_may_reuse_their_mobile_in_another_filing(found, individual):
    registry = InMemoryRegistry()
    registry.add_filing("earlier", document(individual))
    assert found(individual, PHONES, registry=registry) == set()


def test_the_filing_itself_does_not_count_as_another(found, enterprise, individual):
    registry = InMemoryRegistry()
    enterprise["icp_applets"]["principal_info"]["mobile"] = individual["icp_subject"][
        "principal_info"
    ]["mobile"]
    registry.add_filing("this", document(individual))  # an older version of this filing
    assert found(enterprise, PHONES, registry=registry, filing_id="this") == set()
    assert found(enterprise, PHONES, registry=registry, filing_id="other") == {
        (1605, f"{APPLET}.mobile")
    }


def test_holders_are_compared_without_case(found, individual):
    registry = InMemoryRegistry()
    other = document(individual)
    registry.add_filing("earlier", other)
    number = individual["icp_subject"]["principal_info"]["certificate_number"]
    assert registry.phone_holders("13500135003", exclude_filing=None) == {number}
    assert found(individual, PHONES, registry=registry) == set()



def test_phone_holders_follow_filings_changed_after_a_query(individual):
    registry = InMemoryRegistry()
    registry.add_filing("earlier", document(individual))
    number = individual["icp_subject"]["principal_info"]["certificate_number"]
    assert registry.phone_holders("13500135003", exclude_filing=None) == {number}
    other = copy.deepcopy(individual)
    for part in ("icp_subject", "icp_applets"):
        other[part]["principal_info"]["certificate_number"] = "110105199001011232"
    registry.add_filing("later", document(other))
    assert registry.phone_holders("13500135003", exclude_filing=None) == {
        number,
        "110105199001011232",
    }
    registry.remove_filing("earlier")
    assert registry.phone_holders("13500135003", exclude_filing="later") == set()
    assert registry.phone_holders("13500135003", exclude_filing=None) == {"110105199001011232"}

@pytest.mark.parametrize(
    "email",
    [
        "zhang",
        "zhang@example",
        "zhang@@example.com",
        "zhang @example.com",
        "zhang@example.c",
        "zhang@-example.com",
        ".zhang@example.com",
        "zhang..san@example.com",
        "张三@example.com",
    ],
)
def test_email_syntax(found, enterprise, email):
    enterprise["icp_applets"]["principal_info"]["email"] = email
    assert found(enterprise, EMAIL) == {(1701, f"{APPLET}.email")}


@pytest.mark.parametrize("email", ["a.b+c@mail.example.com.cn", "x_y@163.com", "Z@EXAMPLE.ORG"])
def test_ordinary_addresses_pass(found, enterprise, email):
    enterprise["icp_applets"]["principal_info"]["email"] = email
    assert found(enterprise, EMAIL) == set()


def test_an_individual_whose_mobile_another_person_holds_is_refused_twice(found, individual):
    # Both principals are one person with one mobile: the registry is asked once, and its
    # verdict holds for both fields.
    other = copy.deepcopy(individual)
    for part in ("icp_subject", "icp_applets"):
        other[part]["principal_info"]["certificate_number"] = "110105199001011232"
    registry = InMemoryRegistry()
    registry.add_filing("someone-else", document(other))
    assert found(individual, PHONES, registry=registry) == {
        (1605, f"{SUBJECT}.mobile"),
        (1605, f"{APPLET}.mobile"),
    }


def test_a_shared_mobile_is_judged_per_person_against_other_filings(found, enterprise):
    # Both principals give the applet principal's mobile, which only the applet principal
    # uses elsewhere: held by another person for the subject principal, not for the owner.
    applet = enterprise["icp_applets"]["principal_info"]
    earlier = copy.deepcopy(enterprise)
    earlier["icp_subject"]["principal_info"]["mobile"] = "13912345678"
    registry = InMemoryRegistry()
    registry.add_filing("earlier", document(earlier))
    enterprise["icp_subject"]["principal_info"]["mobile"] = applet["mobile"]
    assert found(enterprise, PHONES, registry=registry) == {
        (1605, f"{SUBJECT}.mobile"),
        (1604, f"{APPLET}.mobile"),
    }


def test_one_bad_email_given_for_both_principals_is_reported_for_both(found, individual):
    for part in ("icp_subject", "icp_applets"):
        individual[part]["principal_info"]["email"] = "zhang@example"
    assert found(individual, EMAIL) == {(1701, f"{SUBJECT}.email"), (1701, f"{APPLET}.email")}
