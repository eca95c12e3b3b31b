"""An applicant's action asks for its filing together with the token's look-up.

On PostgreSQL both statements go in one pipeline (one round trip, beian.db.direct); the
filing's row is read only once the token is known to be good, and belongs to the caller
or reads as not found.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import event

from tests.web.api_support import APPLICANT, OTHER_APPLICANT, Api


@pytest.fixture
def api(sessions, clock, tmp_path):
    return Api(sessions, clock, tmp_path / "storage")


def _pipelined(connection: Any) -> bool:
    pgconn = getattr(connection.connection.driver_connection, "pgconn", None)
    return pgconn is not None and bool(pgconn.pipeline_status)


def test_the_filing_is_asked_for_with_the_token(api, sessions, document):
    filing_id = api.ok("POST", "/filings", APPLICANT, json=document)["id"]
    engine = sessions.kw["bind"]
    seen: list[tuple[str, bool]] = []

    def record(connection, _cursor, statement, _params, _context, _many) -> None:
        if statement.lstrip().startswith("SELECT"):
            seen.append((statement, _pipelined(connection)))

    event.listen(engine, "before_cursor_execute", record)
    try:
        submitted = api.ok("POST", f"/filings/{filing_id}/submit", APPLICANT)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert submitted["status"] == "platform_review"
    token, filing = seen[0], seen[1]
    assert "api_tokens" in token[0] and "FROM filings" in filing[0]
    together = engine.dialect.name == "postgresql"
    assert (token[1], filing[1]) == (together, together)


def test_another_applicants_filing_still_reads_as_not_found(api, document):
    filing_id = api.ok("POST", "/filings", APPLICANT, json=document)["id"]
    refused = api.call("POST", f"/filings/{filing_id}/submit", OTHER_APPLICANT)
    assert refused.status_code == 404
    assert api.ok("GET", f"/filings/{filing_id}", APPLICANT)["status"] == "draft"
    assert api.call("POST", f"/filings/{filing_id}/submit", None).status_code == 401
    assert api.ok("POST", f"/filings/{filing_id}/submit", APPLICANT)["status"] == (
        "platform_review"
    )
