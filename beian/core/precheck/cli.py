"""`beian check`: the pre-check from the command line, offline, one JSON line per file."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from beian.clock import SystemClock, china_midnight
from beian.core.findings import Finding, has_errors
from beian.core.precheck.config import PrecheckConfig
from beian.core.precheck.engine import precheck

UNREADABLE_FILE = 1007
INVALID_JSON = 1008


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `beian check`."""
    parser = subparsers.add_parser(
        "check",
        help="pre-check filing documents offline",
        description=(
            "Pre-check filing documents (JSON shaped like WeChat's apply_icp_filing). "
            "Prints one JSON object per file: {file, ok, hints}. Exit status 0 when no "
            "file has an error, 1 when any has, 2 when a file cannot be read."
        ),
    )
    parser.add_argument("files", nargs="+", metavar="FILE", type=Path)
    parser.add_argument(
        "--today",
        type=_parse_day,
        metavar="YYYY-MM-DD",
        help="check as on this China date (default: today)",
    )
    parser.add_argument(
        "--config",
        type=Path,
        metavar="FILE",
        help="JSON pre-check settings: min_validity_months, provinces, applet limits",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Check each file and print its findings; return the exit status."""
    now = china_midnight(args.today) + timedelta(hours=12) if args.today else SystemClock().now()
    config = PrecheckConfig()
    if args.config is not None:
        try:
            config = PrecheckConfig.from_mapping(json.loads(args.config.read_text("utf-8")))
        except (OSError, ValueError) as exc:
            # beian.core may not import beian.cli, so report like its UsageError does.
            print(f"beian: cannot use --config {args.config}: {exc}", file=sys.stderr)
            return 2
    status = 0
    for path in args.files:
        findings, readable = check_file(path, now=now, config=config)
        line = {"file": str(path), "ok": not has_errors(findings)}
        line["hints"] = [finding.to_dict() for finding in findings]
        print(json.dumps(line, ensure_ascii=False), flush=True)
        if not readable:
            status = 2
        elif has_errors(findings) and status == 0:
            status = 1
    return status


def check_file(path: Path, *, now: datetime, config: PrecheckConfig) -> tuple[list[Finding], bool]:
    """Findings for one file, and whether the file could be read as JSON at all."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = "不是 UTF-8 编码的文本" if isinstance(exc, UnicodeDecodeError) else "无法读取"
        return [
            Finding(
                UNREADABLE_FILE,
                "",
                f"文件 {path} {reason}",
                "请确认文件路径正确、有读取权限，并以 UTF-8 编码保存",
            )
        ], False
    try:
        data: Any = json.loads(text)
    except json.JSONDecodeError as exc:
        return [
            Finding(
                INVALID_JSON,
                "",
                f"文件 {path} 不是有效的 JSON（第 {exc.lineno} 行第 {exc.colno} 列）",
                "请检查该位置附近的引号、逗号和括号；JSON 不允许注释和末尾多余的逗号",
            )
        ], False
    except RecursionError:
        return [Finding(INVALID_JSON, "", f"文件 {path} 嵌套层级过深", "请检查文件结构")], False
    return precheck(data, now=now, config=config), True


def _parse_day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from exc
