"""What a pre-check and a submission cost the database, and that the shortcuts change nothing.

The registry answers from columns (never a whole Filing, whose documents are decrypted on
load), every question of a check in one statement (read ahead); the calendar is
rebuilt only when its stored days change, and an edit is seen by the next deadline.
"""

from __future__ import annotations

import copy
from contextlib import AbstractContextManager
from datetime import date

from sqlalchemy import update

from beian.calendar.models import CalendarEntry
from beian.calendar.service import import_days, load_calendar
from beian.core.workdays import CalendarDay
from beian.filings import service
from beian.filings.models import Filing
from beian.filings.registry import DatabaseRegistry
from tests.journey import submitted
from tests.statements import statements_run


def statements(world) -> AbstractContextManager[list[str]]:
    """The SQL statements run on the world's engine inside the block."""
    return statements_run(world.sessions.kw["bind"])


def _another_applet(document: dict, appid: str, mobile: str, number: str) -> dict:
    again = copy.deepcopy(document)
    again["icp_applets"]["base_info"]["appid"] = appid
    again["icp_applets"]["base_info"]["name"] = "另一个小程序" + appid[-2:]
    principal = again["icp_applets"]["principal_info"]
    principal["mobile"], principal["certificate_number"] = mobile, number
    return again


def test_subject_facts_come_from_one_columns_only_statement_asked_once(world, document):
    first = submitted(world, document)
    second = submitted(
        world, _another_applet(document, "wx3333333333333333", "13900001111", "11010519491231002X")
    )
    # The second one is at the bureau; the earliest one names the subject.
    world.act(lambda s: s.execute(
        update(Filing).where(Filing.id == second).values(status="bureau_review")
    ))
    organize = document["icp_subject"]["organize_info"]

    def ask(session):
        registry = DatabaseRegistry(session, now=world.clock.now())
        with statements(world) as seen:
            facts = registry.subject_facts(
                organize["certificate_type"], organize["certificate_number"], exclude_filing=None
            )
            again = registry.subject_facts(
                organize["certificate_type"], organize["certificate_number"], exclude_filing=None
            )
        alone = DatabaseRegistry(session, now=world.clock.now(), ignore=[second]).subject_facts(
            organize["certificate_type"], organize["certificate_number"], exclude_filing=first
        )
        return facts, again, alone, seen

    facts, again, alone, seen = world.read(ask)
    base = document["icp_subject"]["base_info"]
    assert (facts.province, facts.name) == (base["province"], base["name"])
    assert facts.live_applets == 2 and facts.at_bureau
    assert again == facts
    assert alone.live_applets == 0 and not alone.at_bureau and alone.province is None
    queries = [s for s in seen if not s.startswith("BEGIN")]  # SQLite's own BEGIN IMMEDIATE
    assert len(queries) == 1
    assert "document" not in queries[0]  # no encrypted column is read, nor decrypted


def test_a_pre_check_asks_each_question_of_the_database_once(world, document):
    filing, _ = world.save(document)

    def check(session):
        stored = session.get(Filing, filing.id)
        with statements(world) as seen:
            service.check(session, stored, now=world.clock.now())
        return seen

    seen = [s for s in world.read(check) if not s.startswith("BEGIN")]
    # Phones, subject, face task and province rules: read ahead together, once.
    assert len(seen) == 1
    assert "FROM filing_people" in seen[0] and "subject_key" in seen[0]


def test_a_calendar_edit_is_seen_by_the_next_deadline(world, document, clock):
    # Monday 2026-03-02: five working days of platform review end on Monday 2026-03-09.
    before = world.filing(submitted(world, document))
    same = world.read(load_calendar)
    assert world.read(load_calendar) is same  # unchanged stored days: not rebuilt
    holidays = [CalendarDay(date(2026, 3, d), False, "测试假日") for d in (3, 4)]
    world.act(lambda s: import_days(s, holidays, now=clock.now()))
    assert world.read(load_calendar) is not same
    other = _another_applet(document, "wx4444444444444444", "13900002222", "11010519491231002X")
    after = world.filing(submitted(world, other))
    assert after.deadline_at > before.deadline_at


def test_a_calendar_edit_not_yet_flushed_counts_in_its_own_session(world, clock):
    def edit_then_load(session):
        load_calendar(session)
        session.add(CalendarEntry(day=date(2026, 3, 3), is_workday=False, name="测试假日",
                                  source="test", created_at=clock.now(), updated_at=clock.now()))
        return load_calendar(session).is_workday(date(2026, 3, 3))

    assert world.act(edit_then_load) is False


def test_a_submission_reads_the_calendar_with_the_pre_check(world, document):
    filing, _ = world.save(document)

    def submit(session):
        with statements(world) as seen:
            service.submit(session, filing_id=filing.id, applicant="applicant-1",
                           now=world.clock.now())
        return seen

    seen = world.act(submit)
    reads = [s for s in seen if "FROM calendar_entries" in s]
    assert len(reads) == 1 and "FROM filing_people" in reads[0]  # the read-ahead statement


def _read_ahead_with_calendar(session, world, document):
    DatabaseRegistry(session, now=world.clock.now()).read_ahead(
        document, filing_id=None, calendar=True
    )()


def test_a_day_stored_after_the_read_ahead_counts_in_the_same_transaction(
    world, document, clock
):
    def read_edit_load(session):
        _read_ahead_with_calendar(session, world, document)
        import_days(session, [CalendarDay(date(2026, 3, 3), False, "测试假日")], now=clock.now())
        return load_calendar(session).is_workday(date(2026, 3, 3))

    assert world.act(read_edit_load) is False


def test_days_read_ahead_in_an_earlier_transaction_are_not_used(world, document, clock):
    def read_then_commit_then_load(session):
        _read_ahead_with_calendar(session, world, document)
        session.commit()
        # Another process stores a holiday between this session's transactions.
        world.act(lambda other: import_days(
            other, [CalendarDay(date(2026, 3, 3), False, "测试假日")], now=clock.now()
        ))
        return load_calendar(session).is_workday(date(2026, 3, 3))

    assert world.act(read_then_commit_then_load) is False


def test_days_read_ahead_are_those_the_calendar_reads_itself(world, document, clock):
    days = [CalendarDay(date(2026, 3, 3), False, "测试假日"),
            CalendarDay(date(2026, 3, 7), True, "测试调休")]
    world.act(lambda s: import_days(s, days, now=clock.now()))

    def ahead_and_own(session):
        _read_ahead_with_calendar(session, world, document)
        with statements(world) as seen:
            ahead = load_calendar(session)
        return ahead, seen

    ahead, seen = world.act(ahead_and_own)
    assert seen == []  # answered from the read-ahead
    own = world.read(load_calendar)
    assert ahead is own  # the same stored days: the same built calendar
    assert not own.is_workday(date(2026, 3, 3)) and own.is_workday(date(2026, 3, 7))
