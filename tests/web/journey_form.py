"""The applicant's side of the browser journey: the guided form and the face check.

Values come from examples/education-enterprise.json; certificate photos, letters and the
face photo are generated (tests/documents), so nothing is downloaded. `shot` is called
with a page name whenever the page is worth a screenshot.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

from PIL import Image, ImageDraw

from tests.documents import paper_photos
from tests.documents.face_photos import encode, portrait
from tests.web.browser_support import expect

Shot = Callable[[str], None]


def paper(title: str, lines: list[str]) -> dict[str, Any]:
    """A photographed letter or permit (1280 x 1800, with a red seal) as an upload payload."""
    page = Image.new("RGB", (1280, 1800), (250, 249, 244))
    draw = ImageDraw.Draw(page)
    draw.text((640, 160), title, fill=(20, 20, 20), font=paper_photos.font(72), anchor="mm")
    for row, text in enumerate(lines):
        draw.text((140, 360 + row * 90), text, fill=(30, 30, 30), font=paper_photos.font(40))
    draw.ellipse((820, 1300, 1120, 1600), outline=(200, 30, 30), width=10)
    draw.text((970, 1450), "公章", fill=(200, 30, 30), font=paper_photos.font(56), anchor="mm")
    buffer = io.BytesIO()
    page.save(buffer, "JPEG", quality=85)
    return {"name": f"{title}.jpg", "mimeType": "image/jpeg", "buffer": buffer.getvalue()}


def jpeg(name: str, image: Any) -> dict[str, Any]:
    """A BGR image as a JPEG upload payload for Playwright's set_input_files."""
    return {"name": f"{name}.jpg", "mimeType": "image/jpeg", "buffer": encode(image, "jpg", 85)}


def _dom(path: str) -> str:
    return "in-" + path.replace(".", "-")


def _beside(page: Any, path: str) -> Any:
    return page.locator(f'[data-findings-for="{path}"]')


def _type_principal(page: Any, prefix: str, info: dict[str, Any], card_address: str) -> None:
    """Fill one principal block from the example and attach both sides of the ID card."""
    for name in ("name", "email", "emergency_contact", "certificate_number",
                 "certificate_validity_date_start", "certificate_validity_date_end"):
        page.fill(f"[name='{prefix}.{name}']", str(info[name]))
    page.fill(f"[name='{prefix}.mobile']", info["mobile"])
    page.select_option(f"[name='{prefix}.certificate_type']", str(info["certificate_type"]))
    start, end = (f"{d[:4]}.{d[4:6]}.{d[6:]}" for d in (
        info["certificate_validity_date_start"], info["certificate_validity_date_end"]))
    page.set_input_files(f"#{_dom(prefix + '.certificate_photo_front')}", jpeg("front", (
        paper_photos.id_card_front(info["name"], info["certificate_number"], card_address))))
    page.set_input_files(f"#{_dom(prefix + '.certificate_photo_back')}",
                         jpeg("back", paper_photos.id_card_back(start, end)))


def fill_the_form(page: Any, example: dict[str, Any], shot: Shot) -> None:
    """Step by step through the guided form, with the live pre-check answering beside fields."""
    subject, applet = example["icp_subject"], example["icp_applets"]
    base, organize = subject["base_info"], subject["organize_info"]
    page.select_option("[name='icp_subject.base_info.type']", str(base["type"]))
    page.fill("[name='icp_subject.base_info.name']", base["name"])
    for level in ("province", "city", "district"):
        select = f"[name='icp_subject.base_info.{level}']"
        page.locator(f"{select} option[value='{base[level]}']").wait_for(state="attached")
        page.select_option(select, base[level])
    # Repeating the district in the address: the live pre-check says so beside the field.
    page.fill("[name='icp_subject.base_info.address']", "北京市海淀区" + base["address"])
    address = _beside(page, "icp_subject.base_info.address")
    address.locator(".ap-finding").first.wait_for()
    shot("applicant-form-live-precheck")
    page.fill("[name='icp_subject.base_info.address']", base["address"])
    expect(address.locator(".ap-finding")).to_have_count(0)
    certificate = "[name='icp_subject.organize_info.certificate_type']"
    page.locator(f"{certificate} option[value='{organize['certificate_type']}']").wait_for(
        state="attached")
    page.select_option(certificate, str(organize["certificate_type"]))
    page.fill("[name='icp_subject.organize_info.certificate_number']",
              organize["certificate_number"])
    page.fill("[name='icp_subject.organize_info.certificate_address']",
              organize["certificate_address"])
    page.set_input_files(f"#{_dom('icp_subject.organize_info.certificate_photo')}", jpeg(
        "licence", paper_photos.business_licence(base["name"], organize["certificate_number"])))
    legal = subject["legal_person_info"]
    page.fill("[name='icp_subject.legal_person_info.name']", legal["name"])
    page.fill("[name='icp_subject.legal_person_info.certificate_number']",
              legal["certificate_number"])
    shot("applicant-form-subject")

    page.get_by_role("button", name="下一步：主体负责人").click()
    prefix = "icp_subject.principal_info"
    _type_principal(page, prefix, subject["principal_info"], "北京市海淀区知春路99号")
    # A phone number one digit short is refused live; the full one clears the message.
    page.fill(f"[name='{prefix}.mobile']", subject["principal_info"]["mobile"][:-1])
    _beside(page, f"{prefix}.mobile").locator(".ap-finding-error").wait_for()
    shot("applicant-form-subject-principal-live")
    page.fill(f"[name='{prefix}.mobile']", subject["principal_info"]["mobile"])
    expect(_beside(page, f"{prefix}.mobile").locator(".ap-finding")).to_have_count(0)
    shot("applicant-form-subject-principal")

    page.get_by_role("button", name="下一步：小程序信息").click()
    info = applet["base_info"]
    page.fill("[name='icp_applets.base_info.appid']", info["appid"])
    page.fill("[name='icp_applets.base_info.name']", info["name"])
    page.locator("summary", has_text="教育").first.click()
    page.get_by_label("儿童教育").check()
    page.get_by_label("培训机构").check()
    permit = info["nrlx_details"][0]
    row = "icp_applets.base_info.nrlx_details.0"
    page.select_option(f"[name='{row}.type']", str(permit["type"]))
    page.fill(f"[name='{row}.code']", permit["code"])
    page.set_input_files(f"#{_dom(row + '.media')}", paper("民办学校办学许可证", [
        f"许可证号：{permit['code']}", f"学校名称：{base['name']}",
        "办学内容：美术、书法、阅读（非学科类）", "发证机关：北京市海淀区教育委员会"]))
    page.fill("[name='icp_applets.base_info.comment']", info["comment"])
    expect(page.locator("[data-service-count] span")).to_have_text("2")
    shot("applicant-form-applet")

    page.get_by_role("button", name="下一步：小程序负责人").click()
    prefix = "icp_applets.principal_info"
    _type_principal(page, prefix, applet["principal_info"], "北京市朝阳区建国路88号")
    page.set_input_files(f"#{_dom(prefix + '.authorization_letter')}", paper("授权书", [
        f"兹授权 {applet['principal_info']['name']} 为「{info['name']}」小程序负责人，",
        "负责该小程序的 ICP 备案事宜。", f"授权单位：{base['name']}",
        f"法定代表人：{legal['name']}"]))
    expect(_beside(page, f"{prefix}.mobile").locator(".ap-finding")).to_have_count(0)
    shot("applicant-form-applet-principal")

    page.get_by_role("button", name="下一步：补充材料").click()
    page.set_input_files("input[name='icp_materials.commitment_letter.upload']", paper(
        "承诺书", ["本单位承诺所填备案信息真实、准确、完整，", "并对小程序的内容和服务承担责任。",
                  f"承诺单位：{base['name']}"]))
    shot("applicant-form-materials")


def face_check(page: Any, filing_id: str, shot: Shot) -> None:
    """From the saved draft to the face-check page: start a task, upload a photo, go back."""
    page.locator("[data-step-link='applet_principal']").click()
    page.get_by_role("link", name="去进行人脸核身").click()
    page.wait_for_url(f"**/filings/{filing_id}/face")
    page.get_by_role("button", name="发起人脸核身").click()
    page.wait_for_url("**/face?done=face_started")
    page.set_input_files("#face-photo", jpeg("me", portrait()))
    page.get_by_role("button", name="上传并检查").click()
    page.locator(".ap-report").wait_for()
    # What a classical check cannot decide (earphones, head covering) goes to the reviewer.
    assert "审核人员人工确认" in page.locator(".ap-verdict").inner_text()
    shot("applicant-face-check")
    page.get_by_role("link", name="← 返回表单").click()
    page.wait_for_url(f"**/filings/{filing_id}/edit*")
    assert "待人工复核" in page.locator(".ap-face").inner_text()
