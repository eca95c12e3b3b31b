"""Filing province, city and district (errcodes 1800-1809) and the address (1810-1819)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

from beian.core import dictionaries
from beian.core.document import FilingDocument
from beian.core.findings import WARNING, Finding
from beian.core.precheck.context import Context, filled

BAD_PROVINCE = 1801
BAD_CITY = 1802
BAD_DISTRICT = 1803
ADDRESS_REPEATS_PREFIX = 1811
ADDRESS_MAY_REPEAT_PREFIX = 1812

BASE = "icp_subject.base_info"
_CODE = re.compile(r"[0-9]{6}")
# Suffixes that may be dropped when people write a place name ("北京市" -> "北京").
_SUFFIXES = (
    "特别行政区",
    "维吾尔自治区",
    "壮族自治区",
    "回族自治区",
    "自治区",
    "自治州",
    "地区",
    "省",
    "市",
    "区",
    "县",
    "盟",
    "旗",
)
# Level-2 names that are not real place names, never written in an address.
_PLACEHOLDERS = {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"}


def districts(doc: FilingDocument, ctx: Context) -> Iterator[Finding]:
    """Codes are real, the city lies in the province and the district in the city."""
    base = doc.icp_subject.base_info
    codes = {"province": base.province, "city": base.city, "district": base.district}
    if not all(filled(code) for code in codes.values()):
        return  # the required-fields rule names what is missing
    wrong = dictionaries.place_error(base.province or "", base.city or "", base.district or "")
    if wrong == "province":
        yield Finding(
            BAD_PROVINCE,
            f"{BASE}.province",
            f"备案省份代码「{base.province}」不是有效的省级行政区划代码",
            "请填写 6 位省级代码，例如北京市 110000、广东省 440000",
        )
    elif wrong == "city":
        yield Finding(
            BAD_CITY,
            f"{BASE}.city",
            f"备案城市代码「{base.city}」不是该省份下的城市",
            f"请从省份 {base.province} 下属城市中选择 6 位代码"
            "（北京等直辖市的城市代码为 110100 形式）",
        )
    elif wrong == "district":
        yield Finding(
            BAD_DISTRICT,
            f"{BASE}.district",
            f"备案县区代码「{base.district}」不是该城市下的县区",
            f"请从城市 {base.city} 下属县区中选择 6 位代码；不设区县的城市（如东莞）填写城市代码",
        )


def address(doc: FilingDocument, ctx: Context) -> Iterator[Finding]:
    """The address does not start by repeating the province, city or district."""
    base = doc.icp_subject.base_info
    text = (base.address or "").strip()
    if not text:
        return  # blank is reported by the required-fields rule
    places = [
        place
        for place in map(_place, (base.province, base.city, base.district))
        if place is not None and place.name not in _PLACEHOLDERS
    ]
    for place in places:
        if text.startswith(place.name):
            yield Finding(
                ADDRESS_REPEATS_PREFIX,
                f"{BASE}.address",
                f"通讯地址以「{place.name}」开头，重复了已选择的省市区",
                "请删去开头的省市区，只填写之后的部分，"
                f"例如把“{place.name}某某路 1 号”写成“某某路 1 号”",
            )
            return
    for place in places:
        short = _short_name(place.name)
        if short and text.startswith(short):
            # "朝阳路" in 朝阳区 is a real street: only a warning for the reviewer.
            yield Finding(
                ADDRESS_MAY_REPEAT_PREFIX,
                f"{BASE}.address",
                f"通讯地址以「{short}」开头，可能重复了已选择的省市区",
                "如果开头是省市区名称，请删去；如果是路名等地址本身的一部分，可以保留",
                WARNING,
            )
            return


def _place(code: str | None) -> dictionaries.District | None:
    return dictionaries.district(code) if code and _CODE.fullmatch(code) else None


@lru_cache(maxsize=4096)
def _short_name(name: str) -> str | None:
    for suffix in _SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return None
