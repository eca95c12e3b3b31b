"""Helpers for the applicant page tests: an app with its own storage, forms as posted."""

from __future__ import annotations

import copy
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from beian.clock import FixedClock
from beian.config import Settings
from beian.web.app import create_app
from tests.journey import APPLICANT
from tests.web.web_helpers import FAST_HASHER, add_user, csrf_from, page_login

OTHER = "other-applicant"


def applicant_app(sessions: sessionmaker[Session], clock: FixedClock, storage: Path) -> FastAPI:
    """The application with uploads stored under `storage`, and two applicants."""
    add_user(sessions, clock, APPLICANT, display_name="张申请")
    add_user(sessions, clock, OTHER, display_name="李别人")
    settings = Settings(database_url="sqlite://", storage_dir=storage)
    return create_app(settings, sessions=sessions, clock=clock, password_hasher=FAST_HASHER)


def logged_in(app: FastAPI, username: str = APPLICANT) -> TestClient:
    """A browser-like client logged in through the login form."""
    client = TestClient(app)
    assert page_login(client, username).status_code == 303
    return client


def token(client: TestClient, path: str = "/filings/new") -> str:
    """The CSRF token a page of this session carries."""
    return csrf_from(client.get(path).text)


def without_blanks(value: Any) -> Any:
    """The document with empty strings left out, as the form saves a blank field."""
    if isinstance(value, dict):
        return {k: without_blanks(v) for k, v in value.items() if v != ""}
    if isinstance(value, list):
        return [without_blanks(v) for v in value]
    return value


def form_fields(document: dict[str, Any]) -> list[tuple[str, str]]:
    """A document written into the form's inputs, the way a person fills them in."""
    fields: list[tuple[str, str]] = []

    def walk(prefix: str, value: Any) -> None:
        if isinstance(value, dict):
            for key, child in value.items():
                walk(f"{prefix}.{key}" if prefix else key, child)
        elif prefix.endswith("service_content_types"):
            fields.append((prefix, ""))
            fields.extend((prefix, str(item)) for item in value)
        elif prefix.endswith("nrlx_details"):
            for index, row in enumerate(value):
                for key in ("type", "code", "media"):
                    fields.append((f"{prefix}.{index}.{key}", str(row.get(key, ""))))
        elif prefix.startswith("icp_materials."):
            fields.append((prefix, ""))
            fields.extend((prefix, item) for item in value)
        elif value == "长期":
            fields.append((prefix + ".long", "1"))
        else:
            fields.append((prefix, str(value)))

    walk("", copy.deepcopy(document))
    return fields


class _FormReader(HTMLParser):
    """Collects what a browser would post from the form with id filing-form."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: list[tuple[str, str]] = []
        self.inside = False
        self.select: str | None = None
        self.textarea: str | None = None
        self.text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.inside = a.get("id") == "filing-form"
        if not self.inside or "disabled" in a:
            return
        if tag == "input" and a.get("name") and a.get("type") not in ("file", "submit"):
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                return
            self.fields.append((a["name"], a.get("value", "")))
        elif tag == "select":
            self.select = a.get("name")
        elif tag == "option" and self.select and "selected" in a:
            self.fields.append((self.select, a.get("value", "")))
        elif tag == "textarea":
            self.textarea, self.text = a.get("name"), ""

    def handle_data(self, data: str) -> None:
        if self.textarea:
            self.text += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self.select = None
        elif tag == "textarea" and self.textarea:
            self.fields.append((self.textarea, self.text))
            self.textarea = None


def browser_post(html: str) -> list[tuple[str, str]]:
    """The fields the guided form on this page posts when nothing is touched."""
    reader = _FormReader()
    reader.feed(html)
    return reader.fields


def replace(fields: list[tuple[str, str]], name: str, value: str) -> list[tuple[str, str]]:
    """The fields with one input's value changed."""
    assert any(key == name for key, _ in fields), f"the form has no input {name}"
    return [(key, value if key == name else old) for key, old in fields]


def findings_beside(html: str, path: str) -> str:
    """The text of the findings list shown beside the field at `path`."""
    match = re.search(
        r'<ul class="ap-findings" data-findings-for="' + re.escape(path) + r'"[^>]*>(.*?)</ul>',
        html,
        re.S,
    )
    assert match, f"no findings slot for {path}"
    return match.group(1)


def as_data(pairs: list[tuple[str, str]]) -> dict[str, list[str]]:
    """Form pairs as the mapping httpx posts (a list for a repeated name)."""
    data: dict[str, list[str]] = {}
    for key, value in pairs:
        data.setdefault(key, []).append(value)
    return data
