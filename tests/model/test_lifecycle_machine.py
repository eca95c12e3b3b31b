"""A model-based test of the whole filing lifecycle (Hypothesis RuleBasedStateMachine).

Applicants create, submit, withdraw, edit, resubmit, cancel and change filings; reviewers
claim, approve and reject at the platform and the bureau; principals type right, wrong
and stale SMS codes and ask for resends; the clock jumps minutes to days across weekends,
the 2026 holidays and the turn of the year while the worker fires timers. Illegal moves are
tried too and must be refused without changing anything. After every step the database is
checked against a pure model (tests/model/model_state.py) and the invariants of
tests/model/model_invariants.py.
"""

from __future__ import annotations

import inspect
import json
import os
import time
from collections import Counter
from datetime import datetime

from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import initialize, rule, run_state_machine_as_test

from beian.core.workflow import Status
from tests.model.model_applicant_rules import INDEX, RESUBMITTABLE, ApplicantRules
from tests.model.model_code_rules import STARTS, CodeRules, codes_waiting
from tests.model.model_harness import APPLICANTS, TALLY, Action, action
from tests.model.model_review_rules import ReviewRules
from tests.model.model_state import COVERAGE, MAX_WRONG, MAX_WRONG_PER_PHONE

MIN_STEPS = 10_000
# CPU seconds spent per action (for the report written to BEIAN_MODEL_TALLY).
TIMES: Counter[str] = Counter()
# Enough runs for 10,000 steps with a margin: Hypothesis ends each run when its choice
# buffer fills (about 150-200 steps), so adding a drawn argument may call for more runs.
EXAMPLES = int(os.environ.get("BEIAN_MODEL_EXAMPLES", "68"))
STEPS_PER_EXAMPLE = 300


class LifecycleMachine(ApplicantRules, ReviewRules, CodeRules):
    """Every action of the applicant, the reviewers, the principals and the clock.

    One Hypothesis rule, `step`, draws the next action among those that apply, weighted.
    (One rule per action would let Hypothesis' swarm testing switch most of them off in a
    run, which then spends its steps ticking the clock.)
    """

    @rule(data=st.data())
    def step(self, data: st.DataObject) -> None:
        """Draw an action that applies now and its arguments, and do it."""
        names = [
            name for name, spec in ACTIONS.items() if spec.when(self) for _ in range(spec.weight)
        ]
        # Hypothesis draws the first element far more often than the others; rotating the
        # list with each step spreads that bias over all actions by their weights.
        self.steps_taken += 1
        turn = self.steps_taken * 7 % len(names)
        name = data.draw(st.sampled_from(names[turn:] + names[:turn]), label="action")
        arguments = data.draw(st.fixed_dictionaries(ACTIONS[name].arguments), label=name)
        started = time.process_time()
        self.untouched = True  # until something in the step writes to the database
        getattr(self, name)(**arguments)
        TIMES[name] += time.process_time() - started
        TALLY["steps"] += 1  # a step counts once it has run to its end

    @action(1, when=codes_waiting, index=INDEX)
    def guess_until_paused(self, index: int) -> None:
        """Someone guesses the codes of one phone: five misses fail the code, an unchanged
        resubmission texts a fresh one, and after ten misses in a day the phone is paused
        (every further entry refused uncounted, even the right code)."""
        chosen = self.waiting()[index % len(self.waiting())]
        purpose, phone, number = chosen.purpose, chosen.phone, chosen.certificate_number
        for _ in range(MAX_WRONG_PER_PHONE + MAX_WRONG):
            paused = self.model.wrong_today(phone, self.now()) >= MAX_WRONG_PER_PHONE
            target = self.model.newest_waiting(purpose, phone, number)
            if target is None:
                filing = self.model.filings[chosen.filing_id]
                if purpose != "verify" or filing.status != Status.SMS_FAILED:
                    return
                pool = [f for f in self.model.filings.values() if f.status in RESUBMITTABLE]
                self.resubmit(index=pool.index(filing), legal=True, stranger=False, renew=False)
                target = self.model.newest_waiting(purpose, phone, number)
                if target is None:
                    return  # the resubmission was refused or went to platform review
            self.type_code(target, "right" if paused else "wrong", purpose, phone, number)
            if paused:
                return

    @initialize(start=st.sampled_from(STARTS))
    def begin(self, start: datetime) -> None:
        """Start the clock and seed three filings: one filed, one in review, one draft, so
        every run has a record to cancel or change from its first steps. (Done once per
        start; later runs from the same start copy the result, see Harness.restore_seeded.)"""
        if self.restore_seeded(start):
            return
        self.clock.set(start)
        self.worker_ran_at = self.now()
        for subject, person in ((0, 1), (1, 3), (2, 5)):
            self.create(subject=subject, person=person, comment=0, borrow=99, owner=APPLICANTS[0])
        self.submit(index=0, legal=True, stranger=False, renew=False)
        decide = {"index": 0, "legal": True, "actor": 0, "approve": True, "fields": [], "pause": 0}
        self.platform_decides(**decide, claim_first=True)
        while any(c.status == "waiting" for c in self.model.challenges):
            self.enter_code(index=0, how="right", person=0, purpose="verify")
        self.bureau_decides(**decide, claim_first=True)
        self.submit(index=0, legal=True, stranger=False, renew=False)
        statuses = sorted(f.status.value for f in self.model.filings.values())
        assert statuses == ["draft", "filed", "platform_review"], statuses
        self.save_seeded(start)


# Every method marked with @action, by name.
ACTIONS: dict[str, Action] = {
    name: method.action
    for name, method in inspect.getmembers(LifecycleMachine)
    if isinstance(getattr(method, "action", None), Action)
}

SETTINGS = settings(
    max_examples=EXAMPLES,
    # BEIAN_MODEL_SHRINK=0 reports the first failing run as found, unshrunk (quicker while
    # investigating); CI shrinks to the smallest failing sequence.
    phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.target]
    + ([Phase.shrink] if os.environ.get("BEIAN_MODEL_SHRINK", "1") != "0" else []),
    stateful_step_count=STEPS_PER_EXAMPLE,
    deadline=None,
    derandomize=True,
    database=None,
    print_blob=False,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.large_base_example,
    ],
)


def test_the_lifecycle_machine_keeps_every_invariant_for_ten_thousand_steps() -> None:
    TALLY.clear()
    TIMES.clear()
    COVERAGE.clear()
    started, cpu = time.perf_counter(), time.process_time()
    run_state_machine_as_test(LifecycleMachine, settings=SETTINGS)
    steps = TALLY["steps"]
    if path := os.environ.get("BEIAN_MODEL_TALLY"):
        tally = (
            dict(sorted(TALLY.items()))
            | dict(sorted(COVERAGE.items()))
            | {f"cpu {name}": round(seconds, 2) for name, seconds in sorted(TIMES.items())}
            | {
                "steps": steps,
                "seconds": round(time.perf_counter() - started, 1),
                "cpu seconds": round(time.process_time() - cpu, 1),
            }
        )
        with open(path, "w", encoding="utf-8") as out:
            json.dump(tally, out, ensure_ascii=False, indent=1)
    # Hypothesis ends a run early when its choice buffer fills, so the number of steps is
    # not examples × steps per example: count them, and fail short of the promised number.
    assert steps >= MIN_STEPS, f"only {steps} steps ran, {MIN_STEPS} are required"
    assert TALLY["invariant checks"] >= steps, "a step was not followed by the invariants"
