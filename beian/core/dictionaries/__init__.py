"""Reference dictionaries: subject, certificate, service and pre-approval types; districts.

Ids and names follow WeChat's mini-program filing dictionaries (query_icp_subject_types,
query_icp_certificate_types, query_icp_service_content_types, query_icp_nrlx_types), so a
payload written for WeChat's apply_icp_filing uses the same numbers here. Districts are
GB/T 2260 codes, generated from an upstream package by `beian dict import-districts`.

The data lives in JSON files under data/, read once on first use and cached.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

__all__ = [
    "INDIVIDUAL_SUBJECT_TYPE",
    "NRLX_EDUCATION",
    "NRLX_NONE",
    "RESIDENT_ID_CARD",
    "USCC_CERTIFICATE_TYPES",
    "CertificateType",
    "District",
    "NrlxType",
    "ServiceType",
    "SubjectType",
    "certificate_type",
    "certificate_types",
    "certificate_types_for",
    "child_districts",
    "clear_cache",
    "district",
    "districts",
    "nrlx_type",
    "nrlx_types",
    "personal_certificate_types",
    "place_error",
    "service_type",
    "service_types",
    "subject_type",
    "subject_types",
]

INDIVIDUAL_SUBJECT_TYPE = 5
RESIDENT_ID_CARD = 2
NRLX_EDUCATION = 3
NRLX_NONE = 24
# Organisation certificates whose number is an 18-character unified social credit code
# (GB 32100): business licences, USCC certificates and the registration certificates that
# have carried the USCC as their number since 2016. Organisation-code certificates (9
# characters), military codes and licences numbered otherwise are left out on purpose.
USCC_CERTIFICATE_TYPES = frozenset({1, 4, 6, 13, 15, 17, 19, 21, 24, 28, 36, 43})


@dataclass(frozen=True, slots=True)
class SubjectType:
    """A kind of subject (单位性质): government body, enterprise, individual..."""

    type: int
    name: str
    individual: bool


@dataclass(frozen=True, slots=True)
class CertificateType:
    """A certificate a subject of one type may present; `personal` ones identify a person."""

    type: int
    name: str
    subject_type: int
    personal: bool


@dataclass(frozen=True, slots=True)
class ServiceType:
    """A service content type; level 1 has parent_type 0, only level 2 may be filed.

    `required_nrlx` lists the pre-approvals that qualify a filing for this service: any one
    of them satisfies the requirement (training bodies may hold an education approval or an
    off-campus-training licence); an empty tuple means none is needed.
    """

    type: int
    name: str
    parent_type: int
    required_nrlx: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class NrlxType:
    """A pre-approval (前置审批) kind, or "none of the above" (NRLX_NONE)."""

    type: int
    name: str


@dataclass(frozen=True, slots=True)
class District:
    """A GB/T 2260 division: level 1 province, 2 city, 3 district (county level)."""

    code: str
    name: str
    parent: str | None
    level: int


def _read(name: str) -> Any:
    text = resources.files(__name__).joinpath("data", name).read_text(encoding="utf-8")
    return json.loads(text)


@cache
def subject_types() -> tuple[SubjectType, ...]:
    """Return every subject type, in WeChat's order."""
    return tuple(
        SubjectType(type=row["type"], name=row["name"], individual=row["individual"])
        for row in _read("subject_types.json")
    )


@cache
def certificate_types() -> tuple[CertificateType, ...]:
    """Return every certificate type; personal ones belong to the individual subject type."""
    individual = {item.type for item in subject_types() if item.individual}
    return tuple(
        CertificateType(
            type=row["type"],
            name=row["name"],
            subject_type=row["subject_type"],
            personal=row["subject_type"] in individual,
        )
        for row in _read("certificate_types.json")
    )


@cache
def service_types() -> tuple[ServiceType, ...]:
    """Return every service content type, level 1 first."""
    return tuple(
        ServiceType(
            type=row["type"],
            name=row["name"],
            parent_type=row["parent_type"],
            required_nrlx=tuple(row["required_nrlx"]),
        )
        for row in _read("service_types.json")
    )


@cache
def nrlx_types() -> tuple[NrlxType, ...]:
    """Return every pre-approval type, "none of the above" included."""
    return tuple(NrlxType(type=row["type"], name=row["name"]) for row in _read("nrlx_types.json"))


@cache
def districts() -> tuple[District, ...]:
    """Return every province, city and district, each parent before its children."""
    rows = _read("districts.json")["districts"]
    return tuple(
        District(code=row["code"], name=row["name"], parent=row["parent"], level=row["level"])
        for row in rows
    )


@cache
def _subject_index() -> dict[int, SubjectType]:
    return {item.type: item for item in subject_types()}


@cache
def _certificate_index() -> dict[int, CertificateType]:
    return {item.type: item for item in certificate_types()}


@cache
def _service_index() -> dict[int, ServiceType]:
    return {item.type: item for item in service_types()}


@cache
def _nrlx_index() -> dict[int, NrlxType]:
    return {item.type: item for item in nrlx_types()}


@cache
def _district_index() -> dict[str, District]:
    return {item.code: item for item in districts()}


@cache
def _certificates_by_subject() -> dict[int, tuple[CertificateType, ...]]:
    grouped: dict[int, list[CertificateType]] = {}
    for item in certificate_types():
        grouped.setdefault(item.subject_type, []).append(item)
    return {subject: tuple(items) for subject, items in grouped.items()}


@cache
def personal_certificate_types() -> tuple[CertificateType, ...]:
    """Return the certificate types that identify a person, in dictionary order."""
    return tuple(item for item in certificate_types() if item.personal)


@cache
def _children_index() -> dict[str, tuple[District, ...]]:
    children: dict[str, list[District]] = {}
    for item in districts():
        if item.parent is not None:
            children.setdefault(item.parent, []).append(item)
    return {code: tuple(items) for code, items in children.items()}


def subject_type(type_id: int) -> SubjectType | None:
    """Return the subject type with this id, or None."""
    return _subject_index().get(type_id)


def certificate_type(type_id: int) -> CertificateType | None:
    """Return the certificate type with this id, or None."""
    return _certificate_index().get(type_id)


def service_type(type_id: int) -> ServiceType | None:
    """Return the service content type with this id (level 1 or 2), or None."""
    return _service_index().get(type_id)


def nrlx_type(type_id: int) -> NrlxType | None:
    """Return the pre-approval type with this id, or None."""
    return _nrlx_index().get(type_id)


def district(code: str) -> District | None:
    """Return the province, city or district with this 6-digit code, or None."""
    return _district_index().get(code)


def certificate_types_for(subject_type_id: int) -> tuple[CertificateType, ...]:
    """Return the certificate types a subject of this type may present."""
    return _certificates_by_subject().get(subject_type_id, ())


def child_districts(code: str) -> tuple[District, ...]:
    """Return the cities of a province or the districts of a city (empty when none)."""
    return _children_index().get(code, ())


def place_error(province: str, city: str, district_code: str) -> str | None:
    """Name the first of "province", "city", "district" that is wrong, or None when all fit.

    A city without county-level divisions (东莞 441900, 中山 442000, 儋州 460400,
    嘉峪关 620200) is its own district: the filing repeats the city code as district.
    """
    found = district(province)
    if found is None or found.level != 1:
        return "province"
    found = district(city)
    if found is None or found.level != 2 or found.parent != province:
        return "city"
    if not child_districts(city):
        return None if district_code == city else "district"
    found = district(district_code)
    if found is None or found.level != 3 or found.parent != city:
        return "district"
    return None


def clear_cache() -> None:
    """Forget the loaded data so the next call reads the files again (after an import)."""
    for loader in (
        subject_types, certificate_types, service_types, nrlx_types, districts,
        _subject_index, _certificate_index, _service_index, _nrlx_index,
        _district_index, _children_index, _certificates_by_subject, personal_certificate_types,
    ):
        loader.cache_clear()
