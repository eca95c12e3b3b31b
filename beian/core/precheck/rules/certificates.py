"""Certificate types (errcodes 1200-1299) and validity dates (1500-1599)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date
from functools import lru_cache
from typing import Any

from beian.core import dictionaries
from beian.core.document import FilingDocument
from beian.core.findings import Finding
from beian.core.precheck.context import (
    PRINCIPAL_LABELS,
    Context,
    dictionary_lookup,
    filled,
)

UNKNOWN_SUBJECT_TYPE = 1201
SUBJECT_CERTIFICATE_TYPE = 1202
PRINCIPAL_CERTIFICATE_TYPE = 1203

START_FORMAT = 1501
END_FORMAT = 1502
END_NOT_AFTER_START = 1503
START_IN_FUTURE = 1504
EXPIRES_TOO_SOON = 1505

LONG_TERM = "长期"


def certificate_types(doc: FilingDocument, ctx: Context) -> Iterable[Finding]:
    """The subject's certificate type belongs to its type; principals use personal ones."""
    (_, subject_principal), (_, applet_principal) = ctx.principals
    return _certificate_type_findings(
        ctx.subject_base.type,
        ctx.organize.certificate_type,
        subject_principal.certificate_type,
        applet_principal.certificate_type,
    )


# Four flat arguments, not the principals' types in a tuple: the cache key is then one
# tuple, made and hashed once.
@dictionary_lookup
def _certificate_type_findings(
    subject_type_id: int | None,
    type_id: int | None,
    subject_principal_type: int | None,
    applet_principal_type: int | None,
) -> tuple[Finding, ...]:
    return tuple(
        _certificate_type_problems(
            subject_type_id, type_id, (subject_principal_type, applet_principal_type)
        )
    )


def _certificate_type_problems(
    subject_type_id: int | None, type_id: int | None, principal_types: tuple[int | None, ...]
) -> Iterator[Finding]:
    subject_type = None
    if subject_type_id is not None:
        subject_type = dictionaries.subject_type(subject_type_id)
        if subject_type is None:
            yield Finding(
                UNKNOWN_SUBJECT_TYPE,
                "icp_subject.base_info.type",
                f"主体性质 {subject_type_id} 不存在",
                "请从主体性质字典中选择，例如 " + _choices(dictionaries.subject_types()),
            )
    if type_id is not None:
        certificate = dictionaries.certificate_type(type_id)
        allowed = dictionaries.certificate_types_for(subject_type.type) if subject_type else ()
        if certificate is None:
            yield Finding(
                SUBJECT_CERTIFICATE_TYPE,
                "icp_subject.organize_info.certificate_type",
                f"主体证件类型 {type_id} 不存在",
                "请从证件类型字典中选择" + (f"：{_choices(allowed)}" if allowed else ""),
            )
        elif subject_type is not None and all(c.type != certificate.type for c in allowed):
            yield Finding(
                SUBJECT_CERTIFICATE_TYPE,
                "icp_subject.organize_info.certificate_type",
                f"证件类型「{certificate.name}」不适用于主体性质「{subject_type.name}」",
                f"主体性质为「{subject_type.name}」时，请选择：{_choices(allowed)}",
            )
    personal = dictionaries.personal_certificate_types()
    for path, principal_type in zip(PRINCIPAL_LABELS, principal_types, strict=True):
        if principal_type is None:
            continue
        certificate = dictionaries.certificate_type(principal_type)
        who = PRINCIPAL_LABELS[path]
        if certificate is None:
            yield Finding(
                PRINCIPAL_CERTIFICATE_TYPE,
                f"{path}.certificate_type",
                f"{who}证件类型 {principal_type} 不存在",
                f"请选择个人证件类型：{_choices(personal)}",
            )
        elif not certificate.personal:
            yield Finding(
                PRINCIPAL_CERTIFICATE_TYPE,
                f"{path}.certificate_type",
                f"{who}只能使用个人证件，「{certificate.name}」不是个人证件",
                f"请选择个人证件类型：{_choices(personal)}",
            )


def validity_dates(doc: FilingDocument, ctx: Context) -> tuple[Finding, ...]:
    """Certificate validity: YYYYMMDD, end (or 长期) after start, enough time left."""
    months = ctx.config.min_validity_months_for(ctx.subject_base.province)
    (subject_path, subject), (applet_path, applet) = ctx.principals
    return _validity_findings(
        subject_path,
        subject.certificate_validity_date_start,
        subject.certificate_validity_date_end,
        months,
        ctx.today,
    ) + _validity_findings(
        applet_path,
        applet.certificate_validity_date_start,
        applet.certificate_validity_date_end,
        months,
        ctx.today,
    )


# Cached: the findings depend on these few values only, and validity dates repeat across
# filings (cards are issued and expire on the same days for many people).
@lru_cache(maxsize=4096)
def _validity_findings(
    path: str, start_text: str | None, end_text: str | None, months: int, today: date
) -> tuple[Finding, ...]:
    return tuple(_validity_problems(path, start_text, end_text, months, today))


def _validity_problems(
    path: str, start_text: str | None, end_text: str | None, months: int, today: date
) -> Iterator[Finding]:
    who = PRINCIPAL_LABELS[path]
    start = None
    if filled(start_text):
        start = parse_yyyymmdd(start_text)
        if start is None:
            yield Finding(
                START_FORMAT,
                f"{path}.certificate_validity_date_start",
                f"{who}证件有效期起始日期「{start_text}」不是有效日期",
                "请按 YYYYMMDD 格式填写证件上的起始日期，例如 20230815",
            )
        elif start > today:
            yield Finding(
                START_IN_FUTURE,
                f"{path}.certificate_validity_date_start",
                f"{who}证件有效期起始日期 {start_text} 晚于今天",
                "请核对证件上的有效期起始日期",
            )
    if not filled(end_text) or (end_text or "").strip() == LONG_TERM:
        return
    end = parse_yyyymmdd(end_text)
    end_field = f"{path}.certificate_validity_date_end"
    if end is None:
        yield Finding(
            END_FORMAT,
            end_field,
            f"{who}证件有效期终止日期「{end_text}」不是有效日期",
            "请按 YYYYMMDD 格式填写证件上的终止日期，例如 20330815；长期有效的证件请填写“长期”",
        )
        return
    if start is not None and end <= start:
        yield Finding(
            END_NOT_AFTER_START,
            end_field,
            f"{who}证件有效期终止日期 {end_text} 不晚于起始日期 {start_text}",
            "请核对证件上的有效期，起止日期可能填反了",
        )
        return
    if end <= add_months(today, months):
        state = "已过期" if end < today else f"剩余有效期不足 {months} 个月"
        yield Finding(
            EXPIRES_TOO_SOON,
            end_field,
            f"{who}证件{state}（有效期至 {end_text}）",
            f"证件须在提交时仍有超过 {months} 个月的有效期，请先换领新证件，再用新证件信息备案",
        )


# Cached: validity dates repeat across filings (cards are issued and expire on the same days
# for many people) and a look-up costs less than building the date.
@lru_cache(maxsize=8192)
def parse_yyyymmdd(text: str | None) -> date | None:
    """The date written as YYYYMMDD, or None when it is not one."""
    if text is None or len(text) != 8 or not text.isascii() or not text.isdigit():
        return None
    try:
        return date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        return None


@lru_cache(maxsize=256)  # asked with today's date on every check
def add_months(day: date, months: int) -> date:
    """The same day `months` later, clamped to the end of a shorter month."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return date(year, month, min(day.day, candidate))
        except ValueError:
            continue
    raise AssertionError("unreachable: every month has 28 days")


def _choices(items: Iterable[Any]) -> str:
    return "、".join(f"{item.type} {item.name}" for item in items)
