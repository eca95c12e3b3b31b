"""`beian demo`: one education mini-program through every stage, on a simulated clock.

The demo uses the real services, database, worker and SMS outbox; only time is simulated,
so a filing that takes weeks in life runs in a second and prints its whole timeline.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import re
import tempfile
from collections.abc import Callable
from datetime import datetime, timedelta
from importlib import resources
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from beian.clock import CHINA_TZ, FixedClock
from beian.core.dictionaries import NRLX_NONE
from beian.core.workflow import EVENT_LABELS, STATUS_LABELS, Event, Status
from beian.db import make_engine, make_sessionmaker, transaction
from beian.db.migrate import upgrade
from beian.documents.storage import Storage, default_storage
from beian.facecheck import service as facecheck
from beian.filings import review, service, verification
from beian.filings.models import Filing, FilingEvent
from beian.notifications.channels import build_channels
from beian.notifications.models import LocalSms
from beian.testing.media import register_media, store_placeholder_files
from beian.worker import load_task_modules, run_once

APPLICANT = "demo-applicant"
PLATFORM_REVIEWER = "demo-platform-reviewer"
BUREAU_REVIEWER = "demo-bureau-reviewer"


def register(subparsers: argparse._SubParsersAction) -> None:
    demo = subparsers.add_parser("demo", help="run one filing through every stage")
    demo.add_argument(
        "--start", help="simulated start, ISO 8601 (default: next working morning, 09:00)"
    )
    demo.set_defaults(handler=_run)


def demo_document() -> dict[str, Any]:
    """The shipped sample filing of an education mini-program run by an enterprise."""
    text = resources.files("beian").joinpath("demo_filing.json").read_text(encoding="utf-8")
    return json.loads(text)


def _run(args: argparse.Namespace) -> int:
    url = os.environ.get("BEIAN_DATABASE_URL")
    # On the configured database the filing can be opened in the pages afterwards, which
    # show its files: store them where the application reads uploads from. A throwaway
    # database gets none (nobody opens it).
    storage = default_storage() if url else None
    if not url:
        url = f"sqlite:///{tempfile.mkdtemp(prefix='beian-demo-')}/demo.db"
        upgrade(url)
    start = datetime.fromisoformat(args.start) if args.start else _default_start()
    run_demo(make_sessionmaker(make_engine(url)), FixedClock(start), print, storage=storage)
    return 0


def _default_start() -> datetime:
    now = datetime.now(CHINA_TZ)
    return now.replace(hour=9, minute=0, second=0, microsecond=0) + timedelta(days=1)


def run_demo(
    sessions: sessionmaker[Session],
    clock: FixedClock,
    say: Callable[[str], None],
    *,
    storage: Storage | None = None,
) -> str:
    """Walk one filing through the whole process; returns its filing number."""
    load_task_modules()
    channels = build_channels()

    def work() -> None:
        run_once(sessions, clock, channels)

    def act(step: Callable[[Session], Any]) -> Any:
        with transaction(sessions) as session:
            return step(session)

    def uploaded(filed: dict[str, Any]) -> None:
        act(lambda s: register_media(s, filed, owner=APPLICANT, now=clock.now()))
        if storage is not None:
            store_placeholder_files(storage, filed)

    document = demo_document()
    principal = document["icp_applets"]["principal_info"]
    say("== 1. 填写：小程序负责人人脸核身 ==")
    task = act(
        lambda s: facecheck.create_task(
            s, applicant_key=APPLICANT, principal_name=principal["name"], now=clock.now()
        )
    )
    act(
        lambda s: facecheck.record_result(
            s,
            task_id=task.id,
            now=clock.advance(minutes=5),
            verdict="pass",
            report={"note": "演示：照片核验通过"},
        )
    )
    principal["verify_task_id"] = task.id
    # The sample names its files by hand-written ids: record them as the applicant's
    # uploads, as the upload endpoint would have (with `storage`, with placeholder files).
    uploaded(document)

    say("== 2. 填写并预检：故意漏填前置审批、备注过短 ==")
    draft = copy.deepcopy(document)
    draft["icp_applets"]["base_info"]["nrlx_details"] = [{"type": NRLX_NONE}]
    draft["icp_applets"]["base_info"]["comment"] = "在线课程"
    filing, findings = act(
        lambda s: service.create_filing(
            s, applicant=APPLICANT, document=draft, now=clock.advance(minutes=10)
        )
    )
    for finding in findings:
        say(
            f"  [{finding['severity']}] {finding['err_field']}: {finding['errmsg']}"
            f" → {finding['suggest']}"
        )
    filing, findings = act(
        lambda s: service.update_filing(
            s,
            filing_id=filing.id,
            applicant=APPLICANT,
            document=document,
            now=clock.advance(minutes=20),
        )
    )
    errors = [f for f in findings if f["severity"] == "error"]
    say(f"  修改后：{len(errors)} 处错误，{len(findings) - len(errors)} 条提示")
    if errors:
        raise SystemExit(f"demo document does not pass the pre-check: {errors}")

    say("== 3. 提交，平台初审驳回，按原因修改后重新提交 ==")
    act(
        lambda s: service.submit(
            s, filing_id=filing.id, applicant=APPLICANT, now=clock.advance(minutes=5)
        )
    )
    reject_with = [
        {
            "field": "icp_subject.organize_info.certificate_photo",
            "error": "营业执照照片反光，统一社会信用代码看不清",
            "suggest": "请重新拍摄营业执照原件，避免反光，四角完整",
        }
    ]
    act(
        lambda s: review.claim(
            s,
            filing_id=filing.id,
            reviewer=PLATFORM_REVIEWER,
            stage="platform",
            now=clock.advance(hours=3),
        )
    )
    act(
        lambda s: review.reject_platform(
            s,
            filing_id=filing.id,
            reviewer=PLATFORM_REVIEWER,
            audit_data=reject_with,
            now=clock.advance(minutes=30),
        )
    )
    fixed = copy.deepcopy(document)
    fixed["icp_subject"]["organize_info"]["certificate_photo"] = "media-licence-retake"
    uploaded(fixed)
    act(
        lambda s: service.update_filing(
            s, filing_id=filing.id, applicant=APPLICANT, document=fixed, now=clock.advance(hours=2)
        )
    )
    act(
        lambda s: service.resubmit(
            s, filing_id=filing.id, applicant=APPLICANT, now=clock.advance(minutes=1)
        )
    )

    say("== 4. 平台初审通过，短信核验：输错一次，重发，输入正确 ==")
    act(
        lambda s: review.claim(
            s,
            filing_id=filing.id,
            reviewer=PLATFORM_REVIEWER,
            stage="platform",
            now=clock.advance(hours=20),
        )
    )
    act(
        lambda s: review.approve_platform(
            s, filing_id=filing.id, reviewer=PLATFORM_REVIEWER, now=clock.advance(minutes=10)
        )
    )
    work()
    mobile, number = principal["mobile"], principal["certificate_number"]
    wrong = f"{(int(_latest_code(sessions, mobile)) + 1) % 1_000_000:06d}"
    outcome = act(
        lambda s: verification.enter_code(
            s,
            purpose="verify",
            mobile=mobile,
            certificate_number=number,
            code=wrong,
            now=clock.advance(hours=1),
        )
    )
    say(f"  输错验证码：{outcome.refusal}")
    act(
        lambda s: verification.resend(
            s,
            purpose="verify",
            mobile=mobile,
            certificate_number=number,
            now=clock.advance(minutes=2),
        )
    )
    work()
    say("  重发后收到新验证码（发送方 12381），两位负责人分别输入正确的验证码")
    subject = document["icp_subject"]["principal_info"]
    for phone, cert in ((mobile, number), (subject["mobile"], subject["certificate_number"])):
        code = _latest_code(sessions, phone)

        def enter(s: Session, phone: str = phone, cert: str = cert, code: str = code) -> Any:
            return verification.enter_code(
                s, purpose="verify", mobile=phone, certificate_number=cert, code=code,
                now=clock.advance(minutes=3),
            )

        act(enter).raise_if_refused()

    say("== 5. 管局审核通过，下发备案号 ==")
    province = document["icp_subject"]["base_info"]["province"]
    act(
        lambda s: review.claim(
            s,
            filing_id=filing.id,
            reviewer=BUREAU_REVIEWER,
            stage="bureau",
            province=province,
            now=clock.advance(days=3),
        )
    )
    final = act(
        lambda s: review.approve_bureau(
            s,
            filing_id=filing.id,
            reviewer=BUREAU_REVIEWER,
            province=province,
            now=clock.advance(hours=1),
        )
    )
    work()
    say("")
    say(timeline(sessions, filing.id))
    say(f"备案号：{final.record_number}")
    return str(final.record_number)


def timeline(sessions: sessionmaker[Session], filing_id: str) -> str:
    """The filing's history as the applicant's progress timeline."""
    with sessions() as session:
        filing = session.get(Filing, filing_id)
        assert filing is not None
        rows = session.scalars(
            select(FilingEvent).where(FilingEvent.filing_id == filing_id).order_by(FilingEvent.id)
        ).all()
        lines = [f"进度：{filing.applet_name}（{STATUS_LABELS[Status(filing.status)]}）"]
        for row in rows:
            at = row.at.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M")
            deadline = (
                f"，本步截止 {row.deadline_at.astimezone(CHINA_TZ):%Y-%m-%d %H:%M}"
                if row.deadline_at
                else ""
            )
            reason = f"（{row.reason}）" if row.reason else ""
            lines.append(
                f"  {at}  {EVENT_LABELS[Event(row.event)]}{reason} → "
                f"{STATUS_LABELS[Status(row.to_status)]}{deadline}  [{row.actor}]"
            )
        return "\n".join(lines)


def _latest_code(sessions: sessionmaker[Session], phone: str) -> str:
    """Read the newest code texted to `phone` from the development SMS outbox."""
    with sessions() as session:
        message = session.scalars(
            select(LocalSms).where(LocalSms.phone == phone).order_by(LocalSms.id.desc())
        ).first()
    if message is None:
        raise SystemExit(f"no SMS was delivered to {phone}")
    return re.findall(r"(?<!\d)\d{6}(?!\d)", message.text)[0]
