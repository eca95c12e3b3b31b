"""Issue filing numbers exactly once, with no gap, also under concurrent approvals.

Every function works inside the caller's transaction and never commits: the number is
issued together with the approval that needs it, or not at all. A rolled-back approval
rolls its counter increments back too, so no sequence is lost.

Concurrency: on PostgreSQL the subject row and then the province-and-year counter row are
locked with SELECT ... FOR UPDATE (always in that order, so issuances cannot deadlock);
missing rows are created with INSERT ... ON CONFLICT DO NOTHING first, so two
transactions creating the same row do not fail, the second waits and then sees it.
On SQLite every transaction starts with BEGIN IMMEDIATE (beian.db), which already admits
one writer at a time; the same statements run there without the row locks.

The locks are held until the caller commits (PostgreSQL's default READ COMMITTED is
assumed), so an approval should draw its number as its last step before committing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from beian.core.numbering import (
    PROVINCE_PREFIXES,
    SERVICE_KIND_SUFFIXES,
    ParsedNumber,
    format_service_number,
    format_subject_number,
    parse_number,
    province_abbreviation,
)
from beian.db import Base
from beian.numbering.models import IssuedNumberRecord, NumberedSubject, ProvinceCounter

Row = TypeVar("Row", bound=Base)


class NumberingError(ValueError):
    """A number cannot be issued or registered; the message names the field to fix."""


@dataclass(frozen=True)
class IssuedNumber:
    """What an approval gets: the subject's number and the new service number."""

    subject_number: str
    service_number: str
    ordinal: int


def assign_number(
    session: Session,
    *,
    subject_key: str,
    province_code: str,
    year: int,
    licence_number: str | None = None,
    kind: str = "applet",
) -> IssuedNumber:
    """Issue the next service number of a subject, giving the subject its number first."""
    _check_subject_key(subject_key)
    abbreviation = _guard(province_abbreviation, province_code)
    prefix = PROVINCE_PREFIXES[abbreviation]
    _check_year(year)
    if kind not in SERVICE_KIND_SUFFIXES:
        raise NumberingError(f"kind：'{kind}' 未知，应为 {', '.join(SERVICE_KIND_SUFFIXES)} 之一")
    licence = _parse_licence(licence_number) if licence_number is not None else None

    subject = _lock_subject(session, subject_key)
    if subject.subject_number is None:
        if licence is not None:
            _claim_subject_number(session, subject, licence.subject_number, prefix)
            _record(session, subject, licence.subject_number, origin="licence")
        else:
            sequence = _next_sequence(session, prefix, year)
            number = format_subject_number(abbreviation, year, sequence)
            _claim_subject_number(session, subject, number, prefix)
            _record(session, subject, number, origin="issued")
    else:
        _check_same_subject(subject, prefix, licence)

    assert subject.subject_number is not None
    ordinal = subject.last_ordinal + 1
    service_number = format_service_number(subject.subject_number, ordinal, kind)
    subject.last_ordinal = ordinal
    _record(session, subject, service_number, origin="issued")
    session.flush()
    return IssuedNumber(subject.subject_number, service_number, ordinal)


def register_existing_subject(
    session: Session, *, subject_key: str, subject_number: str, last_ordinal: int
) -> NumberedSubject:
    """Import a subject's existing number and its last service ordinal (operator action)."""
    _check_subject_key(subject_key)
    parsed = parse_number(subject_number)
    if parsed is None or parsed.is_service:
        raise NumberingError(
            f"subject_number：'{subject_number}' 不是主体备案号或经营许可证号"
            "（如 京ICP备2026000001号、粤B2-20090059），请勿填写带 -1X 的服务备案号"
        )
    if isinstance(last_ordinal, bool) or not isinstance(last_ordinal, int) or last_ordinal < 0:
        raise NumberingError(f"last_ordinal：{last_ordinal!r} 应为不小于 0 的整数")

    subject = _lock_subject(session, subject_key)
    if subject.subject_number is None:
        _claim_subject_number(session, subject, parsed.subject_number, parsed.province_prefix)
        _record(session, subject, parsed.subject_number, origin="imported")
        if parsed.year is not None and parsed.sequence is not None:
            _raise_counter(session, parsed.province_prefix, parsed.year, parsed.sequence)
    elif subject.subject_number != parsed.subject_number:
        raise NumberingError(
            f"subject_number：主体 {subject_key} 已有备案号 {subject.subject_number}，"
            f"不能改为 {parsed.subject_number}"
        )
    if last_ordinal < subject.last_ordinal:
        raise NumberingError(
            f"last_ordinal：主体 {subject_key} 已使用到第 {subject.last_ordinal} 个服务序号，"
            f"不能调低为 {last_ordinal}（已发出的号码不得重复使用）"
        )
    subject.last_ordinal = last_ordinal
    session.flush()
    return subject


def subject_number_of(session: Session, subject_key: str) -> str | None:
    """The subject's number, or None when it has none yet."""
    subject = session.get(NumberedSubject, subject_key)
    return subject.subject_number if subject is not None else None


# --- locking helpers -------------------------------------------------------------------


def _insert_missing(session: Session, model: type[Base], values: dict[str, Any]) -> None:
    """Create a row unless it exists, without failing when another transaction races us."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        statement: Any = postgresql.insert(model).values(**values).on_conflict_do_nothing()
    elif dialect == "sqlite":
        statement = sqlite.insert(model).values(**values).on_conflict_do_nothing()
    else:  # pragma: no cover - Beian runs on these two only
        raise NotImplementedError(f"numbering does not support the {dialect} database")
    session.execute(statement)


def _lock_row(session: Session, model: type[Row], key: Any, values: dict[str, Any]) -> Row:
    """Lock the row with this primary key, creating it first when it is missing."""
    row = session.get(model, key, with_for_update=True, populate_existing=True)
    if row is None:  # rare: first use of a subject or of a province's year
        _insert_missing(session, model, values)
        row = session.get(model, key, with_for_update=True, populate_existing=True)
        assert row is not None  # inserted just now, or by a racing transaction
    return row


def _lock_subject(session: Session, subject_key: str) -> NumberedSubject:
    values = {"subject_key": subject_key, "last_ordinal": 0}
    return _lock_row(session, NumberedSubject, subject_key, values)


def _lock_counter(session: Session, prefix: str, year: int) -> ProvinceCounter:
    values = {"province_prefix": prefix, "year": year, "last_sequence": 0}
    return _lock_row(session, ProvinceCounter, (prefix, year), values)


def _next_sequence(session: Session, prefix: str, year: int) -> int:
    counter = _lock_counter(session, prefix, year)
    sequence = counter.last_sequence + 1
    # Refuse before touching the counter, so an exhausted year stays exhausted, not corrupt.
    _guard(format_subject_number, _abbreviation_of(prefix), year, sequence)
    counter.last_sequence = sequence
    return sequence


def _raise_counter(session: Session, prefix: str, year: int, sequence: int) -> None:
    # An imported number occupies its sequence: issuing continues after it.
    counter = _lock_counter(session, prefix, year)
    counter.last_sequence = max(counter.last_sequence, sequence)


# --- checks and records ----------------------------------------------------------------


def _claim_subject_number(
    session: Session, subject: NumberedSubject, number: str, prefix: str
) -> None:
    holder = session.scalars(
        select(NumberedSubject.subject_key).where(NumberedSubject.subject_number == number)
    ).first()
    if holder is not None and holder != subject.subject_key:
        raise NumberingError(
            f"subject_number：{number} 已属于主体 {holder}，一个号码只能属于一个主体"
        )
    subject.subject_number = number
    subject.province_prefix = prefix


def _check_same_subject(
    subject: NumberedSubject, prefix: str, licence: ParsedNumber | None
) -> None:
    if subject.province_prefix != prefix:
        raise NumberingError(
            f"province_code：主体 {subject.subject_key} 的备案省份为 "
            f"{_abbreviation_of(subject.province_prefix)}，同一主体只能在一个省份备案"
        )
    if licence is not None and licence.subject_number != subject.subject_number:
        raise NumberingError(
            f"licence_number：主体 {subject.subject_key} 已有备案号 {subject.subject_number}，"
            f"与许可证号 {licence.subject_number} 不一致，请先办理主体变更"
        )


def _record(session: Session, subject: NumberedSubject, number: str, *, origin: str) -> None:
    parsed = parse_number(number)
    assert parsed is not None, number  # formatted or validated before
    session.add(
        IssuedNumberRecord(
            number=number,
            subject_key=subject.subject_key,
            kind=parsed.kind or "subject",
            province_prefix=parsed.province_prefix,
            year=parsed.year,
            sequence=parsed.sequence,
            ordinal=parsed.ordinal,
            origin=origin,
        )
    )


def _parse_licence(licence_number: str) -> ParsedNumber:
    parsed = parse_number(licence_number)
    if parsed is None or parsed.licence is None or parsed.is_service:
        raise NumberingError(
            f"licence_number：'{licence_number}' 不是经营许可证号，格式如 粤B2-20090059"
        )
    return parsed


def _check_subject_key(subject_key: str) -> None:
    if not isinstance(subject_key, str) or not subject_key.strip() or len(subject_key) > 120:
        raise NumberingError("subject_key：应为 1–120 个字符的主体标识（如证件类型+证件号码）")


def _check_year(year: int) -> None:
    if isinstance(year, bool) or not isinstance(year, int) or not 1000 <= year <= 9999:
        raise NumberingError(f"year：{year!r} 不是 4 位年份，请传入批准日（北京时间）所在年份")


def _guard(function: Any, *args: Any) -> Any:
    try:
        return function(*args)
    except ValueError as error:
        raise NumberingError(str(error)) from error


def _abbreviation_of(prefix: str | None) -> str:
    return _guard(province_abbreviation, prefix or "")
