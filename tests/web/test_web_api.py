"""The account operations of the JSON API: login, bearer tokens, roles, the OpenAPI document."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from beian.web.findings import BAD_CREDENTIALS, FORBIDDEN, NOT_AUTHENTICATED
from tests.web.web_helpers import add_user, api_token, assert_findings, make_app, page_login


@pytest.fixture
def client(sessions, clock):
    add_user(sessions, clock, "zhang.san", display_name="张三")
    add_user(sessions, clock, "boss", "operator")
    add_user(sessions, clock, "gd.reviewer", "bureau_reviewer", province="440000")
    return TestClient(make_app(sessions, clock))


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_login_returns_a_bearer_token_valid_for_a_day(client, clock):
    response = client.post(
        "/api/v1/login", json={"username": "Zhang.San", "password": "correct horse battery"}
    )
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["token_type"] == "bearer"
    assert datetime.fromisoformat(body["expires_at"]) == clock.now() + timedelta(hours=24)
    me = client.get("/api/v1/me", headers=_bearer(body["access_token"]))
    assert me.status_code == 200
    assert me.json() == {
        "username": "zhang.san",
        "display_name": "张三",
        "role": "applicant",
        "role_label": "申请人",
        "province": None,
    }


def test_a_bureau_reviewer_is_shown_with_the_province(client):
    me = client.get("/api/v1/me", headers=_bearer(api_token(client, "gd.reviewer")))
    assert (me.json()["role"], me.json()["province"]) == ("bureau_reviewer", "440000")


@pytest.mark.parametrize(
    "credentials",
    [
        {"username": "zhang.san", "password": "wrong password"},
        {"username": "nobody", "password": "correct horse battery"},
    ],
)
def test_failed_login_is_401_and_does_not_say_which_part_was_wrong(client, credentials):
    findings = assert_findings(client.post("/api/v1/login", json=credentials), 401)
    assert findings == [
        {
            "errcode": BAD_CREDENTIALS,
            "err_field": "",
            "errmsg": "用户名或密码错误",
            "suggest": "请检查用户名和密码后重试",
            "severity": "error",
        }
    ]


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer"},
        {"Authorization": "Bearer not-a-token"},
        {"Authorization": "Basic emhhbmcuc2FuOnB3"},
        {"Authorization": "Bearer " + "x" * 5000},
    ],
)
def test_the_api_needs_a_valid_bearer_token(client, headers):
    response = client.get("/api/v1/me", headers=headers)
    findings = assert_findings(response, 401)
    assert findings[0]["errcode"] == NOT_AUTHENTICATED
    assert response.headers["www-authenticate"].startswith("Bearer")


def test_a_page_session_cookie_does_not_authorise_the_api(client):
    assert page_login(client, "zhang.san").status_code == 303
    assert client.cookies.get("beian_session")
    assert_findings(client.get("/api/v1/me"), 401)


def test_an_expired_token_is_refused(client, clock):
    token = api_token(client, "zhang.san")
    clock.advance(hours=24)
    assert_findings(client.get("/api/v1/me", headers=_bearer(token)), 401)


def test_logout_revokes_the_token(client):
    token = api_token(client, "zhang.san")
    assert client.post("/api/v1/logout", headers=_bearer(token)).status_code == 204
    assert_findings(client.get("/api/v1/me", headers=_bearer(token)), 401)


def test_listing_users_is_for_operators_only(client):
    applicant = client.get("/api/v1/users", headers=_bearer(api_token(client, "zhang.san")))
    findings = assert_findings(applicant, 403)
    assert findings[0]["errcode"] == FORBIDDEN
    assert "运营管理员" in findings[0]["suggest"]
    operator = client.get("/api/v1/users", headers=_bearer(api_token(client, "boss")))
    assert operator.status_code == 200
    assert [u["username"] for u in operator.json()] == ["boss", "gd.reviewer", "zhang.san"]
    only = client.get(
        "/api/v1/users", params={"role": "operator"}, headers=_bearer(api_token(client, "boss"))
    )
    assert [u["username"] for u in only.json()] == ["boss"]


def test_anonymous_role_checked_requests_are_401_not_403(client):
    assert_findings(client.get("/api/v1/users"), 401)


def test_the_openapi_document_names_operations_and_describes_errors_as_findings(client):
    document = client.get("/openapi.json").json()
    operations = {
        operation["operationId"]
        for path in document["paths"].values()
        for operation in path.values()
    }
    assert {"login", "logout", "getCurrentUser", "listUsers"} <= operations
    assert all(path.startswith("/api/v1/") for path in document["paths"])
    login = document["paths"]["/api/v1/login"]["post"]
    error_ref = {"$ref": "#/components/schemas/ErrorBody"}
    assert login["responses"]["422"]["content"]["application/json"]["schema"] == error_ref
    schemas = document["components"]["schemas"]
    assert "HTTPValidationError" not in schemas
    assert set(schemas["Finding"]["properties"]) == {
        "errcode",
        "err_field",
        "errmsg",
        "suggest",
        "severity",
    }
