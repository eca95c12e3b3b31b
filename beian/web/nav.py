"""Where each role can go: the header navigation and the home page's links, in one table."""

from __future__ import annotations

from dataclasses import dataclass

from beian.accounts.models import User
from beian.accounts.roles import Role


@dataclass(frozen=True)
class NavItem:
    """A link in the header and, with its description, a card on the home page."""

    label: str
    href: str
    description: str
    roles: frozenset[Role]


_APPLICANT = frozenset({Role.APPLICANT})
_OPERATOR = frozenset({Role.OPERATOR})

# The pages behind these links are built feature by feature; the table is the one place
# that decides who sees which link.
NAV_ITEMS: tuple[NavItem, ...] = (
    NavItem("我的备案", "/filings", "查看备案进度、修改被驳回的备案", _APPLICANT),
    NavItem("新建备案", "/filings/new", "填写主体、小程序和负责人信息", _APPLICANT),
    NavItem(
        "初审队列",
        "/review/platform",
        "按截止时间领取并审核待初审的备案",
        frozenset({Role.PLATFORM_REVIEWER}),
    ),
    NavItem(
        "管局审核",
        "/review/bureau",
        "审核本省已通过短信核验的备案",
        frozenset({Role.BUREAU_REVIEWER}),
    ),
    NavItem("用户与角色", "/admin/users", "创建账号、分配角色和省份", _OPERATOR),
    NavItem("数据字典", "/admin/dictionaries", "证件、服务、前置审批类型和行政区划", _OPERATOR),
    NavItem("节假日日历", "/admin/calendar", "维护法定节假日与调休工作日", _OPERATOR),
    NavItem("省份规则", "/admin/provinces", "各省必备材料和证件有效期要求", _OPERATOR),
    NavItem("通知发件箱", "/admin/outbox", "查看通知投递情况，重试发送失败的消息", _OPERATOR),
    NavItem("审计日志", "/admin/audit", "查看操作记录，校验审计链是否完整", _OPERATOR),
    NavItem("站内信", "/inbox", "审核结果和提醒", frozenset(Role)),
)


def nav_for(user: User | None) -> list[NavItem]:
    """The links this user may follow, in display order (none when logged out)."""
    if user is None:
        return []
    return [item for item in NAV_ITEMS if user.role in item.roles]
