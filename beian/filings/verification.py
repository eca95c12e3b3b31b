"""SMS verification (短信核验) and cancellation confirmation codes.

After platform approval the verification authority (sender 12381) texts a code to the
applet principal, and to the subject principal when the subject is filed for the first
time; one text where both share a phone. Codes come from `secrets`, are stored only as a
keyed hash bound to the challenge (so to the filing and the phone), are single use, allow
one resend, and five wrong entries or the 24-hour window closing return the filing.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from beian.config import load_settings
from beian.core.workflow import PUBLIC, Event, Status
from beian.filings.errors import CodeRejected, Conflict
from beian.filings.lifecycle import move, move_many
from beian.filings.models import Filing, SmsChallenge
from beian.filings.notify import message_params
from beian.notifications.service import enqueue

MAX_WRONG = 5
MAX_RESENDS = 1
# Across every code texted to one phone in a day: resubmitting for fresh codes must not
# buy an attacker more guesses than this.
MAX_WRONG_PER_PHONE = 10
PHONE_WINDOW = timedelta(hours=24)
# A resend within this time of the last text is refused: SMS can be slow to arrive.
RESEND_COOLDOWN = timedelta(seconds=60)
SENDER = "12381"
UNKNOWN = "手机号、证件号码或验证码不正确，或核验已结束"


# A waiting status whose window can close: the challenges' purpose and the reason given.
_WINDOWS = {
    Status.SMS_VERIFICATION: ("verify", "24小时内未完成短信核验"),
    Status.CANCEL_PENDING: ("cancel", "24小时内未确认注销"),
}


@dataclass(frozen=True)
class CodeOutcome:
    """The result of one code entry; a refusal is returned, not raised, so that the wrong
    attempt it counts is committed with the caller's transaction."""

    filing_id: str
    accepted: bool
    all_verified: bool = False
    refusal: CodeRejected | None = None

    def raise_if_refused(self) -> CodeOutcome:
        """Raise the refusal (after the caller committed the attempt count)."""
        if self.refusal is not None:
            raise self.refusal
        return self


def start(session: Session, filing: Filing, *, purpose: str, now: datetime) -> list[SmsChallenge]:
    """Void earlier codes of this purpose and text fresh ones to the principals concerned."""
    for old in _challenges(session, filing.id, purpose, status="waiting"):
        old.status = "void"
    window_end = filing.deadline_at
    assert window_end is not None, "the SMS step always has a deadline"
    created = []
    for phone, certificate_number, roles in recipients(session, filing, purpose=purpose):
        challenge = SmsChallenge(
            filing_id=filing.id,
            purpose=purpose,
            roles=",".join(roles),
            phone=phone,
            certificate_number=certificate_number.upper(),
            code_hash="",
            status="waiting",
            sent_at=now,
            last_sent_at=now,
            window_ends_at=window_end,
            wrong_attempts=0,
            resends=0,
        )
        session.add(challenge)
        session.flush()
        _send_code(session, filing, challenge, now=now)
        created.append(challenge)
    return created


def recipients(
    session: Session, filing: Filing, *, purpose: str
) -> list[tuple[str, str, list[str]]]:
    """(phone, certificate number, roles) to text; one entry per distinct phone."""
    subject = _principal(filing, "icp_subject")
    applet = _principal(filing, "icp_applets")
    wanted: list[tuple[str, tuple[str, str]]] = []
    if purpose == "verify" and _subject_is_new(session, filing) and subject:
        wanted.append(("subject", subject))
    if applet:
        wanted.append(("applet", applet))
    by_phone: dict[str, tuple[str, list[str]]] = {}
    for role, (phone, number) in wanted:
        by_phone.setdefault(phone, (number, []))[1].append(role)
    return [(phone, number, roles) for phone, (number, roles) in by_phone.items()]


def enter_code(
    session: Session,
    *,
    purpose: str,
    mobile: str,
    certificate_number: str,
    code: str,
    now: datetime,
) -> CodeOutcome:
    """Check a code typed on the verification page; wrong entries count even when refused.

    A person may be the principal of several filings waiting at once, so the code is
    compared with every waiting code of this phone and certificate; a miss counts against
    the newest, the one the person most likely means.
    """
    candidates = _waiting(session, purpose, mobile, certificate_number)
    entered = code.strip()
    matches = [c for c in candidates if hmac.compare_digest(c.code_hash, _hash(c, entered))]
    challenge = matches[0] if matches else candidates[0]
    filing = session.get(Filing, challenge.filing_id)
    assert filing is not None
    if _recent_wrong_attempts(session, mobile, now) >= MAX_WRONG_PER_PHONE:
        return _refused(
            filing,
            "该手机号今日验证码错误次数过多，已暂停核验",
            "请24小时后再试；如验证码已失效，请重新提交备案以获取新的验证码",
        )
    if now >= challenge.window_ends_at:
        _fail(session, filing, purpose, now=now, reason="24小时内未完成短信核验")
        return _refused(filing, "验证码已过期，核验已结束", "请重新提交备案以获取新的验证码")
    if not matches:
        challenge.wrong_attempts += 1
        left = MAX_WRONG - challenge.wrong_attempts
        if left <= 0:
            challenge.status = "failed"
            _fail(session, filing, purpose, now=now, reason="验证码连续输错5次")
            return _refused(
                filing, "验证码错误次数过多，核验已结束", "请重新提交备案以获取新的验证码"
            )
        return _refused(
            filing,
            f"验证码不正确，还可再试 {left} 次",
            "请核对短信（发送方 12381）中的6位验证码；收不到或已失效时可重发一次",
        )
    challenge.status = "verified"
    challenge.verified_at = now
    session.flush()
    waiting = _challenges(session, filing.id, purpose, status="waiting")
    if not waiting:
        event = Event.SMS_VERIFIED if purpose == "verify" else Event.CONFIRM_CANCELLATION
        move(session, filing, event, actor="principal", now=now)
    return CodeOutcome(filing_id=filing.id, accepted=True, all_verified=not waiting)


def _refused(filing: Filing, message: str, suggest: str) -> CodeOutcome:
    return CodeOutcome(filing_id=filing.id, accepted=False, refusal=CodeRejected(message, suggest))


def resend(
    session: Session, *, purpose: str, mobile: str, certificate_number: str, now: datetime
) -> SmsChallenge:
    """Text a new code once; the old one stops working, the window does not move."""
    challenge = _find(session, purpose, mobile, certificate_number)
    if now >= challenge.window_ends_at:
        raise CodeRejected("核验时间已结束，不能重发", "请重新提交备案以获取新的验证码")
    if challenge.resends >= MAX_RESENDS:
        raise Conflict("验证码只能重发一次，已重发过", suggest="请使用最近一次收到的验证码")
    wait = challenge.last_sent_at + RESEND_COOLDOWN - now
    if wait > timedelta(0):
        raise Conflict(
            f"验证码刚刚发出，请 {int(wait.total_seconds()) + 1} 秒后再重发",
            suggest="短信可能稍有延迟，请先查看手机",
        )
    challenge.resends += 1
    filing = session.get(Filing, challenge.filing_id)
    assert filing is not None
    _send_code(session, filing, challenge, now=now)
    return challenge


def status_of(
    session: Session, *, purpose: str, mobile: str, certificate_number: str
) -> SmsChallenge:
    """The waiting challenge for this phone and certificate (for the verification page)."""
    return _find(session, purpose, mobile, certificate_number)


def close_window(session: Session, filing: Filing, *, now: datetime) -> bool:
    """Return the filing when its SMS window has closed unverified; idempotent."""
    return close_windows(session, [filing], now=now) == 1


def close_windows(session: Session, filings: list[Filing], *, now: datetime) -> int:
    """`close_window` for many filings at once (a surge of windows closing together)."""
    closed = 0
    for status, (purpose, reason) in _WINDOWS.items():
        due = [
            filing for filing in filings
            if filing.status == status and filing.deadline_at and now >= filing.deadline_at
        ]
        if due:
            _fail_many(session, due, purpose, now=now, reason=reason)
            closed += len(due)
    return closed


def remind(session: Session, filing: Filing, *, now: datetime) -> int:
    """Remind principals whose code is still unused that the window closes soon."""
    if filing.status != Status.SMS_VERIFICATION:
        return 0
    sent = 0
    for challenge in _challenges(session, filing.id, "verify", status="waiting"):
        enqueue(
            session,
            channel="sms",
            recipient=challenge.phone,
            template="sms_reminder",
            params=message_params(filing),
            dedup_key=f"challenge:{challenge.id}:reminder",
            now=now,
            filing_id=filing.id,
        )
        sent += 1
    return sent


def _fail(session: Session, filing: Filing, purpose: str, *, now: datetime, reason: str) -> None:
    _fail_many(session, [filing], purpose, now=now, reason=reason)


def _fail_many(
    session: Session, filings: list[Filing], purpose: str, *, now: datetime, reason: str
) -> None:
    # One set-based UPDATE (nothing decrypted); challenges already loaded are kept true.
    session.execute(
        update(SmsChallenge)
        .where(
            SmsChallenge.filing_id.in_([filing.id for filing in filings]),
            SmsChallenge.purpose == purpose,
            SmsChallenge.status == "waiting",
        )
        .values(status="failed")
        .execution_options(synchronize_session="fetch")
    )
    expected = Status.SMS_VERIFICATION if purpose == "verify" else Status.CANCEL_PENDING
    event = Event.SMS_FAILED if purpose == "verify" else Event.ABORT_CANCELLATION
    moving = [filing for filing in filings if filing.status == expected]
    if moving:
        move_many(session, moving, event, actor="system", now=now, reason=reason)


def _send_code(session: Session, filing: Filing, challenge: SmsChallenge, *, now: datetime) -> None:
    code = f"{secrets.randbelow(1_000_000):06d}"
    challenge.code_hash = _hash(challenge, code)
    challenge.last_sent_at = now
    page = "/verify" if challenge.purpose == "verify" else "/verify/cancel"
    params = message_params(filing) | {
        "code": code, "sender": SENDER, "verify_url": load_settings().public_url + page,
    }
    template = "sms_code" if challenge.purpose == "verify" else "cancel_code"
    enqueue(
        session,
        channel="sms",
        recipient=challenge.phone,
        template=template,
        params=params,
        dedup_key=f"challenge:{challenge.id}:code:{challenge.resends}",
        now=now,
        filing_id=filing.id,
    )


def _hash(challenge: SmsChallenge, code: str) -> str:
    key = load_settings().secret_key.encode()
    message = f"{challenge.id}:{challenge.filing_id}:{challenge.phone}:{code}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def _recent_wrong_attempts(session: Session, mobile: str, now: datetime) -> int:
    """Wrong entries against every code texted to this phone in the last day."""
    query = select(func.coalesce(func.sum(SmsChallenge.wrong_attempts), 0)).where(
        SmsChallenge.phone == mobile.strip(), SmsChallenge.sent_at > now - PHONE_WINDOW
    )
    return int(session.scalar(query) or 0)


def _waiting(
    session: Session, purpose: str, mobile: str, certificate_number: str
) -> list[SmsChallenge]:
    """Waiting challenges of this phone and certificate, newest first; refused when none."""
    query = select(SmsChallenge).where(
        SmsChallenge.phone == mobile.strip(),
        SmsChallenge.certificate_number == certificate_number.strip().upper(),
        SmsChallenge.purpose == purpose,
        SmsChallenge.status == "waiting",
    )
    found = list(session.scalars(query.order_by(SmsChallenge.id.desc())))
    if not found:
        raise CodeRejected(UNKNOWN, "请核对手机号、证件号码和短信（发送方 12381）中的验证码")
    return found


def _find(session: Session, purpose: str, mobile: str, certificate_number: str) -> SmsChallenge:
    """The newest waiting challenge of this phone and certificate."""
    return _waiting(session, purpose, mobile, certificate_number)[0]


def _challenges(
    session: Session, filing_id: str, purpose: str, *, status: str
) -> list[SmsChallenge]:
    query = select(SmsChallenge).where(
        SmsChallenge.filing_id == filing_id,
        SmsChallenge.purpose == purpose,
        SmsChallenge.status == status,
    )
    return list(session.scalars(query))


def _principal(filing: Filing, part: str) -> tuple[str, str] | None:
    section = filing.document.get(part) or {}
    principal = section.get("principal_info") or {}
    phone, number = principal.get("mobile"), principal.get("certificate_number")
    if isinstance(phone, str) and phone and isinstance(number, str) and number:
        return phone, number.upper()
    return None


def _subject_is_new(session: Session, filing: Filing) -> bool:
    """True when no filing of this subject has ever been filed (SPEC §2 step 3 [inf])."""
    if filing.subject_key is None:
        return True
    filed_before = select(Filing.id).where(
        Filing.subject_key == filing.subject_key,
        Filing.id != filing.id,
        Filing.status.in_([s.value for s in PUBLIC] + [Status.SUPERSEDED.value]),
    )
    return session.scalars(filed_before.limit(1)).first() is None
