"""Generated filing documents: valid, all different, and cheap to make by the million.

Every document is one of the two shipped examples (an enterprise education filing and an
individual's filing) with its names, ID numbers, phones and appid replaced by values
derived from an index, so document i never clashes with document j in the cross-filing
rules (shared phones, subject limits). ID numbers carry correct check characters.
"""

from __future__ import annotations

import copy
import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from stdnum.cn import ric, uscc

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
# Characters the generated names are made of: ordinary words, none prohibited, none
# implying an official body, so valid documents stay valid.
NAME_PARTS = (
    "启明", "星河", "青禾", "云帆", "知行", "晨曦", "远山", "清泉", "松果", "麦田",
    "蓝鲸", "橙子", "木棉", "石榴", "竹影", "白鹭", "小溪", "春雨", "秋实", "冬青",
    "海棠", "银杏", "墨香", "书页", "琴音", "画眉", "锦鲤", "朝阳", "彩虹", "灯塔",
)
APPLET_WORDS = ("学堂", "笔记", "课表", "日历", "书签", "手账", "相册", "清单", "助手", "小站")
COMPANY_WORDS = ("教育科技", "文化传播", "信息技术", "网络科技", "软件开发")
CITIES = (("110000", "110100", "110108", "北京"), ("440000", "440300", "440305", "深圳"))


def _load(name: str) -> dict[str, Any]:
    return json.loads((EXAMPLES / name).read_text(encoding="utf-8"))


ENTERPRISE = _load("education-enterprise.json")
INDIVIDUAL = _load("individual.json")
# Copies are parsed from the text: several times faster than deepcopy, by the million.
_ENTERPRISE_TEXT = json.dumps(ENTERPRISE, ensure_ascii=False)
_INDIVIDUAL_TEXT = json.dumps(INDIVIDUAL, ensure_ascii=False)
BAD = tuple(_load(name) for name in ("bad-enterprise.json", "bad-individual.json",
                                     "bad-shape.json"))


def name_part(i: int, salt: int = 0) -> str:
    """A two-character word chosen by i (different salts give unrelated choices)."""
    return NAME_PARTS[(i * 7 + salt * 13 + i // len(NAME_PARTS)) % len(NAME_PARTS)]


def applet_name(i: int) -> str:
    """A distinct mini-program name for every i (the number keeps it unique)."""
    return f"{name_part(i)}{name_part(i // 30, 1)}{APPLET_WORDS[i % len(APPLET_WORDS)]}{i}"


def subject_name(i: int) -> str:
    """A distinct organisation name for every i."""
    city = CITIES[i % len(CITIES)][3]
    return f"{city}{name_part(i, 2)}{name_part(i // 30, 3)}{COMPANY_WORDS[i % 5]}{i}有限公司"


def resident_id(i: int, county: str) -> str:
    """A resident ID number with a correct check character, one per i."""
    # Born 1991-2005: adults, and after every county code used here was created.
    born = date(1991, 1, 1) + timedelta(days=(i * 37) % 5400)
    body = f"{county}{born:%Y%m%d}{i % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")  # stdnum ignores the last place


def credit_code(i: int, county: str) -> str:
    """A unified social credit code (GB 32100) with a correct check character."""
    body = f"91{county}{i:09d}"
    return body + uscc.calc_check_digit(body + "0")


def mobile(i: int, slot: int) -> str:
    """A mainland mobile unique per (i, slot)."""
    return f"1{3 + slot}{i % 1_000_000_000:09d}"


def appid(i: int) -> str:
    """A mini-program appid unique per i."""
    return f"wx{i:016x}"


def document(i: int, *, face_task_id: str = "face-task-0002") -> dict[str, Any]:
    """The i-th valid document: even i an enterprise, odd i an individual."""
    province, city, district, _ = CITIES[i % len(CITIES)]
    if i % 2 == 0:
        data = json.loads(_ENTERPRISE_TEXT)
        subject = data["icp_subject"]
        subject["base_info"]["name"] = subject_name(i)
        subject["organize_info"]["certificate_number"] = credit_code(i, district)
        person = subject["principal_info"]
        person["certificate_number"] = resident_id(2 * i, district)
        person["mobile"], person["emergency_contact"] = mobile(i, 0), mobile(i, 1)
        subject["legal_person_info"]["certificate_number"] = person["certificate_number"]
        applet_person = data["icp_applets"]["principal_info"]
        applet_person["certificate_number"] = resident_id(2 * i + 1, district)
        applet_person["mobile"], applet_person["emergency_contact"] = mobile(i, 2), mobile(i, 3)
    else:
        data = json.loads(_INDIVIDUAL_TEXT)
        subject = data["icp_subject"]
        number = resident_id(2 * i, district)
        subject["organize_info"]["certificate_number"] = number
        for part in ("icp_subject", "icp_applets"):
            person = data[part]["principal_info"]
            person["certificate_number"] = number
            person["mobile"], person["emergency_contact"] = mobile(i, 0), mobile(i, 1)
    subject["base_info"].update(province=province, city=city, district=district)
    data["icp_applets"]["base_info"]["name"] = applet_name(i)
    data["icp_applets"]["base_info"]["appid"] = appid(i)
    data["icp_applets"]["principal_info"]["verify_task_id"] = face_task_id
    return data


def varied(count: int) -> list[dict[str, Any]]:
    """`count` documents: mostly valid, every tenth one of the shipped faulty examples."""
    return [
        copy.deepcopy(BAD[(i // 10) % len(BAD)]) if i % 10 == 9 else document(i)
        for i in range(count)
    ]
