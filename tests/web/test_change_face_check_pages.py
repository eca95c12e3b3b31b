"""A change of a filed record months later: a new face check from the change form, through
the face pages, into the submitted change; and the API's startChangeFaceCheck."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from beian.audit.models import AuditEntry
from beian.facecheck import service as facecheck
from beian.filings.face_change import START_ACTION
from tests.documents.face_photos import encode, portrait
from tests.journey import APPLICANT, edited, filed
from tests.web.api_support import OTHER_APPLICANT, Api
from tests.web.applicant_helpers import (
    OTHER,
    applicant_app,
    as_data,
    browser_post,
    findings_beside,
    logged_in,
    replace,
    token,
)
from tests.web.web_helpers import api_token, assert_findings

FACE_FIELD = "icp_applets.principal_info.verify_task_id"
COMMENT = "icp_applets.base_info.comment"
NEW_COMMENT = "面向海淀区3至15岁儿童家长的课程服务小程序：展示美术、书法和阅读课程，提供试听预约。"
MONTHS_LATER = timedelta(days=120)


@pytest.fixture
def app(sessions, clock, tmp_path):
    return applicant_app(sessions, clock, tmp_path / "storage")


def _start(client, record_id, **fields):
    body = {"csrf_token": token(client, f"/filings/{record_id}/face"), **fields}
    return client.post(f"/filings/{record_id}/face/task", data=body, follow_redirects=False)


def _upload_photo(client, record_id):
    return client.post(
        f"/filings/{record_id}/face/photo",
        data={"csrf_token": token(client, f"/filings/{record_id}/face")},
        files={"photo": ("me.jpg", encode(portrait()), "image/jpeg")},
    )


def _submit(client, record_id, fields):
    return client.post(f"/filings/{record_id}/change",
                       data=as_data([*fields, ("action", "submit")]), follow_redirects=False)


def _change_tasks(world, record_id):
    return world.read(lambda s: facecheck.latest_for_record(
        s, record_id=record_id, applicant_key=APPLICANT))


def test_a_change_months_later_takes_a_new_face_check_from_the_change_form(app, world, document):
    record_id = filed(world, document)
    world.clock.advance(MONTHS_LATER)
    client = logged_in(app)  # a login of months ago has expired
    record_before = world.filing(record_id)

    form = client.get(f"/filings/{record_id}/change").text
    assert "须由小程序负责人重新完成人脸核身" in form and "已过期" in form
    assert f'href="/filings/{record_id}/face">为本次变更进行人脸核身' in form
    stale = replace(browser_post(form), COMMENT, NEW_COMMENT)  # filled in before the check
    refused = _submit(client, record_id, stale)
    assert refused.status_code == 422
    assert "已过期" in findings_beside(refused.text, FACE_FIELD)

    page = client.get(f"/filings/{record_id}/face").text
    assert "变更的人脸核身" in page and "为本次变更发起人脸核身" in page
    assert f'href="/filings/{record_id}/change#step-applet_principal"' in page
    started = _start(client, record_id)
    assert started.headers["location"] == f"/filings/{record_id}/face?done=face_started"
    task = _change_tasks(world, record_id)
    assert task is not None and task.status == "pending"
    record = world.filing(record_id)
    assert (record.document, record.version) == (record_before.document, record_before.version)

    checked = _upload_photo(client, record_id)
    assert checked.status_code == 200 and "照片检查结果" in checked.text
    assert world.read(lambda s: facecheck.get_task(s, task.id)).status in ("passed", "review")
    assert "返回变更表单提交变更" in checked.text
    again = client.get(f"/filings/{record_id}/change").text
    assert "须由小程序负责人重新完成人脸核身" not in again and "查看本次变更的人脸核身" in again
    assert f'value="{task.id}"' in again

    response = _submit(client, record_id, stale)  # the form from before still names the new task
    assert response.status_code == 303, response.text
    change_id = re.fullmatch(r"/filings/(\w+)\?done=change_submitted",
                             response.headers["location"]).group(1)
    change = world.filing(change_id)
    assert change.status == "platform_review" and change.replaces_id == record_id
    assert change.document["icp_applets"]["principal_info"]["verify_task_id"] == task.id
    assert change.document["icp_applets"]["base_info"]["comment"] == NEW_COMMENT
    assert world.filing(record_id).status == "filed"


def test_the_face_page_of_a_record_refuses_clearly_and_never_for_someone_else(app, world,
                                                                             document):
    record_id = filed(world, document)
    world.clock.advance(MONTHS_LATER)
    client = logged_in(app)
    other = logged_in(app, OTHER)
    assert other.get(f"/filings/{record_id}/face").status_code == 404
    body = {"csrf_token": token(other, "/filings")}
    assert other.post(f"/filings/{record_id}/face/task", data=body,
                      follow_redirects=False).status_code == 404

    assert _start(client, record_id).status_code == 303
    twice = _start(client, record_id)
    assert twice.status_code == 409 and "仍在进行" in twice.text and "上传照片" in twice.text
    assert _upload_photo(client, record_id).status_code == 200

    changed = edited(world.filing(record_id).document, FACE_FIELD,
                     _change_tasks(world, record_id).id)
    world.change(record_id, changed)
    page = client.get(f"/filings/{record_id}/face").text
    assert "变更正在办理" in page and "为本次变更发起人脸核身" not in page
    assert "返回变更表单提交变更" not in page
    refused = _start(client, record_id)
    assert refused.status_code == 409 and "变更正在办理" in refused.text


@pytest.fixture
def api(sessions, clock, tmp_path):
    return Api(sessions, clock, tmp_path / "storage")


def test_the_api_starts_a_face_check_for_a_change_and_the_change_names_it(api, world, document):
    record_id = filed(world, document)
    world.clock.advance(MONTHS_LATER)
    for user in (APPLICANT, OTHER_APPLICANT):  # tokens of months ago have expired
        api.tokens[user] = api_token(api.client, user)
    path = f"/filings/{record_id}/change/face-task"
    assert_findings(api.call("POST", path, OTHER_APPLICANT), 404)
    assert api.call("POST", path).status_code == 401
    task = api.ok("POST", path, APPLICANT)
    assert task["status"] == "pending" and task["principal_name"]
    refused = assert_findings(api.call("POST", path, APPLICANT), 409)
    assert refused[0]["err_field"] == FACE_FIELD

    photo = api.call("POST", "/face-tasks/photo", data={"task_id": task["id"]},
                     files={"photo": ("me.jpg", encode(portrait()), "image/jpeg")})
    assert photo.status_code == 200, photo.text
    changed = edited(world.filing(record_id).document, FACE_FIELD, task["id"])
    change = api.ok("POST", f"/filings/{record_id}/change", APPLICANT, json=changed)
    assert change["status"] == "platform_review" and change["kind"] == "change"
    after = assert_findings(api.call("POST", path, APPLICANT), 409)
    assert after[0]["err_field"] == "status"
    audited = world.read(lambda s: s.scalar(
        select(func.count()).select_from(AuditEntry).where(AuditEntry.action == START_ACTION)))
    assert audited == 1


def test_the_api_starts_the_check_of_a_new_principal_the_change_will_name(api, world, document):
    record_id = filed(world, document)
    world.clock.advance(MONTHS_LATER)
    api.tokens[APPLICANT] = api_token(api.client, APPLICANT)
    path = f"/filings/{record_id}/change/face-task"
    refused = assert_findings(api.call("POST", path, APPLICANT, json={"principal_name": ""}), 422)
    assert refused[0]["err_field"].endswith("principal_name")
    task = api.ok("POST", path, APPLICANT, json={"principal_name": "王小明"})
    assert task["principal_name"] == "王小明"
    stored = world.read(lambda s: facecheck.get_task(s, task["id"]))
    assert stored.principal_name == "王小明" and stored.record_id == record_id


def test_the_face_page_starts_the_check_of_a_new_principal(app, world, document):
    record_id = filed(world, document)
    world.clock.advance(MONTHS_LATER)
    client = logged_in(app)
    old_name = document["icp_applets"]["principal_info"]["name"]
    page = client.get(f"/filings/{record_id}/face").text
    assert f'name="principal_name" value="{old_name}"' in page
    assert _start(client, record_id).status_code == 303
    assert _change_tasks(world, record_id).principal_name == old_name
    _upload_photo(client, record_id)

    # The old principal passed; the form still offers a check, now of the new principal.
    page = client.get(f"/filings/{record_id}/face").text
    assert "返回变更表单提交变更" in page and 'name="principal_name"' in page
    refused = _start(client, record_id, principal_name="王" * 65)
    assert refused.status_code == 422 and "64 个字符" in refused.text
    world.clock.advance(timedelta(minutes=5))
    assert _start(client, record_id, principal_name="王小明").status_code == 303
    task = _change_tasks(world, record_id)
    assert (task.principal_name, task.status) == ("王小明", "pending")
    page = client.get(f"/filings/{record_id}/face").text
    assert 'name="principal_name" value="王小明"' in page
    again = _start(client, record_id, principal_name="王小明")
    assert again.status_code == 409 and "不能重新发起" in again.text
