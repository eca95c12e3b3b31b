"""The database the fuzzer runs against: users of every role, filings in many states, tokens.

The application is built once, at import time, because schemathesis reads its OpenAPI
document while pytest collects the tests. Its database is bound later, by `seed()`,
which fills a fresh database and returns what the fuzzer may aim at (real ids).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import sessionmaker

from beian.clock import FixedClock
from beian.config import Settings
from beian.db import make_engine, make_sessionmaker
from beian.db.models import metadata
from beian.documents.storage import EncryptedStorage, MemoryStorage
from beian.facecheck import service as facecheck
from beian.notifications.models import InboxMessage
from beian.web.app import create_app
from tests.fuzz.filing_cast import BEIJING, GUANGDONG, document_for, put_in_state
from tests.journey import World
from tests.web.api_support import (
    APPLICANT,
    BUREAU,
    OPERATOR,
    OTHER_APPLICANT,
    PLATFORM,
    USERS,
)
from tests.web.web_helpers import FAST_HASHER, add_user, api_token

# Each role the API knows, as the user whose bearer token the fuzzer sends (None: no token).
ROLE_USERS: dict[str, str | None] = {
    "anonymous": None,
    "applicant": APPLICANT,
    "platform_reviewer": PLATFORM,
    "bureau_reviewer": BUREAU,
    "operator": OPERATOR,
}
# The filings the fuzzer aims at: (applicant, province, state).
TARGETS = (
    *(
        (APPLICANT, BEIJING, state)
        for state in (
            "draft",
            "platform_review",
            "platform_claimed",
            "platform_rejected",
            "sms_verification",
            "bureau_review",
            "bureau_claimed",
            "bureau_rejected",
            "filed",
            "cancel_pending",
        )
    ),
    (OTHER_APPLICANT, BEIJING, "platform_review"),
    (OTHER_APPLICANT, BEIJING, "filed"),
    (APPLICANT, GUANGDONG, "bureau_review"),
    (OTHER_APPLICANT, GUANGDONG, "filed"),
)


def fuzz_app(clock: FixedClock) -> FastAPI:
    """The application under test, not yet bound to a database."""
    settings = Settings(sms_gateway="local")
    storage = EncryptedStorage(MemoryStorage())
    return create_app(
        settings,
        sessions=sessionmaker(),
        clock=clock,
        password_hasher=FAST_HASHER,
        storage=storage,
    )


@dataclass
class Seeded:
    """What the fuzzer may aim at: tokens per role and real values per parameter name."""

    client: TestClient
    tokens: dict[str, str]
    known: dict[str, list[Any]] = field(default_factory=dict)

    def headers(self, role: str, *, fresh: bool = False) -> dict[str, str]:
        """The Authorization header of `role`; `fresh` logs in anew (for logout)."""
        user = ROLE_USERS[role]
        if user is None:
            return {}
        token = api_token(self.client, user) if fresh else self.tokens[user]
        return {"Authorization": f"Bearer {token}"}


# SQLSTATE of "sorry, too many clients already": the server (shared with other test runs
# and benchmarks on this machine) has no connection left for now.
TOO_MANY_CONNECTIONS = "53300"
# How long a module waits for the server to have a connection free, and for its tables.
WAIT_SECONDS = 60


def module_engine(url: str) -> Engine:
    """An engine on the run's shared PostgreSQL scratch database for one module's app.

    Requests come one at a time here, so a small pool is plenty and holds few of the
    server's connections; when the server has none free, wait for one a while, then fail
    saying what holds them (instead of an error at fixture setup with no cause).
    """
    engine = make_engine(url, pool_size=2, max_overflow=3, pool_timeout=WAIT_SECONDS)
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        try:
            with engine.connect():
                return engine
        except OperationalError as error:
            full = getattr(error.orig, "sqlstate", None) == TOO_MANY_CONNECTIONS
            if not full or time.monotonic() > deadline:
                engine.dispose()
                raise RuntimeError(f"no connection to {engine.url!r}: {error.orig}") from error
            time.sleep(1)  # waiting for the server, not for the code under test


def engine_of_kind(request: Any, tmp_path_factory: Any, label: str) -> Engine:
    """An empty database of the kind a module fixture is parametrized with ("sqlite" or
    "postgresql"): a fresh SQLite file, or the run's PostgreSQL scratch database emptied."""
    if request.param == "sqlite":
        return make_engine(f"sqlite:///{tmp_path_factory.mktemp(label)}/beian.db")
    engine = module_engine(request.getfixturevalue("postgres_url"))
    empty(engine)
    return engine


def empty(engine: Engine) -> None:
    """Delete every row (the shared PostgreSQL scratch database outlives this module).

    TRUNCATE waits for every lock on the tables; a session left open elsewhere would make
    it wait for ever, so give up after a while and name the sessions in the way.
    """
    tables = ", ".join(f'"{table.name}"' for table in metadata.sorted_tables)
    try:
        with engine.begin() as connection:
            connection.execute(text(f"SET LOCAL lock_timeout = '{WAIT_SECONDS}s'"))
            connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    except OperationalError as error:
        raise RuntimeError(
            f"could not empty the scratch database: {sessions_in(engine)}"
        ) from error


def sessions_in(engine: Engine) -> str:
    """Who else is connected to this database, and in which state (for failure messages)."""
    query = text(
        "SELECT application_name, state, left(query, 80) FROM pg_stat_activity"
        " WHERE datname = current_database() AND pid <> pg_backend_pid()"
    )
    with engine.connect() as connection:
        return "; ".join(" | ".join(map(str, row)) for row in connection.execute(query))


def seed(app: FastAPI, engine: Engine, clock: FixedClock) -> Seeded:
    """Create the schema, bind the app to it and fill it; return tokens and real ids."""
    metadata.create_all(engine)
    sessions = make_sessionmaker(engine)
    app.state.sessions = sessions
    for username, role, province in USERS:
        add_user(sessions, clock, username, role, province=province)
    world = World(sessions, clock)
    filing_ids, documents = [], []
    for tag, (applicant, province, state) in enumerate(TARGETS):
        document = document_for(world, applicant=applicant, tag=tag, province=province)
        filing_ids.append(put_in_state(world, document, applicant=applicant, state=state))
        documents.append(document)
    world.work()  # delivers the in-site messages and texts of every step
    tasks = [
        world.act(
            lambda s, who=who: (
                facecheck.create_task(
                    s, applicant_key=who, principal_name="李雨桐", now=clock.now()
                ).id
            )
        )
        for who in (APPLICANT, OTHER_APPLICANT)
    ]
    messages = world.read(lambda s: list(s.scalars(select(InboxMessage.id).limit(20))))
    principals = [
        {
            "mobile": part["principal_info"]["mobile"],
            "certificate_number": part["principal_info"]["certificate_number"],
        }
        for document in documents
        for part in (document["icp_subject"], document["icp_applets"])
    ]
    client = TestClient(app)
    tokens = {name: api_token(client, name) for name, _, _ in USERS}
    known = {
        "filing_id": filing_ids,
        "task_id": tasks,
        "message_id": messages,
        "appid": [document["icp_applets"]["base_info"]["appid"] for document in documents],
        "principal": principals,
    }
    return Seeded(client=client, tokens=tokens, known=known)
