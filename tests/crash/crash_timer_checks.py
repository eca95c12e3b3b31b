"""Timer checks: one live timer per pending deadline; each due one fired once, never early."""

from __future__ import annotations

from datetime import datetime, timedelta

from beian.core.workflow import Status
from beian.filings.lifecycle import SMS_REMINDER_BEFORE, STEP_TIMERS
from tests.crash.crash_state import Expected, State

STEP_KINDS = frozenset(kind for kinds in STEP_TIMERS.values() for kind in kinds)
REVIEW = (Status.PLATFORM_REVIEW.value, Status.BUREAU_REVIEW.value)
WINDOWS = (Status.SMS_VERIFICATION.value, Status.CANCEL_PENDING.value)


def step_timers(state: State, expected: Expected) -> list[str]:
    """Exactly one live timer per pending deadline, at the right time; none for left steps."""
    found = []
    settled = expected.settled_at
    by_key = {(timer.kind, timer.key): timer for timer in state.timers}
    for filing in state.filings:
        kinds = STEP_TIMERS.get(Status(filing.status), ())
        for kind in kinds:
            timer = by_key.get((kind, filing.id))
            if timer is None or filing.deadline_at is None:
                found.append(f"{filing.id} in {filing.status}: no {kind} timer")
                continue
            before = SMS_REMINDER_BEFORE if kind == "sms_reminder" else timedelta(0)
            due = filing.deadline_at - before
            if timer.due_at != due or timer.cancelled_at is not None:
                found.append(f"{filing.id}: {kind} due {timer.due_at}, deadline says {due}")
            must = settled is not None and due <= settled
            may = expected.reached is not None and due <= expected.reached
            if (must and timer.fired_at is None) or (not may and timer.fired_at is not None):
                found.append(f"{filing.id}: {kind} due {due} fired_at {timer.fired_at}, "
                             f"last tick {settled}")
        for kind in STEP_KINDS - set(kinds):
            timer = by_key.get((kind, filing.id))
            if timer is not None and timer.fired_at is None and timer.cancelled_at is None:
                found.append(f"{filing.id} in {filing.status}: {kind} timer still live")
    for timer in state.timers:
        live = timer.fired_at is None and timer.cancelled_at is None
        if timer.fired_at is not None and timer.fired_at < timer.due_at:
            found.append(f"timer {timer.kind} {timer.key} fired early at {timer.fired_at}")
        if live and settled is not None and timer.due_at <= settled:
            found.append(f"timer {timer.kind} {timer.key} due {timer.due_at} never fired")
        if timer.last_error or timer.attempts:
            found.append(f"timer {timer.kind} {timer.key} failed: {timer.last_error}")
    return found


def timer_effects(state: State, expected: Expected) -> list[str]:
    """Each fired deadline acted once, at or after its due time, and only while relevant."""
    found = []
    settled, reached = expected.settled_at, expected.reached
    overdue_wanted: dict[str, tuple[str, datetime]] = {}
    overdue_allowed: set[str] = set()
    for filing in state.filings:
        rows = state.history[filing.id]
        for index, row in enumerate(rows):
            window = rows[index - 1].deadline_at if index else None
            if row.actor == "system" and window is not None and row.at < window:
                found.append(f"{filing.id}: {row.event} at {row.at} before {window}")
            if row.to_status in REVIEW and row.deadline_at is not None:
                left = rows[index + 1].at if index + 1 < len(rows) else None
                key = f"overdue:{filing.id}:{row.deadline_at.isoformat()}"
                fired = expected.first_tick_from(row.deadline_at)
                if fired is not None and (left is None or left > fired):
                    overdue_wanted[key] = (filing.id, row.deadline_at)
                could = expected.first_start_from(row.deadline_at)
                if could is not None and (left is None or left >= could):
                    overdue_allowed.add(key)
        if filing.deadline_at is not None and settled is not None:
            late = filing.deadline_at <= settled
            if filing.status in WINDOWS and late:
                found.append(f"{filing.id}: {filing.status} window closed at "
                             f"{filing.deadline_at}, still open at {settled}")
            possible = reached is not None and filing.deadline_at <= reached
            flagged = filing.overdue
            if filing.status in REVIEW and ((late and not flagged) or (flagged and not possible)):
                found.append(f"{filing.id}: overdue={flagged}, deadline "
                             f"{filing.deadline_at}, last tick {settled}")
    sent = {key: m for key, m in state.outbox.items() if m.template == "review_overdue"}
    for key in sorted(set(overdue_wanted) - set(sent)):
        found.append(f"{key}: overdue review never flagged")
    for key, message in sent.items():
        deadline = datetime.fromisoformat(key.split(":", 2)[2])
        if key not in overdue_allowed:
            found.append(f"{key}: flagged overdue when it was not")
        elif message.created_at < deadline:
            found.append(f"{key}: flagged at {message.created_at}, before the deadline")
    return found + _reminders(state, expected)


def _reminders(state: State, expected: Expected) -> list[str]:
    found = []
    wanted, allowed = set(), set()
    entered = {
        (row.filing_id, row.at): (rows, index)
        for rows in state.history.values()
        for index, row in enumerate(rows)
        if row.to_status == Status.SMS_VERIFICATION
    }
    for challenge in state.challenges:
        if challenge.purpose != "verify":
            continue
        due = challenge.window_ends_at - SMS_REMINDER_BEFORE
        fired = expected.first_tick_from(due)
        rows, index = entered[(challenge.filing_id, challenge.sent_at)]
        left = rows[index + 1].at if index + 1 < len(rows) else None
        verified = challenge.verified_at
        waiting = verified is None or (fired is not None and verified > fired)
        if fired is not None and (left is None or left > fired) and waiting:
            wanted.add(f"challenge:{challenge.id}:reminder")
        could = expected.first_start_from(due)
        if could is not None and (left is None or left >= could):
            allowed.add(f"challenge:{challenge.id}:reminder")
        if challenge.resends:
            found.append(f"challenge {challenge.id}: resent (the scenario never resends)")
    sent = {key: row for key, row in state.outbox.items() if row.template == "sms_reminder"}
    found += [f"{key}: reminder never sent" for key in sorted(wanted - set(sent))]
    found += [f"{key}: reminder sent when not due" for key in sorted(set(sent) - allowed)]
    by_id = {challenge.id: challenge for challenge in state.challenges}
    for key, row in sent.items():
        challenge = by_id[int(key.split(":")[1])]
        if row.created_at < challenge.window_ends_at - SMS_REMINDER_BEFORE:
            found.append(f"{key}: sent at {row.created_at}, before it was due")
    return found
