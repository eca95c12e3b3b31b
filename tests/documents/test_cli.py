"""`beian photo check` and `beian document check` print one JSON object per file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from beian.cli import main
from tests.documents import face_photos as faces
from tests.documents import paper_photos as papers


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, list[dict]]:
    status = main(list(argv))
    lines = capsys.readouterr().out.splitlines()
    return status, [json.loads(line) for line in lines]


def test_photo_check_json(tmp_path: Path, portrait, capsys) -> None:
    good, grey = tmp_path / "good.jpg", tmp_path / "grey.jpg"
    good.write_bytes(faces.encode(portrait))
    grey.write_bytes(faces.encode(faces.grey(portrait)))
    status, outputs = run(capsys, "photo", "check", str(good), str(grey), "--json")
    assert status == 1  # one file failed
    assert [o["file"] for o in outputs] == [str(good), str(grey)]
    assert [o["verdict"] for o in outputs] == ["review", "fail"]
    for output in outputs:
        assert set(output) == {"file", "verdict", "components", "hints"}
        assert all(set(c) == {"name", "value", "threshold", "result"} for c in output["components"])


def test_photo_check_of_a_missing_file_fails_cleanly(tmp_path: Path, capsys) -> None:
    status, [output] = run(capsys, "photo", "check", str(tmp_path / "none.jpg"), "--json")
    assert status == 1 and output["components"][0]["name"] == "FileReadable"


def test_document_check_json(tmp_path: Path, capsys) -> None:
    blank = tmp_path / "blank.png"
    blank.write_bytes(faces.encode(papers.blank_page(), "png"))
    status, [output] = run(
        capsys, "document", "check", "--kind", "certificate", str(blank), "--json"
    )
    assert status == 1 and output["verdict"] == "fail"
    failed = {c["name"] for c in output["components"] if c["result"] == "fail"}
    assert "ContentPresent" in failed
