"""Invariants of the whole lifecycle, read from the database and compared with the model.

`check_everything` runs after every step of the machine. Each check states a property the
issue names: one legal status per filing, only declared moves in the history, exactly one
live timer per pending deadline, numbers issued iff filed and never twice, and the public
query showing exactly the filed records.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from beian.clock import china_date
from beian.core.workflow import PUBLIC, TRANSITIONS, Event, Status
from beian.filings.lifecycle import SMS_REMINDER_BEFORE, STEP_TIMERS
from beian.filings.models import Filing, FilingEvent, SmsChallenge
from beian.notifications.models import LocalSms, OutboxMessage
from beian.numbering.models import IssuedNumberRecord
from beian.public.service import applet_profile, query_records
from beian.timers.models import Timer
from tests.model.model_rows import read_rows
from tests.model.model_state import NUMBERED, MFiling, Model

FILING_TIMER_KINDS = frozenset(kind for kinds in STEP_TIMERS.values() for kind in kinds)
CODE = re.compile(r"(?<!\d)\d{6}(?!\d)")
# Live timers of the filing kinds: the predicate of beian.timers.service.pending, in one
# narrow query (the invariants run after every step).
_timer = Timer.__table__.c
LIVE_FILING_TIMERS = select(_timer.kind, _timer.key, _timer.due_at, _timer.payload).where(
    _timer.fired_at.is_(None),
    _timer.cancelled_at.is_(None),
    _timer.kind.in_(sorted(FILING_TIMER_KINDS)),
)


def check_everything(session: Session, model: Model, *, worker_ran_at: datetime) -> None:
    """Every invariant of the lifecycle, against the database and the model."""
    filings = {f.id: f for f in read_rows(session, Filing, model.plaintexts)}
    assert set(filings) == set(model.filings), "the database and the model know other filings"
    histories: dict[str, list[Any]] = {filing_id: [] for filing_id in filings}
    columns = ("filing_id", "event", "from_status", "to_status", "actor")
    history_rows = select(*(FilingEvent.__table__.c[name] for name in columns))
    for event in session.execute(history_rows.order_by(FilingEvent.id)):
        histories[event.filing_id].append(event)
    for filing in filings.values():
        check_status_and_history(filing, histories[filing.id])
        check_against_model(filing, histories[filing.id], model.filings[filing.id])
    check_timers(session, filings, model, worker_ran_at)
    check_numbers(session, filings, model)
    check_challenges(read_rows(session, SmsChallenge, model.plaintexts), model)
    # The public query reads only these columns: it is asked again about the filings whose
    # values changed since it was last checked (its answers cannot have changed otherwise).
    public_inputs = {
        f.id: (f.status in PUBLIC, f.record_number, f.filed_at, f.subject_name, f.appid)
        for f in filings.values()
    }
    changed = {i for i, values in public_inputs.items() if model.checked_public.get(i) != values}
    if changed:
        check_public_query(session, filings, model, changed)
        model.checked_public = public_inputs


def check_status_and_history(filing: Any, history: list[Any]) -> None:
    """One legal status; every history row a declared move from where the last one ended."""
    status = Status(filing.status)  # raises for anything that is not a declared status
    current = Status.DRAFT
    for row in history:
        move = (Event(row.event), Status(row.from_status))
        assert move in TRANSITIONS, f"{filing.id}: undeclared move {move}"
        assert row.from_status == current, f"{filing.id}: history jumps from {current}"
        assert TRANSITIONS[move] == row.to_status, f"{filing.id}: {move} led to {row.to_status}"
        current = Status(row.to_status)
    assert current == status, f"{filing.id}: history ends in {current}, filing is {status}"


def check_against_model(filing: Any, history: list[Any], expected: MFiling) -> None:
    """The row says what the model says."""
    actual = {
        "status": Status(filing.status),
        "kind": filing.kind,
        "replaces_id": filing.replaces_id,
        "applicant": filing.applicant,
        "document": filing.document,
        "submitted_document": filing.submitted_document,
        "unlocked": filing.unlocked_fields,
        "deadline": filing.deadline_at,
        "provisional": filing.deadline_provisional,
        "overdue": filing.overdue,
        "claimed_by": filing.claimed_by,
        "claimed_at": filing.claimed_at,
        "record_number": filing.record_number,
        "filed_at": filing.filed_at,
        "history": [(e.event, e.from_status, e.to_status, e.actor) for e in history],
    }
    wanted = {name: getattr(expected, name) for name in actual}
    for name, value in actual.items():
        assert value == wanted[name], (
            f"{filing.id}.{name}: database {value!r}, model {wanted[name]!r}"
        )


def check_timers(
    session: Session, filings: dict[str, Any], model: Model, worker_ran_at: datetime
) -> None:
    """Exactly one live timer per pending deadline of a filing, and none for anything else."""
    live: dict[tuple[str, str], list[Any]] = {}
    for timer in session.execute(LIVE_FILING_TIMERS):
        live.setdefault((timer.kind, timer.key), []).append(timer)
    for (kind, key), rows in live.items():
        assert len(rows) == 1, f"{len(rows)} live {kind} timers for {key}"
        assert key in filings, f"a live {kind} timer for unknown filing {key}"
    for filing in filings.values():
        status = Status(filing.status)
        owned = STEP_TIMERS.get(status, ())
        for kind in FILING_TIMER_KINDS - set(owned):
            assert (kind, filing.id) not in live, f"{filing.id} ({status}) has a live {kind} timer"
        for kind in owned:
            assert filing.deadline_at is not None, f"{filing.id} ({status}) has no deadline"
            early = SMS_REMINDER_BEFORE if kind == "sms_reminder" else timedelta(0)
            due = filing.deadline_at - early
            rows = live.get((kind, filing.id), [])
            if due > worker_ran_at:
                assert len(rows) == 1, f"{filing.id} ({status}) lacks its live {kind} timer"
                assert rows[0].due_at == due, f"{filing.id}: {kind} due {rows[0].due_at}, not {due}"
                assert rows[0].payload["status"] == status.value
            else:
                assert rows == [], f"{filing.id}: {kind} due {due} outlived the worker run"
        model_live = {(k, filing.id): due for k, due in model.filings[filing.id].timers.items()}
        db_live = {k: rows[0].due_at for k, rows in live.items() if k[1] == filing.id}
        assert db_live == model_live, f"{filing.id}: live timers {db_live}, model {model_live}"


def check_numbers(session: Session, filings: dict[str, Any], model: Model) -> None:
    """A number iff filed (or cancelled, which keeps it); each issued number held once."""
    issued = list(session.scalars(select(IssuedNumberRecord.number)))
    assert len(issued) == len(set(issued)), "a number was issued twice"
    assert set(issued) == model.ledger, f"issued {sorted(issued)}, model {sorted(model.ledger)}"
    held: dict[str, str] = {}
    for filing in filings.values():
        numbered = Status(filing.status) in NUMBERED
        assert (filing.record_number is not None) == numbered, (
            f"{filing.id} ({filing.status}) has number {filing.record_number!r}"
        )
        if filing.record_number is not None:
            assert filing.record_number not in held, f"{filing.record_number} held twice"
            held[filing.record_number] = filing.id
    services = {number for number in issued if "-" in number}
    assert set(held) == services, f"service numbers issued {services}, held by filings {held}"


def check_challenges(rows: list[Any], model: Model) -> None:
    """Every texted code, in order, with its state; waiting ones only in a waiting step."""
    actual = [
        (
            c.filing_id,
            c.purpose,
            c.phone_encrypted,
            c.certificate_encrypted,
            c.roles,
            c.window_ends_at,
            c.sent_at,
            c.last_sent_at,
            c.status,
            c.wrong_attempts,
            c.resends,
        )
        for c in rows
    ]
    expected = [
        (
            c.filing_id,
            c.purpose,
            c.phone,
            c.certificate_number,
            c.roles,
            c.window_end,
            c.sent_at,
            c.last_sent,
            c.status,
            c.wrong,
            c.resends,
        )
        for c in model.challenges
    ]
    assert actual == expected, f"challenges {actual}\n model {expected}"
    for row in rows:
        if row.status != "waiting":
            continue
        status = model.filings[row.filing_id].status
        step = Status.SMS_VERIFICATION if row.purpose == "verify" else Status.CANCEL_PENDING
        assert status == step, f"a waiting {row.purpose} code for a filing in {status}"
    for filing in model.filings.values():
        if filing.status == Status.SMS_VERIFICATION:
            assert model.waiting(filing.id, "verify"), f"{filing.id} waits for no code"
        if filing.status == Status.CANCEL_PENDING:
            assert model.waiting(filing.id, "cancel"), f"{filing.id} waits for no code"


def check_public_query(
    session: Session, filings: dict[str, Any], model: Model, changed: set[str]
) -> None:
    """The public query finds exactly the filed records, never personal data."""
    public = {f.record_number: f for f in filings.values() if Status(f.status) in PUBLIC}
    found_by_subject: set[str] = set()
    for subject_number in sorted(n for n in model.ledger if "-" not in n):
        # A subject number finds every filed service of the subject, shown in full.
        records = query_records(session, subject_number)
        numbers = {r["service_number"] for r in records}
        wanted = {n for n in public if n.startswith(subject_number + "-")}
        assert numbers == wanted, f"{subject_number} finds {numbers}, filed are {wanted}"
        found_by_subject |= numbers
        for record in records:
            check_public_record(record, model.filings[public[record["service_number"]].id], model)
    assert found_by_subject == set(public), f"filed {set(public)}, found {found_by_subject}"
    for filing in (filings[i] for i in sorted(changed)):
        # A service number finds its record while filed, nothing once cancelled.
        if filing.record_number is not None:
            found = [r["service_number"] for r in query_records(session, filing.record_number)]
            assert found == ([filing.record_number] if filing.record_number in public else [])
        profile = applet_profile(session, filing.appid)
        holders = [n for n, f in public.items() if f.appid == filing.appid]
        assert len(holders) <= 1, f"{filing.appid} is filed twice: {holders}"
        assert (profile and profile["service_number"]) == (holders[0] if holders else None)
    for name in sorted({f.subject_name for f in filings.values()}):
        found = {r["service_number"] for r in query_records(session, name)}
        wanted = {
            n
            for n, f in public.items()
            if any(given and given.startswith(name) for given in (f.subject_name, f.applet_name))
        }
        assert found == wanted, f"query {name!r} finds {found}, filed are {wanted}"


def check_public_record(record: dict[str, Any], filing: MFiling, model: Model) -> None:
    """One public record shows what the model expects and no ID number or phone."""
    expected = public_record(filing, model)
    assert {k: record[k] for k in expected} == expected, f"public {record}, model {expected}"
    secrets = {value for (_, cert, mobile) in filing.people for value in (cert, mobile)}
    shown = json.dumps(record, ensure_ascii=False)
    assert not any(value in shown for value in secrets), f"personal data in {record}"


def public_record(filing: MFiling, model: Model) -> dict[str, Any]:
    """What the public should see of a filed record."""
    assert filing.record_number is not None and filing.filed_at is not None
    document = filing.document
    return {
        "service_number": filing.record_number,
        "subject_number": model.subject_numbers[filing.subject_key],
        "unit_name": document["icp_subject"]["base_info"]["name"],
        "service_name": document["icp_applets"]["base_info"]["name"],
        "service_kind": "小程序",
        "appid": document["icp_applets"]["base_info"]["appid"],
        # The approval date as people in China read it.
        "approved_on": china_date(filing.filed_at).isoformat(),
    }


def snapshot(session: Session) -> tuple[Any, ...]:
    """Everything a refused action must leave untouched.

    Raw rows (ciphertext as stored) of the tables whose rows change; the count and last id
    of the append-only ones, which a refusal could only have added to.
    """
    changing = (Filing, Timer, SmsChallenge)
    appended = (FilingEvent, OutboxMessage, IssuedNumberRecord, LocalSms)
    run = session.connection().exec_driver_sql
    rows = [tuple(run(f"SELECT * FROM {t.__tablename__} ORDER BY 1")) for t in changing]
    tails = [tuple(run(f"SELECT count(*), max(id) FROM {t.__tablename__}")) for t in appended]
    return (*rows, *tails)


def latest_code(session: Session, challenge_id: int, resends: int) -> str:
    """The code as the principal reads it in the local SMS outbox (after delivery)."""
    message = session.scalars(
        select(OutboxMessage).where(
            OutboxMessage.dedup_key == f"challenge:{challenge_id}:code:{resends}"
        )
    ).one()
    assert message.external_id and message.external_id.startswith("local-"), message.status
    sms = session.get(LocalSms, int(message.external_id.removeprefix("local-")))
    assert sms is not None
    return CODE.findall(sms.text)[0]
