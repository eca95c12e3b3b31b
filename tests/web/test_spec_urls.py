"""SPEC §10: ID numbers and phones never travel in URLs.

Every route of the app (pages and JSON API) is inspected: none takes a phone, an ID
number as a path or query parameter, so none can end up in an access
log or a browser history. Values such as these go in request bodies.
"""

from __future__ import annotations

import re

from fastapi.routing import APIRoute

from beian.config import Settings
from beian.web.app import create_app
from tests.web.web_helpers import FAST_HASHER

PERSONAL = re.compile(r"mobile|phone|certificate|id_?number|id_?card|emergency", re.I)


def url_parameters(app) -> dict[str, set[str]]:
    """Path and query parameter names of every route, by path."""
    found: dict[str, set[str]] = {}

    def walk(dependant, names: set[str]) -> None:
        names.update(p.alias for p in dependant.path_params)
        names.update(p.alias for p in dependant.query_params)
        for sub in dependant.dependencies:
            walk(sub, names)

    def routes(entries):
        for entry in entries:
            if hasattr(entry, "original_router"):  # an included router (FastAPI keeps it whole)
                yield from routes(entry.original_router.routes)
            elif isinstance(entry, APIRoute):
                yield entry

    for route in routes(app.routes):
        names: set[str] = set()
        walk(route.dependant, names)
        names.update(re.findall(r"{([^}:]+)", route.path))
        found[route.path] = found.get(route.path, set()) | names
    return found


def personal_url_parameters(sessions, clock, tmp_path) -> dict[str, list[str]]:
    app = create_app(Settings(storage_dir=tmp_path), sessions=sessions, clock=clock,
                     password_hasher=FAST_HASHER)
    parameters = url_parameters(app)
    assert any(path.startswith("/verify") for path in parameters)  # the routes were read
    assert any(names for names in parameters.values())  # and some do take parameters
    leaks = {path: sorted(n for n in names if PERSONAL.search(n))
             for path, names in parameters.items()}
    return {path: names for path, names in leaks.items() if names}


def test_no_route_takes_personal_data_in_its_url(sessions, clock, tmp_path):
    assert personal_url_parameters(sessions, clock, tmp_path) == {}
