"""Pages: login through the form, session cookies, CSRF, the home page by role, logout."""

from __future__ import annotations

import hashlib
from typing import Annotated

import pytest
from fastapi import Depends, Request, Response
from fastapi.testclient import TestClient
from sqlalchemy import select

from beian.accounts.models import LoginSession, User
from beian.web.auth import require_role
from beian.web.pages import safe_next
from beian.web.templating import render
from tests.web.web_helpers import PASSWORD, add_user, csrf_from, make_app, page_login


@pytest.fixture
def app(sessions, clock):
    add_user(sessions, clock, "zhang.san", display_name="张三")
    add_user(sessions, clock, "reviewer", "platform_reviewer", display_name="李审核")
    add_user(sessions, clock, "gd.reviewer", "bureau_reviewer", province="440000")
    add_user(sessions, clock, "boss", "operator", display_name="王运营")
    return make_app(sessions, clock)


@pytest.fixture
def client(app):
    # A page only operators may open, to see how role checks answer browsers.
    @app.get("/test-operators-only")
    def operators_only(
        request: Request, user: Annotated[User, Depends(require_role("operator"))]
    ) -> Response:
        return render(request, "home.html", {"title": "运营"})

    return TestClient(app)


def _set_cookie(response, name: str) -> str:
    headers = [h for h in response.headers.get_list("set-cookie") if h.startswith(name + "=")]
    assert headers, f"no {name} cookie set"
    return headers[0]


def test_anonymous_visitors_are_sent_to_the_login_form(client):
    response = client.get("/", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=%2F"


def test_login_page_is_chinese_labelled_and_carries_a_csrf_token(client):
    response = client.get("/login")
    assert response.status_code == 200
    html = response.text
    assert '<html lang="zh-CN">' in html
    assert '<label for="username">用户名</label>' in html
    assert '<label for="password">密码</label>' in html
    assert len(csrf_from(html)) == 64
    cookie = _set_cookie(response, "beian_csrf").lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "secure" not in cookie


def test_logging_in_sets_an_httponly_lax_session_cookie_and_stores_only_its_hash(client, sessions):
    response = page_login(client, "zhang.san")
    assert response.status_code == 303
    assert response.headers["location"] == "/"
    cookie = _set_cookie(response, "beian_session")
    assert "httponly" in cookie.lower() and "samesite=lax" in cookie.lower()
    assert "secure" not in cookie.lower()
    token = client.cookies["beian_session"]
    with sessions() as db:
        row = db.scalars(select(LoginSession)).one()
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()


def test_cookies_are_secure_over_https(app):
    client = TestClient(app, base_url="https://testserver")
    assert "secure" in _set_cookie(client.get("/login"), "beian_csrf").lower()
    assert "secure" in _set_cookie(page_login(client, "zhang.san"), "beian_session").lower()


def test_home_page_says_who_is_logged_in_and_links_by_role(client):
    page_login(client, "zhang.san")
    html = client.get("/").text
    assert "您好，张三" in html
    assert "申请人" in html
    assert 'href="/filings/new"' in html
    assert 'href="/review/platform"' not in html
    assert 'href="/admin/users"' not in html


@pytest.mark.parametrize(
    ("username", "shown", "link", "hidden"),
    [
        ("reviewer", "平台初审员", "/review/platform", "/filings/new"),
        ("gd.reviewer", "广东省", "/review/bureau", "/review/platform"),
        ("boss", "运营管理员", "/admin/users", "/review/bureau"),
    ],
)
def test_each_role_sees_its_own_links(client, username, shown, link, hidden):
    page_login(client, username)
    html = client.get("/").text
    assert shown in html
    assert f'href="{link}"' in html
    assert f'href="{hidden}"' not in html


def test_a_wrong_password_shows_the_form_again_with_a_message(client):
    response = page_login(client, "zhang.san", "wrong password")
    assert response.status_code == 401
    assert "用户名或密码错误" in response.text
    assert 'value="zhang.san"' in response.text
    assert "beian_session" not in client.cookies


def test_login_form_posted_without_or_with_a_wrong_csrf_token_is_refused(client):
    client.get("/login")
    for extra in ({}, {"csrf_token": "0" * 64}):
        data = {"username": "zhang.san", "password": PASSWORD, **extra}
        response = client.post("/login", data=data, follow_redirects=False)
        assert response.status_code == 403
        assert "text/html" in response.headers["content-type"]
        assert "表单已过期或来源无法确认" in response.text
    assert "beian_session" not in client.cookies


def test_a_token_from_another_session_does_not_pass(app):
    first, second = TestClient(app), TestClient(app)
    page_login(first, "zhang.san")
    page_login(second, "boss")
    stolen = csrf_from(first.get("/").text)
    response = second.post("/logout", data={"csrf_token": stolen}, follow_redirects=False)
    assert response.status_code == 403
    assert second.get("/", follow_redirects=False).status_code == 200


def test_the_token_may_come_in_a_header_for_scripts(client):
    page_login(client, "zhang.san")
    token = csrf_from(client.get("/").text)
    response = client.post("/logout", headers={"X-CSRF-Token": token}, follow_redirects=False)
    assert response.status_code == 303


def test_logout_needs_the_token_then_ends_the_session(client, sessions):
    page_login(client, "zhang.san")
    assert client.post("/logout", follow_redirects=False).status_code == 403
    assert client.get("/", follow_redirects=False).status_code == 200
    token = csrf_from(client.get("/").text)
    response = client.post("/logout", data={"csrf_token": token}, follow_redirects=False)
    assert (response.status_code, response.headers["location"]) == (303, "/login")
    with sessions() as db:
        assert db.scalars(select(LoginSession)).all() == []
    assert client.get("/", follow_redirects=False).status_code == 303


def test_an_expired_session_leads_back_to_login(client, clock):
    page_login(client, "zhang.san")
    clock.advance(hours=12)
    response = client.get("/", follow_redirects=False)
    assert response.headers["location"] == "/login?next=%2F"


def test_after_login_the_user_goes_where_they_were_going(client):
    client.get("/login")
    token = csrf_from(client.get("/login?next=/admin/users%3Fpage%3D2").text)
    data = {
        "username": "boss",
        "password": PASSWORD,
        "csrf_token": token,
        "next": "/admin/users?page=2",
    }
    response = client.post("/login", data=data, follow_redirects=False)
    assert response.headers["location"] == "/admin/users?page=2"


def test_a_logged_in_visit_to_the_login_page_goes_home(client):
    page_login(client, "zhang.san")
    response = client.get("/login", follow_redirects=False)
    assert (response.status_code, response.headers["location"]) == (303, "/")


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/filings/7", "/filings/7"),
        ("//evil.example/", "/"),
        ("/\\evil.example", "/"),
        ("https://evil.example/", "/"),
        ("evil", "/"),
        ("/login?next=/x", "/"),
        ("", "/"),
        (None, "/"),
    ],
)
def test_next_only_ever_points_inside_the_site(target, expected):
    assert safe_next(target) == expected


def test_unknown_pages_get_a_chinese_404_page(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "text/html" in response.headers["content-type"]
    assert "页面不存在" in response.text and "返回首页" in response.text


def test_pages_carry_security_headers_and_are_not_cached(client):
    response = client.get("/login")
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert response.headers["cache-control"] == "no-store"


def test_the_stylesheet_is_served_and_loads_nothing_from_elsewhere(client):
    response = client.get("/static/beian.css")
    assert response.status_code == 200
    assert "text/css" in response.headers["content-type"]
    assert "http" not in response.text and "@import" not in response.text
    assert "http" not in client.get("/login").text.split("<body>")[0]


def test_error_pages_keep_the_logged_in_layout(client):
    page_login(client, "zhang.san")
    html = client.get("/no-such-page").text
    assert "退出登录" in html and 'href="/filings"' in html
    assert 'href="/login"' not in html


def test_role_checked_pages_send_strangers_to_login_and_refuse_other_roles(client):
    response = client.get("/test-operators-only", follow_redirects=False)
    assert response.headers["location"] == "/login?next=%2Ftest-operators-only"
    page_login(client, "zhang.san")
    refused = client.get("/test-operators-only")
    assert refused.status_code == 403
    assert "没有权限" in refused.text and "此操作仅限运营管理员" in refused.text
    page_login(client, "boss")
    assert client.get("/test-operators-only").status_code == 200


@pytest.mark.parametrize(("path", "current"), [("/filings/new", "/filings/new"),
                                               ("/filings", "/filings"),
                                               ("/filings/abc", "/filings")])
def test_only_the_closest_navigation_link_is_marked_current(client, path, current):
    page_login(client, "zhang.san")
    html = client.get(path).text
    marked = [href for href in ("/filings", "/filings/new", "/inbox")
              if f'<a href="{href}" aria-current="page">' in html]
    assert marked == [current]
