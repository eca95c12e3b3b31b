"""A real browser walks the reviewers' pages and the verification page, at desktop and phone
size; screenshots land in test-artifacts/ (review-*.png, verify-*.png) for people to look at."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from datetime import datetime

import pytest

import beian.provinces.models  # noqa: F401  (the app reads it; beian.db.models does not list it yet)
from beian.clock import CHINA_TZ, FixedClock
from beian.db import make_engine, make_sessionmaker
from beian.db.models import metadata
from beian.documents.models import Media
from beian.documents.storage import LocalStorage, new_key, new_media_id
from beian.facecheck import service as facecheck
from beian.filings import review
from beian.testing.media import store_placeholder_files
from tests.documents import paper_photos
from tests.documents.face_photos import encode, portrait
from tests.journey import (
    APPLICANT,
    World,
    example_document,
    platform_approved,
    principal,
    verify_all,
)
from tests.journey import submitted as submit_filing
from tests.web.browser_support import (  # noqa: F401  (browser is a fixture)
    ARTIFACTS,
    VIEWPORTS,
    browser,
    fits_the_screen,
    serving,
)
from tests.web.web_helpers import PASSWORD, add_user, make_app

pytestmark = pytest.mark.slow


def _upload(world: World, storage: LocalStorage, field: str, image, **extra) -> str:
    data = encode(image, "jpg", 80)
    media_id = new_media_id()
    key = new_key(media_id, "jpg")
    storage.put(key, data)
    height, width = image.shape[:2]
    world.act(
        lambda s: s.add(
            Media(
                id=media_id,
                owner_key=APPLICANT,
                field=field,
                kind="certificate",
                content_type="image/jpeg",
                size=len(data),
                width=width,
                height=height,
                sha256="0" * 64,
                storage_key=key,
                created_at=world.clock.now(),
                **extra,
            )
        )
    )
    return media_id


def _face_in_review(world: World, photo_id: str) -> str:
    now = world.clock.now()
    task = world.act(
        lambda s: facecheck.create_task(
            s, applicant_key=APPLICANT, principal_name="李雨桐", now=now
        )
    )
    components = [
        {"name": "SingleFacePresent", "value": 1, "threshold": "== 1", "result": "pass"},
        {"name": "HeadSize", "value": 0.41, "threshold": ">= 0.25", "result": "pass"},
        {"name": "BackgroundLuminance", "value": 231.5, "threshold": ">= 170", "result": "pass"},
        {"name": "Sharpness", "value": 48.2, "threshold": ">= 25", "result": "pass"},
        {"name": "EyesOpen", "value": 0.31, "threshold": ">= 0.15", "result": "pass"},
        {"name": "NoEarphones", "value": None, "threshold": "human", "result": "review"},
        {"name": "NoHeadCoverings", "value": None, "threshold": "human", "result": "review"},
    ]
    report = {
        "verdict": "review",
        "components": components,
        "hints": ["照片将由审核人员人工确认：帽子或头饰、耳机"],
        "media_id": photo_id,
    }
    world.act(
        lambda s: facecheck.record_result(
            s, task_id=task.id, now=now, verdict="review", report=report
        )
    )
    return task.id


def _named(world: World, name: str, appid: str) -> dict:
    document = example_document(world)
    document["icp_applets"]["base_info"].update(name=name, appid=appid)
    return document


@pytest.fixture
def site(tmp_path) -> Iterator[dict]:
    """A server with a queue of filings (one overdue, one held by another reviewer)."""
    clock = FixedClock(datetime(2026, 3, 2, 9, 0, tzinfo=CHINA_TZ))
    engine = make_engine(f"sqlite:///{tmp_path}/browser.db")
    metadata.create_all(engine)
    sessions = make_sessionmaker(engine)
    world = World(sessions, clock)
    storage = LocalStorage(tmp_path / "storage")
    add_user(sessions, clock, "li.reviewer", "platform_reviewer", display_name="李初审")
    add_user(sessions, clock, "zhao.reviewer", "platform_reviewer", display_name="赵初审")
    add_user(
        sessions,
        clock,
        "bj.reviewer",
        "bureau_reviewer",
        province="110000",
        display_name="北京管局",
    )

    late = submit_filing(world, _named(world, "启明星作业本", "wx0a1b2c3d4e5f6a01"))
    clock.set(datetime(2026, 3, 4, 10, 0, tzinfo=CHINA_TZ))  # Wednesday
    held = submit_filing(world, _named(world, "启明星课表", "wx0a1b2c3d4e5f6a02"))
    clock.set(datetime(2026, 3, 5, 10, 0, tzinfo=CHINA_TZ))  # Thursday: the first is overdue
    world.act(
        lambda s: review.claim(
            s, filing_id=held, reviewer="zhao.reviewer", stage="platform", now=clock.now()
        )
    )
    document = _named(world, "启明星学堂", "wx0a1b2c3d4e5f6a03")
    store_placeholder_files(storage, document)  # the page shows every image it names
    licence = _upload(
        world,
        storage,
        "icp_subject.organize_info.certificate_photo",
        paper_photos.business_licence("北京启明星教育科技有限公司", "91110108MA01BC2K31"),
        check_report={
            "verdict": "pass",
            "components": [
                {
                    "name": "Resolution",
                    "value": "1280x1800",
                    "threshold": ">= 720x1280",
                    "result": "pass",
                },
                {"name": "Colour", "value": 21.3, "threshold": ">= 8", "result": "pass"},
                {"name": "Sharpness", "value": 412.8, "threshold": ">= 60", "result": "pass"},
            ],
            "hints": [],
        },
        ocr_findings={"kind": "business_licence", "read": {}, "findings": []},
    )
    front = _upload(
        world,
        storage,
        "icp_applets.principal_info.certificate_photo_front",
        paper_photos.id_card_front("李雨桐", "110105199207080022"),
        ocr_findings={
            "kind": "id_card_front",
            "read": {},
            "findings": [
                {
                    "errcode": 6210,
                    "err_field": "icp_applets.principal_info.certificate_photo_front",
                    "errmsg": "未能从证件照片中识别出名称或姓名，无法与填写的「李雨桐」核对",
                    "suggest": "请确认照片清晰、完整；审核人员将人工核对",
                    "severity": "warning",
                }
            ],
        },
    )
    document["icp_subject"]["organize_info"]["certificate_photo"] = licence
    document["icp_applets"]["principal_info"]["certificate_photo_front"] = front
    photo = _upload(world, storage, "icp_applets.principal_info.face_photo", portrait())
    document["icp_applets"]["principal_info"]["verify_task_id"] = _face_in_review(world, photo)
    fresh = submit_filing(world, document)

    texted = _named(world, "启明星绘本", "wx0a1b2c3d4e5f6a04")
    sms_filing = platform_approved(world, copy.deepcopy(texted))
    app = make_app(sessions, clock)
    app.state.storage = storage
    with serving(app) as url:
        yield {
            "url": url,
            "world": world,
            "late": late,
            "held": held,
            "fresh": fresh,
            "sms_filing": sms_filing,
            "sms_principal": principal(texted),
        }
    engine.dispose()


def _login(context, url: str, username: str):
    page = context.new_page()
    page.goto(url + "/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(url + "/")
    return page


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_a_platform_reviewer_works_through_the_queue(site, browser, size):  # noqa: F811
    ARTIFACTS.mkdir(exist_ok=True)
    url = site["url"]
    context = browser.new_context(locale="zh-CN", **VIEWPORTS[size])
    page = _login(context, url, "li.reviewer")
    failed: list[str] = []
    page.on("requestfailed", lambda request: failed.append(request.url))

    page.goto(url + "/review/platform")
    items = page.locator(".queue-item")
    assert items.count() == 3
    assert "已超时" in items.nth(0).inner_text() and "启明星作业本" in items.nth(0).inner_text()
    assert "已由 zhao.reviewer 认领" in items.nth(1).inner_text()
    assert fits_the_screen(page)
    page.screenshot(path=ARTIFACTS / f"review-queue-{size}.png", full_page=True)

    page.get_by_role("button", name="认领 启明星学堂").click()
    page.wait_for_url(f"{url}/review/{site['fresh']}?notice=claimed")
    assert "已认领" in page.get_by_role("status").first.inner_text()
    assert page.locator(".review-main img").count() == 1  # the licence; the ID card waits
    assert "138****8001" in page.locator(".review-main").inner_text()
    assert fits_the_screen(page)
    page.screenshot(path=ARTIFACTS / f"review-view-{size}.png", full_page=True)

    page.get_by_role("button", name="显示完整信息").click()
    page.wait_for_load_state()
    assert "13800138001" in page.locator(".review-main").inner_text()
    page.locator(".review-main img").nth(2).wait_for()  # licence, ID card and face photo
    loaded = "[...document.querySelectorAll('.review-main img')].every(i => i.naturalWidth > 0)"
    assert page.evaluate(loaded)
    page.screenshot(path=ARTIFACTS / f"review-revealed-{size}.png", full_page=True)

    page.goto(f"{url}/review/{site['fresh']}")
    page.get_by_label("通话结果").select_option("reached")
    page.get_by_label("通话备注").fill("负责人本人确认小程序用于课程预约")
    page.get_by_role("button", name="保存通话记录").click()
    page.wait_for_url(f"{url}/review/{site['fresh']}?notice=call")
    assert "已接通，核实无误" in page.locator(".calls").inner_text()

    page.locator(".reject summary").click()
    page.get_by_role("button", name="驳回所选原因").click()
    assert "驳回时至少选择一条原因" in page.get_by_role("alert").inner_text()
    assert page.locator(".reject[open]").count() == 1  # the form stays open to be corrected
    page.locator("input[name=pick]").nth(1).check()
    page.locator("#reason-1-error").fill("营业执照照片反光，请重新拍摄")
    assert fits_the_screen(page)
    page.locator(".reject").screenshot(path=ARTIFACTS / f"review-reject-form-{size}.png")
    page.get_by_role("button", name="驳回所选原因").click()
    page.wait_for_url(f"{url}/review/{site['fresh']}?notice=rejected")
    assert "营业执照照片反光" in page.locator(".rejection").inner_text()
    assert failed == []
    context.close()


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_a_principal_verifies_on_the_page_the_sms_points_to(site, browser, size):  # noqa: F811
    ARTIFACTS.mkdir(exist_ok=True)
    url, world = site["url"], site["world"]
    mobile, number = site["sms_principal"]
    context = browser.new_context(locale="zh-CN", **VIEWPORTS[size])
    page = context.new_page()
    page.goto(url + "/verify")
    assert page.get_by_role("heading", level=1).inner_text() == "短信核验"
    assert fits_the_screen(page)
    page.screenshot(path=ARTIFACTS / f"verify-{size}.png", full_page=True)

    code = world.latest_code(mobile)
    page.get_by_label("手机号码").fill(mobile)
    page.get_by_label("证件号码").fill(number)
    page.get_by_label("验证码").fill(f"{(int(code) + 1) % 1_000_000:06d}")
    page.get_by_role("button", name="提交验证码").click()
    assert "还可再试 4 次" in page.get_by_role("alert").inner_text()
    assert "4 次" in page.locator(".verify-status").inner_text()
    assert number not in page.url and mobile not in page.url
    assert fits_the_screen(page)
    page.screenshot(path=ARTIFACTS / f"verify-wrong-code-{size}.png", full_page=True)

    page.get_by_label("验证码").fill(world.latest_code(mobile))
    page.get_by_role("button", name="提交验证码").click()
    assert "核验成功" in page.locator(".verify-success").inner_text()
    assert fits_the_screen(page)
    page.screenshot(path=ARTIFACTS / f"verify-done-{size}.png", full_page=True)
    context.close()


def test_a_bureau_reviewer_approves_and_sees_the_number(site, browser):  # noqa: F811
    ARTIFACTS.mkdir(exist_ok=True)
    url, world, filing_id = site["url"], site["world"], site["sms_filing"]
    document = world.filing(filing_id).document
    verify_all(world, document, filing_id)
    context = browser.new_context(locale="zh-CN", **VIEWPORTS["phone"])
    page = _login(context, url, "bj.reviewer")
    page.goto(url + "/review/bureau")
    assert page.locator(".queue-item").count() == 1
    page.get_by_role("button", name="认领 启明星绘本").click()
    page.wait_for_url(f"{url}/review/{filing_id}?notice=claimed")
    page.get_by_role("button", name="审核通过并分配备案号").click()
    page.wait_for_url(f"{url}/review/{filing_id}?notice=bureau_approved")
    number = world.filing(filing_id).record_number
    assert number in page.locator(".record-number").inner_text()
    assert fits_the_screen(page)
    page.screenshot(path=ARTIFACTS / "review-bureau-filed-phone.png")
    context.close()
