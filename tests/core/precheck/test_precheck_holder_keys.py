"""The one-phone-one-person rule compares holders in the registry's own form (holder_key)."""

from __future__ import annotations

import hashlib

from beian.core.document import parse_document
from beian.core.precheck import InMemoryRegistry

PHONES = range(1600, 1700)
APPLET = "icp_applets.principal_info"


def _digest(number: str) -> str:
    return hashlib.sha256(number.encode()).hexdigest()


class HashingRegistry(InMemoryRegistry):
    """Keeps only digests of certificate numbers, as the database registry does."""

    def phone_holders(self, phone: str, *, exclude_filing: str | None) -> set[str]:
        plain = super().phone_holders(phone, exclude_filing=exclude_filing)
        return {_digest(number) for number in plain}

    def holder_key(self, certificate_number: str) -> str:
        return _digest(super().holder_key(certificate_number))


def _document(data):
    doc, findings = parse_document(data)
    assert findings == []
    return doc


def test_the_same_person_matches_through_hashed_holders(found, individual):
    registry = HashingRegistry()
    registry.add_filing("earlier", _document(individual))
    assert found(individual, PHONES, registry=registry) == set()


def test_the_same_person_matches_whatever_the_case_of_the_x(found, individual):
    registry = HashingRegistry()
    earlier = _document(individual)
    registry.add_filing("earlier", earlier)
    number = individual["icp_subject"]["principal_info"]["certificate_number"]
    for part in ("icp_subject", "icp_applets"):
        individual[part]["principal_info"]["certificate_number"] = number.lower()
    assert found(individual, PHONES, registry=registry) == set()


def test_another_person_is_still_refused_through_hashed_holders(found, enterprise, individual):
    registry = HashingRegistry()
    registry.add_filing("other", _document(individual))
    mobile = individual["icp_subject"]["principal_info"]["mobile"]
    enterprise["icp_applets"]["principal_info"]["mobile"] = mobile
    assert found(enterprise, PHONES, registry=registry) == {(1605, f"{APPLET}.mobile")}


def test_holders_with_a_blank_certificate_number_do_not_count(found, enterprise, individual):
    registry = InMemoryRegistry()
    mobile = individual["icp_subject"]["principal_info"]["mobile"]
    for part in ("icp_subject", "icp_applets"):
        individual[part]["principal_info"]["certificate_number"] = "   "
    other, _ = parse_document(individual)  # findings about the blank are not the point here
    assert other.icp_subject.principal_info.mobile == mobile
    registry.add_filing("other", other)
    enterprise["icp_applets"]["principal_info"]["mobile"] = mobile
    assert found(enterprise, PHONES, registry=registry) == set()
