"""Concurrent approvals on both databases: every number once, no duplicate, no gap.

Each thread has its own connection and session; all start together behind a barrier and
issue in separate transactions, as parallel web or worker processes would. The pool is
widened so that every thread really holds a connection at the same moment.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from beian.core.numbering import parse_number
from beian.db import make_engine, make_sessionmaker, transaction
from beian.numbering.models import IssuedNumberRecord, NumberedSubject, ProvinceCounter
from beian.numbering.service import IssuedNumber, assign_number

THREADS = 24
ROUNDS = 4  # issuances per thread, each in its own transaction


class ApprovalFailed(Exception):
    """Raised after numbering to roll the whole approval back."""


def run_together(
    engine: Engine, work: Callable[[Session, int, int], IssuedNumber]
) -> tuple[list[IssuedNumber], float]:
    """Run work(session, thread, round) in THREADS threads at once; return results and rate."""
    wide = make_engine(
        engine.url.render_as_string(hide_password=False), pool_size=THREADS, max_overflow=0
    )
    for connection in [wide.connect() for _ in range(THREADS)]:
        connection.close()  # open every connection now, so none is opened in the race
    factory = make_sessionmaker(wide)
    start = threading.Barrier(THREADS + 1)

    def thread(index: int) -> list[IssuedNumber]:
        start.wait()
        issued = []
        for round_ in range(ROUNDS):
            try:
                with transaction(factory) as session:
                    issued.append(work(session, index, round_))
            except ApprovalFailed:
                pass
        return issued

    try:
        with ThreadPoolExecutor(max_workers=THREADS) as pool:
            futures = [pool.submit(thread, index) for index in range(THREADS)]
            start.wait()
            began = time.perf_counter()
            results = [number for future in futures for number in future.result()]
            elapsed = time.perf_counter() - began
    finally:
        wide.dispose()
    rate = THREADS * ROUNDS / elapsed
    print(f"\n{engine.dialect.name}: {THREADS * ROUNDS} issuances in {elapsed:.2f} s, {rate:.0f}/s")
    return results, rate


def sequence_of(number: str | None) -> int:
    parsed = parse_number(number or "")
    assert parsed is not None and parsed.sequence is not None, number
    return parsed.sequence


def ledger(engine: Engine) -> list[IssuedNumberRecord]:
    with make_sessionmaker(engine)() as session:
        return list(session.scalars(select(IssuedNumberRecord)))


def test_new_subjects_in_one_province_get_sequences_1_to_n(engine: Engine) -> None:
    def approve(session: Session, index: int, round_: int) -> IssuedNumber:
        return assign_number(
            session, subject_key=f"subject-{index}-{round_}", province_code="110000", year=2026
        )

    results, _ = run_together(engine, approve)

    total = THREADS * ROUNDS
    sequences = sorted(sequence_of(r.subject_number) for r in results)
    assert sequences == list(range(1, total + 1))
    assert {r.service_number for r in results} == {f"{r.subject_number}-1X" for r in results}
    rows = ledger(engine)
    assert len(rows) == len({row.number for row in rows}) == 2 * total
    assert sorted(row.sequence for row in rows if row.kind == "subject") == sequences


def test_services_of_one_subject_get_ordinals_1_to_n(engine: Engine) -> None:
    def approve(session: Session, index: int, round_: int) -> IssuedNumber:
        return assign_number(session, subject_key="shared", province_code="440000", year=2026)

    results, _ = run_together(engine, approve)

    total = THREADS * ROUNDS
    # All threads raced to create the subject: exactly one number was made for it.
    assert {r.subject_number for r in results} == {"粤ICP备2026000001号"}
    assert sorted(r.ordinal for r in results) == list(range(1, total + 1))
    assert len({r.service_number for r in results}) == total
    with make_sessionmaker(engine)() as session:
        assert session.get(ProvinceCounter, ("44", 2026)).last_sequence == 1  # type: ignore[union-attr]
        assert session.get(NumberedSubject, "shared").last_ordinal == total  # type: ignore[union-attr]


def test_mixed_approvals_with_rollbacks_leave_no_gap(engine: Engine) -> None:
    """New and known subjects in two provinces at once; some approvals fail after numbering."""

    def approve(session: Session, index: int, round_: int) -> IssuedNumber:
        province = "110000" if index % 2 else "510000"
        key = "known" if index % 3 == 0 else f"subject-{index}-{round_}"
        issued = assign_number(
            session, subject_key=f"{province}-{key}", province_code=province, year=2026
        )
        if (index + round_) % 5 == 0:
            raise ApprovalFailed  # the approval fails after its number was drawn
        return issued

    results, _ = run_together(engine, approve)

    assert 0 < len(results) < THREADS * ROUNDS  # some approvals really were rolled back
    with make_sessionmaker(engine)() as session:
        subjects = {s.subject_key: s for s in session.scalars(select(NumberedSubject))}
    for province in ("110000", "510000"):
        numbers = [s.subject_number for s in subjects.values() if s.province_prefix == province[:2]]
        assert sorted(sequence_of(n) for n in numbers) == list(range(1, len(numbers) + 1))
        known = subjects[f"{province}-known"]
        ordinals = sorted(r.ordinal for r in results if r.subject_number == known.subject_number)
        assert ordinals == list(range(1, known.last_ordinal + 1))
        assert known.last_ordinal > 1
    rows = ledger(engine)
    assert {row.number for row in rows if row.kind == "applet"} == {
        r.service_number for r in results
    }
    assert {row.number for row in rows if row.kind == "subject"} == {
        s.subject_number for s in subjects.values()
    }
