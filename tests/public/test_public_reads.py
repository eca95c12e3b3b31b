"""The routes' public reads (a Core connection on PostgreSQL) answer exactly as a session."""

from __future__ import annotations

from datetime import UTC, datetime

import psycopg
import pytest
from sqlalchemy import event, exc, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.orm import Session

from beian.core.workflow import Status
from beian.db import make_engine, make_sessionmaker
from beian.public.reads import public_reads
from beian.public.service import applet_profile, query_records
from tests.journey import filed


def queries_of(world, filing_id):
    number = world.filing(filing_id).record_number
    return [number, number.rsplit("-", 1)[0], "启明星学堂", "启明星", "北京启明星教育", "启_星"]


def answers(reads, queries, appid):
    return [query_records(reads, q) for q in queries], applet_profile(reads, appid)


def test_the_public_reads_answer_exactly_as_a_session(world, document, engine):
    filing_id = filed(world, document)
    appid = document["icp_applets"]["base_info"]["appid"]
    queries = queries_of(world, filing_id)
    # 00:30 in China on 3 March is still 2 March in UTC: the date shown is China's.
    world.act(lambda s: s.execute(text("UPDATE filings SET filed_at = :at WHERE id = :id"),
                                  {"at": datetime(2026, 3, 2, 16, 30, tzinfo=UTC),
                                   "id": filing_id}))
    expected = world.read(lambda s: answers(s, queries, appid))
    with public_reads(world.sessions) as reads:
        kind = Connection if engine.dialect.name == "postgresql" else Session
        assert isinstance(reads, kind)
        found = answers(reads, queries, appid)
    assert found == expected
    assert found[1] is not None and found[1]["approved_on"] == "2026-03-03"
    assert found[1]["pre_approvals"] == [{"type": "教育", "code": "教民1101087000001号"}]
    assert [len(records) for records in found[0]] == [1, 1, 1, 1, 1, 0]


@pytest.mark.parametrize("status", [s for s in Status if s not in (Status.FILED,
                                                                   Status.CANCEL_PENDING)])
def test_the_public_reads_show_only_what_a_session_shows(world, document, status):
    filing_id = filed(world, document)
    appid = document["icp_applets"]["base_info"]["appid"]
    queries = queries_of(world, filing_id)
    world.act(lambda s: s.execute(text("UPDATE filings SET status = :status WHERE id = :id"),
                                  {"status": status.value, "id": filing_id}))
    with public_reads(world.sessions) as reads:
        found = answers(reads, queries, appid)
    assert found == ([[]] * len(queries), None)
    assert found == world.read(lambda s: answers(s, queries, appid))


@pytest.mark.parametrize("engine", ["postgresql"], indirect=True)
def test_the_lookup_runs_outside_a_transaction_and_watchers_still_see_it(world, document,
                                                                         engine):
    filing_id = filed(world, document)
    number = world.filing(filing_id).record_number
    with public_reads(world.sessions) as reads:
        unwatched = query_records(reads, number)
        driver = reads.connection.driver_connection
        assert driver.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
    seen: list[bool] = []

    def _seen(connection, _cursor, statement, *_args):
        if "FROM filings" in statement:
            seen.append(connection.connection.driver_connection.autocommit)

    event.listen(engine, "before_cursor_execute", _seen)
    try:
        with public_reads(world.sessions) as reads:
            assert query_records(reads, number) == unwatched
    finally:
        event.remove(engine, "before_cursor_execute", _seen)
    assert seen == [True]
    assert [r["service_number"] for r in unwatched] == [number]


@pytest.mark.parametrize("engine", ["postgresql"], indirect=True)
def test_the_connection_goes_back_to_the_pool_ready_for_transactions(world, document, engine):
    filing_id = filed(world, document)
    number = world.filing(filing_id).record_number
    only = make_engine(engine.url.render_as_string(hide_password=False),
                       pool_size=1, max_overflow=0)
    try:
        sessions = make_sessionmaker(only)
        with public_reads(sessions) as reads:
            assert query_records(reads, number)
        pooled = only.raw_connection()
        try:
            assert pooled.driver_connection.autocommit is False
        finally:
            pooled.close()
        with sessions() as session:  # the same connection, in a transaction again
            session.execute(text("SELECT 1"))
            assert session.connection().connection.driver_connection.info.transaction_status \
                == psycopg.pq.TransactionStatus.INTRANS
    finally:
        only.dispose()


@pytest.mark.parametrize("engine", ["postgresql"], indirect=True)
def test_a_dead_connection_fails_one_read_and_is_dropped(world, document, engine):
    filing_id = filed(world, document)
    number = world.filing(filing_id).record_number
    url = engine.url.render_as_string(hide_password=False)
    # Never pinged before use here: the dead connection must meet the statement itself.
    own = make_engine(url, pool_size=1, max_overflow=0, ping_after_idle=3600)
    admin = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    try:
        sessions = make_sessionmaker(own)
        with public_reads(sessions) as reads:
            assert isinstance(reads, Connection)
            assert query_records(reads, number)
            pid = reads.connection.driver_connection.info.backend_pid
        # As a server restart or a dropping proxy would: the pool's one connection dies.
        with psycopg.connect(admin, autocommit=True) as other:
            other.execute("SELECT pg_terminate_backend(%s, 5000)", [pid])
        with pytest.raises(exc.DBAPIError) as failed, public_reads(sessions) as reads:
            query_records(reads, number)
        assert failed.value.connection_invalidated
        with public_reads(sessions) as reads:  # a fresh connection, not the dead one
            assert [r["service_number"] for r in query_records(reads, number)] == [number]
    finally:
        own.dispose()
