"""Read filed records for the public: never an ID number, a phone or a face.

What is shown follows the national query: service number (服务备案号), main number (主体备案号),
unit name, unit nature, service name, pre-approval items and approval date.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import Select, bindparam, select, union
from sqlalchemy.engine import Connection

from beian.clock import china_date
from beian.core import dictionaries
from beian.core.numbering import parse_number
from beian.core.workflow import PUBLIC
from beian.filings.models import Filing
from beian.public.reads import PublicReads, driver_rows

PUBLIC_VALUES = [status.value for status in PUBLIC]
# Only what `public_record` reads, as plain rows: never the encrypted document (the unit
# nature and the pre-approvals are kept in plain columns beside it), no ORM objects.
PUBLIC_COLUMNS = (
    Filing.record_number,
    Filing.subject_name,
    Filing.applet_name,
    Filing.appid,
    Filing.filed_at,
    Filing.subject_type_id,
    Filing.public_approvals,
)
MAX_RESULTS = 50
MIN_NAME_LENGTH = 2


class PublicFacts(Protocol):
    """What a public record is made of: a row of PUBLIC_COLUMNS or a Filing."""

    @property
    def record_number(self) -> str | None: ...
    @property
    def subject_name(self) -> str | None: ...
    @property
    def applet_name(self) -> str | None: ...
    @property
    def appid(self) -> str | None: ...
    @property
    def filed_at(self) -> datetime | None: ...
    @property
    def subject_type_id(self) -> int | None: ...
    @property
    def public_approvals(self) -> list[dict[str, Any]] | None: ...


class QueryError(ValueError):
    """A query the public search cannot answer (too short, empty)."""

    def __init__(self, message: str, field: str = "q") -> None:
        super().__init__(message)
        self.field = field


def public_record(facts: PublicFacts) -> dict[str, Any]:
    """The public view of one filed record (its columns only: the document stays sealed)."""
    return _record(
        facts.record_number,
        facts.subject_name,
        facts.applet_name,
        facts.appid,
        facts.filed_at,
        facts.subject_type_id,
        facts.public_approvals,
    )


def _record(
    record_number: str | None,
    subject_name: str | None,
    applet_name: str | None,
    appid: str | None,
    filed_at: datetime | None,
    subject_type_id: int | None,
    public_approvals: list[dict[str, Any]] | None,
) -> dict[str, Any]:
    """`public_record` of a row of PUBLIC_COLUMNS, given in that order."""
    subject_type = (
        dictionaries.subject_type(subject_type_id) if subject_type_id is not None else None
    )
    nrlx = []
    for item in public_approvals or []:
        kind = dictionaries.nrlx_type(item["type"])
        if kind is not None and kind.type != dictionaries.NRLX_NONE:
            nrlx.append({"type": kind.name, "code": item["code"]})
    parsed = parse_number(record_number or "")
    return {
        "service_number": record_number,
        "subject_number": parsed.subject_number if parsed else None,
        "unit_name": subject_name,
        "unit_nature": subject_type.name if subject_type else None,
        "service_name": applet_name,
        "service_kind": "小程序",
        "appid": appid,
        "pre_approvals": nrlx,
        "approved_on": china_date(filed_at).isoformat() if filed_at else None,
    }


# One bound parameter per public status, fixed in the compiled statement: `in_` of a list
# would be an "expanding" parameter, its SQL rendered again at every execution.
_IS_PUBLIC = Filing.status.in_(
    [bindparam(f"public_{n}", value, type_=Filing.status.type)
     for n, value in enumerate(PUBLIC_VALUES)]
)


def _public(*conditions: Any) -> Select[Any]:
    return select(Filing.id).where(_IS_PUBLIC, *conditions)


# The statements are built once, with bound parameters: building and keying a union of
# arms for every request cost more than running it.
_PROFILE = (
    select(*PUBLIC_COLUMNS)
    .where(Filing.appid == bindparam("appid"), _IS_PUBLIC)
    .limit(1)
)
_EXACT = Filing.record_number == bindparam("q")
_SERVICES = Filing.record_number.like(bindparam("services"))
_APPLET_PREFIX = Filing.applet_name.like(bindparam("prefix"), escape="\\")
_SUBJECT_PREFIX = Filing.subject_name.like(bindparam("prefix"), escape="\\")


def _lookup(*conditions: Any) -> Select[Any]:
    """One arm per condition, each taking its own first MAX_RESULTS, then the first of all.

    Every arm can use its own index (or walk the number index when a short prefix matches
    half the table), which one OR over three columns cannot (beian/filings/indexes.py).
    """
    arms = [
        select(_public(condition).order_by(Filing.record_number).limit(MAX_RESULTS).subquery())
        for condition in conditions
    ]
    matched = union(*arms).subquery() if len(arms) > 1 else arms[0].subquery()
    return (
        select(*PUBLIC_COLUMNS)
        .where(Filing.id.in_(select(matched.c.id)))
        .order_by(Filing.record_number)
        .limit(MAX_RESULTS)
    )


_BY_SERVICE_NUMBER = _lookup(_EXACT)
# A subject number finds every service of the subject.
_BY_SUBJECT_NUMBER = _lookup(_EXACT, _SERVICES)
_BY_NAME = _lookup(_EXACT, _APPLET_PREFIX, _SUBJECT_PREFIX)


def _rows(
    reads: PublicReads, statement: Select[Any], params: dict[str, str]
) -> Iterable[Sequence[Any]]:
    """Run a statement of plain columns: as driver SQL on a Core connection (the routes on
    PostgreSQL, beian.public.reads), or on a session's connection.

    The ORM's execution path (its events, its result of entities) brings nothing to rows
    of plain columns and costs as much as a third of a lookup's time in Python.
    """
    if isinstance(reads, Connection):
        return driver_rows(reads, statement, params)
    return reads.connection().execute(statement, params)


def applet_profile(reads: PublicReads, appid: str) -> dict[str, Any] | None:
    """The profile page facts of a mini-program: filed record if any, else not filed.

    `reads` is a session, or what `beian.public.reads.public_reads` gives (the routes).
    """
    if not isinstance(appid, str) or not appid or len(appid) > 64:
        return None
    rows = list(_rows(reads, _PROFILE, {"appid": appid}))  # at most one
    return _record(*rows[0]) if rows else None


def query_records(reads: PublicReads, q: str) -> list[dict[str, Any]]:
    """Filed records whose number, mini-program name or organisation name matches `q`.

    `reads` is a session, or what `beian.public.reads.public_reads` gives (the routes).
    """
    text = (q or "").strip()
    if not text:
        raise QueryError("请输入备案号、小程序名称或主办单位名称")
    if len(text) > 100:
        raise QueryError("查询内容过长，请输入不超过100个字")
    parsed = parse_number(text)
    if parsed is None:
        if len(text) < MIN_NAME_LENGTH:
            raise QueryError(f"名称至少输入{MIN_NAME_LENGTH}个字")
        prefix = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        rows = _rows(reads, _BY_NAME, {"q": text, "prefix": prefix})
    elif parsed.is_service:
        rows = _rows(reads, _BY_SERVICE_NUMBER, {"q": text})
    else:
        services = f"{parsed.subject_number}-%"
        rows = _rows(reads, _BY_SUBJECT_NUMBER, {"q": text, "services": services})
    return [_record(*row) for row in rows]
