"""A filing whose personal data was erased says so on its page, until it is filled in again."""

from __future__ import annotations

from datetime import timedelta

import pytest

from beian.documents.storage import MemoryStorage
from beian.filings import retention
from tests.web.applicant_helpers import applicant_app, logged_in

KEPT = timedelta(days=180)
NOTE = "按个人信息保存期限删除"


@pytest.fixture
def app(sessions, clock, tmp_path):
    return applicant_app(sessions, clock, tmp_path / "storage")


def test_the_page_of_an_erased_draft_says_what_went_and_editing_clears_the_note(
    app, world, document
):
    draft, _ = world.save(document)
    assert NOTE not in logged_in(app).get(f"/filings/{draft.id}").text
    world.clock.advance(KEPT + timedelta(days=1))
    world.act(lambda s: retention.erase_expired(
        s, now=world.clock.now(), retention=KEPT, storage=MemoryStorage()))
    client = logged_in(app)  # the earlier login has long expired

    page = client.get(f"/filings/{draft.id}")
    assert page.status_code == 200
    assert NOTE in page.text
    assert document["icp_applets"]["principal_info"]["name"] not in page.text

    world.clock.advance(timedelta(minutes=1))
    world.update(draft.id, document)
    assert NOTE not in client.get(f"/filings/{draft.id}").text
