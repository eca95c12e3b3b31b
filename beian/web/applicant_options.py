"""Choices of the form's selects, from the dictionaries, and what the page script needs."""

from __future__ import annotations

from typing import Any

from beian.core import dictionaries
from beian.web.applicant_form import SUBJECT_BASE, SUBJECT_TYPE, lookup

# (optgroup label or None, [(value, label)]) — one group without a label is a plain list.
OptionGroups = list[tuple[str | None, list[tuple[str, str]]]]


def district_choices(parent: str) -> list[tuple[str, str]]:
    """Cities of a province or districts of a city; a city without districts is its own."""
    found = dictionaries.district(parent)
    if found is None:
        return []
    children = dictionaries.child_districts(parent)
    if not children and found.level == 2:
        # 东莞, 中山 and a few others have no county level: the filing repeats the city code.
        return [(found.code, f"{found.name}（不设区县）")]
    return [(item.code, item.name) for item in children]


def options_for(kind: str, document: dict[str, Any]) -> OptionGroups:
    """The choices of one select, given what the document says so far."""
    if kind == "subject_types":
        return [(None, [(str(t.type), t.name) for t in dictionaries.subject_types()])]
    if kind == "personal_certificates":
        types = dictionaries.certificate_types_for(dictionaries.INDIVIDUAL_SUBJECT_TYPE)
        return [(None, [(str(t.type), t.name) for t in types])]
    if kind == "subject_certificates":
        chosen = lookup(document, SUBJECT_TYPE)
        if isinstance(chosen, int) and dictionaries.subject_type(chosen):
            types = dictionaries.certificate_types_for(chosen)
            return [(None, [(str(t.type), t.name) for t in types])]
        return [
            (subject.name, [(str(t.type), t.name)
                            for t in dictionaries.certificate_types_for(subject.type)])
            for subject in dictionaries.subject_types()
        ]
    if kind == "provinces":
        provinces = [d for d in dictionaries.districts() if d.level == 1]
        return [(None, [(d.code, d.name) for d in provinces])]
    if kind == "cities":
        province = lookup(document, f"{SUBJECT_BASE}.province")
        return [(None, district_choices(province) if isinstance(province, str) else [])]
    if kind == "districts":
        city = lookup(document, f"{SUBJECT_BASE}.city")
        return [(None, district_choices(city) if isinstance(city, str) else [])]
    if kind == "nrlx":
        return [(None, [(str(t.type), t.name) for t in dictionaries.nrlx_types()])]
    raise ValueError(f"unknown option list {kind!r}")


def service_type_groups() -> list[tuple[str, list[tuple[int, str]]]]:
    """Level-2 service types grouped under their level-1 type, in dictionary order."""
    groups: dict[int, tuple[str, list[tuple[int, str]]]] = {}
    for item in dictionaries.service_types():
        if item.parent_type == 0:
            groups[item.type] = (item.name, [])
    for item in dictionaries.service_types():
        if item.parent_type in groups:
            groups[item.parent_type][1].append((item.type, item.name))
    return [group for group in groups.values() if group[1]]


def dictionary_data() -> dict[str, Any]:
    """What the page script needs to filter certificate types by subject type."""
    return {
        "individual": dictionaries.INDIVIDUAL_SUBJECT_TYPE,
        "certificates": {
            str(subject.type): [
                [str(t.type), t.name] for t in dictionaries.certificate_types_for(subject.type)
            ]
            for subject in dictionaries.subject_types()
        },
    }
