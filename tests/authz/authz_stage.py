"""The stage of the authorization matrix: users, the three objects, requests, fingerprints.

One database per kind serves the whole module; every row of the table gets three new
filings (O, A, P) in its state, so rows never see each other's objects.
"""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx2 import Response
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from beian.clock import FixedClock
from beian.db import make_sessionmaker
from beian.db.models import metadata
from beian.filings.views import mask_phone
from beian.notifications.models import InboxMessage
from tests.documents import face_photos, paper_photos
from tests.fuzz.filing_cast import BEIJING, GUANGDONG, document_for, put_in_state
from tests.journey import World
from tests.web.api_support import (
    APPLICANT,
    BUREAU,
    OPERATOR,
    OTHER_APPLICANT,
    OTHER_BUREAU,
    PLATFORM,
    USERS,
)
from tests.web.web_helpers import PASSWORD, add_user, api_token

ACTOR_USERS: dict[str, str | None] = {
    "anon": None,
    "owner": APPLICANT,
    "other": OTHER_APPLICANT,
    "platform": PLATFORM,
    "bj": BUREAU,
    "gd": OTHER_BUREAU,
    "operator": OPERATOR,
}
# Object letter -> (the actor owning it, its province).
OBJECT_PLACES = {"O": ("owner", BEIJING), "A": ("other", BEIJING), "P": ("owner", GUANGDONG)}
# Tables an action may write; logins, tokens and the audit trail are left out (a refused
# call may still be logged in the audit trail, and every call resolves a token).
UNTRACKED = {"audit_log", "api_tokens", "login_sessions", "users"}
LICENCE_FIELD = "icp_subject.organize_info.certificate_photo"
PEOPLE = (("icp_subject", "principal_info"), ("icp_applets", "principal_info"))


@dataclass
class Target:
    """One of the three filings of a row, with what identifies it in an answer."""

    letter: str
    owner: str  # the actor owning it
    filing_id: str
    document: dict[str, Any]
    message_id: int | None

    @property
    def appid(self) -> str:
        return str(self.document["icp_applets"]["base_info"]["appid"])

    @property
    def task_id(self) -> str:
        return str(self.document["icp_applets"]["principal_info"]["verify_task_id"])

    def principal(self) -> dict[str, str]:
        """The applet principal's mobile and certificate number."""
        person = self.document["icp_applets"]["principal_info"]
        return {"mobile": person["mobile"], "certificate_number": person["certificate_number"]}

    def phones(self) -> list[str]:
        """Every phone number in the document."""
        return [
            self.document[part][block][name]
            for part, block in PEOPLE
            for name in ("mobile", "emergency_contact")
        ]

    def id_numbers(self) -> list[str]:
        """Every personal ID number in the document."""
        return [self.document[part][block]["certificate_number"] for part, block in PEOPLE]


class Stage:
    """The application on one database, with a token for every actor."""

    def __init__(self, app: FastAPI, engine: Engine, clock: FixedClock) -> None:
        metadata.create_all(engine)
        self.engine = engine
        self.sessions = make_sessionmaker(engine)
        app.state.sessions = self.sessions
        for username, role, province in USERS:
            add_user(self.sessions, clock, username, role, province=province)
        self.world = World(self.sessions, clock)
        self.client = TestClient(app)
        self.tokens = {name: api_token(self.client, name) for name, _, _ in USERS}
        self.tag = 0

    def place(self, state: str) -> dict[str, Target]:
        """Three new filings, O, A and P, in `state`."""
        targets = {}
        for letter, (owner, province) in OBJECT_PLACES.items():
            applicant = ACTOR_USERS[owner]
            assert applicant is not None
            document = document_for(
                self.world, applicant=applicant, tag=self.tag, province=province
            )
            self.tag += 1
            filing_id = put_in_state(self.world, document, applicant=applicant, state=state)
            targets[letter] = Target(letter, owner, filing_id, document, None)
        self.world.work()  # the in-site messages of those steps
        for target in targets.values():
            target.message_id = self.world.read(
                lambda s, t=target: s.scalar(
                    select(InboxMessage.id)
                    .where(InboxMessage.filing_id == t.filing_id)
                    .where(InboxMessage.user_key == ACTOR_USERS[t.owner])
                    .limit(1)
                )
            )
        return targets

    def call(self, actor: str, method: str, url: str, **kwargs: Any) -> Response:
        """Send a request as `actor`; logout gets a token of its own."""
        user = ACTOR_USERS[actor]
        headers = dict(kwargs.pop("headers", {}))
        if user is not None:
            fresh = url.endswith("/logout")
            token = api_token(self.client, user) if fresh else self.tokens[user]
            headers["Authorization"] = f"Bearer {token}"
        return self.client.request(method, url, headers=headers, **kwargs)

    def connections_in_use(self) -> int:
        """Connections checked out of the pool: none between requests, or a session of the
        application was left open (it would hold the server's connections and locks)."""
        return int(self.engine.pool.checkedout())

    def fingerprint(self, targets: dict[str, Target]) -> str:
        """A digest of every table an action may write: its row count, and the content of
        the rows of the three targets (whole tables where rows do not name a filing)."""
        filing_ids = [target.filing_id for target in targets.values()]
        task_ids = [target.task_id for target in targets.values()]
        digest = hashlib.sha256()
        with self.sessions() as session:
            for table in metadata.sorted_tables:
                if table.name in UNTRACKED:
                    continue
                query = select(table)
                if "filing_id" in table.c:
                    query = query.where(table.c.filing_id.in_(filing_ids))
                elif table.name == "filings":
                    query = query.where(table.c.id.in_(filing_ids))
                elif table.name == "face_tasks":
                    query = query.where(table.c.id.in_(task_ids))
                count = session.scalar(select(func.count()).select_from(table))
                digest.update(f"{table.name}:{count}".encode())
                for row in sorted(repr(tuple(row)) for row in session.execute(query)):
                    digest.update(row.encode())
        return digest.hexdigest()


@cache
def _licence_jpg() -> bytes:
    return face_photos.encode(paper_photos.business_licence())


@cache
def _portrait_jpg() -> bytes:
    return face_photos.encode(face_photos.portrait())


def _changed(document: dict[str, Any]) -> dict[str, Any]:
    changed = copy.deepcopy(document)
    changed["icp_applets"]["base_info"]["comment"] += "新增周末书法班。"
    return changed


REJECTION = {
    "audit_data": [
        {"field": "icp_applets.base_info.comment", "error": "描述过于简略", "suggest": "请补充"}
    ]
}


def request_kwargs(operation_id: str, target: Target) -> dict[str, Any]:
    """The body, form or query an operation needs so that only authorization decides."""
    bodies: dict[str, Callable[[], dict[str, Any]]] = {
        "createFiling": lambda: {"json": {"icp_subject": {}}},
        "updateFiling": lambda: {"json": target.document},
        "precheckDocument": lambda: {"json": {"document": {}}},
        "requestChange": lambda: {"json": _changed(target.document)},
        "recordVerificationCall": lambda: {"json": {"principal": "subject", "outcome": "reached"}},
        "rejectPlatformReview": lambda: {"json": REJECTION},
        "rejectBureauReview": lambda: {"json": REJECTION},
        "revealFiling": lambda: {"json": {"reason": "核对证件号码与照片"}},
        "createFaceTask": lambda: {"json": {"principal_name": "李雨桐"}},
        "uploadMedia": lambda: {
            "data": {"field": LICENCE_FIELD, "filing_id": target.filing_id},
            "files": {"file": ("licence.jpg", _licence_jpg(), "image/jpeg")},
        },
        "submitFacePhoto": lambda: {
            "data": {"task_id": target.task_id},
            "files": {"photo": ("me.jpg", _portrait_jpg(), "image/jpeg")},
        },
        "verifySms": lambda: {"json": {**target.principal(), "code": "000000"}},
        "confirmCancellation": lambda: {"json": {**target.principal(), "code": "000000"}},
        "resendSms": lambda: {"json": {**target.principal(), "purpose": "verify"}},
        "getSmsVerificationStatus": lambda: {"json": {**target.principal(), "purpose": "verify"}},
        "login": lambda: {"json": {"username": APPLICANT, "password": PASSWORD}},
        "queryPublicRecords": lambda: {"params": {"q": target.appid}},
    }
    return bodies[operation_id]() if operation_id in bodies else {}


def url_for(path: str, target: Target) -> str:
    """The path with its parameters taken from the target."""
    values = {
        "filing_id": target.filing_id,
        "task_id": target.task_id,
        "message_id": str(target.message_id),
        "appid": target.appid,
    }
    for name, value in values.items():
        path = path.replace("{" + name + "}", value)
    assert "{" not in path, f"no value for a parameter of {path}"
    return path


def addresses_an_object(path: str, operation_id: str) -> bool:
    """Whether the request names one object (in its path, form or body)."""
    in_body = {
        "uploadMedia",
        "submitFacePhoto",
        "verifySms",
        "confirmCancellation",
        "resendSms",
        "getSmsVerificationStatus",
        "queryPublicRecords",
    }
    return "{" in path or operation_id in in_body


def masked_forms(target: Target) -> list[str]:
    """How the target's phones look once masked."""
    return [mask_phone(phone) for phone in target.phones()]
