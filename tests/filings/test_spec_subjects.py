"""SPEC §4 subject rules answered from the database: consistency and limits across filings.

The pre-check tests prove these rules against an in-memory registry; here the same rules
are checked through the filing service, so the database's answers are what they see.
"""

from __future__ import annotations

import copy
import json

import pytest

from beian.filings.errors import PrecheckFailed
from tests.journey import EXAMPLE, platform_approved, submitted

INDIVIDUAL = EXAMPLE.parent / "individual.json"


def errors(findings: list[dict]) -> set[tuple[int, str]]:
    return {(f["errcode"], f["err_field"]) for f in findings if f["severity"] == "error"}


def another_applet(document: dict, n: int) -> dict:
    """The same subject filing a different mini-program."""
    other = copy.deepcopy(document)
    other["icp_applets"]["base_info"]["appid"] = f"wx{n:016d}"
    other["icp_applets"]["base_info"]["name"] = other["icp_applets"]["base_info"]["name"] + (
        "一二三四五六七八九"[n % 9])
    return other


def individual_document(world) -> dict:
    data = json.loads(INDIVIDUAL.read_text(encoding="utf-8"))
    world.upload_media(data)
    principal = data["icp_applets"]["principal_info"]
    principal["verify_task_id"] = world.passed_face_task(principal["name"])
    return data


def test_a_subject_keeps_its_province_across_filings(world, document):
    submitted(world, document)
    moved = another_applet(document, 1)
    moved["icp_subject"]["base_info"].update(province="310000", city="310100",
                                             district="310101")
    _, findings = world.save(moved)
    assert (2401, "icp_subject.base_info.province") in errors(findings)
    _, findings = world.save(another_applet(document, 2))
    assert not any(code == 2401 for code, _ in errors(findings))


def test_a_subject_keeps_its_name_across_filings(world, document):
    submitted(world, document)
    renamed = another_applet(document, 1)
    renamed["icp_subject"]["base_info"]["name"] = "北京另一家教育科技有限公司"
    _, findings = world.save(renamed)
    assert (2402, "icp_subject.base_info.name") in errors(findings)


def test_one_filing_of_a_subject_at_the_bureau_at_a_time(world, document):
    platform_approved(world, document)  # SMS verification counts as being with the bureau
    second = another_applet(document, 1)
    filing, findings = world.save(second)
    assert (2503, "icp_subject.organize_info.certificate_number") in errors(findings)
    with pytest.raises(PrecheckFailed):
        world.applicant_does("submit", filing.id)


def test_an_individual_files_at_most_five_mini_programs(world):
    document = individual_document(world)
    for n in range(5):
        submitted(world, another_applet(document, n))  # refused if the limit came early
    _, findings = world.save(another_applet(document, 5))
    assert (2501, "icp_subject.organize_info.certificate_number") in errors(findings)
