"""Schemathesis against /openapi.json, in-process: no 500, no response outside its schema.

Every operation of the OpenAPI document is sent schemathesis-generated requests (valid
and invalid ones) with the bearer token of each role, and without one. Path parameters
and a few body fields are drawn from real objects (filings in many states, face tasks,
inbox messages, principals waiting for a code) as well as from generated values, so the
requests reach the service layer and not only the validation in front of it.

Checks: not_a_server_error, response_schema_conformance and status_code_conformance
(every operation declares the errors it can answer with). Generation is derandomized
with a fixed seed and a small number of examples per operation, so a run is repeatable
and bounded in time.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
import schemathesis
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import (
    response_schema_conformance,
    status_code_conformance,
)

from beian.clock import CHINA_TZ, FixedClock
from tests.fuzz.fuzz_world import ROLE_USERS, Seeded, empty, engine_of_kind, fuzz_app, seed

# How many generated requests per operation and role: the whole module stays within a
# few minutes on two cores. Raise it locally to search harder.
MAX_EXAMPLES = 8
SEED = 20260302
CONFIG = SchemathesisConfig.from_dict(
    {
        "seed": SEED,
        "generation": {
            "max-examples": MAX_EXAMPLES,
            "deterministic": True,
            "database": "none",
        },
        # Starlette answers unknown methods before any of our code runs.
        "phases": {"coverage": {"unexpected-methods": []}},
    }
)
CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance]

CLOCK = FixedClock(datetime(2026, 3, 2, 9, 0, tzinfo=CHINA_TZ))
APP = fuzz_app(CLOCK)
SCHEMA = schemathesis.openapi.from_asgi("/openapi.json", APP, config=CONFIG)
# Filled by the `seeded` fixture before the first case is generated.
KNOWN: dict[str, list[Any]] = {}
# (operationId, role) -> status codes seen; read by the last test.
TALLY: dict[tuple[str, str], Counter[int]] = {}


@SCHEMA.hook("flatmap_path_parameters")
def aim_at_real_objects(context: Any, path_parameters: dict[str, Any]) -> Any:
    """The generated path parameters, or the same with one of them replaced by a real id."""
    if not path_parameters:
        return st.just(path_parameters)
    options = [path_parameters]
    for name in sorted(path_parameters):
        options.extend({**path_parameters, name: value} for value in KNOWN.get(name, []))
    return st.sampled_from(options)


@SCHEMA.hook("flatmap_body")
def aim_bodies_at_real_objects(context: Any, body: Any) -> Any:
    """Real principals for the SMS operations, real ids for the form fields naming one."""
    if not isinstance(body, dict):
        return st.just(body)
    options = [body]
    if "mobile" in body and "certificate_number" in body:
        options.extend({**body, **person} for person in KNOWN.get("principal", []))
    for name in ("task_id", "filing_id"):
        if name in body:
            options.extend({**body, name: value} for value in KNOWN.get(name, []))
    return st.sampled_from(options)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def seeded(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Seeded]:
    """A database of each kind with users, filings in many states and tokens, bound to APP."""
    engine = engine_of_kind(request, tmp_path_factory, "fuzz")
    world = seed(APP, engine, CLOCK)
    KNOWN.clear()
    KNOWN.update(world.known)
    yield world
    KNOWN.clear()
    if request.param == "postgresql":
        empty(engine)
    engine.dispose()


@SCHEMA.parametrize()
@pytest.mark.parametrize("role", list(ROLE_USERS))
def test_no_server_error_and_every_response_matches_its_schema(
    case: Any, role: str, seeded: Seeded
) -> None:
    operation_id = case.operation.definition.raw["operationId"]
    # Logging out revokes the token it is sent with: give it one of its own.
    headers = seeded.headers(role, fresh=operation_id == "logout")
    response = case.call_and_validate(headers=headers, checks=CHECKS)
    TALLY.setdefault((operation_id, role), Counter())[response.status_code] += 1


def test_the_fuzzing_reached_real_objects() -> None:
    """Every operation taking an id met a real object at least once (a 2xx or a 409).

    Runs after the fuzzing above (pytest keeps the order of the module); without it, a
    broken hook would leave the fuzzer knocking at 404s and 422s only.
    """
    ran = {operation_id for operation_id, _role in TALLY}
    assert ran, "run the whole module: this test reads what the fuzzing above saw"
    missed = []
    for operation in SCHEMA.get_all_operations():
        definition = operation.ok().definition.raw
        takes_an_id = any(item.get("in") == "path" for item in definition.get("parameters", []))
        if not takes_an_id or definition["operationId"] not in ran:
            continue
        statuses = [
            status
            for (operation_id, _role), seen in TALLY.items()
            if operation_id == definition["operationId"]
            for status in seen
        ]
        if not any(200 <= status < 300 or status == 409 for status in statuses):
            missed.append(definition["operationId"])
    assert missed == []
