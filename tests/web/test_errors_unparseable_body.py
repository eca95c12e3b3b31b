"""A body that cannot be parsed at all is one Chinese finding with status 400, never the
framework's English text; other 400s keep their own message."""

from __future__ import annotations

import pytest
from fastapi import HTTPException
from fastapi.testclient import TestClient

from beian.web.findings import BAD_REQUEST, INVALID_JSON
from tests.web.web_helpers import assert_findings, make_app

LOGIN = "/api/v1/login"
JSON = {"Content-Type": "application/json"}
NOT_JSON = "请求内容不是有效的 JSON，请检查后重新提交"
NOT_A_FORM = "请求内容不是有效的表单数据，请检查后重新提交"


@pytest.fixture
def client(sessions, clock):
    app = make_app(sessions, clock)

    @app.get("/api/v1/test-bad-request")
    def bad_request() -> None:
        raise HTTPException(400, "筛选条件不能同时为空")

    return TestClient(app)


def _only_finding(response) -> dict[str, object]:
    [found] = assert_findings(response, 400)
    assert found["err_field"] == ""  # the whole body, as for every whole-body finding
    assert "parsing" not in response.text and "boundary in multipart" not in response.text
    return found


@pytest.mark.parametrize(
    "content",
    [
        b"\xc3(\x9f{",  # not UTF-8
        '{"username": "张三"}'.encode("gbk"),  # Chinese, but not in UTF-8
        b"[" * 100_000 + b"]" * 100_000,  # nested deeper than the decoder goes
    ],
)
def test_a_json_body_that_cannot_be_decoded_is_one_chinese_finding(client, content):
    found = _only_finding(client.post(LOGIN, content=content, headers=JSON))
    assert (found["errcode"], found["errmsg"]) == (INVALID_JSON, NOT_JSON)
    assert "UTF-8" in str(found["suggest"])


def test_a_form_without_a_boundary_is_one_chinese_finding(client):
    response = client.post(
        "/api/v1/media", content=b"--x\r\n", headers={"Content-Type": "multipart/form-data"}
    )
    found = _only_finding(response)
    assert (found["errcode"], found["errmsg"]) == (BAD_REQUEST, NOT_A_FORM)


def test_another_400_keeps_its_own_message(client):
    [found] = assert_findings(client.get("/api/v1/test-bad-request"), 400)
    assert found["errmsg"] == "筛选条件不能同时为空"
