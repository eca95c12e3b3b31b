"""Mobile numbers and emergency contacts (errcodes 1600-1699) and email (1700-1799)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from beian.core.document import FilingDocument
from beian.core.findings import Finding
from beian.core.precheck.context import (
    PRINCIPAL_LABELS,
    Context,
    filled,
    person_key,
    principals,
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


def is_mobile(value: str | None) -> bool:
    """Whether the value is a mainland mobile number."""
    return value is not None and MOBILE.fullmatch(value) is not None


def mobiles(doc: FilingDocument, ctx: Context) -> Iterator[Finding]:
    """Mobile and emergency numbers well formed, distinct, and one number per person."""
    seen: dict[str, tuple[str, str | None]] = {}
    for path, principal in principals(doc):
        who = PRINCIPAL_LABELS[path]
        mobile, emergency = principal.mobile, principal.emergency_contact
        mobile_ok, emergency_ok = is_mobile(mobile), is_mobile(emergency)
        if not mobile_ok and filled(mobile):
            yield Finding(
                MOBILE_FORMAT,
                f"{path}.mobile",
                f"{who}手机号码格式不正确",
                "请填写 11 位中国大陆手机号码，不加 +86、空格或横线，例如 13800138000",
            )
        if not emergency_ok and filled(emergency):
            yield Finding(
                EMERGENCY_FORMAT,
                f"{path}.emergency_contact",
                f"{who}应急联系方式格式不正确",
                "请填写 11 位中国大陆手机号码，不加 +86、空格或横线",
            )
        elif emergency_ok and emergency == mobile:
            yield Finding(
                EMERGENCY_IS_OWN_MOBILE,
                f"{path}.emergency_contact",
                f"{who}应急联系方式与本人手机号码相同",
                "请填写另一位可联系到负责人的人（如家人、同事）的手机号码",
            )
        if not mobile_ok:
            continue
        assert mobile is not None
        key = person_key(principal.certificate_number)
        if mobile in seen and key is not None and seen[mobile][1] not in (None, key):
            yield Finding(
                MOBILE_SHARED_IN_FILING,
                f"{path}.mobile",
                "主体负责人与小程序负责人不是同一人，却填写了相同的手机号码",
                "一个手机号码只能属于一个人：请各自填写本人实名登记的手机号码",
            )
        seen.setdefault(mobile, (path, key))
        if ctx.registry is not None and key is not None:
            holders = ctx.registry.phone_holders(mobile, exclude_filing=ctx.filing_id)
            # Holders come in the registry's own form (keyed hashes in the database).
            if holders - {ctx.registry.holder_key(key)}:
                yield Finding(
                    MOBILE_HELD_ELSEWHERE,
                    f"{path}.mobile",
                    f"{who}的手机号码已被其他人用于别的备案",
                    "一个手机号码只能属于一个人：请填写负责人本人实名登记的手机号码",
                )


def emails(doc: FilingDocument, ctx: Context) -> Iterator[Finding]:
    """Email addresses are syntactically valid."""
    for path, principal in principals(doc):
        email = principal.email
        if filled(email) and (len(email or "") > 254 or not EMAIL.fullmatch(email or "")):
            yield Finding(
                EMAIL_SYNTAX,
                f"{path}.email",
                f"{PRINCIPAL_LABELS[path]}电子邮箱「{email}」格式不正确",
                "请填写完整的邮箱地址，例如 zhangsan@example.com，不含空格和中文标点",
            )
