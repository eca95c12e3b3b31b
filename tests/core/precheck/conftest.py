"""Fixtures for the pre-check tests: the example filings and a check runner."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from beian.clock import FixedClock
from beian.core.findings import Finding
from beian.core.precheck import precheck

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"
_CACHE: dict[str, dict[str, Any]] = {}


def load_example(name: str) -> dict[str, Any]:
    """A fresh copy of an example filing (tests may change it freely)."""
    if name not in _CACHE:
        _CACHE[name] = json.loads((EXAMPLES / f"{name}.json").read_text(encoding="utf-8"))
    return copy.deepcopy(_CACHE[name])


@pytest.fixture
def example() -> Callable[[str], dict[str, Any]]:
    """The loader of example filings by name."""
    return load_example


@pytest.fixture
def enterprise() -> dict[str, Any]:
    """The valid enterprise education filing."""
    return load_example("education-enterprise")


@pytest.fixture
def individual() -> dict[str, Any]:
    """The valid individual filing."""
    return load_example("individual")


Check = Callable[..., list[Finding]]
Found = Callable[..., set[tuple[int, str]]]


@pytest.fixture
def check(clock: FixedClock) -> Check:
    """Run the whole pre-check at the clock's time (Monday 2026-03-02, China)."""

    def run(data: Any, **kwargs: Any) -> list[Finding]:
        return precheck(data, now=clock.now(), **kwargs)

    return run


@pytest.fixture
def found(check: Check) -> Found:
    """The (errcode, err_field) pairs of a check, limited to one rule's errcode range."""

    def run(data: Any, codes: range | None = None, **kwargs: Any) -> set[tuple[int, str]]:
        return {
            (finding.errcode, finding.err_field)
            for finding in check(data, **kwargs)
            if codes is None or finding.errcode in codes
        }

    return run
