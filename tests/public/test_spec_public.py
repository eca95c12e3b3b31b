"""SPEC §9 public surfaces: only records whose number is valid, and nothing personal."""

from __future__ import annotations

import copy
import json

from beian.public.service import applet_profile, query_records
from tests.journey import filed, principal

A_GOOD_COMMENT = "提供中小学数学和英语的在线直播课程、课后练习与学习进度查询服务。"


def test_a_cancelled_record_leaves_the_query_and_the_profile(world, document):
    filing_id = filed(world, document)
    number = world.filing(filing_id).record_number
    appid = document["icp_applets"]["base_info"]["appid"]
    world.applicant_does("request_cancellation", filing_id)
    assert [r["service_number"] for r in world.read(lambda s: query_records(s, number))] == [
        number]  # still valid until the principal confirms
    mobile, certificate = principal(document)
    world.enter_code(mobile, certificate, world.latest_code(mobile), purpose="cancel")
    assert world.read(lambda s: query_records(s, number)) == []
    assert world.read(lambda s: query_records(s, "启明星学堂")) == []
    assert world.read(lambda s: applet_profile(s, appid)) is None


def test_a_record_under_change_stays_public_with_its_number(world, document):
    filing_id = filed(world, document)
    number = world.filing(filing_id).record_number
    appid = document["icp_applets"]["base_info"]["appid"]
    changed = copy.deepcopy(document)
    changed["icp_applets"]["base_info"]["comment"] = A_GOOD_COMMENT
    world.change(filing_id, changed)
    assert [r["service_number"] for r in world.read(lambda s: query_records(s, number))] == [
        number]
    assert world.read(lambda s: applet_profile(s, appid))["service_number"] == number


def test_no_phone_or_id_number_of_anyone_named_is_shown(world, document):
    filing_id = filed(world, document)
    number = world.filing(filing_id).record_number
    appid = document["icp_applets"]["base_info"]["appid"]
    shown = json.dumps([world.read(lambda s: query_records(s, number)),
                        world.read(lambda s: applet_profile(s, appid))], ensure_ascii=False)
    values = []
    for part, block in (("icp_subject", "principal_info"), ("icp_applets", "principal_info"),
                        ("icp_subject", "legal_person_info")):
        person = document[part].get(block) or {}
        values += [person.get(k) for k in ("mobile", "emergency_contact", "certificate_number",
                                           "email")]
    values = [v for v in values if v]
    assert values  # the example names people with phones and ID numbers
    for value in values:
        assert value not in shown
