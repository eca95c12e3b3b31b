"""An API request checks its bearer token in the same transaction as its work.

One transaction per request instead of two; a request refused after the token check still
keeps the check's own write (the token's last use), as when the check had its own commit.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import event, select

from beian.accounts.models import ApiToken
from beian.accounts.sessions import hash_token
from tests.web.api_support import APPLICANT, OTHER_APPLICANT, PLATFORM, Api


@pytest.fixture
def api(sessions, clock, tmp_path):
    return Api(sessions, clock, tmp_path / "storage")


def _transactions(sessions, action) -> int:
    engine = sessions.kw["bind"]
    begun: list[object] = []

    def record(connection) -> None:
        begun.append(connection)

    event.listen(engine, "begin", record)
    try:
        action()
    finally:
        event.remove(engine, "begin", record)
    return len(begun)


def _last_used(sessions, token):
    with sessions() as session:
        return session.scalars(
            select(ApiToken.last_used_at).where(ApiToken.token_hash == hash_token(token))
        ).one()


def test_creating_and_submitting_a_filing_takes_one_transaction_each(api, sessions, document):
    api.ok("GET", "/filings", APPLICANT)  # the token's use is recorded now, not again soon
    created = []

    def create() -> None:
        created.append(api.ok("POST", "/filings", APPLICANT, json=document))

    assert _transactions(sessions, create) == 1
    filing_id = created[0]["id"]
    submit = lambda: api.ok("POST", f"/filings/{filing_id}/submit", APPLICANT)  # noqa: E731
    assert _transactions(sessions, submit) == 1
    assert api.ok("GET", f"/filings/{filing_id}", APPLICANT)["status"] == "platform_review"


def test_a_refused_request_keeps_the_token_check_and_changes_nothing(
    api, sessions, document, clock
):
    filing_id = api.ok("POST", "/filings", APPLICANT, json=document)["id"]
    clock.advance(timedelta(minutes=10))  # past the touch interval: the check writes
    answer = api.call("POST", f"/filings/{filing_id}/submit", OTHER_APPLICANT)
    assert answer.status_code == 404
    assert _last_used(sessions, api.tokens[OTHER_APPLICANT]) is not None
    assert api.ok("GET", f"/filings/{filing_id}", APPLICANT)["status"] == "draft"


def test_an_unknown_token_is_refused_without_an_open_transaction_left(api, sessions):
    answer = api.client.get("/api/v1/filings", headers={"Authorization": "Bearer nope"})
    assert answer.status_code == 401
    # The session was closed: a write from elsewhere does not wait for a lock.
    assert api.ok("GET", "/filings", APPLICANT) == []


def test_an_operation_goes_to_the_thread_pool_once_token_check_and_work_together(
    api, document, monkeypatch
):
    # Each trip to the thread pool is a hand-over between threads: createFiling and the
    # applicant's actions check the token in the same trip as their work.
    import anyio.to_thread

    trips: list[object] = []
    run_sync = anyio.to_thread.run_sync

    async def counted(function, *args, **kwargs):
        trips.append(function)
        return await run_sync(function, *args, **kwargs)

    api.ok("GET", "/filings", APPLICANT)  # the token's use is recorded now, not again soon
    monkeypatch.setattr(anyio.to_thread, "run_sync", counted)
    filing_id = api.ok("POST", "/filings", APPLICANT, json=document)["id"]
    assert len(trips) == 1
    api.ok("POST", f"/filings/{filing_id}/submit", APPLICANT)
    assert len(trips) == 2
    # The role check still answers 401 to nobody and 403 to another role, naming no field.
    anonymous = api.call("POST", "/filings", None, json=document)
    assert anonymous.status_code == 401 and "WWW-Authenticate" in anonymous.headers
    forbidden = api.call("POST", "/filings", PLATFORM, json=document)
    assert forbidden.status_code == 403
    assert forbidden.json()["errors"][0]["err_field"] == ""


@pytest.mark.parametrize("headers, status", [
    ({}, 401),
    ({"Authorization": "Bearer not-a-token-of-ours"}, 401),
])
def test_a_caller_refused_hears_so_before_what_is_wrong_with_the_request(
    api, headers, status
):
    # The token is looked up with the work, after FastAPI checked the input: an invalid
    # request from a refused caller is still answered 401, not 422.
    not_an_object = api.client.post("/api/v1/filings", json=["not", "an", "object"],
                                    headers=headers)
    assert not_an_object.status_code == status
    bad_id = api.client.post("/api/v1/filings/not%20an%20id/submit", headers=headers)
    assert bad_id.status_code == status
    assert "WWW-Authenticate" in bad_id.headers


def test_another_role_hears_403_before_what_is_wrong_with_the_request(api):
    bad_id = api.call("POST", "/filings/not%20an%20id/submit", PLATFORM)
    assert bad_id.status_code == 403
    not_an_object = api.call("POST", "/filings", PLATFORM, json=["not", "an", "object"])
    assert not_an_object.status_code == 403


def test_an_applicant_with_an_invalid_request_hears_422(api):
    bad_id = api.call("POST", "/filings/not%20an%20id/submit", APPLICANT)
    assert bad_id.status_code == 422
    not_an_object = api.call("POST", "/filings", APPLICANT, json=["not", "an", "object"])
    assert not_an_object.status_code == 422
