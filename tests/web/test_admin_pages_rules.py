"""Operator pages that change how filings are checked: the calendar and the province rules."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from beian.audit.models import AuditEntry
from beian.calendar.models import CalendarEntry
from beian.core.precheck import precheck
from beian.provinces.models import ProvinceRule
from beian.provinces.service import load_precheck_config
from beian.web.admin_calendar import chinese_problem
from tests.web.web_helpers import add_user, csrf_from, make_app, page_login


@pytest.fixture
def operator(sessions, clock):
    add_user(sessions, clock, "boss", "operator")
    client = TestClient(make_app(sessions, clock))
    page_login(client, "boss")
    return client


def _count(sessions, model) -> int:
    with sessions() as db:
        return db.scalar(select(func.count()).select_from(model))


def _upload(client, content: bytes, filename="workdays-2030.csv", text=""):
    token = csrf_from(client.get("/admin/calendar").text)
    files = {"table": (filename, content, "text/csv")} if content else None
    return client.post(
        "/admin/calendar/import",
        data={"csrf_token": token, "text": text},
        files=files,
        follow_redirects=False,
    )


# The calendar


def test_a_known_year_lists_official_holidays_and_make_up_days(operator):
    html = operator.get("/admin/calendar?year=2026").text
    assert "已确定" in html and "暂定" not in html
    assert "2026-02-14" in html and "春节" in html
    assert "调休上班" in html and "放假" in html and "官方" in html


def test_a_year_nobody_speaks_for_is_provisional(operator):
    html = operator.get("/admin/calendar?year=2030").text
    assert "暂定" in html and "仅按周末计算" in html
    assert "没有登记的节假日" in html


def test_the_year_must_be_plausible(operator):
    assert operator.get("/admin/calendar?year=1066").status_code == 422


def test_importing_a_file_stores_the_days_and_makes_the_year_known(operator, sessions):
    table = "date,kind,name\n# 2030 年春节\n2030-02-04,holiday,春节\n2030-02-09,workday,春节调休\n"
    response = _upload(operator, table.encode())
    assert response.status_code == 303
    assert response.headers["location"] == "/admin/calendar?year=2030&imported=2"
    html = operator.get(response.headers["location"]).text
    assert "已导入 2 天" in html
    assert "已确定" in html and "暂定" not in html
    assert "2030-02-04" in html and "春节调休" in html
    assert "运营导入" in html and "import:workdays-2030.csv" in html
    assert _count(sessions, CalendarEntry) == 2
    with sessions() as db:
        entry = db.scalars(select(AuditEntry)).one()
    assert (entry.actor, entry.action, entry.target_id) == ("boss", "calendar.import", "2030")
    assert entry.detail == {"days": 2, "source": "import:workdays-2030.csv"}


def test_pasted_text_is_imported_too(operator, sessions):
    response = _upload(operator, b"", text="date,kind,name\n2030-10-01,holiday,国庆节")
    assert response.status_code == 303
    assert _count(sessions, CalendarEntry) == 1


def test_a_file_with_bad_lines_is_refused_whole_naming_every_line(operator, sessions):
    table = (
        "date,kind,name\n"
        "2030-02-04,holiday,春节\n"
        "2030-02-05,vacation,春节\n"
        "2030-02-30,holiday,春节\n"
        "2030-02-04,holiday,春节\n"
    )
    response = _upload(operator, table.encode())
    assert response.status_code == 422
    html = response.text
    assert "文件未导入，没有写入任何内容" in html
    assert "第 3 行：类型「vacation」无法识别" in html
    assert "第 4 行：日期「2030-02-30」不存在" in html
    assert "第 5 行：日期 2030-02-04 已在第 2 行出现过" in html
    # The table is shown again for correcting; nothing was written.
    assert "2030-02-05,vacation" in html
    assert _count(sessions, CalendarEntry) == 0
    assert _count(sessions, AuditEntry) == 0


def test_a_file_that_is_not_utf8_is_refused(operator, sessions):
    response = _upload(operator, "date,kind,name\n2030-02-04,holiday,春节\n".encode("gbk"))
    assert response.status_code == 422
    assert "不是 UTF-8 编码" in response.text
    assert _count(sessions, CalendarEntry) == 0


def test_an_empty_submission_asks_for_a_file(operator):
    response = _upload(operator, b"")
    assert response.status_code == 422
    assert "请选择 CSV 文件" in response.text


@pytest.mark.parametrize(
    "table",
    [
        "day,what\n2030-02-04,holiday",
        "date,kind,name\n2030-02-04,holiday",
        "date,kind,name\n2030/02/04,holiday,春节",
        "date,kind,name\n2030-02-04,holiday,",
        "date,kind,name\n2030-02-04,holiday," + "长" * 61,
        "date,kind,name\n",
    ],
)
def test_every_problem_the_calendar_names_is_shown_in_chinese(operator, table):
    html = _upload(operator, table.encode()).text
    assert "第 " in html or "文件中没有日期" in html
    for english in ("line ", "expected", "is not", "is empty", "longer than", "has no days"):
        assert english not in html


def test_an_unknown_wording_is_shown_as_it_is():
    assert chinese_problem("something new") == "something new"


# Province rules


def _save(client, code, materials=(), months=""):
    token = csrf_from(client.get(f"/admin/provinces/{code}").text)
    data = {"csrf_token": token, "required_materials": list(materials),
            "min_validity_months": months}
    return client.post(f"/admin/provinces/{code}", data=data, follow_redirects=False)


def test_every_province_is_listed_with_the_national_rules_by_default(operator):
    html = operator.get("/admin/provinces").text
    assert html.count('href="/admin/provinces/') == 31
    assert "新疆维吾尔自治区" in html and "沿用全国规则" in html
    assert "全国默认超过 1 个月" in html


def test_saved_rules_show_in_the_list_and_reach_the_precheck(
    operator, sessions, world, document, clock
):
    response = _save(operator, "110000", ["promise_video", "commitment_letter"], "3")
    assert response.status_code == 303
    assert response.headers["location"] == "/admin/provinces?saved=110000"
    listing = operator.get(response.headers["location"]).text
    assert "已保存北京市的规则" in listing
    assert "承诺视频" in listing and "超过 3 个月" in listing

    form = operator.get("/admin/provinces/110000").text
    assert 'value="promise_video" checked' in form and 'value="3"' in form
    assert 'value="holding_certificate_photo">' in form  # not ticked

    with sessions() as db:
        config = load_precheck_config(db)
    assert config.required_materials_for("110000") == {"promise_video", "commitment_letter"}
    assert config.min_validity_months_for("110000") == 3
    findings = precheck(document, now=clock.now(), config=config)
    assert "icp_materials.promise_video" in {f.err_field for f in findings}


@pytest.mark.parametrize(
    ("months", "message"),
    [("abc", "应为整数个月"), ("-1", "应为整数个月"), ("99", "须在 0 到 24 个月之间")],
)
def test_bad_months_are_refused_beside_the_field(operator, sessions, months, message):
    response = _save(operator, "440000", ["promise_video"], months)
    assert response.status_code == 422
    assert 'id="months-error"' in response.text and message in response.text
    # The ticks survive the refusal.
    assert 'value="promise_video" checked' in response.text
    assert _count(sessions, ProvinceRule) == 0


def test_an_unknown_material_is_refused(operator, sessions):
    response = _save(operator, "440000", ["forged_letter"])
    assert response.status_code == 422
    assert "未知的材料：forged_letter" in response.text
    assert _count(sessions, ProvinceRule) == 0


def test_clearing_everything_returns_to_the_national_rules(operator, sessions):
    _save(operator, "440000", ["promise_video"], "2")
    assert _count(sessions, ProvinceRule) == 1
    assert _save(operator, "440000").status_code == 303
    assert _count(sessions, ProvinceRule) == 0
    with sessions() as db:
        actors = [e.actor for e in db.scalars(select(AuditEntry))]
    assert actors == ["boss", "boss"]


def test_an_unknown_province_is_not_found(operator):
    assert operator.get("/admin/provinces/440100").status_code == 404
