"""The people of the crash test: an applicant, reviewers and principals acting through the API.

Each filing has a role (`GROUPS`) that decides what its people do at each status. Nothing
is remembered between rounds: every round re-reads the database and does the next step
of every filing, so whatever a kill left behind (a lost response, a claim without its
approval, a draft whose creation never answered) is simply the state the next round
starts from.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from beian.filings.models import Filing, FilingEvent, SmsChallenge
from beian.notifications.models import LocalSms, OutboxMessage
from bench import corpus
from tests.crash.crash_processes import Server

# What happens to a filing, by role:
# file: through to a number; cancel_ok / cancel_lapse: filed, then cancellation confirmed /
# left to lapse; reject: rejected once by the platform, resubmitted; lapse: SMS window left
# to close once, resubmitted unchanged; idle_platform / idle_bureau: never reviewed in that
# stage (goes overdue); draft: never submitted.
GROUPS = (
    "file", "cancel_ok", "cancel_lapse", "reject", "lapse", "idle_platform", "idle_bureau",
    "draft",
)
APPLICANT = "crash-applicant"
PLATFORM = "crash-platform"
PASSWORD = "crash-password-1"
BUREAUS = {"110000": "crash-bureau-bj", "440000": "crash-bureau-gd"}
# Each action's first request: these are all the moves of the process.
MOVES = {"submit", "approve_platform", "reject_platform", "resubmit", "verify",
         "approve_bureau", "cancel", "confirm"}
TOKEN_REFRESH = timedelta(hours=20)  # API tokens live 24 h (beian.accounts.sessions)
REJECTION = {
    "field": "icp_applets.base_info.name",
    "error": "小程序名称与服务内容不一致",
    "suggest": "请核对名称后重新提交",
}


@dataclass
class Case:
    """One filing of the scenario: its role and document."""

    index: int
    group: str
    document: dict[str, Any]

    @property
    def appid(self) -> str:
        """The mini-program's appid, unique per case: how a lost creation is found again."""
        return str(self.document["icp_applets"]["base_info"]["appid"])

    @property
    def province(self) -> str:
        """Where the filing is reviewed by the bureau."""
        return str(self.document["icp_subject"]["base_info"]["province"])


@dataclass
class Code:
    """A principal's waiting challenge and the code texted to them, if it arrived."""

    purpose: str
    mobile: str
    certificate_number: str
    code: str | None


@dataclass
class View:
    """A filing as the next round sees it."""

    filing_id: str
    status: str
    events: list[str]
    codes: list[Code] = field(default_factory=list)


def cases(groups: list[str], face_tasks: Callable[[str], str], offset: int) -> list[Case]:
    """Documents from the benchmark corpus (valid, mutually distinct), one per role, each
    naming a passed face task of its applet principal (`face_tasks(name)` gives one)."""
    made = []
    for i, group in enumerate(groups):
        name = corpus.document(offset + i)["icp_applets"]["principal_info"]["name"]
        made.append(Case(i, group, corpus.document(offset + i, face_task_id=face_tasks(name))))
    return made


def views(sessions: sessionmaker[Session], all_cases: list[Case]) -> dict[int, View]:
    """The current filing of every case that has one (the first created for its appid)."""
    wanted = {case.appid: case.index for case in all_cases}
    found: dict[int, View] = {}
    with sessions() as session:
        query = select(Filing).where(Filing.applicant == APPLICANT)
        for filing in session.scalars(query.order_by(Filing.created_at, Filing.id)):
            index = wanted.get(filing.appid or "")
            if index is None or index in found:
                continue
            events = session.scalars(
                select(FilingEvent.event)
                .where(FilingEvent.filing_id == filing.id)
                .order_by(FilingEvent.id)
            )
            found[index] = View(filing.id, filing.status, list(events), _codes(session, filing))
    return found


def _codes(session: Session, filing: Filing) -> list[Code]:
    challenges = session.scalars(
        select(SmsChallenge).where(
            SmsChallenge.filing_id == filing.id, SmsChallenge.status == "waiting"
        )
    )
    return [
        Code(c.purpose, c.phone, c.certificate_number, _texted_code(session, c))
        for c in challenges
    ]


def _texted_code(session: Session, challenge: SmsChallenge) -> str | None:
    """The code as the principal reads it in the delivered text; None before delivery."""
    key = f"challenge:{challenge.id}:code:{challenge.resends}"
    row = session.scalars(select(OutboxMessage).where(OutboxMessage.dedup_key == key)).first()
    if row is None or row.status != "delivered" or not row.external_id:
        return None
    sms = session.get(LocalSms, int(row.external_id.removeprefix("local-")))
    found = re.findall(r"(?<!\d)\d{6}(?!\d)", sms.text if sms else "")
    return found[0] if found else None


def next_action(case: Case, view: View | None) -> str | None:
    """What the people of this filing do now, or None (done, or waiting for time)."""
    if view is None:
        return "create"
    group, status, events = case.group, view.status, view.events
    if status == "draft":
        return None if group == "draft" else "submit"
    if status == "platform_review":
        if group == "idle_platform":
            return None
        return "reject_platform" if group == "reject" and "platform_reject" not in events \
            else "approve_platform"
    if status in ("platform_rejected", "sms_failed"):
        return "resubmit"
    if status == "sms_verification":
        if group == "lapse" and "sms_failed" not in events:
            return None
        return "verify" if _arrived(view, "verify") else None
    if status == "bureau_review":
        return None if group == "idle_bureau" else "approve_bureau"
    if status == "filed" and group.startswith("cancel") and "request_cancellation" not in events:
        return "cancel"
    if status == "cancel_pending" and group == "cancel_ok":
        return "confirm" if _arrived(view, "cancel") else None
    return None


def _arrived(view: View, purpose: str) -> bool:
    codes = [code for code in view.codes if code.purpose == purpose]
    return bool(codes) and all(code.code for code in codes)


class People:
    """The HTTP clients of the applicant, the reviewers and the (anonymous) principals."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self.tokens: dict[str, str] = {}
        self.logged_in_at: datetime | None = None
        # Answers that were neither success nor a dropped connection: product errors.
        self.unexpected: list[str] = []
        self.lost = 0  # requests cut off by a kill
        # One pooled client for every thread (a client per request costs more than the request).
        self.client = httpx.Client(timeout=120)

    def close(self) -> None:
        """Release the connections."""
        self.client.close()

    def login(self, now: datetime) -> None:
        """Get a bearer token for every user (again when the tokens near their end)."""
        if self.logged_in_at is not None and now - self.logged_in_at < TOKEN_REFRESH:
            return
        for username in (APPLICANT, PLATFORM, *BUREAUS.values()):
            response = self.client.post(
                f"{self.server.base_url}/api/v1/login",
                json={"username": username, "password": PASSWORD},
            )
            assert response.status_code == 200, response.text
            self.tokens[username] = response.json()["access_token"]
        self.logged_in_at = now

    def act(self, case: Case, view: View | None, action: str) -> None:
        """Carry out one action; a connection cut by a kill ends it quietly."""
        steps: dict[str, Callable[[], None]] = {
            "create": lambda: self._post(APPLICANT, "/filings", case.document),
            "submit": lambda: self._post(APPLICANT, f"/filings/{_id(view)}/submit"),
            "resubmit": lambda: self._post(APPLICANT, f"/filings/{_id(view)}/resubmit"),
            "cancel": lambda: self._post(APPLICANT, f"/filings/{_id(view)}/cancellation"),
            "approve_platform": lambda: self._review(PLATFORM, view, "platform-review/approve"),
            "reject_platform": lambda: self._review(
                PLATFORM, view, "platform-review/reject", {"audit_data": [REJECTION]}
            ),
            "approve_bureau": lambda: self._review(
                BUREAUS[case.province], view, "bureau-review/approve"
            ),
            "verify": lambda: self._enter(view, "verify", "/sms-verification/verify"),
            "confirm": lambda: self._enter(view, "cancel", "/cancellation/confirm"),
        }
        try:
            steps[action]()
        except httpx.TransportError:
            self.lost += 1
        except Refused:
            pass  # recorded in `unexpected`; the rest of this action is moot

    def run(self, work: list[tuple[Case, View | None, str]], *, threads: int = 4) -> Any:
        """Start the actions on a few threads; returns the pool's futures."""
        pool = ThreadPoolExecutor(max_workers=threads)
        futures = [pool.submit(self.act, case, view, action) for case, view, action in work]
        pool.shutdown(wait=False)
        return futures

    def read_all(self, all_cases: list[Case]) -> Any:
        """Start reading the applicant's filings and the public query, on a few threads."""
        pool = ThreadPoolExecutor(max_workers=4)
        futures = [pool.submit(self._read, APPLICANT, "/filings")]
        futures += [
            pool.submit(self._read, None, "/public/records",
                        {"q": case.document["icp_applets"]["base_info"]["name"]})
            for case in all_cases
        ]
        pool.shutdown(wait=False)
        return futures

    def _read(self, user: str | None, path: str, query: dict[str, str] | None = None) -> None:
        headers = {"Authorization": f"Bearer {self.tokens[user]}"} if user else {}
        try:
            response = self.client.get(
                f"{self.server.base_url}/api/v1{path}", params=query, headers=headers
            )
        except httpx.TransportError:
            self.lost += 1
            return
        if response.status_code >= 300:
            self.unexpected.append(f"GET {path}: {response.status_code} {response.text[:300]}")

    def _review(self, reviewer: str, view: View | None, path: str,
                body: dict[str, Any] | None = None) -> None:
        self._post(reviewer, f"/filings/{_id(view)}/claim")
        self._post(reviewer, f"/filings/{_id(view)}/{path}", body)

    def _enter(self, view: View | None, purpose: str, path: str) -> None:
        assert view is not None
        for code in view.codes:
            if code.purpose == purpose:
                body = {"mobile": code.mobile, "certificate_number": code.certificate_number,
                        "code": code.code}
                self._post(None, path, body)

    def _post(self, user: str | None, path: str, body: Any = None) -> None:
        headers = {"Authorization": f"Bearer {self.tokens[user]}"} if user else {}
        response = self.client.post(
            f"{self.server.base_url}/api/v1{path}", json=body, headers=headers
        )
        if response.status_code >= 300:
            self.unexpected.append(f"{path}: {response.status_code} {response.text[:300]}")
            raise Refused(path)


class Refused(Exception):
    """The server answered with an error status."""


def _id(view: View | None) -> str:
    assert view is not None
    return view.filing_id
