"""Public pages: the mini-program profile with its filing number, and the filing query."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event

from beian.filings import service
from tests.journey import APPLICANT, filed
from tests.web.web_helpers import make_app


@pytest.fixture
def client(sessions, clock):
    return TestClient(make_app(sessions, clock))


@pytest.fixture
def record(world, document):
    """A filed record: its number and its document."""
    filing_id = filed(world, document)
    return world.filing(filing_id).record_number, document


def _personal_values(document) -> list[str]:
    values = []
    for part in ("icp_subject", "icp_applets"):
        principal = document[part]["principal_info"]
        values += [principal["mobile"], principal["emergency_contact"],
                   principal["certificate_number"], principal["name"], principal["email"]]
    values.append(document["icp_subject"]["legal_person_info"]["certificate_number"])
    return values


def test_the_profile_shows_name_subject_and_number_linking_to_the_query(client, record):
    number, document = record
    appid = document["icp_applets"]["base_info"]["appid"]
    response = client.get(f"/applets/{appid}")
    assert response.status_code == 200
    html = response.text
    assert "启明星学堂" in html and "更多资料" in html
    assert "北京启明星教育科技有限公司" in html
    assert f'href="/query?q={quote(number, safe="")}">{number}' in html
    for value in _personal_values(document):
        assert value not in html


def test_the_profile_link_finds_the_record(client, record):
    number, document = record
    appid = document["icp_applets"]["base_info"]["appid"]
    html = client.get(f"/applets/{appid}").text
    link = html.split('class="record-link" href="', 1)[1].split('"', 1)[0]
    assert number in client.get(link).text


def test_a_mini_program_not_filed_says_so(client, world, document):
    world.act(lambda s: service.create_filing(
        s, applicant=APPLICANT, document=document, now=world.clock.now()))
    appid = document["icp_applets"]["base_info"]["appid"]
    response = client.get(f"/applets/{appid}")
    assert response.status_code == 404
    assert "该小程序暂无备案信息" in response.text
    assert "启明星学堂" not in response.text


def test_the_query_form_opens_without_a_message(client):
    response = client.get("/query")
    assert response.status_code == 200
    assert 'name="q"' in response.text and "field-error" not in response.text


@pytest.mark.parametrize("how", ["number", "subject number", "applet name", "organisation"])
def test_the_query_finds_the_record_and_shows_what_the_national_query_shows(client, record, how):
    number, document = record
    q = {
        "number": number,
        "subject number": number.rsplit("-", 1)[0],
        "applet name": "启明星学堂",
        "organisation": "北京启明星教育",
    }[how]
    response = client.get("/query", params={"q": q})
    assert response.status_code == 200
    html = response.text
    assert "查询结果 <span class=\"muted\">1 条</span>" in html
    assert f'data-label="服务备案号" class="record-number">{number}</th>' in html
    assert f'data-label="主体备案号" class="number">{number.rsplit("-", 1)[0]}</td>' in html
    assert "北京启明星教育科技有限公司" in html and "企业" in html
    assert "启明星学堂" in html and "教民1101087000001号" in html
    assert '<span class="approval">教育<span class="muted">' in html
    assert 'data-label="审核通过日期" class="number">2026-' in html
    for value in _personal_values(document):
        assert value not in html


def test_a_query_without_matches_says_so(client, record):
    html = client.get("/query", params={"q": "没有这个小程序"}).text
    assert "没有找到与「没有这个小程序」相符的已备案小程序" in html


@pytest.mark.parametrize(
    ("q", "message"),
    [("", "请输入备案号"), ("   ", "请输入备案号"), ("启", "名称至少输入2个字"),
     ("x" * 101, "查询内容过长")],
)
def test_unanswerable_queries_are_explained_beside_the_field(client, q, message):
    response = client.get("/query", params={"q": q})
    assert response.status_code == 422
    html = response.text
    assert f'<p class="field-error" id="q-error" role="alert">{message}' in html
    assert 'aria-invalid="true" aria-describedby="q-error"' in html
    assert "查询结果" not in html


def test_public_pages_need_no_login_and_show_no_navigation(client, record):
    html = client.get("/query", params={"q": record[0]}).text
    assert 'class="site-nav"' not in html and "退出登录" not in html


def test_public_lookups_run_outside_a_transaction_on_postgresql(client, record, engine):
    number, document = record
    lookups: list[bool] = []

    def _seen(connection, _cursor, statement, *_args):
        if "FROM filings" in statement:
            lookups.append(getattr(connection.connection.dbapi_connection, "autocommit", False))

    event.listen(engine, "before_cursor_execute", _seen)
    try:
        appid = document["icp_applets"]["base_info"]["appid"]
        assert client.get(f"/applets/{appid}").status_code == 200
        assert number in client.get("/query", params={"q": number}).text
        assert number in client.get("/api/v1/public/records", params={"q": number}).text
        assert client.get(f"/api/v1/public/applets/{appid}").json()["filed"] is True
    finally:
        event.remove(engine, "before_cursor_execute", _seen)
    # PostgreSQL: autocommit, no BEGIN and ROLLBACK; SQLite: its ordinary transactions.
    assert lookups == [engine.dialect.name == "postgresql"] * 4
