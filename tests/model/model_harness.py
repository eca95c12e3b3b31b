"""The lifecycle machine's harness: a fresh database per run, the model, and `attempt`.

Each run's database is a copy of one built once per process (an empty schema, then the
seeded state of each start, see `Seeded`), on a memory file system where there is one:
the machine measures the lifecycle, not the disk.

Every action goes through `attempt`, which runs it in its own transaction (as a request
would), demands exactly the outcome the model predicts, and on a refusal demands that
nothing in the database moved.
"""

from __future__ import annotations

import atexit
import copy
import os
import shutil
import sqlite3
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from hypothesis.stateful import RuleBasedStateMachine, invariant
from hypothesis.strategies import SearchStrategy
from sqlalchemy import select
from sqlalchemy.orm import Session

from beian.clock import CHINA_TZ, FixedClock
from beian.core.workflow import Status
from beian.db import make_engine, make_sessionmaker
from beian.db.models import metadata
from beian.filings.errors import FilingError
from beian.filings.models import SmsChallenge
from beian.notifications.service import deliver_due
from tests.journey import World
from tests.model.model_invariants import check_everything, latest_code, snapshot
from tests.model.model_state import FACE_LIFETIME, MChallenge, MFiling, Model

APPLICANTS = ("applicant-1", "applicant-2")
# Steps run and outcomes per rule, for the step budget and the report.
TALLY: Counter[str] = Counter()
REFUSED = object()


@dataclass(frozen=True)
class Refusal:
    """The refusal the model expects: the error class, and its errcode or findings."""

    kind: type[FilingError]
    errcode: int | None = None
    findings: frozenset[int] | None = None


@dataclass(frozen=True)
class Action:
    """One kind of step: how often it is drawn, when it applies, how its arguments are drawn."""

    weight: int
    when: Callable[[Any], bool]
    arguments: dict[str, SearchStrategy[Any]]


def action(
    weight: int, when: Callable[[Any], bool] = lambda machine: True, **arguments: Any
) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Mark a machine method as a step the machine draws (see LifecycleMachine.step)."""

    def mark(method: Callable[..., None]) -> Callable[..., None]:
        method.action = Action(weight, when, arguments)  # type: ignore[attr-defined]
        return method

    return mark


_TEMPLATE: list[Path] = []
# Scratch databases live in memory when the machine has a tmpfs (no fsync per checkpoint).
SCRATCH = "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None


def scratch_folder(prefix: str) -> Path:
    return Path(tempfile.mkdtemp(prefix=prefix, dir=SCRATCH))


def template_database() -> Path:
    """An empty database with the full schema, built once per test process and copied."""
    if not _TEMPLATE:
        folder = scratch_folder("beian-model-template-")
        atexit.register(shutil.rmtree, folder, True)
        engine = make_engine(f"sqlite:///{folder}/template.db")
        metadata.create_all(engine)
        engine.dispose()
        _TEMPLATE.append(folder / "template.db")
    return _TEMPLATE[0]


@dataclass
class Seeded:
    """A run's state right after its seeding: the database file and what the machine knows.

    Seeding (three filings, one taken to the end) is the same for every run from one start
    and costs as much as a few dozen steps, so it is done once per start and copied.
    """

    database: Path
    model: Model
    now: datetime
    worker_ran_at: datetime
    applets: int


SEEDED: dict[datetime, Seeded] = {}


def copy_database(source: Path, target: Path) -> None:
    """A consistent copy of a SQLite database, its write-ahead log included."""
    with closing(sqlite3.connect(source)) as origin, closing(sqlite3.connect(target)) as copied:
        origin.backup(copied)


class Harness(RuleBasedStateMachine):
    """State shared by the rules: database, clock, world driver and model."""

    def __init__(self) -> None:
        super().__init__()
        self.folder = scratch_folder("beian-model-")
        shutil.copy(template_database(), self.folder / "beian.db")
        self.engine = make_engine(f"sqlite:///{self.folder}/beian.db")
        self.clock = FixedClock(datetime(2026, 3, 2, 9, 0, tzinfo=CHINA_TZ))
        self.world = World(make_sessionmaker(self.engine), self.clock)
        self.model = Model()
        self.worker_ran_at = self.clock.now()
        self.applets = 0
        self.untouched = False
        self.steps_taken = 0
        TALLY["runs"] += 1

    def teardown(self) -> None:
        self.engine.dispose()
        shutil.rmtree(self.folder, ignore_errors=True)

    def now(self) -> datetime:
        return self.clock.now()

    def save_seeded(self, start: datetime) -> None:
        """Keep the state after seeding from `start`, for the next runs from there."""
        folder = scratch_folder("beian-model-seeded-")
        atexit.register(shutil.rmtree, folder, True)
        copy_database(self.folder / "beian.db", folder / "seeded.db")
        SEEDED[start] = Seeded(
            folder / "seeded.db",
            copy.deepcopy(self.model),
            self.now(),
            self.worker_ran_at,
            self.applets,
        )

    def restore_seeded(self, start: datetime) -> bool:
        """Start from the kept state after seeding from `start`, if there is one."""
        seeded = SEEDED.get(start)
        if seeded is None:
            return False
        self.engine.dispose()
        copy_database(seeded.database, self.folder / "beian.db")
        self.model = copy.deepcopy(seeded.model)
        self.clock.set(seeded.now)
        self.worker_ran_at = seeded.worker_ran_at
        self.applets = seeded.applets
        TALLY["runs from a kept seeding"] += 1
        return True

    @invariant()
    def everything_agrees(self) -> None:
        TALLY["invariant checks"] += 1
        if self.untouched:
            # Every action of the step was refused and proven to leave the database as it
            # was; the model did not move either, so what held before still holds.
            return
        started = time.process_time()
        self.world.read(lambda s: check_everything(s, self.model, worker_ran_at=self.worker_ran_at))
        TALLY["cpu ms in invariants"] += round((time.process_time() - started) * 1000)

    # --- choosing ---------------------------------------------------------------------------

    def pick(self, index: int, legal: bool, statuses: frozenset[Status]) -> MFiling:
        """A filing in one of `statuses` when asked for a legal move and one exists."""
        every = list(self.model.filings.values())
        pool = [f for f in every if f.status in statuses] if legal else []
        pool = pool or every
        return pool[index % len(pool)]

    def applicant(self, filing: MFiling, stranger: bool) -> str:
        """The filing's applicant, or the other one (to whom the filing does not exist)."""
        if not stranger:
            return filing.applicant
        return next(a for a in APPLICANTS if a != filing.applicant)

    def new_face_task(self, principal_name: str) -> str:
        """A passed face check of that person taken now; it expires after three days."""
        task_id = self.world.passed_face_task(principal_name)
        self.untouched = False
        self.model.face_expiry[task_id] = self.now() + FACE_LIFETIME
        return task_id

    # --- acting -----------------------------------------------------------------------------

    def attempt(self, rule: str, expected: Refusal | None, action: Any) -> Any:
        """Run one action in its own transaction and demand the predicted outcome."""
        before = self.world.read(snapshot) if expected else None
        try:
            result = self.world.act(action)
        except FilingError as error:
            assert expected is not None, f"{rule}: refused, the model allows it: {error}"
            assert type(error) is expected.kind, f"{rule}: {type(error).__name__}: {error}"
            if expected.errcode is not None:
                assert error.findings[0]["errcode"] == expected.errcode, error.findings
            if expected.findings is not None:
                found = {f["errcode"] for f in error.findings if f["severity"] == "error"}
                assert found == expected.findings, f"{rule}: findings {found}"
            assert self.world.read(snapshot) == before, f"{rule}: a refusal changed data"
            codes = sorted({f["errcode"] for f in error.findings if f["severity"] == "error"})
            TALLY[f"{rule}: refused, {type(error).__name__} {codes}"] += 1
            return REFUSED
        assert expected is None, f"{rule}: allowed, the model expects {expected}"
        self.untouched = False
        TALLY[f"{rule}: done"] += 1
        return result

    def deliver(self) -> None:
        """Let the outbox deliver what is due (texts land in the local SMS outbox)."""
        self.untouched = False
        while deliver_due(
            self.world.sessions, clock=self.clock, channels=self.world.channels
        ).claimed:
            pass

    def code_of(self, challenge: MChallenge, generation: int) -> str:
        """The code a principal received for this challenge (0: first text, 1: the resend)."""
        self.deliver()

        def read(session: Session) -> str:
            row = session.scalars(
                select(SmsChallenge).where(
                    SmsChallenge.filing_id == challenge.filing_id,
                    SmsChallenge.purpose == challenge.purpose,
                    SmsChallenge.phone == challenge.phone,
                    SmsChallenge.status == "waiting",
                )
            ).one()
            return latest_code(session, row.id, generation)

        return str(self.world.read(read))

    def run_worker(self) -> None:
        """The worker fires what is due now; the model does the same."""
        self.world.work()
        self.untouched = False
        self.model.run_worker(self.now())
        self.worker_ran_at = self.now()
