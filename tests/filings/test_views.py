"""Masking of personal data for reviewers and the audited reveal."""

from __future__ import annotations

import json

from beian.audit import service as audit
from beian.filings.views import filing_detail, mask_phone, masked_document, reveal_document
from tests.journey import submitted


def personal_values(document):
    values = []
    for part in ("icp_subject", "icp_applets"):
        principal = document[part]["principal_info"]
        values += [principal["mobile"], principal["emergency_contact"],
                   principal["certificate_number"]]
    return values


def test_masked_documents_hide_every_phone_and_id_number(document):
    shown = json.dumps(masked_document(document), ensure_ascii=False)
    for value in personal_values(document):
        assert value not in shown
    assert mask_phone("13800138000") == "138****8000"


def test_masking_leaves_the_original_untouched(document):
    before = json.dumps(document, sort_keys=True)
    masked_document(document)
    assert json.dumps(document, sort_keys=True) == before


def test_detail_for_a_reviewer_is_masked_and_for_the_applicant_whole(world, document):
    filing_id = submitted(world, document)
    for masked in (True, False):
        detail = world.read(lambda s, m=masked: filing_detail(
            s, world.filing(filing_id), now=world.clock.now(), masked=m))
        shown = json.dumps(detail["document"], ensure_ascii=False)
        assert all((value in shown) is (not masked) for value in personal_values(document))
        assert detail["status_code"] == 2 and detail["history"][0]["event"] == "submit"
        assert detail["allowed_events"] == ["withdraw", "platform_approve", "platform_reject"]


def test_a_reveal_is_written_to_the_audit_chain(world, document):
    filing_id = submitted(world, document)
    revealed = world.act(lambda s: reveal_document(
        s, world.filing(filing_id), viewer="platform-reviewer", reason="电话核验",
        now=world.clock.now()))
    assert revealed == document
    entries = world.read(lambda s: audit.trail(s, target_type="filing", target_id=filing_id))
    assert entries[0].action == "filing.reveal_personal_data"
    assert entries[0].actor == "platform-reviewer"
