"""Mobile numbers and emergency contacts (errcodes 1600-1699) and email (1700-1799)."""

from __future__ import annotations

import re
from collections.abc import Iterable

from beian.core.document import FilingDocument
from beian.core.findings import Finding
from beian.core.precheck.context import (
    PRINCIPAL_LABELS,
    Context,
    filled,
)

MOBILE_FORMAT = 1601
EMERGENCY_FORMAT = 1602
EMERGENCY_IS_OWN_MOBILE = 1603
MOBILE_SHARED_IN_FILING = 1604
MOBILE_HELD_ELSEWHERE = 1605
EMAIL_SYNTAX = 1701

# Mainland mobile numbers: 11 digits, 1 then 3-9 (numbers are never written with +86 here).
MOBILE = re.compile(r"1[3-9][0-9]{9}")
_LOCAL = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
EMAIL = re.compile(rf"{_LOCAL}@(?:{_LABEL}\.)+[A-Za-z]{{2,63}}")


_is_mobile = MOBILE.fullmatch


def is_mobile(value: str | None) -> bool:
    """Whether the value is a mainland mobile number."""
    return value is not None and _is_mobile(value) is not None


def mobiles(doc: FilingDocument, ctx: Context) -> Iterable[Finding]:
    """Mobile and emergency numbers well formed, distinct, and one number per person."""
    if _usual_mobiles(ctx):
        return ()
    return _mobile_problems(ctx)


def _usual_mobiles(ctx: Context) -> bool:
    """Whether _mobile_problems would find nothing, told the short way for the usual case:
    four well-formed numbers, each emergency contact another number than its mobile, one
    mobile shared only by one person, and no other filing giving either mobile."""
    (_, subject), (_, applet) = ctx.principals
    mobile, other = subject.mobile, applet.mobile
    emergency, other_emergency = subject.emergency_contact, applet.emergency_contact
    if (
        mobile is None
        or other is None
        or emergency is None
        or other_emergency is None
        or _are_four_mobiles(f"{mobile},{emergency},{other},{other_emergency}") is None
        or emergency == mobile
        or other_emergency == other
    ):
        return False
    key, other_key = ctx.principal_keys
    if mobile == other and key is not None and other_key is not None and key != other_key:
        return False  # two people, one number
    registry = ctx.registry
    if registry is None:
        return True
    exclude = ctx.filing_id
    # A registry answer with holders sends the check the detailed way, which asks again.
    if key is not None and registry.phone_holders(mobile, exclude_filing=exclude):
        return False
    return other_key is None or (
        (mobile == other and key == other_key)  # the same question, answered above
        or not registry.phone_holders(other, exclude_filing=exclude)
    )


# Four numbers joined by commas, each a mobile: one match instead of four. A number holding
# a comma cannot pass, as the pattern has room for exactly the three that join them.
_are_four_mobiles = re.compile(",".join([MOBILE.pattern] * 4)).fullmatch


def _mobile_problems(ctx: Context) -> list[Finding]:
    found: list[Finding] = []
    seen: dict[str, tuple[str, str | None]] = {}
    registry = ctx.registry
    # An individual's two principals are usually one person with one mobile: the registry's
    # verdict on the first is the verdict on the second.
    asked: tuple[str, str, bool] | None = None
    for (path, principal), key in zip(ctx.principals, ctx.principal_keys, strict=True):
        mobile, emergency = principal.mobile, principal.emergency_contact
        mobile_ok = mobile is not None and _is_mobile(mobile) is not None
        emergency_ok = emergency is not None and _is_mobile(emergency) is not None
        if not mobile_ok and filled(mobile):
            found.append(
                Finding(
                    MOBILE_FORMAT,
                    f"{path}.mobile",
                    f"{PRINCIPAL_LABELS[path]}手机号码格式不正确",
                    "请填写 11 位中国大陆手机号码，不加 +86、空格或横线，例如 13800138000",
                )
            )
        if not emergency_ok and filled(emergency):
            found.append(
                Finding(
                    EMERGENCY_FORMAT,
                    f"{path}.emergency_contact",
                    f"{PRINCIPAL_LABELS[path]}应急联系方式格式不正确",
                    "请填写 11 位中国大陆手机号码，不加 +86、空格或横线",
                )
            )
        elif emergency_ok and emergency == mobile:
            found.append(
                Finding(
                    EMERGENCY_IS_OWN_MOBILE,
                    f"{path}.emergency_contact",
                    f"{PRINCIPAL_LABELS[path]}应急联系方式与本人手机号码相同",
                    "请填写另一位可联系到负责人的人（如家人、同事）的手机号码",
                )
            )
        if not mobile_ok:
            continue
        assert mobile is not None
        if mobile in seen and key is not None and seen[mobile][1] not in (None, key):
            found.append(
                Finding(
                    MOBILE_SHARED_IN_FILING,
                    f"{path}.mobile",
                    "主体负责人与小程序负责人不是同一人，却填写了相同的手机号码",
                    "一个手机号码只能属于一个人：请各自填写本人实名登记的手机号码",
                )
            )
        seen.setdefault(mobile, (path, key))
        if registry is not None and key is not None:
            if asked is not None and asked[0] == mobile and asked[1] == key:
                held_elsewhere = asked[2]
            else:
                holders = registry.phone_holders(mobile, exclude_filing=ctx.filing_id)
                # Holders come in the registry's own form (keyed hashes in the database);
                # a mobile nobody else uses (the usual case) needs no key made.
                held_elsewhere = bool(holders) and bool(holders - {registry.holder_key(key)})
                asked = (mobile, key, held_elsewhere)
            if held_elsewhere:
                found.append(
                    Finding(
                        MOBILE_HELD_ELSEWHERE,
                        f"{path}.mobile",
                        f"{PRINCIPAL_LABELS[path]}的手机号码已被其他人用于别的备案",
                        "一个手机号码只能属于一个人：请填写负责人本人实名登记的手机号码",
                    )
                )
    return found


def emails(doc: FilingDocument, ctx: Context) -> Iterable[Finding]:
    """Email addresses are syntactically valid."""
    (subject_path, subject), (applet_path, applet) = ctx.principals
    subject_bad = _bad_email(subject.email)
    # The two principals often give the same address: one verdict serves both.
    applet_bad = subject_bad if applet.email == subject.email else _bad_email(applet.email)
    if not (subject_bad or applet_bad):
        return ()  # the usual case, told without making a generator or a list
    return [
        _email_finding(path, principal.email)
        for path, principal, bad in (
            (subject_path, subject, subject_bad),
            (applet_path, applet, applet_bad),
        )
        if bad
    ]


def _bad_email(email: str | None) -> bool:
    # filled(email), spelled out: the field is text or None.
    if email is None or not email.strip():
        return False
    return len(email) > 254 or EMAIL.fullmatch(email) is None


def _email_finding(path: str, email: str | None) -> Finding:
    return Finding(
        EMAIL_SYNTAX,
        f"{path}.email",
        f"{PRINCIPAL_LABELS[path]}电子邮箱「{email}」格式不正确",
        "请填写完整的邮箱地址，例如 zhangsan@example.com，不含空格和中文标点",
    )
