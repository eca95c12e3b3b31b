"""Read filed records for the public: never an ID number, a phone or a face.

What is shown follows the national query: service number (服务备案号), main number (主体备案号),
unit name, unit nature, service name, pre-approval items and approval date.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, union
from sqlalchemy.orm import Session, load_only

from beian.clock import china_date
from beian.core import dictionaries
from beian.core.numbering import parse_number
from beian.core.workflow import PUBLIC
from beian.filings.documents import section
from beian.filings.models import Filing

PUBLIC_VALUES = [status.value for status in PUBLIC]
# Only what `public_record` reads: the other encrypted copy of the document, the
# rejection data and the rest are not decrypted and built for every row shown.
PUBLIC_COLUMNS = load_only(
    Filing.id,
    Filing.status,
    Filing.document,
    Filing.record_number,
    Filing.subject_name,
    Filing.applet_name,
    Filing.appid,
    Filing.filed_at,
    Filing.version,
    raiseload=True,
)
MAX_RESULTS = 50
MIN_NAME_LENGTH = 2


class QueryError(ValueError):
    """A query the public search cannot answer (too short, empty)."""

    def __init__(self, message: str, field: str = "q") -> None:
        super().__init__(message)
        self.field = field


def public_record(filing: Filing) -> dict[str, Any]:
    """The public view of one filed record."""
    document = filing.document
    base = section(document, "icp_subject", "base_info")
    applet = section(document, "icp_applets", "base_info")
    type_id = base.get("type")
    subject_type = dictionaries.subject_type(type_id) if isinstance(type_id, int) else None
    nrlx = []
    for item in applet.get("nrlx_details") or []:
        nrlx_id = item.get("type") if isinstance(item, dict) else None
        kind = dictionaries.nrlx_type(nrlx_id) if isinstance(nrlx_id, int) else None
        if kind is not None and kind.type != dictionaries.NRLX_NONE:
            nrlx.append({"type": kind.name, "code": item.get("code") or ""})
    parsed = parse_number(filing.record_number or "")
    return {
        "service_number": filing.record_number,
        "subject_number": parsed.subject_number if parsed else None,
        "unit_name": filing.subject_name,
        "unit_nature": subject_type.name if subject_type else None,
        "service_name": filing.applet_name,
        "service_kind": "小程序",
        "appid": filing.appid,
        "pre_approvals": nrlx,
        "approved_on": china_date(filing.filed_at).isoformat() if filing.filed_at else None,
    }


def applet_profile(session: Session, appid: str) -> dict[str, Any] | None:
    """The profile page facts of a mini-program: filed record if any, else not filed."""
    if not isinstance(appid, str) or not appid or len(appid) > 64:
        return None
    query = (
        select(Filing)
        .options(PUBLIC_COLUMNS)
        .where(Filing.appid == appid, Filing.status.in_(PUBLIC_VALUES))
    )
    filing = session.scalars(query.limit(1)).first()
    return public_record(filing) if filing else None


def query_records(session: Session, q: str) -> list[dict[str, Any]]:
    """Filed records whose number, mini-program name or organisation name matches `q`."""
    text = (q or "").strip()
    if not text:
        raise QueryError("请输入备案号、小程序名称或主办单位名称")
    if len(text) > 100:
        raise QueryError("查询内容过长，请输入不超过100个字")
    filters = [Filing.record_number == text]
    parsed = parse_number(text)
    if parsed is not None and not parsed.is_service:
        # A subject number finds every service of the subject.
        filters.append(Filing.record_number.like(f"{parsed.subject_number}-%"))
    if parsed is None:
        if len(text) < MIN_NAME_LENGTH:
            raise QueryError(f"名称至少输入{MIN_NAME_LENGTH}个字")
        pattern = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        filters.append(Filing.applet_name.like(pattern, escape="\\"))
        filters.append(Filing.subject_name.like(pattern, escape="\\"))
    # One arm per condition, each taking its own first MAX_RESULTS: every arm can use its
    # own index (or walk the number index when a short prefix matches half the table),
    # which one OR over three columns cannot (beian/filings/indexes.py).
    arms = [
        select(
            select(Filing.id)
            .where(Filing.status.in_(PUBLIC_VALUES), condition)
            .order_by(Filing.record_number)
            .limit(MAX_RESULTS)
            .subquery()
        )
        for condition in filters
    ]
    matched = union(*arms).subquery() if len(arms) > 1 else arms[0].subquery()
    query = (
        select(Filing)
        .options(PUBLIC_COLUMNS)
        .where(Filing.id.in_(select(matched.c.id)))
        .order_by(Filing.record_number)
        .limit(MAX_RESULTS)
    )
    return [public_record(filing) for filing in session.scalars(query)]
