"""One education filing, from an empty form to the number on the public profile, in Chromium.

Every role uses its own browser context against one live server: the applicant and the
principals on a phone, the reviewers and the operator on a desktop. The worker runs in
this process on the server's clock: the OCR of the uploads, then the texts. Every page
visited is saved as test-artifacts/journey-NN-<name>.png.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy import select

from beian.clock import FixedClock
from beian.db import make_engine, make_sessionmaker
from beian.db.migrate import upgrade
from beian.documents import tasks as document_tasks
from beian.facecheck import service as facecheck
from beian.filings.models import Filing
from beian.notifications.channels import Channels
from beian.worker import load_task_modules, run_once
from tests.journey import EXAMPLE
from tests.web.browser_support import ARTIFACTS, Tab, browser, expect, serving  # noqa: F401
from tests.web.journey_form import face_check, fill_the_form
from tests.web.web_helpers import add_user, make_app

pytestmark = pytest.mark.slow

APPLICANT, PLATFORM, BUREAU, OPERATOR = "qiming", "li.reviewer", "bj.reviewer", "wang.operator"
REVISED_COMMENT = (
    "面向海淀区3至12岁儿童家长的课程服务小程序：家长可查看本机构经海淀区教育委员会许可的"
    "美术、书法和阅读课程介绍与课表，预约线下试听课，查看课后作业反馈；不提供学科类培训，"
    "不含直播和在线支付。"
)
QUEUES = {"platform": "初审队列", "bureau": "管局审核"}
# The service number of a Beijing subject's first service in 2026 (the clock's year).
NUMBER = re.compile(r"京ICP备2026\d{6}号-1X")


@dataclass
class Site:
    """The live server and what the test drives beside it: clock, sessions, worker."""

    url: str
    clock: FixedClock
    sessions: Any
    channels: Channels = field(default_factory=Channels)
    shots: int = 0

    def work(self) -> None:
        """Run the worker once, as `beian worker` would: due timers, then the outbox."""
        run_once(self.sessions, self.clock, self.channels)

    def filing(self) -> Filing:
        """The one filing of this journey, as stored now."""
        with self.sessions() as db:
            return db.scalars(select(Filing)).one()

    def shot(self, tab: Tab, name: str) -> None:
        """Save the page as journey-NN-<name>.png, numbered in the order of the journey."""
        self.shots += 1
        tab.shot(ARTIFACTS / f"journey-{self.shots:02d}-{name}.png")


@pytest.fixture
def site(tmp_path, clock: FixedClock) -> Iterator[Site]:
    """A migrated SQLite file, one user per role, the app on a live port, the worker ready."""
    url = f"sqlite:///{tmp_path}/journey.db"
    upgrade(url)
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    add_user(sessions, clock, APPLICANT, display_name="启明星教育")
    add_user(sessions, clock, PLATFORM, "platform_reviewer", display_name="李初审")
    add_user(sessions, clock, BUREAU, "bureau_reviewer", province="110000",
             display_name="北京管局审核员")
    add_user(sessions, clock, OPERATOR, "operator", display_name="王运营")
    app = make_app(sessions, clock)
    load_task_modules()
    # The worker's OCR reads the uploads from the application's own (encrypted) store.
    document_tasks.use_storage(app.state.storage)
    ARTIFACTS.mkdir(exist_ok=True)
    for old in ARTIFACTS.glob("journey-*.png"):
        old.unlink()
    try:
        with serving(app) as base:
            yield Site(base, clock, sessions)
    finally:
        document_tasks.use_storage(None)
        engine.dispose()


def _claim(site: Site, tab: Tab, who: str, filing_id: str, name: str) -> None:
    """Open the queue from the header, see the filing there and claim it."""
    page = tab.page
    page.get_by_role("link", name=QUEUES[who]).first.click()
    page.wait_for_url(f"{site.url}/review/{who}")
    page.locator(".queue-item", has_text=name).wait_for()
    site.shot(tab, f"{who}-queue")
    page.get_by_role("button", name=f"认领 {name}").click()
    page.wait_for_url(f"{site.url}/review/{filing_id}?notice=claimed")


def _platform_rejects(site: Site, tab: Tab, filing_id: str, example: dict[str, Any]) -> None:
    """Claim, reveal the personal data, record a call, reject on the comment."""
    page = tab.page
    _claim(site, tab, "platform", filing_id, example["icp_applets"]["base_info"]["name"])
    assert "138****8001" in page.locator(".review-main").inner_text()
    # The worker's OCR cross-check of the certificate photos reached the reviewer.
    expect(page.locator(".review-main")).to_contain_text("OCR 核对")
    site.shot(tab, "platform-review-view")
    page.get_by_role("button", name="显示完整信息").click()
    mobile = example["icp_subject"]["principal_info"]["mobile"]
    expect(page.locator(".review-main")).to_contain_text(mobile)
    site.shot(tab, "platform-revealed")
    page.goto(f"{site.url}/review/{filing_id}")
    page.get_by_label("负责人", exact=True).select_option("applet")
    page.get_by_label("通话结果").select_option("reached")
    page.get_by_label("通话备注").fill("李雨桐本人接听，确认负责该小程序")
    page.get_by_role("button", name="保存通话记录").click()
    page.wait_for_url(f"{site.url}/review/{filing_id}?notice=call")
    page.locator(".reject summary").click()
    reason = page.locator("fieldset.reason", has_text="小程序备注未说明实际提供的服务")
    reason.locator("input[name=pick]").check()
    site.shot(tab, "platform-reject-form")
    page.get_by_role("button", name="驳回所选原因").click()
    page.wait_for_url(f"{site.url}/review/{filing_id}?notice=rejected")
    site.shot(tab, "platform-rejected")


def _applicant_fixes_the_comment(site: Site, tab: Tab, filing_id: str) -> None:
    """Read the reason on the detail page, change only that field, resubmit."""
    page = tab.page
    page.goto(f"{site.url}/filings/{filing_id}")
    expect(page.locator(".ap-rejection")).to_contain_text("小程序备注未说明实际提供的服务")
    site.shot(tab, "applicant-rejected")
    page.get_by_role("link", name="修改", exact=True).click()
    page.wait_for_url(f"**/filings/{filing_id}/edit")
    assert page.locator("[name='icp_subject.base_info.name']").count() == 0  # locked
    page.fill("[name='icp_applets.base_info.comment']", REVISED_COMMENT)
    site.shot(tab, "applicant-fix-comment")
    page.get_by_role("button", name="重新提交").click()
    page.wait_for_url(f"{site.url}/filings/{filing_id}?done=resubmitted")
    expect(page.locator(".ap-status")).to_have_text("平台审核中")
    assert site.filing().document["icp_applets"]["base_info"]["comment"] == REVISED_COMMENT


def _codes_from_the_sms_outbox(site: Site, tab: Tab, phones: list[str]) -> dict[str, str]:
    """The operator opens the development SMS outbox and looks each phone up."""
    page = tab.page
    page.get_by_role("link", name="通知发件箱").first.click()
    page.wait_for_url(f"{site.url}/admin/outbox")
    site.shot(tab, "operator-outbox")
    page.get_by_role("link", name="本地短信箱（开发）").click()
    page.wait_for_url(f"{site.url}/admin/outbox/sms")
    site.shot(tab, "operator-sms")
    codes = {}
    for mobile in phones:
        page.get_by_label("按手机号查看").fill(mobile)
        page.get_by_role("button", name="查看", exact=True).click()
        page.wait_for_load_state()
        assert mobile not in page.url  # the number went in the form's body (SPEC §10)
        texts = page.locator(".sms-text").all_inner_texts()
        assert len(texts) == 1, texts
        assert mobile[:3] + "****" + mobile[-4:] in page.locator(".sms-head").inner_text()
        codes[mobile] = re.findall(r"(?<!\d)\d{6}(?!\d)", texts[0])[0]
    site.shot(tab, "operator-sms-one-phone")
    return codes


def _enter_code(tab: Tab, person: dict[str, Any], code: str) -> None:
    page = tab.page
    page.get_by_label("手机号码").fill(person["mobile"])
    page.get_by_label("证件号码").fill(person["certificate_number"])
    page.get_by_label("验证码").fill(code)
    page.get_by_role("button", name="提交验证码").click()


def _principals_verify(site: Site, tab: Tab, address: str, people: list[dict[str, Any]],
                       codes: dict[str, str]) -> None:
    """Each principal on the verification page, no login: a wrong code, then the right ones."""
    page = tab.page
    page.goto(address)
    site.shot(tab, "verify-empty")
    first, second = people
    code = codes[first["mobile"]]
    _enter_code(tab, first, f"{(int(code) + 1) % 1_000_000:06d}")
    expect(page.get_by_role("alert")).to_contain_text("还可再试 4 次")
    expect(page.locator(".verify-status")).to_contain_text("4 次")
    site.shot(tab, "verify-wrong-code")
    _enter_code(tab, first, code)
    expect(page.locator(".verify-success")).to_contain_text("还需另一位负责人")
    site.shot(tab, "verify-subject-principal-done")
    page.goto(address)
    _enter_code(tab, second, codes[second["mobile"]])
    expect(page.locator(".verify-success")).to_contain_text("全部负责人已完成短信核验")
    site.shot(tab, "verify-all-done")


def _public_sees(site: Site, tab: Tab, appid: str, issued: str, people: list[dict[str, Any]]
                 ) -> None:
    """The profile shows the number and links to the query; neither shows personal data."""
    page = tab.page
    page.goto(f"{site.url}/applets/{appid}")
    link = page.locator(".record-link")
    assert issued in link.inner_text()
    site.shot(tab, "public-profile")
    pages = [page.content()]
    link.click()
    page.wait_for_url("**/query?q=*")
    expect(page.locator(".results .record-number")).to_have_text(issued)
    site.shot(tab, "public-query")
    pages.append(page.content())
    secrets = [person[key] for person in people
               for key in ("mobile", "emergency_contact", "certificate_number")]
    assert [s for s in secrets if any(s in html for html in pages)] == []


def _tab(browser: Any, site: Site, size: str, username: str | None = None) -> Tab:  # noqa: F811
    tab = Tab(browser, site.url, size)
    if username:
        tab.log_in(username)
    return tab


def test_one_filing_from_an_empty_form_to_the_public_number(site, browser):  # noqa: F811
    example = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    people = [example["icp_subject"]["principal_info"], example["icp_applets"]["principal_info"]]
    name, appid = (example["icp_applets"]["base_info"][key] for key in ("name", "appid"))

    # 1. The applicant fills the guided form on a phone, checks the face, saves, submits.
    applicant = _tab(browser, site, "phone", APPLICANT)
    page = applicant.page
    site.shot(applicant, "applicant-home")
    page.get_by_role("link", name="新建备案").first.click()
    page.wait_for_url(site.url + "/filings/new")
    assert not page.locator("#step-applet").is_visible()  # one step at a time
    site.shot(applicant, "applicant-form-empty")
    fill_the_form(page, example, lambda name: site.shot(applicant, name))
    page.get_by_role("button", name="保存草稿").click()
    page.wait_for_url("**/edit?done=created")
    filing_id = site.filing().id
    site.shot(applicant, "applicant-draft-saved")
    face_check(page, filing_id, lambda name: site.shot(applicant, name))
    site.clock.advance(minutes=10)
    page.get_by_role("button", name="提交备案").click()
    page.wait_for_url(f"{site.url}/filings/{filing_id}?done=submitted")
    expect(page.locator(".ap-status")).to_have_text("平台审核中")
    site.shot(applicant, "applicant-submitted")
    stored = site.filing().document
    assert stored["icp_applets"]["principal_info"]["mobile"] == people[1]["mobile"]
    assert stored["icp_applets"]["base_info"]["service_content_types"] == [78, 79]
    assert len(stored["icp_materials"]["commitment_letter"]) == 1
    site.work()  # the OCR cross-check of the certificate photos, for the reviewer

    # 2. Platform review: rejected on the comment, fixed, resubmitted, approved.
    site.clock.advance(hours=1)
    platform = _tab(browser, site, "desktop", PLATFORM)
    _platform_rejects(site, platform, filing_id, example)
    site.clock.advance(hours=2)
    _applicant_fixes_the_comment(site, applicant, filing_id)
    site.clock.advance(hours=1)
    _claim(site, platform, "platform", filing_id, name)
    platform.page.get_by_role("button", name="通过初审").click()
    platform.page.wait_for_url(f"{site.url}/review/{filing_id}?notice=approved")
    site.shot(platform, "platform-approved")
    platform.close()
    task_id = site.filing().document["icp_applets"]["principal_info"]["verify_task_id"]
    with site.sessions() as db:  # the photo the machine left to a human was settled
        assert facecheck.status_at(facecheck.get_task(db, task_id), site.clock.now()) == "passed"

    # 3. The texts go out; the operator reads the codes; each principal enters theirs.
    site.work()
    operator = _tab(browser, site, "desktop", OPERATOR)
    codes = _codes_from_the_sms_outbox(site, operator, [p["mobile"] for p in people])
    operator.close()
    # The applicant's detail page explains the step and links the page to forward.
    page.goto(f"{site.url}/filings/{filing_id}")
    expect(page.locator(".ap-status")).to_have_text("管局审核中（待短信核验）")
    verify_page = page.get_by_role("link", name="打开短信核验页面").get_attribute("href")
    site.shot(applicant, "applicant-sms-step")
    site.clock.advance(hours=3)
    visitor = _tab(browser, site, "phone")
    _principals_verify(site, visitor, site.url + verify_page, people, codes)

    # 4. The Beijing bureau approves and the number is issued.
    site.clock.advance(hours=20)
    bureau = _tab(browser, site, "desktop", BUREAU)
    _claim(site, bureau, "bureau", filing_id, name)
    site.shot(bureau, "bureau-review-view")
    bureau.page.get_by_role("button", name="审核通过并分配备案号").click()
    bureau.page.wait_for_url(f"{site.url}/review/{filing_id}?notice=bureau_approved")
    issued = bureau.page.locator(".record-number strong").inner_text()
    assert NUMBER.fullmatch(issued), issued
    assert site.filing().record_number == issued
    site.shot(bureau, "bureau-number")
    bureau.close()

    # The next day the applicant logs in again (the idle session has ended): filed.
    site.work()
    applicant.log_in(APPLICANT)
    page.goto(f"{site.url}/filings/{filing_id}")
    expect(page.locator(".ap-status")).to_have_text("已备案")
    assert issued in page.locator(".ap-record").inner_text()
    site.shot(applicant, "applicant-filed")
    page.get_by_role("link", name="站内信").first.click()
    page.wait_for_url(f"{site.url}/inbox")
    expect(page.locator("main")).to_contain_text(issued)
    site.shot(applicant, "applicant-inbox")
    applicant.close()

    # 5. The public profile and query.
    _public_sees(site, visitor, appid, issued, people)
    visitor.close()
