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
from beian.worker import load_task_modules, run_once

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

    def passed_face_task(self, principal_name: str = "测试") -> str:
        task = self.act(
            lambda s: facecheck.create_task(
                s, applicant_key="applicant-1", principal_name=principal_name, now=self.clock.now()
            )
        )
        self.act(
            lambda s: facecheck.record_result(
                s, task_id=task.id, now=self.clock.now(), verdict="pass", report={}
            )
        )
        return task.id


def example_document(world: World) -> dict[str, Any]:
    """The example education filing, with a freshly passed face check."""
    data = copy.deepcopy(json.loads(EXAMPLE.read_text(encoding="utf-8")))
    data["icp_applets"]["principal_info"]["verify_task_id"] = world.passed_face_task(
        data["icp_applets"]["principal_info"]["name"]
    )
    return data


APPLICANT = "applicant-1"
PLATFORM = "platform-reviewer"
BUREAU = "bureau-reviewer"


def submitted(world, document) -> str:
    filing, _ = world.act(
        lambda s: service.create_filing(
            s, applicant=APPLICANT, document=document, now=world.clock.now()
        )
    )
    world.act(
        lambda s: service.submit(s, filing_id=filing.id, applicant=APPLICANT, now=world.clock.now())
    )
    return filing.id


def platform_approved(world, document) -> str:
    filing_id = submitted(world, document)
    world.act(
        lambda s: review.claim(
            s, filing_id=filing_id, reviewer=PLATFORM, stage="platform", now=world.clock.now()
        )
    )
    world.act(
        lambda s: review.approve_platform(
            s, filing_id=filing_id, reviewer=PLATFORM, now=world.clock.now()
        )
    )
    return filing_id


def on_a_friday(world, document):
    """Move to Friday 2026-03-06 10:00 and take a fresh face check there."""
    world.clock.set(datetime(2026, 3, 6, 10, 0, tzinfo=CHINA_TZ))
    document["icp_applets"]["principal_info"]["verify_task_id"] = world.passed_face_task()


def principal(document, part="icp_applets"):
    info = document[part]["principal_info"]
    return info["mobile"], info["certificate_number"]


def verify_all(world, document, filing_id):
    for part in ("icp_subject", "icp_applets"):
        mobile, number = principal(document, part)
        if world.filing(filing_id).status != Status.SMS_VERIFICATION:
            break
        try:
            code = world.latest_code(mobile)
            world.act(
                lambda s, m=mobile, n=number, c=code: verification.enter_code(
                    s,
                    purpose="verify",
                    mobile=m,
                    certificate_number=n,
                    code=c,
                    now=world.clock.now(),
                )
            ).raise_if_refused()
        except CodeRejected:
            continue  # that phone's challenge was already verified (shared phone)


def filed(world, document) -> str:
    filing_id = platform_approved(world, document)
    verify_all(world, document, filing_id)
    province = document["icp_subject"]["base_info"]["province"]
    world.act(
        lambda s: review.claim(
            s,
            filing_id=filing_id,
            reviewer=BUREAU,
            stage="bureau",
            province=province,
            now=world.clock.now(),
        )
    )
    world.act(
        lambda s: review.approve_bureau(
            s, filing_id=filing_id, reviewer=BUREAU, province=province, now=world.clock.now()
        )
    )
    return filing_id
