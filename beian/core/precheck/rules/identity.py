"""Resident ID numbers (errcodes 1300-1399) and unified social credit codes (1400-1499)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from beian.core import dictionaries
from beian.core.document import FilingDocument
from beian.core.findings import Finding
from beian.core.precheck.context import PRINCIPAL_LABELS, Context, filled
from beian.core.precheck.idnumbers import (
    NumberProblem,
    check_resident_id,
    check_uscc,
    resident_id_valid,
)

RESIDENT_ID_CODES = {
    "length": 1301,
    "format": 1302,
    "lowercase": 1303,
    "checksum": 1304,
    "birth_date": 1305,
    "region": 1306,
    "region_unknown": 1307,
    "unverifiable": 1308,
}
USCC_CODES = {
    "length": 1401,
    "lowercase": 1402,
    "format": 1403,
    "checksum": 1404,
    "unverifiable": 1408,
}
ORGANIZE_NUMBER = "icp_subject.organize_info.certificate_number"
_NUMBER_FIELDS = {path: f"{path}.certificate_number" for path in PRINCIPAL_LABELS}
RESIDENT_ID_CARD = dictionaries.RESIDENT_ID_CARD


def resident_id_numbers(doc: FilingDocument, ctx: Context) -> Iterable[Finding]:
    """Every number given as a resident ID card follows GB 11643."""
    organize = ctx.organize
    (_, subject), (_, applet) = ctx.principals
    # The usual case first: every resident ID number valid, each distinct one checked once
    # (an individual's number usually appears three times) without building problems; a
    # blank number or one with something to report goes the detailed way below. Written
    # out for the three places: a loop over tuples of them cost a third more.
    today = ctx.today
    checked = subject.certificate_number
    if subject.certificate_type == RESIDENT_ID_CARD:
        if checked is None or not resident_id_valid(checked, today):
            return _resident_id_problems(doc, ctx)
    else:
        checked = None
    number = applet.certificate_number
    if applet.certificate_type == RESIDENT_ID_CARD and number != checked:
        if number is None or not resident_id_valid(number, today):
            return _resident_id_problems(doc, ctx)
        checked = number
    number = organize.certificate_number
    if (
        organize.certificate_type == RESIDENT_ID_CARD
        and number != checked
        and (number is None or not resident_id_valid(number, today))
    ):
        return _resident_id_problems(doc, ctx)
    return ()


def _resident_id_problems(doc: FilingDocument, ctx: Context) -> Iterable[Finding]:
    organize = ctx.organize
    (subject_path, subject), (applet_path, applet) = ctx.principals
    places = (
        (subject_path, subject.certificate_type, subject.certificate_number),
        (applet_path, applet.certificate_type, applet.certificate_number),
        (None, organize.certificate_type, organize.certificate_number),
    )
    # An individual's number usually appears three times: check it once.
    checked: dict[str, list[NumberProblem]] = {}
    for _, type_id, number in places:
        if type_id == dictionaries.RESIDENT_ID_CARD and number not in checked and filled(number):
            assert number is not None
            checked[number] = check_resident_id(number, today=ctx.today)
    if not any(checked.values()):
        return ()  # the usual case, told without making a generator
    return _resident_id_findings(places, checked)


def _resident_id_findings(
    places: tuple[tuple[str | None, int | None, str | None], ...],
    checked: dict[str, list[NumberProblem]],
) -> Iterator[Finding]:
    for path, type_id, number in places:
        if type_id != dictionaries.RESIDENT_ID_CARD or number not in checked:
            continue
        if path is None:
            field, who = ORGANIZE_NUMBER, "主体"
        else:
            field, who = _NUMBER_FIELDS[path], PRINCIPAL_LABELS[path]
        for problem in checked[number]:
            yield _finding(RESIDENT_ID_CODES, field, who, problem)


def credit_codes(doc: FilingDocument, ctx: Context) -> Iterable[Finding]:
    """An organisation numbered by a unified social credit code follows GB 32100."""
    organize = ctx.organize
    if organize.certificate_type not in dictionaries.USCC_CERTIFICATE_TYPES:
        return ()
    if ctx.subject_key is None:  # person_key of the number: None when it is not given
        return ()
    problems = check_uscc(organize.certificate_number)
    if not problems:
        return ()  # the usual case, told without making a generator or a list
    return [_finding(USCC_CODES, ORGANIZE_NUMBER, "主体", problem) for problem in problems]


def _finding(codes: dict[str, int], field: str, who: str, problem: NumberProblem) -> Finding:
    return Finding(
        codes[problem.kind], field, f"{who}{problem.message}", problem.suggest, problem.severity
    )
