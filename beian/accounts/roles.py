"""The four roles and the provinces a bureau reviewer can be bound to."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    """What a user may do; stored as the lowercase value."""

    APPLICANT = "applicant"
    PLATFORM_REVIEWER = "platform_reviewer"
    BUREAU_REVIEWER = "bureau_reviewer"
    OPERATOR = "operator"


ROLE_LABELS: dict[Role, str] = {
    Role.APPLICANT: "申请人",
    Role.PLATFORM_REVIEWER: "平台初审员",
    Role.BUREAU_REVIEWER: "管局审核员",
    Role.OPERATOR: "运营管理员",
}

# GB/T 2260 province-level codes of the 31 mainland provinces, each with its own
# Communications Administration (通信管理局) that runs bureau review.
BUREAU_PROVINCES: dict[str, str] = {
    "110000": "北京市",
    "120000": "天津市",
    "130000": "河北省",
    "140000": "山西省",
    "150000": "内蒙古自治区",
    "210000": "辽宁省",
    "220000": "吉林省",
    "230000": "黑龙江省",
    "310000": "上海市",
    "320000": "江苏省",
    "330000": "浙江省",
    "340000": "安徽省",
    "350000": "福建省",
    "360000": "江西省",
    "370000": "山东省",
    "410000": "河南省",
    "420000": "湖北省",
    "430000": "湖南省",
    "440000": "广东省",
    "450000": "广西壮族自治区",
    "460000": "海南省",
    "500000": "重庆市",
    "510000": "四川省",
    "520000": "贵州省",
    "530000": "云南省",
    "540000": "西藏自治区",
    "610000": "陕西省",
    "620000": "甘肃省",
    "630000": "青海省",
    "640000": "宁夏回族自治区",
    "650000": "新疆维吾尔自治区",
}


def parse_role(value: str) -> Role | None:
    """The role named by `value` (case-insensitive, '-' or '_'), or None when unknown."""
    try:
        return Role(value.strip().lower().replace("-", "_"))
    except ValueError:
        return None


def role_label(role: str) -> str:
    """The Chinese name of a role, for pages."""
    parsed = parse_role(role)
    return ROLE_LABELS[parsed] if parsed else role
