"""Set-up for the filing API tests: an app with its own storage, users of every role, tokens.

The usernames match tests/journey.py, so a filing put in place through the services by
the `world` driver belongs to the same applicant and reviewers the API tests log in as.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from httpx2 import Response
from sqlalchemy.orm import Session, sessionmaker

from beian.clock import FixedClock
from beian.config import Settings
from beian.db import transaction
from beian.testing.media import register_media
from beian.web.app import create_app
from tests.journey import edited  # noqa: F401  (re-exported for the API tests)
from tests.web.web_helpers import FAST_HASHER, add_user, api_token

APPLICANT = "applicant-1"
OTHER_APPLICANT = "applicant-2"
PLATFORM = "platform-reviewer"
OTHER_PLATFORM = "platform-reviewer-2"
BUREAU = "bureau-reviewer"  # Beijing, where the example filing is
OTHER_BUREAU = "gd-reviewer"  # Guangdong
OPERATOR = "operator-1"

USERS = (
    (APPLICANT, "applicant", None),
    (OTHER_APPLICANT, "applicant", None),
    (PLATFORM, "platform_reviewer", None),
    (OTHER_PLATFORM, "platform_reviewer", None),
    (BUREAU, "bureau_reviewer", "110000"),
    (OTHER_BUREAU, "bureau_reviewer", "440000"),
    (OPERATOR, "operator", None),
)


class Api:
    """A test client that knows every user's bearer token."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        clock: FixedClock,
        storage: Path,
        *,
        sms_gateway: str = "local",
    ) -> None:
        self.sessions, self.clock = sessions, clock
        for username, role, province in USERS:
            add_user(sessions, clock, username, role, province=province)
        settings = Settings(storage_dir=storage, sms_gateway=sms_gateway)
        app = create_app(settings, sessions=sessions, clock=clock, password_hasher=FAST_HASHER)
        self.client = TestClient(app)
        self.tokens = {name: api_token(self.client, name) for name, _, _ in USERS}

    def call(self, method: str, path: str, user: str | None = None, **kwargs: Any) -> Response:
        """Call /api/v1 + path as `user` (anonymous when None)."""
        headers = dict(kwargs.pop("headers", {}))
        if user is not None:
            headers["Authorization"] = f"Bearer {self.tokens[user]}"
        return self.client.request(method, "/api/v1" + path, headers=headers, **kwargs)

    def register_media(self, document: dict[str, Any], owner: str = APPLICANT) -> None:
        """Record the media ids the document names as `owner`'s uploads (rows, no files)."""
        with transaction(self.sessions) as session:
            register_media(session, document, owner=owner, now=self.clock.now())

    def ok(self, method: str, path: str, user: str | None = None, **kwargs: Any) -> Any:
        """Call and require a 2xx answer; return its JSON."""
        response = self.call(method, path, user, **kwargs)
        assert 200 <= response.status_code < 300, response.text
        return response.json() if response.content else None


def rejection(field: str, error: str = "需要修改") -> dict[str, Any]:
    """A rejection body naming one field."""
    return {"audit_data": [{"field": field, "error": error, "suggest": "请按要求修改"}]}


