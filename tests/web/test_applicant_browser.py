"""The applicant's pages in a real browser (Debian's Chromium via Playwright).

A person fills the guided form step by step at phone size: the city list follows the
province, the comment counter counts, and pre-check messages appear beside the fields
without a reload. Screenshots of every step and page land in test-artifacts/.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from beian.clock import FixedClock
from beian.config import Settings
from beian.db import make_engine, make_sessionmaker
from beian.db.models import metadata
from beian.filings import review, service
from beian.filings.models import Filing
from beian.web.app import create_app
from tests.documents.face_photos import encode, portrait
from tests.journey import APPLICANT, PLATFORM, World, example_document, submitted
from tests.web.browser_support import ARTIFACTS, Tab, browser, expect, serving  # noqa: F401
from tests.web.web_helpers import FAST_HASHER, add_user

pytestmark = pytest.mark.slow


@pytest.fixture
def site(tmp_path, clock: FixedClock) -> Iterator[tuple[str, World]]:
    """Uvicorn on a free loopback port over a fresh SQLite file, and a journey driver."""
    engine = make_engine(f"sqlite:///{tmp_path}/browser.db")
    metadata.create_all(engine)
    sessions = make_sessionmaker(engine)
    add_user(sessions, clock, APPLICANT, display_name="张申请")
    settings = Settings(database_url="sqlite://", storage_dir=tmp_path / "storage")
    app = create_app(settings, sessions=sessions, clock=clock, password_hasher=FAST_HASHER)
    with serving(app) as url:
        yield url, World(sessions, clock)
    engine.dispose()


class Visit:
    """The applicant logged in on a watched tab (failed requests, console errors, 404s)."""

    def __init__(self, chromium, base: str, size: str) -> None:
        self.tab = Tab(chromium, base, size)
        self.tab.log_in(APPLICANT)
        self.page, self.size = self.tab.page, size

    def shot(self, name: str) -> None:
        """Check nothing overflows sideways, then take a full-page screenshot."""
        self.tab.shot(ARTIFACTS / f"applicant-{name}-{self.size}.png")

    def close(self) -> None:
        """Close the tab; fail if anything went wrong while browsing."""
        self.tab.close()


def _beside(page, path: str):
    return page.locator(f'[data-findings-for="{path}"]')


def test_fill_the_guided_form_step_by_step_on_a_phone(site, browser):  # noqa: F811
    base, world = site
    visit = Visit(browser, base, "phone")
    page = visit.page
    page.goto(base + "/filings/new")
    assert page.locator("#step-subject").is_visible()
    assert not page.locator("#step-applet").is_visible()  # one step at a time
    visit.shot("form-1-empty")

    page.select_option("[name='icp_subject.base_info.type']", "4")
    page.fill("[name='icp_subject.base_info.name']", "北京启明星教育科技有限公司")
    page.select_option("[name='icp_subject.base_info.province']", "110000")
    page.locator("[name='icp_subject.base_info.city'] option[value='110100']").wait_for(
        state="attached")
    page.select_option("[name='icp_subject.base_info.city']", "110100")
    page.locator("[name='icp_subject.base_info.district'] option[value='110108']").wait_for(
        state="attached")
    page.select_option("[name='icp_subject.base_info.district']", "110108")
    # The address repeats the district: the live pre-check says so beside it.
    page.fill("[name='icp_subject.base_info.address']", "北京市海淀区知春路99号")
    _beside(page, "icp_subject.base_info.address").locator("li").first.wait_for()
    assert "省" in _beside(page, "icp_subject.base_info.address").inner_text() or \
        "区" in _beside(page, "icp_subject.base_info.address").inner_text()
    page.fill("[name='icp_subject.base_info.address']", "知春路99号3层301室")
    certificate = page.locator("[name='icp_subject.organize_info.certificate_type'] option")
    assert "营业执照（个人或企业）" in certificate.all_inner_texts()
    assert "居民身份证" not in certificate.all_inner_texts()  # filtered by subject type
    page.select_option("[name='icp_subject.organize_info.certificate_type']", "1")
    page.fill("[name='icp_subject.organize_info.certificate_number']", "91110108MA01BC2K31")
    page.fill("[name='icp_subject.organize_info.certificate_address']",
              "北京市海淀区知春路99号3层301室")
    expect(_beside(page, "icp_subject.base_info.address").locator("li")).to_have_count(0)
    visit.shot("form-1-subject")

    page.get_by_role("button", name="下一步：主体负责人").click()
    assert page.locator("#step-subject_principal").is_visible()
    prefix = "icp_subject.principal_info"
    page.fill(f"[name='{prefix}.name']", "张晓明")
    page.fill(f"[name='{prefix}.mobile']", "1380013")
    _beside(page, f"{prefix}.mobile").locator(".ap-finding-error").wait_for()
    # Empty required fields the applicant has not reached yet are counted, not listed.
    expect(_beside(page, "icp_applets.base_info.name").locator("li")).to_have_count(0)
    assert "项必填内容尚未填写" in page.locator("[data-live-status]").inner_text()
    page.fill(f"[name='{prefix}.mobile']", "13800138001")
    page.fill(f"[name='{prefix}.email']", "zhangxiaoming@example.com")
    page.fill(f"[name='{prefix}.emergency_contact']", "13900139001")
    page.select_option(f"[name='{prefix}.certificate_type']", "2")
    page.fill(f"[name='{prefix}.certificate_number']", "110108198503150018")
    page.fill(f"[name='{prefix}.certificate_validity_date_start']", "20150601")
    page.check(f"[name='{prefix}.certificate_validity_date_end.long']")
    assert page.locator(f"[name='{prefix}.certificate_validity_date_end']").is_disabled()
    expect(_beside(page, f"{prefix}.mobile").locator("li")).to_have_count(0)
    visit.shot("form-2-subject-principal")

    page.get_by_role("button", name="下一步：小程序信息").click()
    page.fill("[name='icp_applets.base_info.appid']", "wx0a1b2c3d4e5f6a7b")
    page.fill("[name='icp_applets.base_info.name']", "启明星学堂")
    page.locator("summary", has_text="教育").first.click()
    page.get_by_label("儿童教育").check()
    assert page.locator("[data-service-count] span").inner_text() == "1"
    page.select_option("[name='icp_applets.base_info.nrlx_details.0.type']", "3")
    page.fill("[name='icp_applets.base_info.nrlx_details.0.code']", "教民1101087000001号")
    page.fill("[name='icp_applets.base_info.comment']", "面向家长的课程服务")
    assert page.locator("[data-counter-for] span").inner_text() == "9"
    # The live message counts the same characters as the counter beside the field.
    expect(_beside(page, "icp_applets.base_info.comment")).to_contain_text("只有 9 个字")
    expect(_beside(page, "icp_applets.base_info.appid").locator("li")).to_have_count(0)
    visit.shot("form-3-applet")

    page.get_by_role("button", name="下一步：小程序负责人").click()
    assert page.locator("[data-principal-fields]").is_visible()
    page.check("#same-principal")
    assert not page.locator("[data-principal-fields]").is_visible()
    visit.shot("form-4-applet-principal")

    page.get_by_role("button", name="下一步：补充材料").click()
    visit.shot("form-5-materials")
    page.get_by_role("button", name="保存草稿").click()
    page.wait_for_url("**/edit?done=created")
    assert "草稿已保存" in page.locator(".ap-flash").inner_text()
    saved = world.read(lambda s: s.query(Filing).one())
    assert saved.document["icp_subject"]["base_info"]["district"] == "110108"
    assert saved.document["icp_applets"]["principal_info"]["name"] == "张晓明"
    # Back from the server, the stepper counts what is still missing in each step.
    assert page.locator("[data-step-errors='subject']").inner_text() != "0"
    visit.shot("form-saved")
    visit.close()


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_progress_rejection_face_check_and_inbox_pages(site, browser, size):  # noqa: F811
    base, world = site
    document = example_document(world)
    filing_id = submitted(world, document)
    world.work()
    visit = Visit(browser, base, size)
    page = visit.page
    page.goto(base + "/filings")
    visit.shot("list")
    page.goto(f"{base}/filings/{filing_id}")
    assert "截止时间" in page.locator(".ap-deadline").inner_text()
    visit.shot("detail-review")
    page.goto(base + "/inbox")
    visit.shot("inbox")

    world.act(lambda s: review.claim(
        s, filing_id=filing_id, reviewer=PLATFORM, stage="platform", now=world.clock.now()))
    world.act(lambda s: review.reject_platform(
        s, filing_id=filing_id, reviewer=PLATFORM, now=world.clock.now(),
        audit_data=[{"field": "icp_subject.base_info.address", "error": "通信地址不详细",
                     "suggest": "请填写到门牌号，例如“XX路XX号XX室”"}]))
    page.goto(f"{base}/filings/{filing_id}")
    assert "通信地址不详细" in page.locator(".ap-rejection").inner_text()
    visit.shot("detail-rejected")
    page.goto(f"{base}/filings/{filing_id}/edit")
    assert page.locator("[name='icp_subject.base_info.address']").is_editable()
    assert page.locator("[name='icp_subject.base_info.name']").count() == 0
    visit.shot("form-rejected")

    page.goto(f"{base}/filings/{filing_id}/face")
    visit.shot("face")
    visit.close()


def test_face_check_report_on_a_phone(site, browser, tmp_path):  # noqa: F811
    base, world = site
    document = example_document(world)
    document["icp_applets"]["principal_info"].pop("verify_task_id")
    filing, _ = world.act(lambda s: service.create_filing(
        s, applicant=APPLICANT, document=document, now=world.clock.now()))
    visit = Visit(browser, base, "phone")
    page = visit.page
    page.goto(f"{base}/filings/{filing.id}/face")
    start_face_check_and_send_a_photo(page, tmp_path, "发起人脸核身")
    page.locator(".ap-report").wait_for()
    assert "照片中只有一张人脸" in page.locator(".ap-report").inner_text()
    visit.shot("face-report")
    visit.close()


def start_face_check_and_send_a_photo(page, tmp_path, start_button: str) -> None:
    """On a face page: start the check with `start_button`, then upload a good portrait."""
    page.get_by_role("button", name=start_button).click()
    page.wait_for_url("**/face?done=face_started")
    photo = tmp_path / "me.jpg"
    photo.write_bytes(encode(portrait()))
    page.set_input_files("#face-photo", str(photo))
    page.get_by_role("button", name="上传并检查").click()
