"""A real browser (Debian's Chromium via Playwright) logs in and sees the home page.

Screenshots of every page, at desktop and phone size, land in test-artifacts/ for people
to look at. Chromium comes from `scripts/ensure-browser`; Playwright never downloads one.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from beian.db import make_engine, make_sessionmaker
from beian.db.models import metadata

# Re-exported: other browser tests import these names from here.
from tests.web.browser_support import (  # noqa: F401
    ARTIFACTS,
    CHROMIUM,
    CHROMIUM_ARGS,
    VIEWPORTS,
    browser,
    fits_the_screen,
    serving,
)
from tests.web.web_helpers import PASSWORD, add_user, make_app

pytestmark = pytest.mark.slow


@pytest.fixture
def server(tmp_path, clock) -> Iterator[str]:
    """Uvicorn in a background thread on a free loopback port, on a fresh SQLite file."""
    engine = make_engine(f"sqlite:///{tmp_path}/browser.db")
    metadata.create_all(engine)
    sessions = make_sessionmaker(engine)
    add_user(sessions, clock, "zhang.san", display_name="张三")
    add_user(
        sessions,
        clock,
        "gd.reviewer",
        "bureau_reviewer",
        province="440000",
        display_name="广东管局审核员",
    )
    with serving(make_app(sessions, clock)) as url:
        yield url
    engine.dispose()


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_log_in_through_the_form_and_see_the_home_page(server, browser, size):  # noqa: F811
    ARTIFACTS.mkdir(exist_ok=True)
    context = browser.new_context(locale="zh-CN", **VIEWPORTS[size])
    page = context.new_page()
    failed_requests: list[str] = []
    page.on("requestfailed", lambda request: failed_requests.append(request.url))

    page.goto(server + "/")
    assert page.url == server + "/login?next=%2F"
    assert page.title() == "登录 · 备案 Beian"
    # The stylesheet applied: the brand mark is drawn in the brand colour.
    colour = page.eval_on_selector(".brand-mark", "e => getComputedStyle(e).backgroundColor")
    assert colour == "rgb(31, 79, 191)"
    assert fits_the_screen(page)
    page.screenshot(path=ARTIFACTS / f"login-{size}.png", full_page=True)

    page.get_by_label("用户名").fill("zhang.san")
    page.get_by_label("密码").fill("not the password")
    page.get_by_role("button", name="登录").click()
    page.get_by_role("alert").wait_for()
    assert "用户名或密码错误" in page.get_by_role("alert").inner_text()
    page.screenshot(path=ARTIFACTS / f"login-failed-{size}.png", full_page=True)

    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(server + "/")
    assert page.get_by_role("heading", level=1).inner_text() == "您好，张三"
    assert page.get_by_role("link", name="新建备案").first.is_visible()
    assert fits_the_screen(page)
    page.screenshot(path=ARTIFACTS / f"home-{size}.png", full_page=True)

    page.goto(server + "/no-such-page")
    assert page.get_by_role("heading", level=1).inner_text() == "页面不存在"
    assert fits_the_screen(page)
    page.screenshot(path=ARTIFACTS / f"not-found-{size}.png", full_page=True)

    # A form whose CSRF token was tampered with is refused, and the session survives.
    page.goto(server + "/")
    page.eval_on_selector("input[name=csrf_token]", "field => { field.value = 'forged'; }")
    page.get_by_role("button", name="退出登录").click()
    assert page.get_by_role("heading", level=1).inner_text() == "请求已被拒绝"
    assert "表单已过期" in page.locator(".findings").inner_text()
    page.screenshot(path=ARTIFACTS / f"csrf-refused-{size}.png", full_page=True)

    page.goto(server + "/")
    assert page.url == server + "/"
    page.get_by_role("button", name="退出登录").click()
    page.wait_for_url(server + "/login")
    page.goto(server + "/")
    assert page.url.startswith(server + "/login")
    assert failed_requests == []
    context.close()


def test_a_bureau_reviewer_sees_the_province_on_a_phone(server, browser):  # noqa: F811
    ARTIFACTS.mkdir(exist_ok=True)
    context = browser.new_context(locale="zh-CN", **VIEWPORTS["phone"])
    page = context.new_page()
    page.goto(server + "/login")
    page.get_by_label("用户名").fill("gd.reviewer")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_label("密码").press("Enter")
    page.wait_for_url(server + "/")
    assert "广东省" in page.locator(".identity").inner_text()
    assert page.get_by_role("link", name="管局审核").first.is_visible()
    assert fits_the_screen(page)
    page.screenshot(path=ARTIFACTS / "home-bureau-phone.png", full_page=True)
    context.close()
