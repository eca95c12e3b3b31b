"""The principals' and the clock's rules: SMS codes right, wrong, stale or for nothing,
resends, and time passing (minutes to days, up to and past deadlines) with the worker.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from hypothesis import strategies as st

from beian.clock import CHINA_TZ
from beian.core.workflow import Event
from beian.filings import verification
from beian.filings.errors import CodeRejected, Conflict
from tests.model.model_applicant_rules import INDEX
from tests.model.model_documents import PEOPLE
from tests.model.model_harness import REFUSED, TALLY, Harness, Refusal, action
from tests.model.model_state import (
    CLAIM_TTL,
    COVERAGE,
    MAX_RESENDS,
    MAX_WRONG,
    MAX_WRONG_PER_PHONE,
    RESEND_COOLDOWN,
    MChallenge,
)

# Where a run starts: before the Spring Festival, an ordinary week, before May Day, before
# the Mid-Autumn and National Day holidays, a Friday night, and the turn of the year (2027
# is not in the official calendar yet, so its deadlines are provisional).
STARTS = tuple(
    datetime(*start, tzinfo=CHINA_TZ)
    for start in (
        (2026, 2, 11, 9, 0),
        (2026, 3, 2, 9, 0),
        (2026, 4, 30, 16, 0),
        (2026, 9, 24, 10, 0),
        (2026, 3, 6, 23, 30),
        (2026, 12, 30, 11, 0),
    )
)
HOW = ("right",) * 6 + ("wrong", "wrong", "stale", "five wrong")
UNITS = {"minutes": 59, "hours": 30, "days": 12}


def codes_waiting(machine: Harness) -> bool:
    return any(c.status == "waiting" for c in machine.model.challenges)


def timers_pending(machine: Harness) -> bool:
    return any(f.timers for f in machine.model.filings.values())


def other_code(code: str) -> str:
    """A code that is not this one."""
    return f"{(int(code) + 1) % 1_000_000:06d}"


class CodeRules(Harness):
    """What principals do on the verification page, and what the clock and worker do."""

    def waiting(self) -> list[MChallenge]:
        return [c for c in self.model.challenges if c.status == "waiting"]

    def addressee(
        self, index: int, person: int, purpose: str
    ) -> tuple[MChallenge | None, str, str, str]:
        """A waiting code's principal, or (when none waits) some person: challenge, purpose,
        mobile, certificate number."""
        waiting = self.waiting()
        if not waiting or index % 5 == 4:
            someone = PEOPLE[person]
            return None, purpose, someone.mobile, someone.certificate_number
        chosen = waiting[index % len(waiting)]
        return chosen, chosen.purpose, chosen.phone, chosen.certificate_number

    @action(
        12,
        when=codes_waiting,
        index=INDEX,
        how=st.sampled_from(HOW),
        person=st.integers(0, len(PEOPLE) - 1),
        purpose=st.sampled_from(("verify", "cancel")),
    )
    def enter_code(self, index: int, how: str, person: int, purpose: str) -> None:
        """Type a code on the verification page: the one texted, a wrong or superseded one,
        one for a phone that waits for nothing, or five wrong ones in a row."""
        chosen, purpose, mobile, number = self.addressee(index, person, purpose)
        for _ in range(MAX_WRONG if how == "five wrong" else 1):
            self.type_code(chosen, how, purpose, mobile, number)
            if chosen is not None and chosen.status != "waiting":
                break

    def type_code(
        self, chosen: MChallenge | None, how: str, purpose: str, mobile: str, number: str
    ) -> None:
        """One code typed for `chosen` (None: for a phone and certificate at random)."""
        # `right_for`: the challenge the typed code was texted for, if it is its current code.
        right_for, code = None, "000000"
        if chosen is not None:
            current = self.code_of(chosen, chosen.resends)
            code = other_code(current)
            if how == "right":
                code, right_for = current, chosen
            elif how == "stale" and chosen.resends:
                code = self.code_of(chosen, 0)
                right_for = chosen if code == current else None
        # Spec: a code verifies the challenge it was texted for; anything else counts
        # against the code this phone is waiting for (the newest, when there are several).
        target = right_for or self.model.newest_waiting(purpose, mobile, number)
        if target is not None and chosen is None:
            code = other_code(self.code_of(target, target.resends))
        now = self.now()
        if target is None:
            self.attempt(
                "enter_code",
                Refusal(CodeRejected),
                lambda s: verification.enter_code(
                    s, purpose=purpose, mobile=mobile, certificate_number=number, code=code, now=now
                ),
            )
            return
        outcome = self.attempt(
            "enter_code",
            None,
            lambda s: verification.enter_code(
                s,
                purpose=purpose,
                mobile=mobile,
                certificate_number=number.lower(),
                code=code,
                now=now,
            ),
        )
        newest = self.model.newest_waiting(purpose, mobile, number)
        paused = self.model.wrong_today(mobile, now)
        accepted, all_verified = self.expect_entry(target, right=right_for is not None)
        TALLY[f"enter_code → {'accepted' if accepted else 'refused, attempt counted'}"] += 1
        assert outcome.accepted == accepted, (
            f"code {how} for {target}: accepted={outcome.accepted} ({outcome.refusal}); "
            f"newest waiting for this phone: {newest}; wrong today: {paused}"
        )
        assert outcome.all_verified == all_verified
        assert (outcome.refusal is None) == accepted

    def expect_entry(self, target: MChallenge, *, right: bool) -> tuple[bool, bool]:
        """Apply one code entry to the model: (accepted, every code of the step entered)."""
        filing = self.model.filings[target.filing_id]
        now = self.now()
        if self.model.wrong_today(target.phone, now) >= MAX_WRONG_PER_PHONE:
            COVERAGE["code entries refused: phone paused for the day"] += 1
            return False, False  # nothing is counted
        if now >= target.window_end:
            self.model.fail(filing, target.purpose, now=now)
            return False, False
        if not right:
            target.wrong += 1
            if target.wrong >= MAX_WRONG:
                COVERAGE["codes failed after five wrong entries"] += 1
                target.status = "failed"
                self.model.fail(filing, target.purpose, now=now)
            return False, False
        target.status = "verified"
        if self.model.waiting(filing.id, target.purpose):
            return True, False
        event = Event.SMS_VERIFIED if target.purpose == "verify" else Event.CONFIRM_CANCELLATION
        self.model.move(filing, event, actor="principal", now=now)
        return True, True

    @action(
        3,
        when=codes_waiting,
        index=INDEX,
        person=st.integers(0, len(PEOPLE) - 1),
        purpose=st.sampled_from(("verify", "cancel")),
        again=st.integers(0, 3).map(lambda n: n == 0),
    )
    def resend(self, index: int, person: int, purpose: str, again: bool = False) -> None:
        """Ask for a new code; `again`: once it came, wait out the cool-down and ask for a
        second one (only one resend is allowed)."""
        _, purpose, mobile, number = self.addressee(index, person, purpose)
        target = self.model.newest_waiting(purpose, mobile, number)
        now = self.now()
        expected = (
            Refusal(CodeRejected)
            if target is None or now >= target.window_end
            else Refusal(Conflict)
            if target.resends >= MAX_RESENDS or now < target.last_sent + RESEND_COOLDOWN
            else None
        )
        done = self.attempt(
            "resend",
            expected,
            lambda s: verification.resend(
                s, purpose=purpose, mobile=mobile, certificate_number=number, now=now
            ),
        )
        if done is not REFUSED:
            assert target is not None
            target.resends += 1
            target.last_sent = now
            if again:
                self.clock.advance(RESEND_COOLDOWN)
                self.resend(index, person, purpose)
        elif expected is not None and expected.kind is Conflict:
            assert target is not None
            cooling = target.resends < MAX_RESENDS
            COVERAGE[f"resends refused: {'cool-down' if cooling else 'already resent'}"] += 1

    # --- time -------------------------------------------------------------------------------

    @action(
        9,
        # Days less often than minutes and hours: a face check lasts only three days.
        unit=st.sampled_from(("minutes", "minutes", "hours", "hours", "days")),
        amount=st.integers(1, 59),
        work=st.integers(0, 7).map(lambda n: n > 0),
    )
    def tick(self, unit: str, amount: int, work: bool) -> None:
        """Time passes; most of the time the worker keeps up."""
        self.clock.advance(timedelta(**{unit: (amount - 1) % UNITS[unit] + 1}))
        TALLY[f"tick {unit}"] += 1
        if work:
            self.run_worker()

    @action(
        4, when=timers_pending, index=INDEX, offset=st.sampled_from((-1, 0, 1)), work=st.booleans()
    )
    def to_deadline(self, index: int, offset: int, work: bool) -> None:
        """Jump to a minute before, the very minute of, or a minute after a pending timer
        or the end of a reviewer's claim."""
        filings = self.model.filings.values()
        dues = sorted(
            [due for f in filings for due in f.timers.values()]
            + [f.claimed_at + CLAIM_TTL for f in filings if f.claimed_at is not None]
        )
        target = dues[index % len(dues)] + timedelta(minutes=offset)
        if target > self.now():
            self.clock.set(target)
        TALLY["to_deadline"] += 1
        if work:
            self.run_worker()

    @action(2)
    def worker(self) -> None:
        """The worker catches up with anything due."""
        TALLY["worker"] += 1
        self.run_worker()
