"""A real browser opens the public profile and query and the operator's pages, at both sizes.

Screenshots land in test-artifacts/ (public-*, admin-*) for people to look at. Chromium is
Debian's, driven by Playwright, as in test_web_browser.py.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from beian.db import make_engine, make_sessionmaker
from beian.db.models import metadata
from tests.journey import World, example_document, filed
from tests.web.browser_support import (  # noqa: F401  (browser is a fixture)
    ARTIFACTS,
    VIEWPORTS,
    browser,
    fits_the_screen,
    serving,
)
from tests.web.web_helpers import PASSWORD, add_user, make_app

pytestmark = pytest.mark.slow


@pytest.fixture
def site(tmp_path, clock) -> Iterator[dict[str, str]]:
    """Uvicorn on a fresh SQLite file holding one filed record and an operator."""
    engine = make_engine(f"sqlite:///{tmp_path}/public.db")
    metadata.create_all(engine)
    sessions = make_sessionmaker(engine)
    world = World(sessions, clock)
    document = example_document(world)
    filing_id = filed(world, document)
    add_user(sessions, clock, "boss", "operator", display_name="王运营")
    add_user(sessions, clock, "gd.reviewer", "bureau_reviewer", province="440000",
             display_name="广东管局审核员")
    with serving(make_app(sessions, clock)) as url:
        yield {
            "url": url,
            "appid": document["icp_applets"]["base_info"]["appid"],
            "number": world.filing(filing_id).record_number,
            "filing_id": filing_id,
        }
    engine.dispose()


def _shoot(page, name: str, size: str) -> None:
    assert fits_the_screen(page), f"{name} is wider than the {size} screen"
    page.screenshot(path=ARTIFACTS / f"{name}-{size}.png", full_page=True)


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_public_profile_and_query(site, browser, size):  # noqa: F811
    ARTIFACTS.mkdir(exist_ok=True)
    context = browser.new_context(locale="zh-CN", **VIEWPORTS[size])
    page = context.new_page()
    failed: list[str] = []
    page.on("requestfailed", lambda request: failed.append(request.url))
    url = site["url"]

    page.goto(f"{url}/applets/{site['appid']}")
    assert page.get_by_role("heading", level=1).inner_text() == "启明星学堂"
    # The public stylesheet applied: the facts are laid out as a two-column grid.
    assert page.eval_on_selector(".facts > div", "e => getComputedStyle(e).display") == "grid"
    _shoot(page, "public-profile", size)

    page.get_by_role("link", name=site["number"]).click()
    page.wait_for_url("**/query?q=*")
    assert page.get_by_label("备案号 / 小程序名称 / 主办单位名称").input_value() == site["number"]
    assert site["number"] in page.locator(".results").inner_text()
    _shoot(page, "public-query", size)

    page.get_by_label("备案号 / 小程序名称 / 主办单位名称").fill("启")
    page.get_by_role("button", name="查询").click()
    page.get_by_role("alert").wait_for()
    assert "名称至少输入2个字" in page.get_by_role("alert").inner_text()
    _shoot(page, "public-query-error", size)

    page.goto(f"{url}/applets/wx-not-filed")
    assert page.get_by_role("heading", level=1).inner_text() == "该小程序暂无备案信息"
    _shoot(page, "public-profile-not-filed", size)
    assert failed == []
    context.close()


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_operator_pages(site, browser, size):  # noqa: F811
    ARTIFACTS.mkdir(exist_ok=True)
    context = browser.new_context(locale="zh-CN", **VIEWPORTS[size])
    page = context.new_page()
    failed: list[str] = []
    page.on("requestfailed", lambda request: failed.append(request.url))
    url = site["url"]
    page.goto(f"{url}/login?next=/admin/users")
    page.get_by_label("用户名").fill("boss")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{url}/admin/users")
    assert page.get_by_role("heading", level=1).inner_text() == "用户与角色"
    _shoot(page, "admin-users", size)

    # A bureau reviewer without a province: refused beside the field.
    page.locator("summary", has_text="新建账号").click()
    page.get_by_label("用户名", exact=True).fill("su.reviewer")
    page.get_by_label("初始密码").fill(PASSWORD)
    page.get_by_label("角色", exact=True).select_option("bureau_reviewer")
    page.get_by_role("button", name="创建账号").click()
    assert "管局审核员必须绑定一个省份" in page.locator("#province-error").inner_text()
    _shoot(page, "admin-users-refused", size)

    page.goto(f"{url}/admin/calendar?year=2026")
    assert "已确定" in page.locator(".stats").inner_text()
    _shoot(page, "admin-calendar", size)

    page.goto(f"{url}/admin/provinces/440000")
    page.get_by_label("承诺视频").check()
    page.get_by_label("证件剩余有效期（月）").fill("3")
    page.get_by_role("button", name="保存").click()
    page.wait_for_url(f"{url}/admin/provinces?saved=440000")
    assert "已保存广东省的规则" in page.get_by_role("status").inner_text()
    _shoot(page, "admin-provinces", size)

    page.goto(f"{url}/admin/audit")
    page.get_by_role("button", name="校验审计链").click()
    assert "审计链完整" in page.locator("#verify-result").inner_text()
    _shoot(page, "admin-audit", size)

    page.goto(f"{url}/admin/outbox")
    _shoot(page, "admin-outbox", size)
    page.goto(f"{url}/admin/dictionaries/districts?code=440100")
    _shoot(page, "admin-districts", size)
    assert failed == []
    context.close()
