"""The application factory: wiring of settings, clock, database sessions and routers."""

from __future__ import annotations

import importlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from argon2 import PasswordHasher
from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.staticfiles import StaticFiles
from sqlalchemy.orm import Session, sessionmaker

from beian import __version__
from beian.accounts.service import DEFAULT_HASHER
from beian.clock import Clock, SystemClock
from beian.config import Settings, load_settings
from beian.crypto import require_keys
from beian.db import make_engine, make_sessionmaker
from beian.documents.storage import Storage, default_storage
from beian.web.csrf import CsrfMiddleware
from beian.web.errors import (
    ErrorBoundaryMiddleware,
    SecurityHeadersMiddleware,
    error_response,
    install_error_handlers,
)
from beian.web.findings import ErrorBody
from beian.web.templating import STATIC_DIR

# Modules exposing `router`; each feature adds its pages and API operations here.
FEATURE_ROUTERS = (
    "beian.web.api",
    "beian.web.pages",
    "beian.web.filings_api",
    "beian.web.applicant_pages",
    "beian.web.review_pages",
    "beian.web.admin_pages",
    "beian.web.public_pages",
)

# Room for a few certificate photos and letters (2 MB each) in one form.
MAX_BODY_SIZE = 32 * 1024 * 1024


def create_app(
    settings: Settings | None = None,
    *,
    clock: Clock | None = None,
    sessions: sessionmaker[Session] | None = None,
    password_hasher: PasswordHasher | None = None,
    storage: Storage | None = None,
) -> FastAPI:
    """Build the web application; tests inject their clock and database sessions."""
    settings = settings or load_settings()
    require_keys()  # in production, refuse to start without configured data keys
    engine = None
    if sessions is None:
        engine = make_engine(settings.database_url)
        sessions = make_sessionmaker(engine)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        if engine is not None:  # only what this factory opened is its to close
            engine.dispose()

    app = FastAPI(
        title="备案 Beian",
        version=__version__,
        description="ICP filing of mini-programs. Errors are lists of findings.",
        openapi_url="/openapi.json",
        # The interactive docs load scripts from a CDN; the JSON document is enough.
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.clock = clock or SystemClock()
    app.state.sessions = sessions
    app.state.password_hasher = password_hasher or DEFAULT_HASHER
    # Uploaded documents, encrypted at rest; every route reads and writes through this one.
    app.state.storage = storage or default_storage(settings)

    install_error_handlers(app)
    # Added innermost first: the error boundary wraps everything else.
    app.add_middleware(CsrfMiddleware, respond=error_response)
    app.add_middleware(SecurityHeadersMiddleware)
    app.add_middleware(ErrorBoundaryMiddleware, max_body_size=MAX_BODY_SIZE)

    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    for module_name in FEATURE_ROUTERS:
        app.include_router(importlib.import_module(module_name).router)
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    return app


def _openapi(app: FastAPI) -> dict[str, Any]:
    """The OpenAPI document, with validation errors described as the findings we send."""
    if app.openapi_schema is None:
        schema = get_openapi(
            title=app.title,
            version=app.version,
            description=app.description,
            routes=app.routes,
        )
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        for name in ("HTTPValidationError", "ValidationError"):
            components.pop(name, None)
        error_ref = {"$ref": "#/components/schemas/ErrorBody"}
        for path in schema.get("paths", {}).values():
            for operation in path.values():
                response = operation.get("responses", {}).get("422")
                if response is not None:
                    response["content"] = {"application/json": {"schema": error_ref}}
        if "ErrorBody" not in components:
            components.update(_error_schemas())
        app.openapi_schema = schema
    return app.openapi_schema


def _error_schemas() -> dict[str, Any]:
    schema = ErrorBody.model_json_schema(ref_template="#/components/schemas/{model}")
    definitions = schema.pop("$defs", {})
    return {"ErrorBody": schema, **definitions}
