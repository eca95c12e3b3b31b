"""`beian photo check` and `beian document check`: the service's checks on local files."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from beian.documents.checks import check_certificate_photo
from beian.documents.face import check_face_photo
from beian.documents.imaging import decode
from beian.documents.report import Component, Report

DOCUMENT_KINDS = ("certificate", "id_card_front", "id_card_back", "business_licence")


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add this feature's sub-commands."""
    photo = subparsers.add_parser("photo", help="face-check photos")
    photo_commands = photo.add_subparsers(dest="photo_command", required=True)
    check = photo_commands.add_parser("check", help="run the face check on photo files")
    check.add_argument("files", nargs="+", type=Path, metavar="FILE")
    check.add_argument("--json", action="store_true", help="one JSON object per line")
    check.set_defaults(handler=_photo_check)

    document = subparsers.add_parser("document", help="certificate photos and documents")
    document_commands = document.add_subparsers(dest="document_command", required=True)
    check = document_commands.add_parser("check", help="check certificate photos")
    check.add_argument("--kind", choices=DOCUMENT_KINDS, default="certificate",
                       help="what the files are; the ID card and licence kinds also run OCR")
    check.add_argument("files", nargs="+", type=Path, metavar="FILE")
    check.add_argument("--json", action="store_true", help="one JSON object per line")
    check.set_defaults(handler=_document_check)


def _photo_check(args: argparse.Namespace) -> int:
    return _run(args, lambda data: (check_face_photo(data), None))


def _document_check(args: argparse.Namespace) -> int:
    def check(data: bytes) -> tuple[Report, dict[str, str] | None]:
        report = check_certificate_photo(data)
        read = None
        if args.kind != "certificate" and report.verdict != "fail":
            from beian.documents import ocr  # Loads onnxruntime only when asked to read.

            read = ocr.parse(args.kind, ocr.read_lines(decode(data)))
        return report, read

    return _run(args, check)


def _run(args: argparse.Namespace, check: Any) -> int:
    """Check every file; exit 1 when any failed, 0 otherwise (review is not a failure)."""
    worst = 0
    for path in args.files:
        try:
            data = path.read_bytes()
        except OSError as error:
            report = Report((Component("FileReadable", 0, "readable file", "fail",
                                       f"无法读取文件：{error.strerror}"),))
            read = None
        else:
            report, read = check(data)
        output: dict[str, Any] = {"file": str(path), **report.to_dict()}
        if read is not None:
            output["read"] = read
        if report.verdict == "fail":
            worst = 1
        if args.json:
            print(json.dumps(output, ensure_ascii=False))
        else:
            _print_text(output)
    sys.stdout.flush()
    return worst


def _print_text(output: dict[str, Any]) -> None:
    print(f"{output['file']}: {output['verdict']}")
    for component in output["components"]:
        print(f"  {component['result']:6} {component['name']:28} {component['value']!s:>12}"
              f"  ({component['threshold']})")
    for hint in output["hints"]:
        print(f"  - {hint}")
    for key, value in (output.get("read") or {}).items():
        print(f"  read {key}: {value}")
