"""One crash run: a database, a server, ticks, a webhook receiver, and SIGKILLs throughout.

The run plays in stages on a simulated clock that starts on Monday 2026-03-02 09:00
(China time):

1. rounds, 15 simulated minutes apart, until nothing more can happen without time
   passing: each round the people do the next step of every filing through the HTTP
   API (in two batches on four threads) while `beian tick` runs what is due. The server
   is killed by its armed fault point or at a random moment in a batch, and restarted;
   most ticks are armed at a fault point chosen from the work waiting, and what they
   leave is taken up by the next round's tick;
2. time jumps to the next due timers (SMS reminders, windows closing): a clean tick one
   second before them (nothing may fire early), ticks killed at their due time, a clean
   re-run at the same instant;
3. rounds again (the lapsed filings are resubmitted and verified);
4. time jumps to every remaining deadline within 60 days (overdue reviews, face tasks);
5. if the kills so far fall short of `min_kills` (timed kills land where the machine's
   speed puts them), the server is killed during batches of reads until they do;
6. a last clean tick, and every check with nothing left pending.

Every kill is followed by the restart of what was killed and by all the checks of
crash_checks.py.
"""

from __future__ import annotations

import contextlib
import random
import subprocess
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, sessionmaker

from beian.clock import CHINA_TZ
from beian.db import make_engine, make_sessionmaker, transaction
from beian.db.models import metadata
from beian.facecheck import service as facecheck
from beian.notifications.models import OutboxMessage
from beian.testing.media import register_media
from beian.timers.models import Timer
from tests.crash import crash_driver as driver
from tests.crash.crash_checks import problems
from tests.crash.crash_processes import Kills, Server, SimClock, beian, environment, finish
from tests.crash.crash_receiver import Receiver
from tests.crash.crash_state import Expected

START = datetime(2026, 3, 2, 9, 0, tzinfo=CHINA_TZ)
LEASE = timedelta(seconds=301)  # just past the outbox lease (BEIAN_NOTIFY_LEASE_SECONDS)
SECRET = "crash-webhook-secret"
MAX_ROUNDS = 30
CLUSTER = timedelta(hours=1)  # timers due this close together are crossed at once
# Killed ticks in a row before a tick is let run to its end. Every killed tick charges an
# attempt to each outbox row it leased, and the eighth charge makes a row dead, delivered
# or not (the crash-loop defect shown by test_crash_loop_outbox.py); the suite checks
# recovery from crashes, that test the crash loop.
MAX_KILL_STREAK = 4


@dataclass(frozen=True)
class Budget:
    """How big a run is and how hard it is hit."""

    groups: tuple[str, ...]
    seed: int
    armed_rate: float  # chance a round's tick is armed at a fault point
    jump_kills: int  # killed ticks tried at each jump in time
    server_fault_rate: float  # chance a (re)started server is armed at move_recorded
    random_kill_rate: float  # chance an unarmed server is killed during a batch
    corpus_offset: int = 500_000
    min_kills: int = 0  # the server is killed during reads at the end until there are this many


@dataclass(frozen=True)
class Tick:
    """A running `beian tick`."""

    at: datetime
    fault: tuple[str, int] | None
    process: subprocess.Popen[str]


@dataclass
class Outcome:
    """What a run did, for the assertions of the test."""

    kills: Kills = field(default_factory=Kills)
    lost_requests: int = 0
    # Server kills that cut off at least one request of the batch.
    kills_in_flight: int = 0
    unexpected: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    statuses: dict[str, list[tuple[str, list[str]]]] = field(default_factory=dict)
    seconds: float = 0.0
    # What happened, in order (for reading a failure, never printed).
    trace: list[str] = field(default_factory=list)


class CrashRun:
    """Owns the processes of one run and plays the stages."""

    def __init__(self, workdir: Path, database_url: str, budget: Budget) -> None:
        self.workdir = workdir
        self.budget = budget
        self.rng = random.Random(budget.seed)
        self.outcome = Outcome()
        self.kills = self.outcome.kills
        self.expected = Expected()
        (workdir / "storage").mkdir(parents=True, exist_ok=True)
        self.engine = make_engine(database_url)
        metadata.create_all(self.engine)
        self.sessions: sessionmaker[Session] = make_sessionmaker(self.engine)
        self.receiver = Receiver(SECRET).start()
        self.expected.receipts = self.receiver.receipts
        self.clock = SimClock(workdir / "clock.txt", START)
        self.env = environment(database_url, self.receiver.url, SECRET, workdir)
        self.server = Server(self.env, self.clock, workdir / "server.log")
        self.people = driver.People(self.server)
        self.cases: list[driver.Case] = []
        self.streak = 0  # ticks killed since the last one that ran to its end

    def close(self) -> None:
        """Stop the server and the receiver, release the database."""
        self.server.stop()
        self.people.close()
        self.receiver.stop()
        self.engine.dispose()

    def play(self) -> Outcome:
        """Run every stage; returns what happened (the caller asserts)."""
        started = time.monotonic()
        self._set_up()
        self._rounds()
        self._jump(until=self.clock.now() + timedelta(hours=30))
        self._rounds()
        self._jump(until=START + timedelta(days=60))
        self._top_up()
        self.clock.advance(days=1)
        self._tick()
        self.clock.advance(seconds=LEASE.total_seconds())
        self._tick()  # what the last killed ticks had leased
        self.expected.drained = True
        self._check()
        self.outcome.lost_requests = self.people.lost
        self.outcome.unexpected = self.people.unexpected
        self.outcome.statuses = self._statuses()
        self.outcome.seconds = time.monotonic() - started
        return self.outcome

    # --- set-up ---------------------------------------------------------------------

    def _set_up(self) -> None:
        """Users through `beian users create`, the uploads and a passed face check for each
        case, the server."""
        self._start_server()
        accounts: list[tuple[str, str, str | None]] = [
            ("applicant", driver.APPLICANT, None), ("platform_reviewer", driver.PLATFORM, None)
        ]
        accounts += [("bureau_reviewer", name, code) for code, name in driver.BUREAUS.items()]
        creating = []
        for role, username, province in accounts:
            args = ["users", "create", "--role", role, "--username", username,
                    "--password", driver.PASSWORD]
            creating.append(beian(self.env, *args, *(["--province", province] if province else [])))
        for process in creating:
            assert finish(process, "beian users create")
        groups = list(self.budget.groups)
        self.rng.shuffle(groups)
        self.cases = driver.cases(groups, self._passed_face_task, self.budget.corpus_offset)
        with transaction(self.sessions) as session:  # the uploads the documents name
            for case in self.cases:
                register_media(session, case.document, owner=driver.APPLICANT,
                               now=self.clock.now())

    def _passed_face_task(self, principal_name: str) -> str:
        """A passed face check of this principal (one per person, made when first asked)."""
        tasks = self.__dict__.setdefault("_face_tasks", {})
        if principal_name not in tasks:
            with transaction(self.sessions) as session:
                task = facecheck.create_task(
                    session, applicant_key=driver.APPLICANT, principal_name=principal_name,
                    now=self.clock.now(),
                )
                facecheck.record_result(
                    session, task_id=task.id, now=self.clock.now(), verdict="pass", report={}
                )
                tasks[principal_name] = task.id
        return str(tasks[principal_name])

    # --- stages -----------------------------------------------------------------------

    def _rounds(self) -> None:
        """Act and tick, round after round, until nothing moves without time passing."""
        for _ in range(MAX_ROUNDS):
            work = self._work()
            self.outcome.trace.append(
                f"{self.clock.now():%d %H:%M} round: {[action for _, _, action in work]} "
                f"kills {self.kills.total()}"
            )
            if not work and not self._due_now():
                return
            half = (len(work) + 1) // 2
            self._batch(work[:half])
            # The tick starts while the second batch is served: they contend for the database.
            armed = work and self.streak < MAX_KILL_STREAK and \
                self.rng.random() < self.budget.armed_rate
            tick = self._start_tick(self._pick_fault() if armed else None)
            self._batch(work[half:])
            self._end_tick(tick)
            self._check()
            self.clock.advance(minutes=15)
        raise AssertionError(f"still work after {MAX_ROUNDS} rounds: {self._work()}")

    def _jump(self, *, until: datetime) -> None:
        """Cross every cluster of due timers up to `until`: early tick, killed ticks, re-run."""
        while True:
            dues = self._live_dues()
            if not dues or dues[0] > until:
                return
            first = dues[0]
            last = max(due for due in dues if due <= first + CLUSTER)
            # One second early: nothing due at `first` may fire.
            self.clock.set(max(first - timedelta(seconds=1), self.clock.now()))
            self._tick()
            self._check()
            self.clock.set(last)
            for _ in range(min(self.budget.jump_kills, MAX_KILL_STREAK - self.streak)):
                fault = self._pick_fault()
                if fault is None:
                    break
                self._tick(fault)
                self._check()
            self._tick()  # the re-run at the same instant
            self._check()

    def _top_up(self) -> None:
        """Kill the server during batches of reads until the run has its number of kills."""
        while self.kills.total() < self.budget.min_kills:
            self.server.wait_up()
            self.people.login(self.clock.now())
            futures = self.people.read_all(self.cases)
            time.sleep(self.rng.uniform(0.0, 0.2))
            self.server.kill()
            self.kills["server:random"] += 1
            for future in futures:
                future.result()
            self._check()
            self._start_server()

    # --- the server's side ----------------------------------------------------------

    def _batch(self, work: list[tuple[driver.Case, driver.View | None, str]]) -> None:
        """One batch of actions on four threads, maybe with the server killed during it."""
        self.server.wait_up()
        self.people.login(self.clock.now())
        random_kill = self.server.fault is None and self.rng.random() < self.budget.random_kill_rate
        delay = self.rng.uniform(0.0, 0.3)
        lost_before = self.people.lost
        futures = self.people.run(work)
        if random_kill:
            time.sleep(delay)  # real time: the requests are in flight in real time
            self.server.kill()
            self.kills["server:random"] += 1
        for future in futures:
            future.result()
        if self.server.fault and self.people.lost > lost_before and self.server.process:
            # Cut off: the armed server is dying; let it finish before asking.
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.server.process.wait(timeout=15)
        # A refusal or a server error is a finding of its own: stop here, with its text.
        assert not self.people.unexpected, self.people.unexpected[:5]
        died = self.server.died()
        if died:
            self.kills["server:move_recorded"] += 1
        if (died or random_kill) and self.people.lost > lost_before:
            self.outcome.kills_in_flight += 1
        if self.server.process is None:
            self._check()
            self._start_server()

    def _start_server(self) -> None:
        armed = self.rng.random() < self.budget.server_fault_rate
        self.server.start(f"move_recorded:{self.rng.randint(1, 4)}" if armed else None)

    # --- the worker's side ----------------------------------------------------------

    def _tick(self, fault: tuple[str, int] | None = None) -> bool:
        """`beian tick --at <now>`, armed or not; True when it ran to its end."""
        return self._end_tick(self._start_tick(fault))

    def _start_tick(self, fault: tuple[str, int] | None) -> Tick:
        spec = f"{fault[0]}:{fault[1]}" if fault else None
        at = self.clock.now()
        self.expected.started.append(at)
        return Tick(at, fault, beian(self.env, "tick", "--at", at.isoformat(), fault=spec))

    def _end_tick(self, tick: Tick) -> bool:
        completed = finish(tick.process, f"beian tick --at {tick.at.isoformat()} ({tick.fault})")
        self.outcome.trace.append(f"{tick.at:%d %H:%M:%S} tick {tick.fault}: {completed}")
        if completed:
            self.expected.ticks.append(tick.at)
            self.streak = 0
            return True
        self.streak += 1
        assert tick.fault is not None, "an unarmed tick was killed"
        self.kills[f"worker:{tick.fault[0]}"] += 1
        if tick.fault[0] == "delivery_sent":
            self.expected.resends += 1  # the post went out; its repeat is allowed
        return False

    def _waiting(self) -> tuple[list[Timer], list[OutboxMessage]]:
        """Timers due and outbox rows a tick could claim now."""
        now = self.clock.now()
        with self.sessions() as session:
            timers = list(session.scalars(select(Timer).where(
                Timer.fired_at.is_(None), Timer.cancelled_at.is_(None), Timer.due_at <= now)))
            rows = list(session.scalars(select(OutboxMessage).where(
                OutboxMessage.status == "pending", OutboxMessage.due_at <= now,
                or_(OutboxMessage.locked_until.is_(None), OutboxMessage.locked_until <= now))))
        return timers, rows

    def _pick_fault(self) -> tuple[str, int] | None:
        """A fault point the next tick will pass, given what is due now."""
        timers, rows = self._waiting()
        options: list[tuple[str, int]] = []
        if timers:
            options += [("timer_handled", self.rng.randint(1, min(3, len(timers)))),
                        ("timers_committed", 1)]
            if any(timer.kind in ("sms_window", "cancel_window") for timer in timers):
                options.append(("move_recorded", 1))
                # The in-site messages of those moves are delivered in the tick's own
                # transaction (beian.notifications.service.deliver_in_place).
                options.append(("delivery_written", 1))
        in_database = [row for row in rows if row.channel in ("inbox", "sms")]
        remote = [row for row in rows if row.channel == "template"]
        if in_database:
            options.append(("delivery_written", self.rng.randint(1, min(6, len(in_database)))))
        if remote:
            options.append(("delivery_sent", self.rng.randint(1, min(4, len(remote)))))
        if rows and self.rng.random() < 0.3:
            options.append(("outbox_claimed", 1))
        return self.rng.choice(options) if options else None

    # --- reading --------------------------------------------------------------------

    def _work(self) -> list[tuple[driver.Case, driver.View | None, str]]:
        current = driver.views(self.sessions, self.cases)
        work = []
        for case in self.cases:
            action = driver.next_action(case, current.get(case.index))
            if action is not None:
                work.append((case, current.get(case.index), action))
        return work

    def _due_now(self) -> bool:
        """Anything a tick now would do: due timers, deliverable outbox rows."""
        timers, rows = self._waiting()
        return bool(timers or rows)

    def _live_dues(self) -> list[datetime]:
        with self.sessions() as session:
            return list(session.scalars(
                select(Timer.due_at)
                .where(Timer.fired_at.is_(None), Timer.cancelled_at.is_(None),
                       Timer.due_at > self.clock.now())
                .order_by(Timer.due_at)
            ))

    def _check(self) -> None:
        with self.sessions() as session:
            found = problems(session, self.expected)
        self.outcome.problems += [f"[{self.clock.now().isoformat()}] {line}" for line in found]

    def _statuses(self) -> dict[str, list[tuple[str, list[str]]]]:
        current = driver.views(self.sessions, self.cases)
        result: dict[str, list[tuple[str, list[str]]]] = {}
        for case in self.cases:
            view = current.get(case.index)
            entry = (view.status, view.events) if view else ("missing", [])
            result.setdefault(case.group, []).append(entry)
        return result
