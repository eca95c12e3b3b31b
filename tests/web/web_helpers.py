"""Shared set-up for the web tests: an app on the test database, users, page logins."""

from __future__ import annotations

import re

from argon2 import PasswordHasher
from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx2 import Response
from sqlalchemy.orm import Session, sessionmaker

import beian.accounts.models  # noqa: F401  (registers the tables before the schema is built)
from beian.accounts.service import create_user
from beian.clock import FixedClock
from beian.db import transaction
from beian.documents.storage import EncryptedStorage, MemoryStorage
from beian.web.app import create_app

# Cheap parameters keep logins fast in tests; the real ones are argon2-cffi's defaults.
FAST_HASHER = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
PASSWORD = "correct horse battery"


def make_app(sessions: sessionmaker[Session], clock: FixedClock) -> FastAPI:
    """The application on the test database and clock, with its own (encrypted) file store."""
    storage = EncryptedStorage(MemoryStorage())
    return create_app(
        sessions=sessions, clock=clock, password_hasher=FAST_HASHER, storage=storage
    )


def add_user(
    sessions: sessionmaker[Session],
    clock: FixedClock,
    username: str,
    role: str = "applicant",
    *,
    province: str | None = None,
    display_name: str | None = None,
) -> None:
    """Create a user whose password is PASSWORD."""
    with transaction(sessions) as db:
        create_user(
            db,
            username=username,
            password=PASSWORD,
            role=role,
            province=province,
            display_name=display_name,
            now=clock.now(),
            hasher=FAST_HASHER,
        )


def csrf_from(html: str) -> str:
    """The CSRF token of the first form on a page."""
    match = re.search(r'name="csrf_token" value="([^"]*)"', html)
    assert match, "the page has no CSRF field"
    return match.group(1)


def page_login(client: TestClient, username: str, password: str = PASSWORD) -> Response:
    """Log in through the login form, as a browser would."""
    token = csrf_from(client.get("/login").text)
    return client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": token, "next": "/"},
        follow_redirects=False,
    )


def api_token(client: TestClient, username: str, password: str = PASSWORD) -> str:
    """A bearer token from the login operation."""
    response = client.post("/api/v1/login", json={"username": username, "password": password})
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


def assert_findings(response: Response, status: int) -> list[dict[str, object]]:
    """Check the status and the finding shape of an API error; return the findings."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert list(body) == ["errors"] and body["errors"]
    for item in body["errors"]:
        assert set(item) == {"errcode", "err_field", "errmsg", "suggest", "severity"}
        assert isinstance(item["errcode"], int) and item["severity"] == "error"
        assert isinstance(item["errmsg"], str) and item["errmsg"]
    return body["errors"]
