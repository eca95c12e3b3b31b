"""Public reads, dictionaries, inboxes and the operators' outbox views through the API."""

from __future__ import annotations

import json

import pytest

from beian.notifications.service import enqueue
from tests.journey import filed, platform_approved, submitted
from tests.web.api_support import (
    APPLICANT,
    BUREAU,
    OPERATOR,
    OTHER_APPLICANT,
    OTHER_BUREAU,
    PLATFORM,
    Api,
)
from tests.web.web_helpers import assert_findings


@pytest.fixture
def api(sessions, clock, tmp_path):
    return Api(sessions, clock, tmp_path / "storage")


def personal_values(document):
    values = []
    for part in ("icp_subject", "icp_applets"):
        principal = document[part]["principal_info"]
        values += [principal["mobile"], principal["emergency_contact"],
                   principal["certificate_number"], principal["email"]]
    return values


def test_the_applet_profile_shows_the_number_once_filed(api, world, document):
    appid = document["icp_applets"]["base_info"]["appid"]
    assert api.ok("GET", f"/public/applets/{appid}") == {"appid": appid, "filed": False,
                                                         "record": None}
    filing_id = filed(world, document)
    profile = api.ok("GET", f"/public/applets/{appid}")
    number = api.ok("GET", f"/filings/{filing_id}", APPLICANT)["record_number"]
    assert profile["filed"] is True and profile["record"]["service_number"] == number
    assert profile["record"]["unit_name"] == document["icp_subject"]["base_info"]["name"]
    assert_findings(api.call("GET", "/public/applets/wx%00x"), 422)


def test_the_public_query_finds_filed_records_without_personal_data(api, world, document):
    submitted_only = submitted(world, {**document})
    assert api.ok("GET", "/public/records", params={"q": "启明星"}) == []
    api.ok("POST", f"/filings/{submitted_only}/withdraw", APPLICANT)
    filing_id = filed(world, document)
    number = api.ok("GET", f"/filings/{filing_id}", APPLICANT)["record_number"]
    by_name = api.ok("GET", "/public/records", params={"q": "启明星"})
    assert [r["service_number"] for r in by_name] == [number]
    assert api.ok("GET", "/public/records", params={"q": number}) == by_name
    text = json.dumps(by_name, ensure_ascii=False)
    assert not any(value in text for value in personal_values(document))


@pytest.mark.parametrize("q", ["", "a", "x" * 101, "启明\u0000星"])
def test_unanswerable_queries_are_422_on_q(api, q):
    findings = assert_findings(api.call("GET", "/public/records", params={"q": q}), 422)
    assert findings[0]["err_field"] == "q"


def test_dictionaries_are_public(api):
    subject_types = api.ok("GET", "/dictionaries/subject-types")
    assert {t["type"] for t in subject_types if t["individual"]} == {5}
    assert {1, 2, 3, 4} <= {t["type"] for t in subject_types}
    personal = api.ok("GET", "/dictionaries/certificate-types", params={"subject_type": 5})
    assert personal and all(c["personal"] and c["subject_type"] == 5 for c in personal)
    assert len(api.ok("GET", "/dictionaries/certificate-types")) > len(personal)
    services = api.ok("GET", "/dictionaries/service-types")
    level_two = [s for s in services if s["parent_type"] != 0]
    assert level_two and any(3 in s["required_nrlx"] for s in level_two)
    nrlx = api.ok("GET", "/dictionaries/nrlx-types")
    assert 24 in {n["type"] for n in nrlx}  # "none of the above"


def test_districts_go_down_one_level_at_a_time(api):
    provinces = api.ok("GET", "/dictionaries/districts")
    assert len(provinces) >= 31 and {p["level"] for p in provinces} == {1}
    cities = api.ok("GET", "/dictionaries/districts", params={"parent": "110000"})
    assert "110100" in {c["code"] for c in cities}
    districts = api.ok("GET", "/dictionaries/districts", params={"parent": "110100"})
    assert "110108" in {d["code"] for d in districts}
    assert api.ok("GET", "/dictionaries/districts", params={"parent": "110108"}) == []
    missing = assert_findings(api.call("GET", "/dictionaries/districts",
                                       params={"parent": "999999"}), 404)
    assert missing[0]["err_field"] == "parent"
    bad = assert_findings(api.call("GET", "/dictionaries/districts", params={"parent": "11"}), 422)
    assert bad[0]["err_field"] == "parent"


def test_the_inbox_shows_and_marks_the_users_own_messages(api, world, document):
    submitted(world, document)
    world.work()
    inbox = api.ok("GET", "/inbox", APPLICANT)
    assert inbox["box"] == APPLICANT and len(inbox["messages"]) == 1
    message = inbox["messages"][0]
    assert message["read_at"] is None and inbox["boxes"] == [{"key": APPLICANT, "unread": 1}]
    assert_findings(api.call("POST", f"/inbox/{message['id']}/read", OTHER_APPLICANT), 404)
    marked = api.ok("POST", f"/inbox/{message['id']}/read", APPLICANT)
    assert marked["read_at"] is not None
    assert api.ok("GET", "/inbox", APPLICANT, params={"unread_only": True})["messages"] == []
    assert api.ok("GET", "/inbox", OTHER_APPLICANT)["messages"] == []
    assert_findings(api.call("POST", "/inbox/0/read", APPLICANT), 422)
    assert_findings(api.call("GET", "/inbox"), 401)


def test_supervisors_inboxes_are_read_by_their_stage(api, world, clock):
    world.act(lambda s: enqueue(
        s, channel="inbox", recipient="supervisors:bureau:110000", template="filing_submitted",
        params={"applet_name": "启明星学堂", "filing_id": "x", "status_label": "管局审核中",
                "deadline": "", "reason": "", "record_number": ""},
        dedup_key="test:supervisors", now=clock.now()))
    world.work()
    box = "supervisors:bureau:110000"
    bureau = api.ok("GET", "/inbox", BUREAU, params={"box": box})
    assert len(bureau["messages"]) == 1
    assert api.ok("GET", "/inbox", OPERATOR, params={"box": box})["messages"] == (
        bureau["messages"])
    for outsider in (OTHER_BUREAU, PLATFORM, APPLICANT):
        refused = assert_findings(api.call("GET", "/inbox", outsider, params={"box": box}), 403)
        assert refused[0]["err_field"] == "box"
        message_id = bureau["messages"][0]["id"]
        assert_findings(api.call("POST", f"/inbox/{message_id}/read", outsider), 404)
    assert api.ok("POST", f"/inbox/{bureau['messages'][0]['id']}/read", BUREAU)["read_at"]


def test_operators_read_the_development_sms_outbox(api, world, document):
    platform_approved(world, document)
    world.work()
    texts = api.ok("GET", "/sms-outbox", OPERATOR)
    phones = {t["phone"] for t in texts}
    assert document["icp_applets"]["principal_info"]["mobile"] in phones
    assert all(t["sender"] == "12381" for t in texts)
    for other in (APPLICANT, PLATFORM, BUREAU):
        assert_findings(api.call("GET", "/sms-outbox", other), 403)


def test_with_a_real_sms_gateway_there_is_no_local_outbox(sessions, clock, tmp_path):
    api = Api(sessions, clock, tmp_path / "storage", sms_gateway="aliyun")
    assert_findings(api.call("GET", "/sms-outbox", OPERATOR), 404)


def test_the_outbox_masks_sms_recipients_and_withholds_their_codes(api, world, document):
    platform_approved(world, document)
    rows = api.ok("GET", "/outbox", OPERATOR)
    sms = [row for row in rows if row["channel"] == "sms"]
    assert sms and all(row["body"] is None and "****" in row["recipient"] for row in sms)
    inbox = [row for row in rows if row["channel"] == "inbox"]
    assert inbox and all(row["recipient"] == APPLICANT and row["body"] for row in inbox)
    pending = api.ok("GET", "/outbox", OPERATOR, params={"status": "pending"})
    assert {row["status"] for row in pending} == {"pending"}
    assert api.ok("GET", "/outbox", OPERATOR, params={"status": "dead"}) == []
    bad = assert_findings(api.call("GET", "/outbox", OPERATOR, params={"status": "lost"}), 422)
    assert bad[0]["err_field"] == "status"
    assert_findings(api.call("GET", "/outbox", PLATFORM), 403)
