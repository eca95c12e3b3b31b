"""Filing province, city and district (errcodes 1800-1809) and the address (1810-1819)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from functools import lru_cache

from beian.core import dictionaries
from beian.core.document import FilingDocument
from beian.core.findings import WARNING, Finding
from beian.core.precheck.context import Context, dictionary_lookup, filled

BAD_PROVINCE = 1801
BAD_CITY = 1802
BAD_DISTRICT = 1803
ADDRESS_REPEATS_PREFIX = 1811
ADDRESS_MAY_REPEAT_PREFIX = 1812

BASE = "icp_subject.base_info"
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


def districts(doc: FilingDocument, ctx: Context) -> Iterable[Finding]:
    """Codes are real, the city lies in the province and the district in the city."""
    base = ctx.subject_base
    return _places(base.province, base.city, base.district)[0]


# What the two rules need to know of the three codes, found by one cached look-up (each
# costs a call and a check of the dictionaries): the district findings, then the place
# names, their short forms and every prefix an address may repeat (_place_names).
_PlaceFacts = tuple[
    tuple[Finding, ...], tuple[str, ...], tuple[str | None, ...], tuple[str, ...]
]


@dictionary_lookup
def _places(province: str | None, city: str | None, district: str | None) -> _PlaceFacts:
    return (_district_findings(province, city, district), *_place_names(province, city, district))


def _district_findings(
    province: str | None, city: str | None, district: str | None
) -> tuple[Finding, ...]:
    if not (filled(province) and filled(city) and filled(district)):
        return ()  # the required-fields rule names what is missing
    assert province is not None and city is not None and district is not None
    return tuple(_district_problems(province, city, district))


def _district_problems(province: str, city: str, district: str) -> Iterator[Finding]:
    wrong = dictionaries.place_error(province, city, district)
    if wrong == "province":
        yield Finding(
            BAD_PROVINCE,
            f"{BASE}.province",
            f"备案省份代码「{province}」不是有效的省级行政区划代码",
            "请填写 6 位省级代码，例如北京市 110000、广东省 440000",
        )
    elif wrong == "city":
        yield Finding(
            BAD_CITY,
            f"{BASE}.city",
            f"备案城市代码「{city}」不是该省份下的城市",
            f"请从省份 {province} 下属城市中选择 6 位代码"
            "（北京等直辖市的城市代码为 110100 形式）",
        )
    elif wrong == "district":
        yield Finding(
            BAD_DISTRICT,
            f"{BASE}.district",
            f"备案县区代码「{district}」不是该城市下的县区",
            f"请从城市 {city} 下属县区中选择 6 位代码；不设区县的城市（如东莞）填写城市代码",
        )


def address(doc: FilingDocument, ctx: Context) -> Iterable[Finding]:
    """The address does not start by repeating the province, city or district."""
    base = ctx.subject_base
    text = (base.address or "").strip()
    if not text:
        return ()  # blank is reported by the required-fields rule
    _, names, shorts, prefixes = _places(base.province, base.city, base.district)
    # The usual case: the address starts with none of the names, told by one call.
    if not text.startswith(prefixes):
        return ()
    return _repeated_prefix(text, names, shorts)


def _repeated_prefix(
    text: str, names: tuple[str, ...], shorts: tuple[str | None, ...]
) -> Iterator[Finding]:
    for name in names:
        if text.startswith(name):
            yield Finding(
                ADDRESS_REPEATS_PREFIX,
                f"{BASE}.address",
                f"通讯地址以「{name}」开头，重复了已选择的省市区",
                "请删去开头的省市区，只填写之后的部分，"
                f"例如把“{name}某某路 1 号”写成“某某路 1 号”",
            )
            return
    for short in shorts:
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


def _place_names(
    *codes: str | None,
) -> tuple[tuple[str, ...], tuple[str | None, ...], tuple[str, ...]]:
    """The names of the places (placeholders left out), each one's short form or None, and
    all the prefixes an address may repeat (the names and the short forms)."""
    names = tuple(
        place.name
        for place in map(_place, codes)
        if place is not None and place.name not in _PLACEHOLDERS
    )
    shorts = tuple(map(_short_name, names))
    return names, shorts, (*names, *filter(None, shorts))


def _place(code: str | None) -> dictionaries.District | None:
    # Only six ASCII digits can be a code (isdigit alone would take other scripts' digits).
    if code and len(code) == 6 and code.isascii() and code.isdigit():
        return dictionaries.district(code)
    return None


@lru_cache(maxsize=4096)
def _short_name(name: str) -> str | None:
    for suffix in _SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return None
