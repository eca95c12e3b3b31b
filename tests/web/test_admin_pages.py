"""Operator pages: who may open them, users and roles, the read-only dictionaries."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from beian.accounts.models import LoginSession, User
from beian.audit.models import AuditEntry
from tests.web.web_helpers import PASSWORD, add_user, csrf_from, make_app, page_login

ADMIN_PAGES = [
    "/admin/users",
    "/admin/dictionaries",
    "/admin/dictionaries/services",
    "/admin/dictionaries/nrlx",
    "/admin/dictionaries/districts",
    "/admin/calendar",
    "/admin/provinces",
    "/admin/provinces/440000",
    "/admin/outbox",
    "/admin/outbox/sms",
    "/admin/audit",
    "/admin/audit/verify",
]
ADMIN_ACTIONS = [
    "/admin/users",
    "/admin/users/1/deactivate",
    "/admin/users/1/reactivate",
    "/admin/calendar/import",
    "/admin/provinces/440000",
    "/admin/outbox/1/retry",
]


@pytest.fixture
def app(sessions, clock):
    add_user(sessions, clock, "boss", "operator", display_name="王运营")
    add_user(sessions, clock, "zhang.san", display_name="张三")
    add_user(sessions, clock, "reviewer", "platform_reviewer")
    return make_app(sessions, clock)


@pytest.fixture
def operator(app):
    client = TestClient(app)
    page_login(client, "boss")
    return client


def _users(sessions) -> dict[str, User]:
    with sessions() as db:
        return {u.username: u for u in db.scalars(select(User))}


def _create(client, **fields):
    form = {"username": "", "display_name": "", "password": PASSWORD, "role": "applicant",
            "province": ""}
    form.update(fields)
    form["csrf_token"] = csrf_from(client.get("/admin/users").text)
    return client.post("/admin/users", data=form, follow_redirects=False)


@pytest.mark.parametrize("url", ADMIN_PAGES)
def test_every_operator_page_opens_for_an_operator(operator, url):
    response = operator.get(url)
    assert response.status_code == 200, response.text
    assert '<html lang="zh-CN">' in response.text
    assert "<h1>" in response.text


@pytest.mark.parametrize("url", ADMIN_PAGES)
def test_anonymous_visitors_are_sent_to_log_in(app, url):
    response = TestClient(app).get(url, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login?next=%2Fadmin%2F")


@pytest.mark.parametrize("username", ["zhang.san", "reviewer"])
@pytest.mark.parametrize("url", ADMIN_PAGES)
def test_other_roles_are_refused(app, username, url):
    client = TestClient(app)
    page_login(client, username)
    response = client.get(url)
    assert response.status_code == 403
    assert "没有权限" in response.text


@pytest.mark.parametrize("url", ADMIN_ACTIONS)
def test_other_roles_cannot_act_either(app, sessions, url):
    client = TestClient(app)
    page_login(client, "zhang.san")
    token = csrf_from(client.get("/").text)
    response = client.post(url, data={"csrf_token": token, "username": "intruder",
                                       "password": PASSWORD, "role": "operator"})
    assert response.status_code == 403
    assert "intruder" not in _users(sessions)
    assert _users(sessions)["boss"].is_active


def test_operators_see_links_to_every_operator_page(operator):
    html = operator.get("/").text
    for href in ("/admin/users", "/admin/dictionaries", "/admin/calendar", "/admin/provinces",
                 "/admin/outbox", "/admin/audit"):
        assert f'href="{href}"' in html


# Users and roles


def test_the_user_list_shows_role_and_province(operator, sessions, clock):
    add_user(sessions, clock, "gd.reviewer", "bureau_reviewer", province="440000",
             display_name="广东审核")
    html = operator.get("/admin/users").text
    assert "gd.reviewer" in html and "广东审核" in html
    assert "管局审核员" in html and "广东省" in html
    only = operator.get("/admin/users?role=bureau_reviewer").text
    assert "gd.reviewer" in only and "zhang.san" not in only


def test_creating_a_bureau_reviewer(operator, sessions):
    response = _create(operator, username="Li.Si", display_name="李四",
                       role="bureau_reviewer", province="320000")
    assert response.status_code == 303
    assert response.headers["location"] == "/admin/users?created=li.si"
    created = _users(sessions)["li.si"]
    assert (created.role, created.province, created.display_name) == (
        "bureau_reviewer", "320000", "李四")
    page = operator.get(response.headers["location"]).text
    assert "已创建账号 <strong>li.si</strong>" in page
    # The new account can log in with the password that was set.
    assert page_login(TestClient(operator.app), "li.si").status_code == 303
    with sessions() as db:
        entry = db.scalars(select(AuditEntry)).one()
    assert (entry.actor, entry.action, entry.target_id) == ("boss", "user.create", "li.si")


def test_a_province_left_selected_is_dropped_for_other_roles(operator, sessions):
    assert _create(operator, username="wang.wu", role="applicant",
                   province="320000").status_code == 303
    assert _users(sessions)["wang.wu"].province is None


def test_a_duplicate_username_is_shown_beside_the_field(operator, sessions):
    response = _create(operator, username="ZHANG.SAN", display_name="另一个张三")
    assert response.status_code == 409
    html = response.text
    assert 'id="username-error"' in html and "用户名已被使用：zhang.san" in html
    assert 'aria-invalid="true" aria-describedby="username-error"' in html
    # What was typed is kept, except the password.
    assert 'value="另一个张三"' in html and PASSWORD not in html
    assert _users(sessions)["zhang.san"].display_name == "张三"


def test_a_bureau_reviewer_without_province_is_refused_on_the_form(operator, sessions):
    response = _create(operator, username="no.province", role="bureau_reviewer")
    assert response.status_code == 422
    assert 'id="province-error"' in response.text
    assert "管局审核员必须绑定一个省份" in response.text
    assert '<option value="bureau_reviewer" selected>' in response.text
    assert "no.province" not in _users(sessions)


def test_a_short_password_is_refused_on_the_form(operator, sessions):
    response = _create(operator, username="short.pw", password="1234")
    assert response.status_code == 422
    assert 'id="password-error"' in response.text and "密码太短" in response.text
    assert "short.pw" not in _users(sessions)


def _toggle(client, user_id, action):
    token = csrf_from(client.get("/admin/users").text)
    return client.post(f"/admin/users/{user_id}/{action}", data={"csrf_token": token},
                       follow_redirects=False)


def test_deactivating_ends_the_sessions_and_reactivating_lets_them_back(app, operator, sessions):
    applicant = TestClient(app)
    page_login(applicant, "zhang.san")
    assert applicant.get("/", follow_redirects=False).status_code == 200
    user_id = _users(sessions)["zhang.san"].id

    assert _toggle(operator, user_id, "deactivate").status_code == 303
    assert not _users(sessions)["zhang.san"].is_active
    with sessions() as db:  # the session rows are gone, not merely refused
        assert db.scalars(select(LoginSession).where(LoginSession.user_id == user_id)).all() == []
    assert applicant.get("/", follow_redirects=False).status_code == 303  # back to login
    assert page_login(TestClient(app), "zhang.san").status_code == 401
    assert "已停用" in operator.get("/admin/users").text

    assert _toggle(operator, user_id, "reactivate").status_code == 303
    assert _users(sessions)["zhang.san"].is_active
    assert page_login(TestClient(app), "zhang.san").status_code == 303
    with sessions() as db:
        actions = [e.action for e in db.scalars(select(AuditEntry).order_by(AuditEntry.seq))]
    assert actions == ["user.deactivate", "user.reactivate"]


def test_an_operator_cannot_deactivate_themselves(operator, sessions):
    response = _toggle(operator, _users(sessions)["boss"].id, "deactivate")
    assert response.status_code == 409
    assert "不能停用自己" in response.text
    assert _users(sessions)["boss"].is_active


def test_deactivating_an_unknown_user_says_so(operator):
    response = _toggle(operator, 9999, "deactivate")
    assert response.status_code == 404
    assert "账号不存在" in response.text


# Dictionaries


def test_subject_types_list_their_certificate_types(operator):
    html = operator.get("/admin/dictionaries").text
    assert "企业" in html and "营业执照（个人或企业）" in html
    assert "居民身份证" in html


def test_service_types_show_the_pre_approvals_they_need(operator):
    html = operator.get("/admin/dictionaries/services").text
    assert "休闲娱乐" in html
    assert "游戏</span>" in html and "需前置审批：文化" in html


def test_pre_approval_types_name_the_services_that_need_them(operator):
    html = operator.get("/admin/dictionaries/nrlx").text
    assert "校外培训" in html and "以上都不涉及" in html


def test_districts_are_navigable_from_province_to_district(operator):
    root = operator.get("/admin/dictionaries/districts").text
    assert 'href="/admin/dictionaries/districts?code=440000"' in root and "广东省" in root
    province = operator.get("/admin/dictionaries/districts?code=440000").text
    assert 'href="/admin/dictionaries/districts?code=440100"' in province and "广州市" in province
    city = operator.get("/admin/dictionaries/districts?code=440100").text
    assert "天河区" in city and "440106" in city
    assert '<span aria-current="page">广州市</span>' in city
    # A city without districts says how a filing names it.
    assert "没有县级区划" in operator.get("/admin/dictionaries/districts?code=441900").text


@pytest.mark.parametrize("code", ["999999", "abc", "4401"])
def test_an_unknown_district_code_is_not_found(operator, code):
    response = operator.get(f"/admin/dictionaries/districts?code={code}")
    assert response.status_code == 404
    assert "没有行政区划代码" in response.text
