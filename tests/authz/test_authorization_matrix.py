"""Every operation × actor × object: no read or write where the table says none is allowed.

The operations come from the OpenAPI document, so a new one fails the first test until it
has a row in tests/authz/authz_table.py. Each row puts three filings (own, another
applicant's, another province's) in the state the operation expects, then calls the
operation as each of the seven actors on each object: refused calls first (each one must
leave every tracked table exactly as it was), allowed ones after.

For every answer, whole phone numbers and ID numbers of a filing appear only for its own
applicant (and in the audited reveal); reviewers get them masked; the public never.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
from httpx2 import Response

from beian.clock import CHINA_TZ, FixedClock
from tests.authz.authz_stage import (
    OBJECT_PLACES,
    Stage,
    Target,
    addresses_an_object,
    masked_forms,
    request_kwargs,
    url_for,
)
from tests.authz.authz_table import ACTORS, EXPECTED, OBJECTS, cells, may_call
from tests.fuzz.filing_cast import BEIJING, GUANGDONG
from tests.fuzz.fuzz_world import empty, engine_of_kind, fuzz_app

CLOCK = FixedClock(datetime(2026, 3, 2, 9, 0, tzinfo=CHINA_TZ))
APP = fuzz_app(CLOCK)
OPERATIONS = {
    operation["operationId"]: (method.upper(), path)
    for path, item in APP.openapi()["paths"].items()
    for method, operation in item.items()
}
# Statuses a refusal may have: not logged in, wrong role, not visible, wrong state.
REFUSALS = {401, 403, 404, 409}
REVIEWER_PROVINCES = {"bj": BEIJING, "gd": GUANGDONG}


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def stage(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stage]:
    """The application with every actor's token, on a database of each kind."""
    engine = engine_of_kind(request, tmp_path_factory, "authz")
    yield Stage(APP, engine, CLOCK)
    if request.param == "postgresql":
        empty(engine)
    engine.dispose()


def test_every_operation_of_the_openapi_document_has_a_row() -> None:
    declared = {operation_id for operation_id, _state, _cells in EXPECTED.values()}
    assert sorted(set(OPERATIONS) - declared) == [], "operations without a row"
    assert sorted(declared - set(OPERATIONS)) == [], "rows of operations that do not exist"


def test_the_fingerprint_sees_an_edit_and_an_insert(stage: Stage) -> None:
    targets = stage.place("draft")
    start = stage.fingerprint(targets)
    edited = {**targets["O"].document, "icp_materials": {}}
    stage.world.update(targets["O"].filing_id, edited)
    after_edit = stage.fingerprint(targets)
    assert after_edit != start
    stage.world.passed_face_task()  # a row that names none of the targets
    assert stage.fingerprint(targets) != after_edit


def may_see(actor: str, letter: str, state: str) -> bool:
    """Whether `actor` may know the filing exists (getFiling's rule)."""
    owner, province = OBJECT_PLACES[letter]
    if actor == owner:
        return True
    if state == "draft":
        return False
    return actor == "platform" or REVIEWER_PROVINCES.get(actor) == province


@pytest.mark.parametrize("row", list(EXPECTED))
def test_authorization_matrix_row(row: str, stage: Stage) -> None:
    operation_id, state, _cells = EXPECTED[row]
    method, path = OPERATIONS[operation_id]
    targets = stage.place(state)
    allowed = cells(row)
    per_object = addresses_an_object(path, operation_id)
    calls = [(actor, letter) for actor in ACTORS for letter in (OBJECTS if per_object else "-")]

    def refused(call: tuple[str, str]) -> bool:
        actor, letter = call
        return not allowed[call] if per_object else not may_call(row, actor)

    problems: list[str] = []
    for actor, letter in sorted(calls, key=lambda call: not refused(call)):
        target = targets["O" if letter == "-" else letter]
        url = url_for(path, target)
        kwargs = request_kwargs(operation_id, target)
        before = stage.fingerprint(targets) if refused((actor, letter)) else None
        response = stage.call(actor, method, url, **kwargs)
        sent = url + json.dumps(kwargs, ensure_ascii=False, default=str)
        where = f"{row} as {actor} on {letter}: {response.status_code}"
        if before is not None:
            problems += _refusal(response, where, actor, letter, state, targets, sent)
            if stage.fingerprint(targets) != before:
                problems.append(f"{where}: a refused call changed the database")
        else:
            problems += _allowed(response, where, row, actor, letter, targets, sent)
        problems += _masking(response, where, operation_id, actor, letter, targets, allowed)
        if stage.connections_in_use():
            problems.append(f"{where}: the request left a database session open")
    assert problems == []


def _markers(targets: dict[str, Target], letters: str, sent: str) -> list[str]:
    """What would show that an answer holds these filings (not echoing the request)."""
    found = []
    for letter in letters:
        target = targets[letter]
        found += [target.filing_id, target.appid, *target.phones(), *target.id_numbers()]
    return [marker for marker in found if marker not in sent]


def _refusal(
    response: Response,
    where: str,
    actor: str,
    letter: str,
    state: str,
    targets: dict[str, Target],
    sent: str,
) -> list[str]:
    problems = []
    status = response.status_code
    if status not in REFUSALS:
        problems.append(f"{where}: expected a refusal ({sorted(REFUSALS)})")
    if status == 409 and letter != "-" and not may_see(actor, letter, state):
        problems.append(f"{where}: a 409 tells that a filing it may not see exists")
    leaked = [marker for marker in _markers(targets, "OAP", sent) if marker in response.text]
    if leaked:
        problems.append(f"{where}: the refusal shows {leaked}")
    return problems


def _allowed(
    response: Response,
    where: str,
    row: str,
    actor: str,
    letter: str,
    targets: dict[str, Target],
    sent: str,
) -> list[str]:
    status = response.status_code
    public = EXPECTED[row][2].split()[0] != "."
    if public and letter != "-":
        # The principal's pages: the answer may be a refusal of the code or photo itself.
        if status in (401, 403) or status >= 500:
            return [f"{where}: an operation open to everyone refused or failed"]
        return []
    if not 200 <= status < 300:
        return [f"{where}: allowed but not done ({response.text[:200]})"]
    if letter != "-":
        return []
    grid = cells(row)
    hidden = "".join(obj for obj in OBJECTS if not grid[(actor, obj)])
    leaked = [marker for marker in _markers(targets, hidden, sent) if marker in response.text]
    return [f"{where}: shows filings it may not see: {leaked}"] if leaked else []


def _masking(
    response: Response,
    where: str,
    operation_id: str,
    actor: str,
    letter: str,
    targets: dict[str, Target],
    allowed: dict[tuple[str, str], bool],
) -> list[str]:
    problems = []
    for target in targets.values():
        if actor == target.owner or _may_unmask(operation_id, actor, target, allowed):
            continue
        whole = [item for item in target.phones() + target.id_numbers() if item in response.text]
        if whole:
            problems.append(f"{where}: whole personal data of {target.letter}: {whole}")
    body = _json(response)
    target = targets["O" if letter == "-" else letter]
    shows_target = isinstance(body, dict) and target.filing_id in (
        body.get("id"),
        body.get("replaces_id"),
    )
    if shows_target and "document" in body and operation_id != "revealFiling":
        text = response.text
        if actor == target.owner:
            if not all(phone in text for phone in target.phones()):
                problems.append(f"{where}: the applicant's own document is not whole")
        elif not all(form in text for form in masked_forms(target)):
            problems.append(f"{where}: the document shown to a reviewer is not masked")
    return problems


def _may_unmask(
    operation_id: str, actor: str, target: Target, allowed: dict[tuple[str, str], bool]
) -> bool:
    if operation_id == "revealFiling":
        return allowed[(actor, target.letter)]  # the audited reveal
    # The development SMS gateway's outbox shows the texts as sent, to the operator only.
    return operation_id == "listSmsOutbox" and actor == "operator"


def _json(response: Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None
