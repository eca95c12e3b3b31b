"""The shape of filing numbers (SPEC §7): subject numbers and service numbers.

A subject number is `<province>ICP备<4-digit year><6-digit sequence>号`; subjects filed
before the 10-digit form carry 8 digits. A holder of an operating licence uses the licence
number (e.g. 粤B2-20090059) as its subject number instead. A service number appends
`-<n>` and a kind suffix to its subject number: nothing for a website, `A` for an app,
`X` for a mini-program (applet), where `n` counts every service of the subject.

Pure: standard library only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Keyed by the first two digits of a GB/T 2260 code; the 31 mainland provinces.
PROVINCE_ABBREVIATIONS: dict[str, str] = {
    "11": "京",
    "12": "津",
    "13": "冀",
    "14": "晋",
    "15": "蒙",
    "21": "辽",
    "22": "吉",
    "23": "黑",
    "31": "沪",
    "32": "苏",
    "33": "浙",
    "34": "皖",
    "35": "闽",
    "36": "赣",
    "37": "鲁",
    "41": "豫",
    "42": "鄂",
    "43": "湘",
    "44": "粤",
    "45": "桂",
    "46": "琼",
    "50": "渝",
    "51": "蜀",
    "52": "黔",
    "53": "滇",
    "54": "藏",
    "61": "陕",
    "62": "陇",
    "63": "青",
    "64": "宁",
    "65": "新",
}
PROVINCE_PREFIXES: dict[str, str] = {
    abbr: prefix for prefix, abbr in PROVINCE_ABBREVIATIONS.items()
}

# The kind suffix of a service number, by service kind.
SERVICE_KIND_SUFFIXES: dict[str, str] = {"website": "", "app": "A", "applet": "X"}
SERVICE_KINDS_BY_SUFFIX: dict[str, str] = {s: k for k, s in SERVICE_KIND_SUFFIXES.items()}

MAX_SEQUENCE = 999_999

_ABBR = "[" + "".join(PROVINCE_ABBREVIATIONS.values()) + "]"
_SUBJECT_ICP = re.compile(rf"(?P<abbr>{_ABBR})ICP备(?P<digits>[1-9][0-9]{{9}}|[0-9]{{8}})号")
_SUBJECT_LICENCE = re.compile(rf"(?P<abbr>{_ABBR})(?P<licence>[A-Z][0-9]-[0-9]{{8}})")
_SERVICE_TAIL = re.compile(r"-(?P<ordinal>[1-9][0-9]*)(?P<suffix>[AX]?)")


@dataclass(frozen=True)
class ParsedNumber:
    """The parts of a subject or service number."""

    abbreviation: str
    subject_number: str
    digits: str | None  # the 10 or 8 digits of an ICP备 number; None for a licence
    licence: str | None  # e.g. "B2-20090059" for a licence holder
    ordinal: int | None  # None for a subject number
    kind: str | None  # "website" | "app" | "applet"; None for a subject number

    @property
    def province_prefix(self) -> str:
        """The 2-digit GB/T 2260 prefix of the issuing province."""
        return PROVINCE_PREFIXES[self.abbreviation]

    @property
    def year(self) -> int | None:
        """The year of a 10-digit ICP备 number (None for older numbers and licences)."""
        return int(self.digits[:4]) if self.digits and len(self.digits) == 10 else None

    @property
    def sequence(self) -> int | None:
        """The per-province sequence of a 10-digit ICP备 number."""
        return int(self.digits[4:]) if self.digits and len(self.digits) == 10 else None

    @property
    def is_service(self) -> bool:
        return self.ordinal is not None


def province_abbreviation(province_code: str) -> str:
    """The one-character abbreviation of the province a GB/T 2260 code belongs to."""
    code = province_code.strip() if isinstance(province_code, str) else ""
    if not re.fullmatch(r"[0-9]{2}|[0-9]{6}", code):
        raise ValueError(
            f"province_code：'{province_code}' 不是行政区划代码，"
            "请填写 GB/T 2260 的 6 位代码（如 110000）或其前 2 位"
        )
    try:
        return PROVINCE_ABBREVIATIONS[code[:2]]
    except KeyError:
        raise ValueError(
            f"province_code：'{province_code}' 不属于任何内地省份，请填写所在省份的行政区划代码"
        ) from None


def format_subject_number(abbreviation: str, year: int, sequence: int) -> str:
    """`京ICP备2026000001号`: the subject number for a province, year and sequence."""
    if abbreviation not in PROVINCE_PREFIXES:
        raise ValueError(f"abbreviation：'{abbreviation}' 不是省份简称（如 京、粤、蜀）")
    if not 1000 <= year <= 9999:
        raise ValueError(f"year：{year} 不是 4 位年份")
    if not 1 <= sequence <= MAX_SEQUENCE:
        raise ValueError(
            f"sequence：{sequence} 超出范围 1–{MAX_SEQUENCE}，该省份本年度的备案号已用尽"
        )
    return f"{abbreviation}ICP备{year:04d}{sequence:06d}号"


def format_service_number(subject_number: str, ordinal: int, kind: str = "applet") -> str:
    """`京ICP备2026000001号-1X`: the service number of the subject's n-th service."""
    parsed = parse_number(subject_number)
    if parsed is None or parsed.is_service:
        raise ValueError(
            f"subject_number：'{subject_number}' 不是主体备案号或经营许可证号"
            "（如 京ICP备2026000001号、粤B2-20090059）"
        )
    if kind not in SERVICE_KIND_SUFFIXES:
        raise ValueError(f"kind：'{kind}' 未知，应为 {', '.join(SERVICE_KIND_SUFFIXES)} 之一")
    if isinstance(ordinal, bool) or not isinstance(ordinal, int) or ordinal < 1:
        raise ValueError(f"ordinal：{ordinal!r} 应为不小于 1 的整数")
    return f"{subject_number}-{ordinal}{SERVICE_KIND_SUFFIXES[kind]}"


def parse_number(text: str) -> ParsedNumber | None:
    """Split a subject or service number into its parts; None when it is not one."""
    if not isinstance(text, str):
        return None
    text = text.strip()
    match = _SUBJECT_ICP.match(text) or _SUBJECT_LICENCE.match(text)
    if match is None:
        return None
    groups = match.groupdict()
    digits = groups.get("digits")
    if digits is not None and len(digits) == 10 and int(digits[4:]) == 0:
        return None  # sequence 0 is never issued
    rest = text[match.end() :]
    ordinal: int | None = None
    kind: str | None = None
    if rest:
        tail = _SERVICE_TAIL.fullmatch(rest)
        if tail is None:
            return None
        ordinal = int(tail["ordinal"])
        kind = SERVICE_KINDS_BY_SUFFIX[tail["suffix"]]
    return ParsedNumber(
        abbreviation=groups["abbr"],
        subject_number=match.group(0),
        digits=digits,
        licence=groups.get("licence"),
        ordinal=ordinal,
        kind=kind,
    )
