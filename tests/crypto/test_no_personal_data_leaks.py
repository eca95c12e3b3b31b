"""A whole journey leaves no ID number or phone in the logs, the raw rows or error bodies.

Every logger runs at DEBUG, SQLAlchemy's included, so each SQL statement, its parameters
and the raw rows fetched are logged too: a look-up by a plain phone would show here.
"""

from __future__ import annotations

import copy
import json
import logging
from typing import Any

from sqlalchemy import text

from beian.crypto.redact import ID_NUMBER, MOBILE
from beian.db.models import metadata
from beian.filings import review, service, verification
from beian.filings.errors import CodeRejected, FilingError, PrecheckFailed
from tests.journey import APPLICANT, BUREAU, PLATFORM, World, principal, verify_all

PEOPLE = (
    ("icp_subject", "principal_info"),
    ("icp_applets", "principal_info"),
    ("icp_subject", "legal_person_info"),
)


def personal_values(document: dict[str, Any]) -> set[str]:
    """Every ID number and phone the document holds."""
    values = set()
    for part, block in PEOPLE:
        person = document.get(part, {}).get(block, {})
        for name in ("mobile", "emergency_contact", "certificate_number"):
            if person.get(name):
                values.add(person[name])
    return values


def run_journey(world: World, document: dict[str, Any]) -> list[FilingError]:
    """Create, submit, reject, resubmit, approve, SMS wrong and right, bureau, cancel."""
    now = world.clock.now
    errors: list[FilingError] = []
    filing, _ = world.act(
        lambda s: service.create_filing(s, applicant=APPLICANT, document=document, now=now())
    )
    fid = filing.id
    world.act(lambda s: service.submit(s, filing_id=fid, applicant=APPLICANT, now=now()))
    claim = dict(filing_id=fid, reviewer=PLATFORM, stage="platform")
    world.act(lambda s: review.claim(s, **claim, now=now()))
    world.act(
        lambda s: review.record_call(
            s,
            filing_id=fid,
            reviewer=PLATFORM,
            principal="applet",
            outcome="reached",
            note="已联系负责人本人",
            now=now(),
        )
    )
    reason = {"field": "icp_applets.base_info.comment", "error": "备注不清楚", "suggest": "请写明"}
    world.act(
        lambda s: review.reject_platform(
            s, filing_id=fid, reviewer=PLATFORM, audit_data=[reason], now=now()
        )
    )
    changed = copy.deepcopy(document)
    changed["icp_applets"]["base_info"]["comment"] += "每周更新课程。"
    world.act(
        lambda s: service.update_filing(
            s, filing_id=fid, applicant=APPLICANT, document=changed, now=now()
        )
    )
    world.act(lambda s: service.resubmit(s, filing_id=fid, applicant=APPLICANT, now=now()))
    world.act(lambda s: review.claim(s, **claim, now=now()))
    world.act(lambda s: review.approve_platform(s, filing_id=fid, reviewer=PLATFORM, now=now()))

    mobile, number = principal(changed)
    right = world.latest_code(mobile)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    outcome = world.act(
        lambda s: verification.enter_code(
            s, purpose="verify", mobile=mobile, certificate_number=number, code=wrong, now=now()
        )
    )
    assert outcome.refusal is not None
    errors.append(outcome.refusal)
    try:
        world.act(
            lambda s: verification.enter_code(
                s,
                purpose="verify",
                mobile="13912345678",
                certificate_number=number,
                code=right,
                now=now(),
            )
        )
    except CodeRejected as error:
        errors.append(error)
    verify_all(world, changed, fid)

    province = changed["icp_subject"]["base_info"]["province"]
    world.act(
        lambda s: review.claim(
            s, filing_id=fid, reviewer=BUREAU, stage="bureau", province=province, now=now()
        )
    )
    world.act(
        lambda s: review.approve_bureau(
            s, filing_id=fid, reviewer=BUREAU, province=province, now=now()
        )
    )
    world.act(
        lambda s: service.request_cancellation(s, filing_id=fid, applicant=APPLICANT, now=now())
    )
    world.work()

    # Another person's filing naming the same mobile: refused by the cross-filing rule.
    intruder = copy.deepcopy(changed)
    intruder["icp_subject"]["principal_info"]["mobile"] = "13512345678"
    intruder["icp_applets"]["principal_info"]["certificate_number"] = "11010519491231002X"
    intruder["icp_applets"]["base_info"]["appid"] = "wx9999999999999999"
    other, _ = world.act(
        lambda s: service.create_filing(s, applicant="someone-else", document=intruder, now=now())
    )
    try:
        world.act(
            lambda s: service.submit(s, filing_id=other.id, applicant="someone-else", now=now())
        )
    except PrecheckFailed as error:
        errors.append(error)
    return errors


def raw_rows(world: World) -> list[tuple[str, str]]:
    """(table, value as text) of every value of every row, read with plain SQL."""
    found = []
    with world.sessions() as session:
        for table in metadata.sorted_tables:
            for row in session.execute(text(f'SELECT * FROM "{table.name}"')):
                for value in row:
                    if isinstance(value, bytes | memoryview):
                        shown = bytes(value).decode("latin-1")
                    elif isinstance(value, dict | list):
                        shown = json.dumps(value, ensure_ascii=False)
                    else:
                        shown = str(value)
                    found.append((table.name, shown))
    return found


def test_a_whole_journey_leaks_no_id_number_or_phone(world, document, caplog):
    # Every logger: the root, and those with a level of their own (SQLAlchemy sets WARN).
    caplog.set_level(logging.DEBUG)
    for name in list(logging.root.manager.loggerDict):
        caplog.set_level(logging.DEBUG, logger=name)
    secrets = personal_values(document) | {"13512345678", "11010519491231002X", "13912345678"}
    errors = run_journey(world, document)

    messages = [record.getMessage() for record in caplog.records]
    messages += [record.exc_text for record in caplog.records if record.exc_text]
    assert any("SELECT" in message for message in messages)  # SQL really was logged
    for message in messages:
        assert not any(secret in message for secret in secrets), message[:300]
        assert not ID_NUMBER.search(message) and not MOBILE.search(message), message[:300]

    rows = raw_rows(world)
    assert {"filings", "sms_challenges", "outbox_messages", "local_sms"} <= {t for t, _ in rows}
    for table, value in rows:
        assert not any(secret in value for secret in secrets), (table, value[:200])
        assert not ID_NUMBER.search(value) and not MOBILE.search(value), (table, value[:200])

    assert [type(error).__name__ for error in errors] == [
        "CodeRejected",
        "CodeRejected",
        "PrecheckFailed",
    ]
    precheck = errors[-1]
    assert any(f["errcode"] == 1605 for f in precheck.findings)  # the rule did fire
    for error in errors:
        body = str(error) + json.dumps(error.findings, ensure_ascii=False)
        assert not any(secret in body for secret in secrets), body
        assert not ID_NUMBER.search(body) and not MOBILE.search(body), body
