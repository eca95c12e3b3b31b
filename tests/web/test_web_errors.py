"""Every error is findings: malformed API bodies, HTTP errors, crashes; never a leaky 500."""

from __future__ import annotations

import logging

import pytest
from fastapi import HTTPException
from fastapi.testclient import TestClient

from beian.web.findings import INTERNAL, INVALID_FIELD, INVALID_JSON
from beian.web.validation import field_path, validation_findings
from tests.web.web_helpers import assert_findings, make_app

SECRET = "13800138000"


@pytest.fixture
def app(sessions, clock):
    app = make_app(sessions, clock)

    # Routes that exist only in these tests, to see how failures are answered.
    @app.get("/api/v1/test-crash")
    def api_crash() -> None:
        raise RuntimeError(f"mobile {SECRET} could not be saved")

    @app.get("/test-crash")
    def page_crash() -> None:
        raise RuntimeError(f"mobile {SECRET} could not be saved")

    @app.get("/api/v1/test-missing")
    def api_missing() -> None:
        raise HTTPException(404, "备案不存在")

    @app.get("/test-number")
    def page_number(page: int) -> dict[str, int]:
        return {"page": page}

    return app


@pytest.fixture
def client(app):
    return TestClient(app)


LOGIN = "/api/v1/login"
JSON = {"Content-Type": "application/json"}


@pytest.mark.parametrize(
    ("content", "headers"),
    [
        (b"", JSON),
        (b"{", JSON),
        (b"{'username': 'a'}", JSON),
        (b"\xff\xfe\x00garbage", JSON),
        (b"[1, 2, 3]", JSON),
        (b'"just a string"', JSON),
        (b"null", JSON),
        (b'{"username": 123, "password": []}', JSON),
        (b'{"username": "a", "password": "b", "role": "operator"}', JSON),
        (b'{"username": "' + b"a" * 100 + b'", "password": "x"}', JSON),
        (b'{"username": "a", "password": "b"}', {"Content-Type": "text/plain"}),
        (b"username=a&password=b", {"Content-Type": "application/x-www-form-urlencoded"}),
        (b'{"username": {"$ne": null}, "password": 1e999}', JSON),
        (b'{"username": "\\ud800", "password": "x\\u0000y"}', JSON),
    ],
)
def test_malformed_login_bodies_get_findings_never_a_500(client, content, headers):
    response = client.post(LOGIN, content=content, headers=headers)
    assert 400 <= response.status_code < 500
    assert_findings(response, response.status_code)


def test_missing_fields_are_named(client):
    findings = assert_findings(client.post(LOGIN, json={"username": "zhang.san"}), 422)
    assert [(f["errcode"], f["err_field"]) for f in findings] == [(INVALID_FIELD, "password")]
    assert findings[0]["errmsg"] == "缺少必填字段 password"


def test_wrong_types_and_unknown_fields_are_named(client):
    body = {"username": 7, "password": "x", "extra": True}
    findings = assert_findings(client.post(LOGIN, json=body), 422)
    assert {f["err_field"]: f["errmsg"] for f in findings} == {
        "username": "username 应为字符串",
        "extra": "不允许的字段 extra",
    }


def test_broken_json_is_reported_on_the_whole_body(client):
    findings = assert_findings(client.post(LOGIN, content=b'{"username": ', headers=JSON), 422)
    assert [(f["errcode"], f["err_field"]) for f in findings] == [(INVALID_JSON, "")]
    assert findings[0]["errmsg"] == "请求体不是合法的 JSON"


def test_submitted_values_are_not_echoed_in_errors(client):
    response = client.post(LOGIN, json={"username": SECRET * 10, "password": 5})
    assert SECRET not in response.text


def test_an_unexpected_api_error_is_a_plain_500_finding_and_is_logged_without_data(client, caplog):
    with caplog.at_level(logging.ERROR, logger="beian.web"):
        response = client.get("/api/v1/test-crash")
    findings = assert_findings(response, 500)
    assert findings[0]["errcode"] == INTERNAL
    assert SECRET not in response.text and "RuntimeError" not in response.text
    assert "Traceback" not in response.text
    logged = caplog.text
    assert "RuntimeError" in logged and "api_crash" in logged
    assert SECRET not in logged


def test_an_unexpected_page_error_is_a_friendly_page(client):
    response = client.get("/test-crash")
    assert response.status_code == 500
    assert "text/html" in response.headers["content-type"]
    assert "系统出错了" in response.text
    assert SECRET not in response.text


def test_http_exceptions_keep_their_message(client):
    findings = assert_findings(client.get("/api/v1/test-missing"), 404)
    assert findings[0]["errmsg"] == "备案不存在"


def test_unknown_api_paths_and_methods_are_json(client):
    assert_findings(client.get("/api/v1/no-such-thing"), 404)
    response = client.get(LOGIN)
    assert_findings(response, 405)
    assert response.headers["allow"] == "POST"


def test_page_validation_errors_name_the_field_on_a_page(client):
    response = client.get("/test-number", params={"page": "two"})
    assert response.status_code == 422
    assert "text/html" in response.headers["content-type"]
    assert "<code>page</code>" in response.text and "应为整数" in response.text


def test_bodies_over_the_limit_are_refused_before_reading(client):
    response = client.post(LOGIN, content=b"{}", headers={**JSON, "Content-Length": str(10**9)})
    assert_findings(response, 413)


def test_validation_paths_are_dotted_like_precheck_fields():
    assert field_path(("body", "icp_subject", "base_info", "name")) == (
        "icp_subject.base_info.name"
    )
    assert field_path(("body", "icp_applets", 0, "principal_info", "mobile")) == (
        "icp_applets.0.principal_info.mobile"
    )
    assert field_path(("query", "page")) == "page"
    assert field_path(("body",)) == ""


def test_length_limits_are_explained_with_their_numbers():
    [found] = validation_findings(
        [{"type": "string_too_long", "loc": ("body", "username"), "ctx": {"max_length": 64}}]
    )
    assert found["err_field"] == "username"
    assert found["suggest"] == "最多 64 个字符"


def test_a_missing_or_non_json_body_says_to_send_json(client):
    empty = assert_findings(client.post(LOGIN, content=b"", headers=JSON), 422)
    assert (empty[0]["err_field"], empty[0]["errmsg"]) == ("", "缺少请求体")
    plain = client.post(LOGIN, content=b"{}", headers={"Content-Type": "text/plain"})
    assert "application/json" in assert_findings(plain, 422)[0]["suggest"]


@pytest.mark.parametrize(
    ("method", "path", "headers", "status"),
    [
        ("GET", "/", {b"cookie": b"beian_session=\xe9\xe8\x00"}, 303),
        ("GET", "/api/v1/me", {b"authorization": b"Bearer \xe9\xe8"}, 401),
        ("POST", "/logout", {b"x-csrf-token": b"\xe9"}, 403),
        ("POST", "/login", {b"content-type": b"multipart/form-data"}, 400),
        ("GET", "/%00", {}, 404),
    ],
)
def test_odd_headers_and_bodies_are_answered_not_crashed_on(client, method, path, headers, status):
    response = client.request(
        method, path, headers=headers, content=b"--x\r\nbroken", follow_redirects=False
    )
    assert response.status_code == status
