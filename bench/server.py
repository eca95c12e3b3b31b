"""The web application as `beian serve` runs it, plus the bare floor endpoints.

`uvicorn bench.server:app --factory` serves Beian's own application (create_app, every
middleware and router) on BEIAN_DATABASE_URL, with two extra routes added here, inside
bench/ and never in beian.web: POST /api/bench/raw stores the request body as it came in a
table of the same database, and POST /api/bench/raw/{id}/submit flips that row's status.
They share the process, the server, the middleware and the connection pool with the
real operations, and skip everything of Beian's: parsing, pre-check, lifecycle, history.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from beian.config import load_settings
from beian.db import make_engine, make_sessionmaker
from beian.web.app import create_app

RAW_TABLE = "bench_raw_filings"


def _create_raw(dialect: str) -> str:
    key = "SERIAL PRIMARY KEY" if dialect == "postgresql" else "INTEGER PRIMARY KEY"
    return (f"CREATE TABLE IF NOT EXISTS {RAW_TABLE} "
            f"(id {key}, body TEXT NOT NULL, status VARCHAR(24) NOT NULL)")


def app() -> FastAPI:
    """Beian's application with the floor routes added."""
    application = create_app()
    add_floor_routes(application, application.state.sessions)
    return application


def bare_app() -> FastAPI:
    """Only the floor routes, on a bare FastAPI and engine: the memory floor."""
    application = FastAPI()
    add_floor_routes(application, make_sessionmaker(make_engine(load_settings().database_url)))
    return application


def add_floor_routes(application: FastAPI, sessions: sessionmaker[Session]) -> None:
    """Add POST /api/bench/raw and its submit route (under /api: no CSRF form token)."""
    with sessions() as session:
        session.execute(text(_create_raw(session.get_bind().dialect.name)))
        session.commit()

    def store(body: str) -> int:
        with sessions() as session:
            raw_id = session.execute(
                text(f"INSERT INTO {RAW_TABLE} (body, status) VALUES (:body, 'draft')"
                     " RETURNING id"), {"body": body}
            ).scalar_one()
            session.commit()
        return int(raw_id)

    async def insert_raw(request: Request) -> dict[str, int]:
        body = (await request.body()).decode("utf-8")
        # In the thread pool, as FastAPI runs Beian's own (synchronous) operations.
        return {"id": await run_in_threadpool(store, body)}

    def submit_raw(raw_id: int) -> dict[str, int]:
        with sessions() as session:
            session.execute(text(f"UPDATE {RAW_TABLE} SET status = 'submitted' WHERE id = :id"),
                            {"id": raw_id})
            session.commit()
        return {"id": raw_id}

    application.add_api_route("/api/bench/raw", insert_raw, methods=["POST"])
    application.add_api_route("/api/bench/raw/{raw_id}/submit", submit_raw, methods=["POST"])
