"""In a real browser: a change months after filing, through a new face check, submitted."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.journey import example_document, filed
from tests.web.browser_support import browser  # noqa: F401
from tests.web.test_applicant_browser import (  # noqa: F401
    Visit,
    site,
    start_face_check_and_send_a_photo,
)

pytestmark = pytest.mark.slow


def test_a_change_takes_a_new_face_check_and_is_submitted(site, browser, tmp_path):  # noqa: F811
    base, world = site
    record_id = filed(world, example_document(world))
    world.clock.advance(timedelta(days=120))
    visit = Visit(browser, base, "phone")
    page = visit.page
    page.goto(f"{base}/filings/{record_id}/change")
    visit.shot("change-face-first")
    page.get_by_role("link", name="为本次变更进行人脸核身").click()
    start_face_check_and_send_a_photo(page, tmp_path, "为本次变更发起人脸核身")
    page.get_by_role("link", name="人脸核身已完成，返回变更表单提交变更").click()
    page.wait_for_url(f"**/filings/{record_id}/change*")
    visit.shot("change-face-done")
    page.get_by_role("button", name="提交变更").click()
    page.wait_for_url("**?done=change_submitted")
    assert page.url.split("/filings/")[1].split("?")[0] != record_id  # the change's own page
    visit.close()
