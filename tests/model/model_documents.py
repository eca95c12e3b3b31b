"""Documents for the lifecycle machine: people, subjects and applets that coexist legally.

Every person has their own mobile, every subject its own credit code and name, so several
filings can be live at once without tripping the cross-filing rules, unless a rule asks for
it on purpose (a borrowed phone). Check characters come from python-stdnum.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from stdnum.cn import ric, uscc

from beian.testing.media import with_media_ids
from tests.journey import EXAMPLE


@dataclass(frozen=True)
class Person:
    """A principal: name, resident ID number, own mobile and an emergency contact."""

    name: str
    certificate_number: str
    mobile: str
    emergency: str


@dataclass(frozen=True)
class Subject:
    """An enterprise: name, unified social credit code and its principal (the legal person)."""

    name: str
    credit_code: str
    principal: int


def resident_id(region: str, birth: str, sequence: int) -> str:
    """An 18-character resident ID number with a correct check character."""
    body = f"{region}{birth}{sequence:03d}"
    # stdnum wants a placeholder where the check character goes.
    return body + ric.calc_check_digit(body + "0")


def credit_code(region: str, serial: str) -> str:
    """A unified social credit code of an enterprise (91) with a correct check character."""
    body = f"91{region}{serial}"
    return body + uscc.calc_check_digit(body)


PEOPLE: tuple[Person, ...] = (
    Person("张晓明", resident_id("110108", "19850315", 1), "13800138001", "13900139001"),
    Person("李雨桐", resident_id("110105", "19920708", 2), "13700137002", "13600136002"),
    Person("王建国", resident_id("110101", "19880212", 3), "13500135003", "13400134003"),
    Person("赵丽华", resident_id("110102", "19950930", 4), "15800158004", "15900159004"),
    Person("陈思远", resident_id("110108", "19901101", 5), "18600186005", "18700187005"),
    Person("刘佳怡", resident_id("110105", "19870420", 6), "18800188006", "18900189006"),
)

SUBJECTS: tuple[Subject, ...] = (
    Subject("北京启明星教育科技有限公司", credit_code("110108", "MA01BC2K3"), 0),
    Subject("北京青松网络技术有限公司", credit_code("110105", "MA02DE4F5"), 2),
    Subject("北京远航信息服务有限公司", credit_code("110101", "MA03GH6J7"), 4),
)

APPLET_NAMES = ("启明星学堂", "青松书房", "远航课表", "晨读小站", "墨香练字", "童画时光")

COMMENTS = (
    "面向海淀区3至12岁儿童家长的课程服务小程序：展示本机构经教育主管部门许可的美术、书法和"
    "阅读课程，提供试听预约、课表查询和课后作业反馈，不提供学科类培训，不含直播。",
    "为本机构学员家长提供美术与书法课程的课表查询、请假调课和作品展示服务，不含学科类培训。",
    "展示本机构的阅读课程介绍与师资信息，家长可预约试听、查询上课时间并接收课后反馈。",
)

ADDRESSES = ("知春路99号3层301室", "知春路88号2层201室", "学院路12号5层502室")

COMMENT = "icp_applets.base_info.comment"
FACE = "icp_applets.principal_info.verify_task_id"
ADDRESS = "icp_subject.base_info.address"
# Fields a reviewer may name in a rejection, and so the fields a rejection unlocks.
REJECTABLE = (COMMENT, FACE, ADDRESS)


def build_document(
    *,
    subject: int,
    applet_person: int,
    applet: int,
    face_task: str,
    comment: int = 0,
    address: int = 0,
    phone_of: int | None = None,
    media_suffix: str = "",
) -> dict[str, Any]:
    """A filing document; `phone_of` makes the applet principal give another person's phone;
    `media_suffix` ends each media id (each applicant names uploads of their own)."""
    data = with_media_ids(_example(), lambda media_id: media_id + media_suffix)
    owner = SUBJECTS[subject]
    boss = PEOPLE[owner.principal]
    person = PEOPLE[applet_person]
    base = data["icp_subject"]["base_info"]
    base["name"] = owner.name
    base["address"] = ADDRESSES[address]
    data["icp_subject"]["organize_info"]["certificate_number"] = owner.credit_code
    data["icp_subject"]["organize_info"]["certificate_address"] = "北京市" + ADDRESSES[address]
    _fill(data["icp_subject"]["principal_info"], boss)
    data["icp_subject"]["legal_person_info"] = {
        "name": boss.name,
        "certificate_number": boss.certificate_number,
    }
    principal = data["icp_applets"]["principal_info"]
    _fill(principal, person)
    if phone_of is not None:
        principal["mobile"] = PEOPLE[phone_of].mobile
    principal["verify_task_id"] = face_task
    applet_base = data["icp_applets"]["base_info"]
    applet_base["appid"] = f"wx{applet:016x}"
    applet_base["name"] = APPLET_NAMES[applet % len(APPLET_NAMES)] + (
        f"{applet // len(APPLET_NAMES)}" if applet >= len(APPLET_NAMES) else ""
    )
    applet_base["comment"] = COMMENTS[comment]
    return data




def field_of(document: dict[str, Any], field: str) -> Any:
    """The value at a dotted path."""
    value: Any = document
    for key in field.split("."):
        value = value[key]
    return value


def _fill(principal: dict[str, Any], person: Person) -> None:
    principal["name"] = person.name
    principal["mobile"] = person.mobile
    principal["emergency_contact"] = person.emergency
    principal["certificate_number"] = person.certificate_number


_EXAMPLE: dict[str, Any] = {}


def _example() -> dict[str, Any]:
    if not _EXAMPLE:
        _EXAMPLE.update(json.loads(EXAMPLE.read_text(encoding="utf-8")))
    return _EXAMPLE
