"""Fixtures for lifecycle tests: a valid education filing and a small driver around it."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from beian.clock import FixedClock
from beian.db import transaction
from beian.facecheck import service as facecheck
from beian.filings.models import Filing, FilingEvent
from beian.notifications.channels import Channels
from beian.notifications.models import LocalSms, OutboxMessage
from beian.worker import load_task_modules, run_once

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "education-enterprise.json"


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


@pytest.fixture
def world(sessions: sessionmaker[Session], clock: FixedClock) -> World:
    return World(sessions, clock)


@pytest.fixture
def document(world: World) -> dict[str, Any]:
    """The example education filing, with a freshly passed face check."""
    data = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    data = copy.deepcopy(data)
    data["icp_applets"]["principal_info"]["verify_task_id"] = world.passed_face_task(
        data["icp_applets"]["principal_info"]["name"]
    )
    return data
