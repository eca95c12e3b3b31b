"""The fault points of beian/testing/faults.py: inert unless armed, fatal on the chosen pass."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

import beian
from beian.testing.faults import POINTS, FaultSpecError, parse

# Passes twice through another point for every pass through move_recorded.
PROGRAM = """
from beian.testing import faults
for i in range(4):
    faults.point("timer_handled")
    faults.point("move_recorded")
    faults.point("timer_handled")
    print(i, flush=True)
"""


def run(spec: str | None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "BEIAN_FAULT_POINT"}
    if spec is not None:
        env["BEIAN_FAULT_POINT"] = spec
    return subprocess.run(
        [sys.executable, "-c", PROGRAM], env=env, capture_output=True, text=True, timeout=60
    )


def test_parse_names_the_point_and_the_pass() -> None:
    assert parse("delivery_sent:7") == ("delivery_sent", 7)
    assert parse(" move_recorded:1 ") == ("move_recorded", 1)


@pytest.mark.parametrize("spec", ["nowhere:1", "move_recorded", "move_recorded:0",
                                  "move_recorded:x", ":3"])
def test_parse_refuses_what_it_cannot_honour(spec: str) -> None:
    with pytest.raises(FaultSpecError, match="BEIAN_FAULT_POINT"):
        parse(spec)


def test_every_documented_point_is_called_somewhere_in_beian() -> None:
    root = Path(beian.__file__).parent
    sources = "".join(
        path.read_text(encoding="utf-8")
        for path in root.rglob("*.py")
        if path.parent.name != "testing"
    )
    assert [p for p in POINTS if f'faults.point("{p}")' not in sources] == []


def test_unset_the_points_do_nothing() -> None:
    result = run(None)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["0", "1", "2", "3"]


def test_armed_the_nth_pass_of_that_point_kills_the_process() -> None:
    result = run("move_recorded:3")
    assert result.returncode == -signal.SIGKILL
    assert result.stdout.split() == ["0", "1"]  # other points' passes did not count


def test_a_point_never_reached_that_often_kills_nothing() -> None:
    result = run("move_recorded:5")
    assert result.returncode == 0
    assert result.stdout.split() == ["0", "1", "2", "3"]


def test_a_malformed_setting_stops_the_process_at_start_with_the_reason() -> None:
    result = run("move_recorded:zero")
    assert result.returncode == 1
    assert "FaultSpecError" in result.stderr and "BEIAN_FAULT_POINT" in result.stderr
    assert result.stdout == ""
