"""A pre-check reads everything it needs in one statement and answers as before.

`DatabaseRegistry.read_ahead` asks the phones, the subject, the face task, the uploads and
the province rules together. These tests hold its answers against the question-by-question
registry on the same database, including the cases where the answer is a finding, and the
database's answers about uploads against the in-memory registry's.
"""

from __future__ import annotations

import copy
from functools import partial

from sqlalchemy import update

from beian.core.document import MATERIAL_FIELDS
from beian.core.precheck import InMemoryRegistry, precheck
from beian.documents.models import Media
from beian.filings import service
from beian.filings.models import Filing
from beian.filings.registry import DatabaseRegistry
from beian.provinces.service import load_precheck_config, set_province_rules
from beian.testing.media import register_media_in
from tests.filings.test_submit_cost import statements
from tests.journey import APPLICANT, submitted

HELD_ELSEWHERE = 1605
TASK_NOT_FOUND_OR_EXPIRED = {2602, 2605}
UPLOADS = range(2800, 2900)
FRONT = "icp_applets.principal_info.certificate_photo_front"


def _one_by_one(session, filing, now):
    """The pre-check as it ran before read_ahead: each question its own query."""
    registry = DatabaseRegistry(session, now=now, ignore={filing.id})
    config = load_precheck_config(session)
    found = precheck(filing.document, now=now, registry=registry, config=config,
                     filing_id=filing.id, applicant=filing.applicant)
    return [item.to_dict() for item in found]


def _both_ways(world, filing_id):
    def check(session):
        stored = session.get(Filing, filing_id)
        with statements(world) as seen:
            ahead = service.check(session, stored, now=world.clock.now())
        return ahead, _one_by_one(session, stored, world.clock.now()), seen

    return world.read(check)


def _variant(document, appid, **principal):
    again = copy.deepcopy(document)
    again["icp_applets"]["base_info"]["appid"] = appid
    again["icp_applets"]["principal_info"].update(principal)
    return again


def test_a_pre_check_is_one_statement(world, document):
    filing, _ = world.save(document)
    ahead, before, seen = _both_ways(world, filing.id)
    assert ahead == before
    queries = [s for s in seen if not s.startswith("BEGIN")]  # SQLite's own BEGIN IMMEDIATE
    assert len(queries) == 1
    assert "document" not in queries[0]  # no encrypted column is read, nor decrypted


def test_read_ahead_answers_like_the_questions_one_by_one(world, document, clock):
    first = submitted(world, document)
    world.act(lambda s: s.execute(
        update(Filing).where(Filing.id == first).values(status="bureau_review")
    ))
    province = document["icp_subject"]["base_info"]["province"]
    material = sorted(MATERIAL_FIELDS)[0]
    world.act(lambda s: set_province_rules(
        s, province=province, required_materials=[material], min_validity_months=24,
        now=clock.now()))
    mobile = document["icp_applets"]["principal_info"]["mobile"]
    cases = [
        # Another person with the first filing's phone, the subject at the bureau.
        _variant(document, "wx5555555555555555", certificate_number="11010519491231002X",
                 mobile=mobile),
        # A face task that does not exist.
        _variant(document, "wx6666666666666666", verify_task_id="no-such-task"),
        # No subject certificate, no phones, no task: nothing to read ahead but the rules.
        {"icp_subject": {"base_info": {"province": province}}},
        # A made-up upload, someone else's, and a video as an ID card photo.
        _with_media(document, "wx1212121212121212", {
            "icp_subject.principal_info.certificate_photo_front": "made-up-0001",
            "icp_subject.principal_info.certificate_photo_back": _media(world, "theirs-1"),
            FRONT: _media(world, "video-1", owner=APPLICANT, kind="video",
                          content_type="video/mp4"),
        }),
    ]
    codes: set[int] = set()
    for case in cases:
        filing, _ = world.save(case)
        ahead, before, _ = _both_ways(world, filing.id)
        assert ahead == before
        codes |= {item["errcode"] for item in ahead}
    clock.advance(days=4)  # every face task has expired
    filing, _ = world.save(_variant(document, "wx7777777777777777"))
    ahead, before, _ = _both_ways(world, filing.id)
    assert ahead == before
    codes |= {item["errcode"] for item in ahead}
    assert HELD_ELSEWHERE in codes
    assert codes >= TASK_NOT_FOUND_OR_EXPIRED
    assert codes >= {2802, 2803}


def _media(world, media_id, *, owner="applicant-2", kind="certificate",
           content_type="image/jpeg"):
    """A stored upload (the row only: no rule reads the bytes)."""
    world.act(lambda s: s.add(Media(
        id=media_id, owner_key=owner, field=FRONT, kind=kind, content_type=content_type,
        size=1, sha256="0" * 64, storage_key=f"test/{media_id}",
        created_at=world.clock.now())))
    return media_id


def _with_media(document, appid, fields):
    again = _variant(document, appid)
    for path, media_id in fields.items():
        *parents, last = path.split(".")
        target = again
        for key in parents:
            target = target[key]
        target[last] = media_id
    return again


def test_the_database_answers_uploads_like_the_in_memory_registry(world, document):
    """The same uploads in both registries give the same findings, read ahead or not."""
    memory = InMemoryRegistry()
    register_media_in(memory, document, owner=APPLICANT)  # as the fixture did in the database
    stored = [  # (id, owner, kind, content type)
        ("mine-photo", APPLICANT, "certificate", "image/jpeg"),
        ("mine-video", APPLICANT, "video", "video/mp4"),
        ("mine-other", APPLICANT, "document", "image/png"),
        ("mine-letter", APPLICANT, "letter", "application/pdf"),
        ("theirs-photo", "applicant-2", "certificate", "image/jpeg"),
    ]
    for media_id, owner, kind, content_type in stored:
        _media(world, media_id, owner=owner, kind=kind, content_type=content_type)
        memory.add_upload(media_id, owner=owner, content_type=content_type, kind=kind)
    checked = _with_media(document, "wx3434343434343434", {
        "icp_subject.organize_info.certificate_photo": "mine-other",  # not a certificate
        "icp_subject.principal_info.certificate_photo_front": "mine-photo",
        "icp_subject.principal_info.certificate_photo_back": "theirs-photo",
        FRONT: "mine-video",
        "icp_applets.principal_info.certificate_photo_back": "no-such-upload",
        "icp_applets.principal_info.authorization_letter": "mine-letter",
        "icp_materials.commitment_letter": ["mine-photo", "mine-letter"],
    })
    now = world.clock.now()

    def findings(registry, applicant):
        found = precheck(checked, now=now, registry=registry, applicant=applicant)
        return [item.to_dict() for item in found if item.errcode in UPLOADS]

    def in_database(session, *, applicant, ahead):
        registry = DatabaseRegistry(session, now=now)
        if ahead:
            registry.read_ahead(checked, filing_id=None, applicant=applicant)()
        return findings(registry, applicant)

    for applicant in (APPLICANT, "applicant-2", None):
        expected = findings(memory, applicant)
        for ahead in (True, False):
            assert world.read(partial(in_database, applicant=applicant, ahead=ahead)) == expected
    mine = {(f["errcode"], f["err_field"]) for f in findings(memory, APPLICANT)}
    assert mine == {
        (2804, "icp_subject.organize_info.certificate_photo"),
        (2802, "icp_subject.principal_info.certificate_photo_back"),
        (2803, FRONT),
        (2802, "icp_applets.principal_info.certificate_photo_back"),
    }


def test_a_question_not_read_ahead_is_still_answered(world, document):
    submitted(world, document)
    mobile = document["icp_applets"]["principal_info"]["mobile"]
    elsewhere = _variant(document, "wx8888888888888888", mobile="13900003333")

    def ask(session):
        registry = DatabaseRegistry(session, now=world.clock.now())
        registry.read_ahead(elsewhere, filing_id=None)()
        with statements(world) as seen:
            foreseen = registry.phone_holders("13900003333", exclude_filing=None)
            unforeseen = registry.phone_holders(mobile, exclude_filing=None)
        return foreseen, unforeseen, seen

    foreseen, unforeseen, seen = world.read(ask)
    assert foreseen == set()
    assert len(unforeseen) == 1
    assert len([s for s in seen if not s.startswith("BEGIN")]) == 1  # only the unforeseen one
