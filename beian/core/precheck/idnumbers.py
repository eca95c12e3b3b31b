"""Resident ID numbers (GB 11643) and unified social credit codes (GB 32100).

Both wrap python-stdnum, but never trust it blindly:

* Anything stdnum raises becomes a problem to report, never a crash. (stdnum 2.2's
  `cn.ric.validate` raises a bare KeyError when the province of a number is known
  but its county code is not, e.g. 119999..., and `is_valid` does not catch it.)
* stdnum decides the region of a resident ID by its table of county codes with the
  years each code was in use, and refuses a number whose birth year falls outside
  those years. A number keeps the county code of the place where it was first
  assigned, which may be years after birth (numbers were handed out with the first
  card, and before 1999 many people got theirs as adults) and which may have been
  abolished since. So stdnum refuses real numbers: 110111 (Fangshan district, code
  from 1986) for anyone born before 1986, and codes missing from its table.
  Therefore only what is certain is an error: length, characters, check character,
  a real birth date that is not in the future, and a real province prefix. A county
  code that stdnum does not accept for that birth year is a warning for the reviewer.
* stdnum's `cn.uscc` requires the first two characters (registration authority and
  entity category) to be digits, but GB 32100 also assigns the letters A, N and Y
  to registration authorities. Codes that start with those letters and are
  otherwise correct (region digits, alphabet, check character) are accepted.
  Once a code has passed the checks here, stdnum's `uscc.validate` has nothing left to
  refuse (length, digits in positions 1-8 for digit-led codes, alphabet, check character),
  and its check character is the GB 32100 weighted sum below, which stdnum computes
  after re-cleaning the text: the two cost more than the rest of the pre-check of a code,
  so the sum is computed here, and a test pins it to stdnum's for every kind of code.
  The resident ID's check character (GB 11643's weighted sum) is computed here as well, for
  the same reason, and pinned to stdnum's the same way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from operator import mul

from stdnum.cn import ric

from beian.core.findings import ERROR, WARNING, Severity

# GB/T 2260 province-level codes, plus 71/81/82 (Taiwan, Hong Kong, Macau) and 83,
# which the residence permits of Hong Kong, Macau and Taiwan residents use.
PROVINCE_PREFIXES = frozenset(
    {"11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37"}
    | {"41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64"}
    | {"65", "71", "81", "82", "83"}
)
_DIGITS = frozenset("0123456789")
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_CHARS = frozenset(USCC_ALPHABET)
_USCC_VALUES = {char: value for value, char in enumerate(USCC_ALPHABET)}
# GB 32100: the weight of position i is 3**i modulo 31.
_USCC_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))
_ASCII_LOWER = frozenset("abcdefghijklmnopqrstuvwxyz")
# GB 32100 registration authority codes (position 1).
USCC_AUTHORITIES = frozenset("123456789ANY")
_BIRTH_HINT = "请核对号码第 7 至 14 位（出生日期）"


@dataclass(frozen=True, slots=True)
class NumberProblem:
    """What is wrong with a number; messages never repeat the whole number."""

    kind: str
    message: str
    suggest: str
    severity: Severity = ERROR


_RESIDENT_ID_CHECK = "10X98765432"  # indexed by the weighted sum modulo 11
# What the layout checks of a resident ID number accept, in one pattern.
_RESIDENT_ID_LAYOUT = re.compile(r"[0-9]{17}[0-9X]")


def check_resident_id(number: object, *, today: date) -> list[NumberProblem]:
    """Problems with an 18-character resident ID number; empty when it is valid."""
    if not isinstance(number, str) or _RESIDENT_ID_LAYOUT.fullmatch(number) is None:
        return [_resident_id_layout_problem(number)]
    first17 = number[:17]
    if number[17] != resident_id_check_character(first17):
        return [
            _problem(
                "checksum",
                "身份证号码的校验位不正确",
                "请逐位核对号码，常见错误是两位数字颠倒",
            )
        ]
    born = _birth_date(number[6:14])
    if born is None:
        return [_problem("birth_date", "身份证号码中的出生日期不存在", _BIRTH_HINT)]
    if born > today:
        return [_problem("birth_date", "身份证号码中的出生日期晚于今天", _BIRTH_HINT)]
    if number[:2] not in PROVINCE_PREFIXES:
        return [
            _problem(
                "region",
                f"身份证号码的地区码 {number[:6]} 不属于任何省级行政区",
                "请核对号码前 6 位（地区码）",
            )
        ]
    if not _region_known(number[:10]):  # the region and the (valid) year of birth
        return [
            _problem(
                "region_unknown",
                f"身份证号码的地区码 {number[:6]} 不在已知行政区划代码表中，或与出生年份不符"
                "（可能是已撤销或较晚设立的代码）",
                "请审核人员对照证件照片核对号码；号码与证件一致即可",
                WARNING,
            )
        ]
    return []


def resident_id_valid(number: str, today: date) -> bool:
    """Whether check_resident_id finds nothing in the number: the usual case, told without
    building problems (and without the slower path of a number that has one)."""
    return (
        _RESIDENT_ID_LAYOUT.fullmatch(number) is not None
        and number[17] == _RESIDENT_ID_CHECK[2 * int(number[:17], 13) % 11]
        and (born := _birth_date(number[6:14])) is not None
        and born <= today
        and _region_known(number[:10])  # the province prefix too
    )


def _resident_id_layout_problem(number: object) -> NumberProblem:
    """What is wrong with the layout of a number that _RESIDENT_ID_LAYOUT refuses."""
    if not isinstance(number, str) or len(number) != 18:
        got = len(number) if isinstance(number, str) else 0
        return _problem(
            "length",
            f"身份证号码应为 18 位，实际为 {got} 位",
            "请按证件原样填写 18 位号码",
        )
    first17 = number[:17]
    if not (first17.isascii() and first17.isdigit() and number[17] in "0123456789Xx"):
        return _problem(
            "format",
            "身份证号码只能由 17 位数字和 1 位数字或 X 组成",
            "请删除空格、全角字符等其他字符，按证件原样填写",
        )
    if number[17] == "x":
        return _problem("lowercase", "身份证号码末位的 X 应为大写", "请把末位的小写 x 改为大写 X")
    raise AssertionError(f"the layout pattern refused a well-formed number: {number[:2]}…")


@lru_cache(maxsize=65_536)
def _region_known(region_and_year: str) -> bool:
    """Whether stdnum's county table knows the region (6 digits) for the birth year (4 more).

    stdnum validates the whole number each time and its region look-up dominates the
    pre-check's cost; the verdict depends only on the region and the year, so it is asked
    once per pair, on a stand-in number with that region and year and a valid check digit.
    (One text argument: lru_cache then keys on it directly instead of building a tuple.)
    A region outside PROVINCE_PREFIXES is not known, whatever stdnum's table says: the
    usual case (resident_id_valid) is then told by this one look-up.
    """
    if region_and_year[:2] not in PROVINCE_PREFIXES:
        return False
    stand_in = f"{region_and_year}0101001"
    try:
        ric.validate(stand_in + ric.calc_check_digit(stand_in + "0"))  # it reads 17 of 18
    except Exception:  # stdnum's region table is advisory only
        return False
    return True


# What the layout checks of check_uscc accept, in one pattern: registration authority,
# entity category, six region digits, then the alphabet; only the check character is left.
_USCC_LAYOUT = re.compile(r"[1-9ANY][0-9A-HJ-NP-RTUW-Y][0-9]{6}[0-9A-HJ-NP-RTUW-Y]{10}")


def check_uscc(number: object) -> list[NumberProblem]:
    """Problems with an 18-character unified social credit code; empty when it is valid."""
    if (
        isinstance(number, str)
        and _USCC_LAYOUT.fullmatch(number) is not None
        and number[17] == _uscc_check_in_alphabet(number)
    ):
        return []  # the usual case, told in one match instead of the checks one by one
    if not isinstance(number, str) or len(number) != 18:
        got = len(number) if isinstance(number, str) else 0
        return [
            _problem(
                "length",
                f"统一社会信用代码应为 18 位，实际为 {got} 位",
                "请按营业执照等证件原样填写 18 位代码",
            )
        ]
    chars = set(number)
    if not chars.isdisjoint(_ASCII_LOWER):
        return [
            _problem(
                "lowercase",
                "统一社会信用代码中的字母应为大写",
                "请把代码中的小写字母改为大写",
            )
        ]
    if not chars <= _USCC_CHARS:
        return [
            _problem(
                "format",
                "统一社会信用代码含有不允许的字符（不使用 I、O、Z、S、V，也不含空格或符号）",
                "请按证件原样填写；容易混淆的 0 与 O、1 与 I 请仔细核对",
            )
        ]
    if number[0] not in USCC_AUTHORITIES or not set(number[2:8]) <= _DIGITS:
        return [
            _problem(
                "format",
                "统一社会信用代码的格式不正确"
                "（第 1 位为登记管理部门代码，第 3 至 8 位为行政区划数字）",
                "请按证件原样核对代码",
            )
        ]
    if number[17] != uscc_check_character(number):
        return [
            _problem(
                "checksum",
                "统一社会信用代码的校验位不正确",
                "请逐位核对代码，常见错误是字符颠倒或混淆",
            )
        ]
    return []


def uscc_check_character(code: str) -> str:
    """The GB 32100 check character for the first 17 characters of a code in its alphabet."""
    if len(code) < 17:
        raise ValueError("a unified social credit code has 17 characters before the check")
    total = sum(map(mul, map(_USCC_VALUES.__getitem__, code[:17]), _USCC_WEIGHTS))
    return USCC_ALPHABET[-total % 31]


# 34 = 3 (mod 31) and every value of the alphabet is a digit of base 34, so the GB 32100 sum
# (value of position i times 3**i) is, modulo 31, the first 17 characters read backwards as
# one base-34 numeral once each character is spelt as the base-34 digit of its value.
_USCC_BASE34 = str.maketrans(
    {char: "0123456789abcdefghijklmnopqrstu"[value] for char, value in _USCC_VALUES.items()}
)


def _uscc_check_in_alphabet(code: str) -> str:
    """uscc_check_character for a code already known to be in the alphabet (one C-level
    conversion instead of 17 look-ups and products: a character outside the alphabet
    would not raise here, so only codes _USCC_LAYOUT accepted come this way)."""
    return USCC_ALPHABET[-int(code[16::-1].translate(_USCC_BASE34), 34) % 31]


def resident_id_check_character(first17: str) -> str:
    """The GB 11643 check character for the first 17 digits of a resident ID number."""
    # The weights are 2 * 2**(16 - i) and 13 = 2 (mod 11), so the weighted sum is, modulo
    # 11, twice the digits read as one base-13 numeral: a single C-level conversion.
    return _RESIDENT_ID_CHECK[2 * int(first17, 13) % 11]


@lru_cache(maxsize=8192)  # some 40,000 days in a century of births: most repeat
def _birth_date(digits: str) -> date | None:
    """The date of birth written as YYYYMMDD, or None when it is none or before 1900."""
    try:
        born = date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        return None
    return born if born.year >= 1900 else None


def _problem(kind: str, message: str, suggest: str, severity: Severity = ERROR) -> NumberProblem:
    return NumberProblem(kind, message, suggest, severity)
