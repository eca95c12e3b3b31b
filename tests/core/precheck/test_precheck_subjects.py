"""Subject consistency (2400-2499), subject limits (2500-2599), face check (2600-2699)."""

from __future__ import annotations

import copy
from datetime import timedelta

import pytest

from beian.core.document import parse_document
from beian.core.precheck import FaceTaskFacts, InMemoryRegistry, PrecheckConfig, SubjectFacts

CONSISTENCY = range(2400, 2500)
LIMITS = range(2500, 2600)
FACE = range(2600, 2700)
NUMBER = "icp_subject.organize_info.certificate_number"
TASK = "icp_applets.principal_info.verify_task_id"


def document(data):
    doc, findings = parse_document(data)
    assert findings == []
    return doc


def registry_with(data, count=1, **kwargs):
    registry = InMemoryRegistry()
    for index in range(count):
        registry.add_filing(f"f{index}", document(data), **kwargs)
    return registry


def test_valid_filings_pass_offline_and_online(found, enterprise, individual):
    for doc in (enterprise, individual):
        for codes in (CONSISTENCY, LIMITS):
            assert found(doc, codes) == set()
            assert found(doc, codes, registry=registry_with(doc)) == set()


def test_an_individual_applet_principal_is_the_subject_principal(found, individual):
    individual["icp_applets"]["principal_info"]["certificate_number"] = "110105199001011232"
    assert found(individual, CONSISTENCY) == {
        (2403, "icp_applets.principal_info.certificate_number")
    }


def test_an_individual_subject_is_named_after_the_principal(found, individual):
    individual["icp_subject"]["base_info"]["name"] = "小川工作室"
    assert found(individual, CONSISTENCY) == {(2404, "icp_subject.base_info.name")}


def test_organisations_may_have_other_applet_principals(found, enterprise):
    assert (
        enterprise["icp_subject"]["principal_info"]["certificate_number"]
        != enterprise["icp_applets"]["principal_info"]["certificate_number"]
    )
    assert found(enterprise, CONSISTENCY) == set()


def test_a_subject_keeps_its_province(found, individual):
    registry = registry_with(individual)
    individual["icp_subject"]["base_info"].update(
        province="110000", city="110100", district="110108"
    )
    assert found(individual, CONSISTENCY, registry=registry) == {
        (2401, "icp_subject.base_info.province")
    }


def test_a_subject_keeps_its_name(found, enterprise):
    registry = registry_with(enterprise)
    enterprise["icp_subject"]["base_info"]["name"] = "北京启明星文化有限公司"
    assert found(enterprise, CONSISTENCY, registry=registry) == {
        (2402, "icp_subject.base_info.name")
    }


@pytest.mark.parametrize(("live", "bad"), [(4, False), (5, True)])
def test_an_individual_files_at_most_five_applets(found, individual, live, bad):
    registry = registry_with(individual, count=live)
    expected = {(2501, NUMBER)} if bad else set()
    assert found(individual, LIMITS, registry=registry) == expected


def test_the_organisation_limit_is_configurable(found, enterprise):
    registry = registry_with(enterprise, count=2)
    assert found(enterprise, LIMITS, registry=registry) == set()
    config = PrecheckConfig(organisation_applet_limit=2)
    assert found(enterprise, LIMITS, registry=registry, config=config) == {(2502, NUMBER)}


def test_one_filing_of_a_subject_at_the_bureau_at_a_time(found, enterprise):
    registry = registry_with(enterprise, at_bureau=True)
    assert found(enterprise, LIMITS, registry=registry) == {(2503, NUMBER)}
    assert found(enterprise, LIMITS, registry=registry, filing_id="f0") == set()


def test_in_memory_subject_facts(enterprise):
    registry = registry_with(enterprise, count=3)
    registry.remove_filing("f2")
    number = enterprise["icp_subject"]["organize_info"]["certificate_number"]
    assert registry.subject_facts(1, number.lower(), exclude_filing="f0") == SubjectFacts(
        province="110000", name="北京启明星教育科技有限公司", live_applets=1, at_bureau=False
    )
    assert registry.subject_facts(2, number, exclude_filing=None) == SubjectFacts()



def test_in_memory_subject_facts_follow_filings_changed_after_a_query(enterprise):
    registry = registry_with(enterprise, count=2)
    number = enterprise["icp_subject"]["organize_info"]["certificate_number"]
    assert registry.subject_facts(1, number, exclude_filing=None).live_applets == 2
    renamed = copy.deepcopy(enterprise)
    renamed["icp_subject"]["base_info"]["name"] = "北京另一家教育科技有限公司"
    registry.add_filing("f0", document(renamed), at_bureau=True)  # replaced in place
    registry.add_filing("f9", document(enterprise))
    assert registry.subject_facts(1, number, exclude_filing="f1") == SubjectFacts(
        province="110000", name="北京另一家教育科技有限公司", live_applets=2, at_bureau=True
    )
    registry.remove_filing("f0")
    assert registry.subject_facts(1, number, exclude_filing=None) == SubjectFacts(
        province="110000", name="北京启明星教育科技有限公司", live_applets=2, at_bureau=False
    )


def test_one_check_asks_the_registry_about_the_subject_once(check, enterprise):
    class Counting(InMemoryRegistry):
        asked = 0

        def subject_facts(self, *args, **kwargs):
            Counting.asked += 1
            return super().subject_facts(*args, **kwargs)

    registry = Counting()
    registry.add_filing("f0", document(enterprise))
    check(enterprise, registry=registry)
    assert Counting.asked == 1


# Face check


def test_offline_the_face_check_is_a_warning(check, enterprise):
    [finding] = [f for f in check(enterprise) if f.errcode in FACE]
    assert (finding.errcode, finding.err_field, finding.severity) == (2601, TASK, "warning")


def face(check, doc, clock, status=None, hours=24, principal_name=None):
    registry = InMemoryRegistry()
    if status is not None:
        expires = clock.now() + timedelta(hours=hours)
        registry.add_face_task("face-task-0002", FaceTaskFacts(
            status=status, expires_at=expires, principal_name=principal_name))
    return {
        (f.errcode, f.err_field, f.severity)
        for f in check(doc, registry=registry)
        if f.errcode in FACE
    }


@pytest.mark.parametrize(
    ("status", "hours", "errcode"),
    [
        (None, 24, 2602),
        ("pending", 24, 2603),
        ("failed", 24, 2604),
        ("expired", 24, 2605),
        ("passed", 0, 2605),
        ("passed", -1, 2605),
    ],
)
def test_a_face_task_must_exist_pass_and_be_alive(check, clock, enterprise, status, hours, errcode):
    assert face(check, enterprise, clock, status, hours) == {(errcode, TASK, "error")}


def test_a_photo_awaiting_a_human_is_a_warning_for_the_reviewer(check, clock, enterprise):
    assert face(check, enterprise, clock, "review", 24) == {(2606, TASK, "warning")}


def test_a_passed_live_face_task_is_fine(check, clock, enterprise):
    assert face(check, enterprise, clock, "passed", 1) == set()


def test_a_face_task_of_another_person_is_refused(check, clock, enterprise):
    named = enterprise["icp_applets"]["principal_info"]["name"]
    assert face(check, enterprise, clock, "passed", 1, principal_name="另一人") == {
        (2607, TASK, "error")
    }
    assert face(check, enterprise, clock, "passed", 1, principal_name=named) == set()


def test_a_face_task_name_is_compared_without_spaces_or_middle_dots(check, clock, enterprise):
    doc = copy.deepcopy(enterprise)
    doc["icp_applets"]["principal_info"]["name"] = "阿依古丽·买买提"
    for written in ("阿依古丽•买买提", "阿依古丽 · 买买提", "阿依古丽买买提"):
        assert face(check, doc, clock, "passed", 1, principal_name=written) == set()
    assert face(check, doc, clock, "passed", 1, principal_name="阿依古丽·买买") == {
        (2607, TASK, "error")
    }
