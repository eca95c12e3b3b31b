"""A driver for whole journeys: actions in their own transactions, the worker, SMS codes."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from beian.clock import CHINA_TZ, FixedClock
from beian.core.workflow import Status
from beian.db import transaction
from beian.facecheck import service as facecheck
from beian.filings import review, service, verification
from beian.filings.errors import CodeRejected
from beian.filings.models import Filing, FilingEvent
from beian.notifications.channels import Channels
from beian.notifications.models import LocalSms, OutboxMessage
from beian.testing.media import register_media
from beian.worker import load_task_modules, run_once

APPLICANT = "applicant-1"
PLATFORM = "platform-reviewer"
BUREAU = "bureau-reviewer"
COMMENT = "icp_applets.base_info.comment"
# A comment every rule accepts, different from the example's.
A_GOOD_COMMENT = "提供中小学数学和英语的在线直播课程、课后练习与学习进度查询服务。"
EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "education-enterprise.json"


class World:
    """Runs actions the way the web layer will: one transaction each, on an injected clock."""

    def __init__(self, sessions: sessionmaker[Session], clock: FixedClock) -> None:
        self.sessions = sessions
        self.clock = clock
        self.channels = Channels()
        load_task_modules()

    def act(self, step: Callable[[Session], Any]) -> Any:
        with transaction(self.sessions) as session:
            return step(session)

    def read(self, step: Callable[[Session], Any]) -> Any:
        with self.sessions() as session:
            return step(session)

    def filing(self, filing_id: str) -> Filing:
        return self.read(lambda s: s.get(Filing, filing_id))

    def history(self, filing_id: str) -> list[FilingEvent]:
        return self.read(
            lambda s: list(
                s.scalars(
                    select(FilingEvent)
                    .where(FilingEvent.filing_id == filing_id)
                    .order_by(FilingEvent.id)
                )
            )
        )

    def work(self) -> Any:
        return run_once(self.sessions, self.clock, self.channels)

    def texts_to(self, phone: str) -> list[str]:
        self.work()
        return self.read(
            lambda s: list(
                s.scalars(
                    select(LocalSms.text).where(LocalSms.phone == phone).order_by(LocalSms.id)
                )
            )
        )

    def senders_to(self, phone: str) -> list[str]:
        self.work()
        return self.read(
            lambda s: list(
                s.scalars(
                    select(LocalSms.sender).where(LocalSms.phone == phone).order_by(LocalSms.id)
                )
            )
        )

    def latest_code(self, phone: str) -> str:
        texts = self.texts_to(phone)
        assert texts, f"no SMS reached {phone}"
        return re.findall(r"(?<!\d)\d{6}(?!\d)", texts[-1])[0]

    def outbox_count(self, **where: Any) -> int:
        query = select(func.count()).select_from(OutboxMessage)
        for name, value in where.items():
            query = query.where(getattr(OutboxMessage, name) == value)
        return self.read(lambda s: s.scalar(query))

    def passed_face_task(self, principal_name: str | None = None) -> str:
        return self.face_task("pass", principal_name)

    def face_task(self, verdict: str, principal_name: str | None = None) -> str:
        """A face-check task whose photo got `verdict` (pass, fail or review), of the
        example document's applet principal unless another person is named."""
        principal_name = principal_name or example_principal_name()
        task = self.act(lambda s: facecheck.create_task(
            s, applicant_key=APPLICANT, principal_name=principal_name, now=self.clock.now()))
        self.act(lambda s: facecheck.record_result(
            s, task_id=task.id, now=self.clock.now(), verdict=verdict, report={}))
        return task.id

    def upload_media(self, document: dict[str, Any], applicant: str = APPLICANT) -> None:
        """Record the media ids the document names as the applicant's uploads."""
        self.act(lambda s: register_media(s, document, owner=applicant, now=self.clock.now()))

    # The applicant's actions.

    def save(self, document: dict[str, Any], applicant: str = APPLICANT) -> tuple[Filing, list]:
        return self.act(lambda s: service.create_filing(
            s, applicant=applicant, document=document, now=self.clock.now()))

    def update(self, filing_id: str, document: dict[str, Any]) -> tuple[Filing, list]:
        return self.act(lambda s: service.update_filing(
            s, filing_id=filing_id, applicant=APPLICANT, document=document,
            now=self.clock.now()))

    def applicant_does(self, action: str, filing_id: str, applicant: str = APPLICANT) -> Filing:
        """submit, withdraw, resubmit or request_cancellation."""
        step = getattr(service, action)
        return self.act(lambda s: step(s, filing_id=filing_id, applicant=applicant,
                                       now=self.clock.now()))

    def change(self, filing_id: str, document: dict[str, Any]) -> Filing:
        """Request a change of a filed record; returns the change filing."""
        return self.act(lambda s: service.request_change(
            s, filing_id=filing_id, applicant=APPLICANT, document=document,
            now=self.clock.now()))

    # The reviewers' actions (platform by default; bureau in Beijing).

    def claim(self, filing_id: str, stage: str = "platform", reviewer: str | None = None,
              province: str = "110000") -> Filing:
        who = reviewer or (PLATFORM if stage == "platform" else BUREAU)
        where = province if stage == "bureau" else None
        return self.act(lambda s: review.claim(s, filing_id=filing_id, reviewer=who,
                                               stage=stage, province=where,
                                               now=self.clock.now()))

    def approve(self, filing_id: str, stage: str = "platform") -> Filing:
        if stage == "platform":
            return self.act(lambda s: review.approve_platform(
                s, filing_id=filing_id, reviewer=PLATFORM, now=self.clock.now()))
        return self.act(lambda s: review.approve_bureau(
            s, filing_id=filing_id, reviewer=BUREAU, province="110000", now=self.clock.now()))

    def reject(self, filing_id: str, *entries: dict[str, str], stage: str = "platform") -> Filing:
        if stage == "platform":
            return self.act(lambda s: review.reject_platform(
                s, filing_id=filing_id, reviewer=PLATFORM, audit_data=list(entries),
                now=self.clock.now()))
        return self.act(lambda s: review.reject_bureau(
            s, filing_id=filing_id, reviewer=BUREAU, province="110000",
            audit_data=list(entries), now=self.clock.now()))

    # The principal's actions on the verification page.

    def enter_code(self, mobile: str, number: str, code: str, purpose: str = "verify") -> Any:
        """Enter a code; a refusal is raised after its attempt was committed."""
        return self.act(lambda s: verification.enter_code(
            s, purpose=purpose, mobile=mobile, certificate_number=number, code=code,
            now=self.clock.now())).raise_if_refused()

    def resend(self, mobile: str, number: str, purpose: str = "verify") -> Any:
        return self.act(lambda s: verification.resend(
            s, purpose=purpose, mobile=mobile, certificate_number=number,
            now=self.clock.now()))


def example_principal_name() -> str:
    """The applet principal named in the example filing."""
    example = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    return str(example["icp_applets"]["principal_info"]["name"])


def example_document(world: World) -> dict[str, Any]:
    """The example education filing, with a freshly passed face check and its media
    uploaded by the applicant."""
    data = copy.deepcopy(json.loads(EXAMPLE.read_text(encoding="utf-8")))
    world.upload_media(data)
    data["icp_applets"]["principal_info"]["verify_task_id"] = world.passed_face_task(
        data["icp_applets"]["principal_info"]["name"]
    )
    return data


def submitted(world: World, document: dict[str, Any]) -> str:
    """A new filing of `document`, submitted to platform review."""
    filing, _ = world.save(document)
    world.applicant_does("submit", filing.id)
    return filing.id


def platform_approved(world: World, document: dict[str, Any]) -> str:
    """A filing past platform review, waiting for SMS verification."""
    filing_id = submitted(world, document)
    world.claim(filing_id)
    world.approve(filing_id)
    return filing_id


def verify_all(world: World, document: dict[str, Any], filing_id: str) -> None:
    """Each principal texted enters the latest code they received."""
    for part in ("icp_subject", "icp_applets"):
        if world.filing(filing_id).status != Status.SMS_VERIFICATION:
            return
        mobile, number = principal(document, part)
        try:
            world.enter_code(mobile, number, world.latest_code(mobile))
        except CodeRejected:
            continue  # that phone's challenge was already verified (shared phone)


def bureau_rejected(world: World, document: dict[str, Any]) -> str:
    """A verified filing the bureau rejected (its approval document had expired)."""
    filing_id = platform_approved(world, document)
    verify_all(world, document, filing_id)
    world.claim(filing_id, "bureau")
    world.reject(filing_id, {"field": "icp_applets.base_info.nrlx_details",
                             "error": "审批文件过期"}, stage="bureau")
    return filing_id


def filed(world: World, document: dict[str, Any]) -> str:
    """A filing all the way to its number (Beijing bureau)."""
    filing_id = platform_approved(world, document)
    verify_all(world, document, filing_id)
    world.claim(filing_id, "bureau")
    world.approve(filing_id, "bureau")
    return filing_id


def on_a_friday(world: World, document: dict[str, Any]) -> None:
    """Move to Friday 2026-03-06 10:00 and take a fresh face check there."""
    world.clock.set(datetime(2026, 3, 6, 10, 0, tzinfo=CHINA_TZ))
    document["icp_applets"]["principal_info"]["verify_task_id"] = world.passed_face_task()


def principal(document: dict[str, Any], part: str = "icp_applets") -> tuple[str, str]:
    """(mobile, certificate number) of the subject or applet principal."""
    info = document[part]["principal_info"]
    return info["mobile"], info["certificate_number"]


def edited(document: dict[str, Any], dotted: str, value: Any) -> dict[str, Any]:
    """A copy of the document with one dotted field changed."""
    changed = copy.deepcopy(document)
    *parents, last = dotted.split(".")
    target = changed
    for key in parents:
        target = target[key]
    target[last] = value
    return changed
