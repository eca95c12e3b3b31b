"""What must hold after any number of SIGKILLs: read from the database, compared with the
process table of beian.core.workflow and with what the webhook receiver saw.

`problems()` returns one line per violation (empty: all is well). It is run after every
restart of a killed process and, with `drained=True`, at the end, when a last clean tick
has delivered everything that was due.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from beian.audit.models import AuditEntry
from beian.audit.service import verify
from beian.core.workflow import PUBLIC, TRANSITIONS, Event, Status
from beian.filings.notify import APPLICANT_CHANNELS, EVENT_TEMPLATES, applet_principal_phone
from beian.notifications.models import LocalSms
from beian.numbering.models import IssuedNumberRecord, NumberedSubject, ProvinceCounter
from beian.public.service import applet_profile, query_records
from tests.crash.crash_state import Expected, State
from tests.crash.crash_timer_checks import step_timers, timer_effects

MOVE_ACTIONS = frozenset(f"filing.{event.value}" for event in Event)


def problems(session: Session, expected: Expected) -> list[str]:
    """Every violated invariant, one line each."""
    state = State(session)
    found: list[str] = []
    for check in (
        integrity,
        lifecycle,
        move_notifications,
        step_timers,
        timer_effects,
        delivery,
        numbers,
        public_view,
        audit_chain,
    ):
        found += [f"{check.__name__}: {line}" for line in check(state, expected)]
    return found


def integrity(state: State, expected: Expected) -> list[str]:
    """SQLite's own integrity and foreign-key checks."""
    if state.session.get_bind().dialect.name != "sqlite":
        return []
    result = [row[0] for row in state.session.execute(text("PRAGMA integrity_check"))]
    broken_keys = list(state.session.execute(text("PRAGMA foreign_key_check")))
    found = [] if result == ["ok"] else [f"integrity_check: {result[:5]}"]
    return found + [f"foreign key broken: {row}" for row in broken_keys[:5]]


def lifecycle(state: State, expected: Expected) -> list[str]:
    """One legal status per filing, reached by allowed moves only, in time order."""
    found = []
    for filing in state.filings:
        current, last_at = Status.DRAFT.value, None
        for row in state.history[filing.id]:
            move = _allowed(row.event, row.from_status)
            if row.from_status != current or move != row.to_status:
                found.append(
                    f"{filing.id}: {row.event} {row.from_status}->{row.to_status} after {current}"
                )
            if last_at is not None and row.at < last_at:
                found.append(f"{filing.id}: history row {row.id} goes back in time")
            current, last_at = row.to_status, row.at
        if filing.status not in {status.value for status in Status}:
            found.append(f"{filing.id}: unknown status {filing.status!r}")
        if filing.status != current:
            found.append(f"{filing.id}: status {filing.status} but history ends in {current}")
    return found


def move_notifications(state: State, expected: Expected) -> list[str]:
    """Each move's notifications and each code's SMS exist: none lost, none without its cause."""
    found = []
    moves = {}
    for filing in state.filings:
        for row in state.history[filing.id]:
            moves[row.id] = row
            event = Event(row.event)
            if event not in EVENT_TEMPLATES:
                continue
            wanted = [f"event:{row.id}:{channel}" for channel in APPLICANT_CHANNELS]
            if EVENT_TEMPLATES[event][1] and applet_principal_phone(filing):
                wanted.append(f"event:{row.id}:sms")
            found += [f"{filing.id}: {row.event} lost {key}" for key in wanted
                      if key not in state.outbox]
    for key, message in state.outbox.items():
        cause = re.fullmatch(r"event:(\d+):\w+", key)
        if cause and int(cause[1]) not in moves:
            found.append(f"outbox {key} names no history row (a notification without its move)")
        if cause and message.filing_id != moves.get(int(cause[1]), message).filing_id:
            found.append(f"outbox {key} is about another filing")
    for challenge in state.challenges:
        for attempt in range(challenge.resends + 1):
            key = f"challenge:{challenge.id}:code:{attempt}"
            if key not in state.outbox:
                found.append(f"challenge {challenge.id}: code SMS {key} lost")
    return found

def delivery(state: State, expected: Expected) -> list[str]:
    """Every outbox row reaches its channel once: inbox rows, local texts, webhook posts."""
    found = []
    statuses = Counter(row.status for row in state.outbox.values())
    if statuses["dead"] or statuses["skipped"]:
        found.append(f"outbox rows given up: {dict(statuses)}")
    if expected.drained and statuses["pending"]:
        found.append(f"{statuses['pending']} outbox rows still pending after the last tick")
    by_id = {row.id: row for row in state.outbox.values()}
    inbox_of = Counter(message.outbox_id for message in state.inbox)
    for message in state.inbox:
        row = by_id.get(message.outbox_id or -1)
        if row is None or row.status != "delivered" or row.external_id != f"inbox-{message.id}":
            found.append(f"inbox message {message.id} without its delivered outbox row")
    texts: Counter[int] = Counter()
    for row in state.outbox.values():
        delivered = row.status == "delivered"
        if row.channel == "inbox" and inbox_of[row.id] != (1 if delivered else 0):
            found.append(f"outbox {row.dedup_key} ({row.status}) has {inbox_of[row.id]} inbox rows")
        if row.channel == "sms" and delivered:
            sms = _local_sms(state, row.external_id)
            texts[sms.id if sms else -1] += 1
            if sms is None or sms.phone != row.recipient or sms.text != row.body:
                found.append(f"outbox {row.dedup_key}: its text is not in the SMS outbox")
    found += [f"local SMS {sms_id} delivered {n} times" for sms_id, n in texts.items() if n != 1]
    found += [f"local SMS {sms_id} belongs to no delivered outbox row"
              for sms_id in set(state.local_sms) - set(texts)]
    return found + _webhook(state, expected)


def _local_sms(state: State, external_id: str | None) -> LocalSms | None:
    match = re.fullmatch(r"local-(\d+)", external_id or "")
    return state.local_sms.get(int(match[1])) if match else None


def _webhook(state: State, expected: Expected) -> list[str]:
    found = []
    template = {key: row for key, row in state.outbox.items() if row.channel == "template"}
    received = Counter(receipt.key for receipt in expected.receipts)
    for receipt in expected.receipts:
        row = template.get(receipt.key)
        if row is None or row.id != receipt.message_id or not receipt.signed:
            found.append(f"webhook got {receipt.key} (message {receipt.message_id}) unexpectedly")
    for key, row in template.items():
        if row.status == "delivered" and not received[key]:
            found.append(f"{key} marked delivered but the receiver never got it")
    repeats = sum(received.values()) - len(received)
    if repeats > expected.resends or (expected.drained and repeats != expected.resends):
        found.append(f"{repeats} webhook repeats for {expected.resends} kills after a post")
    return found


def numbers(state: State, expected: Expected) -> list[str]:
    """A number iff filed (and kept once cancelled), never twice, gapless per province-year."""
    found = []
    session = state.session
    issued = list(session.scalars(select(IssuedNumberRecord)))
    held = Counter(filing.record_number for filing in state.filings if filing.record_number)
    services = {row.number for row in issued if row.kind != "subject"}
    found += [f"number {n} held by {count} filings" for n, count in held.items() if count > 1]
    if services != set(held):
        found.append(f"issued {sorted(services ^ set(held))} differ from the filings' numbers")
    for filing in state.filings:
        approvals = [row for row in state.history[filing.id] if row.event == "bureau_approve"]
        numbered = [row.detail.get("record_number") for row in approvals if row.detail]
        if (filing.record_number is not None) != bool(approvals) or len(approvals) > 1:
            found.append(f"{filing.id}: number {filing.record_number} after {len(approvals)} "
                         "bureau approvals")
        elif approvals and numbered != [filing.record_number]:
            found.append(f"{filing.id}: approval recorded {numbered}, holds {filing.record_number}")
        if filing.status in {status.value for status in PUBLIC} and not filing.record_number:
            found.append(f"{filing.id}: public without a number")
    sequences: dict[tuple[str, int | None], list[int]] = defaultdict(list)
    for row in issued:
        if row.kind == "subject" and row.origin == "issued":
            sequences[(row.province_prefix, row.year)].append(row.sequence or 0)
    for (prefix, year), seen in sequences.items():
        counter = session.get(ProvinceCounter, (prefix, year))
        if sorted(seen) != list(range(1, len(seen) + 1)) or counter is None or \
                counter.last_sequence != len(seen):
            found.append(f"{prefix} {year}: sequences {sorted(seen)}, counter "
                         f"{counter.last_sequence if counter else None}")
    ordinals: dict[str, list[int]] = defaultdict(list)
    for row in issued:
        if row.kind != "subject":
            ordinals[row.subject_key].append(row.ordinal or 0)
    for subject in session.scalars(select(NumberedSubject)):
        seen = sorted(ordinals[subject.subject_key])
        if seen != list(range(1, subject.last_ordinal + 1)) or subject.subject_number is None:
            found.append(f"subject {subject.subject_key}: ordinals {seen}, last "
                         f"{subject.last_ordinal}, number {subject.subject_number}")
    return found


def public_view(state: State, expected: Expected) -> list[str]:
    """The public query and profile show exactly the filed records."""
    found = []
    public = [f for f in state.filings if f.status in {status.value for status in PUBLIC}]
    for filing in state.filings:
        name = filing.applet_name or ""
        if len(name) < 2:
            continue
        wanted = {
            f.record_number or ""
            for f in public
            if (f.applet_name or "").startswith(name) or (f.subject_name or "").startswith(name)
        }
        shown = {record["service_number"] for record in query_records(state.session, name)}
        if shown != wanted:
            found.append(f"query {name!r} shows {sorted(shown)}, filed are {sorted(wanted)}")
        profile = applet_profile(state.session, filing.appid or "")
        if (profile is not None) != (filing in public):
            found.append(f"{filing.id} ({filing.status}): profile {profile}")
        hidden = filing.record_number and filing not in public
        if hidden and query_records(state.session, filing.record_number or ""):
            found.append(f"{filing.id} ({filing.status}): number still public")
    return found


def audit_chain(state: State, expected: Expected) -> list[str]:
    """The hash chain verifies and holds one entry per history row, no more, no less."""
    checked, broken = verify(state.session)
    found = [f"audit entry {problem.seq}: {problem.what}" for problem in broken]
    logged = Counter(
        (entry.target_id, entry.action)
        for entry in state.session.scalars(
            select(AuditEntry).where(AuditEntry.target_type == "filing")
        )
        if entry.action in MOVE_ACTIONS
    )
    moved = Counter(
        (row.filing_id, f"filing.{row.event}") for rows in state.history.values() for row in rows
    )
    if logged != moved:
        found.append(f"audit and history differ: {dict((logged - moved) + (moved - logged))}")
    return found


def _allowed(event: str, source: str) -> str | None:
    try:
        target = TRANSITIONS.get((Event(event), Status(source)))
    except ValueError:
        return None
    return target.value if target else None
