"""The working-day calendar of a year, and importing holidays and make-up days from CSV."""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from beian.audit import service as audit
from beian.calendar.service import (
    TableError,
    import_days,
    list_days,
    load_calendar,
    parse_table,
    summarise_year,
)
from beian.clock import china_date
from beian.db import transaction
from beian.web.admin_common import Operator
from beian.web.templating import render

router = APIRouter(include_in_schema=False)

CALENDAR = "/admin/calendar"
# A year's notice is a few dozen lines; anything this large is the wrong file.
MAX_TABLE_BYTES = 256 * 1024
WEEKDAYS = "一二三四五六日"
TOO_LARGE = "文件过大：一年的节假日表不会超过 256 KB，请检查是否选错了文件"
NOT_UTF8 = "文件不是 UTF-8 编码：请在表格软件中另存为“CSV UTF-8”后重新上传"
EXAMPLE = "date,kind,name\n2027-02-06,holiday,春节\n2027-02-14,workday,春节调休"

_LINE = re.compile(r"line (\d+): ")
# The calendar service explains bad lines in English (for the CLI); operators read Chinese.
_PROBLEMS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), replacement)
    for pattern, replacement in (
        (r"the first line must be the header date,kind,name",
         "第一行必须是表头 date,kind,name"),
        (r"(\S+) is already given on line (\d+)", r"日期 \1 已在第 \2 行出现过"),
        (r"expected 3 columns date,kind,name but found (\d+)",
         r"应有 date,kind,name 3 列，实际有 \1 列"),
        (r"date '(.*)' is not a date in the form YYYY-MM-DD",
         r"日期「\1」不是 YYYY-MM-DD 格式"),
        (r"date '(.*)' is not a real calendar date", r"日期「\1」不存在"),
        (r"kind '(.*)' is unknown: use holiday or workday",
         r"类型「\1」无法识别：请填写 holiday（放假）或 workday（调休上班）"),
        (r"name is empty: .*", "名称为空：请填写节日名称，例如 春节 或 春节调休"),
        (r"name is longer than (\d+) characters", r"名称超过 \1 个字符"),
        (r"the file has no days: .*", "文件中没有日期：请添加形如 2027-02-06,holiday,春节 的行"),
    )
)


def chinese_problem(problem: str) -> str:
    """A calendar-file problem in Chinese (unknown wordings are shown as they are)."""
    where = ""
    line = _LINE.match(problem)
    if line:
        where, problem = f"第 {line.group(1)} 行：", problem[line.end():]
    for pattern, replacement in _PROBLEMS:
        problem = pattern.sub(replacement, problem)
    return where + problem


@router.get(CALENDAR)
def calendar_page(
    request: Request,
    operator: Operator,
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
    imported: int = 0,
) -> Response:
    """The declared days of a year, where each comes from, and the import form."""
    shown = year or china_date(request.app.state.clock.now()).year
    return _calendar_page(request, shown, imported=imported)


@router.post(CALENDAR + "/import")
async def import_table(
    request: Request,
    operator: Operator,
    table: Annotated[UploadFile | None, File()] = None,
    text: Annotated[str, Form(max_length=MAX_TABLE_BYTES)] = "",
) -> Response:
    """Store the days of a CSV table; any bad line refuses the whole file, naming each."""
    state = request.app.state
    year = china_date(state.clock.now()).year
    source = "import:web"
    if table is not None and table.filename:
        data = await table.read(MAX_TABLE_BYTES + 1)
        source = f"import:{table.filename}"[:200]
        if len(data) > MAX_TABLE_BYTES:
            return _refused(request, year, [TOO_LARGE], text)
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            return _refused(request, year, [NOT_UTF8], "")
    if not text.strip():
        return _refused(request, year, ["请选择 CSV 文件，或把表格内容粘贴到文本框中"], text)
    try:
        days = parse_table(text)
    except TableError as error:
        return _refused(request, year, [chinese_problem(p) for p in error.problems], text)
    now = state.clock.now()
    years = sorted({day.day.year for day in days})
    with transaction(state.sessions) as db:
        count = import_days(db, days, now=now, source=source)
        audit.record(
            db,
            actor=operator.username,
            action="calendar.import",
            target_type="calendar",
            target_id=",".join(str(y) for y in years)[:64],
            now=now,
            detail={"days": count, "source": source},
        )
    return RedirectResponse(f"{CALENDAR}?year={years[0]}&imported={count}", status_code=303)


def _refused(request: Request, year: int, problems: list[str], text: str) -> Response:
    return _calendar_page(request, year, problems=problems, text=text, status_code=422)


def _calendar_page(
    request: Request,
    year: int,
    *,
    imported: int = 0,
    problems: list[str] | None = None,
    text: str = "",
    status_code: int = 200,
) -> Response:
    with transaction(request.app.state.sessions) as db:
        calendar = load_calendar(db)
        stored = list_days(db, year)
    summary = summarise_year(calendar, stored, year)
    entries = {entry.day: entry for entry in stored}
    days: list[dict[str, Any]] = []
    for day, source in summary.days:
        entry = entries.get(day.day)
        days.append({
            "date": day.day.isoformat(),
            "weekday": "周" + WEEKDAYS[day.day.weekday()],
            "is_workday": day.is_workday,
            "name": day.name,
            "source": source,
            "origin": entry.source if entry is not None else "",
        })
    context = {
        "title": "节假日日历",
        "year": year,
        "summary": summary,
        "days": days,
        "holidays": sum(1 for d in days if not d["is_workday"]),
        "makeups": sum(1 for d in days if d["is_workday"]),
        "imported": imported,
        "problems": problems or [],
        "text": text,
        "example": EXAMPLE,
    }
    return render(request, "admin/calendar.html", context, status_code=status_code)
