"""Check reports: named components with measured values, thresholds and results."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Result = Literal["pass", "fail", "review"]
PASS: Result = "pass"
FAIL: Result = "fail"
REVIEW: Result = "review"


@dataclass(frozen=True)
class Component:
    """One measured property, e.g. Sharpness 182.4 against a threshold of ">= 60"."""

    name: str
    value: float | int | str | None
    threshold: str
    result: Result
    # Chinese advice shown when the component did not pass.
    hint: str = ""

    def to_dict(self) -> dict[str, Any]:
        """The component as JSON, without its hint (hints are listed once per report)."""
        value = round(self.value, 4) if isinstance(self.value, float) else self.value
        return {"name": self.name, "value": value, "threshold": self.threshold,
                "result": self.result}


@dataclass(frozen=True)
class Report:
    """The outcome of a photo or document check."""

    components: tuple[Component, ...]
    extra_hints: tuple[str, ...] = field(default=())

    @property
    def verdict(self) -> Result:
        """Fail if anything failed; otherwise review if anything needs a person; else pass."""
        results = {component.result for component in self.components}
        if FAIL in results:
            return FAIL
        if REVIEW in results:
            return REVIEW
        return PASS

    @property
    def hints(self) -> list[str]:
        """Advice for every component that did not pass, then the report's own hints."""
        hints = [c.hint for c in self.components if c.result != PASS and c.hint]
        hints.extend(self.extra_hints)
        return list(dict.fromkeys(hints))

    def component(self, name: str) -> Component:
        """The component called `name` (KeyError if absent)."""
        for component in self.components:
            if component.name == name:
                return component
        raise KeyError(name)

    def to_dict(self) -> dict[str, Any]:
        """The report as stored on the media row and printed by the CLI."""
        return {
            "verdict": self.verdict,
            "components": [component.to_dict() for component in self.components],
            "hints": self.hints,
        }


# The face check and the document check return the same shape.
PhotoReport = Report


def at_least(name: str, value: float, minimum: float, hint: str, digits: int = 2) -> Component:
    """A component that passes when value >= minimum."""
    result = PASS if value >= minimum else FAIL
    return Component(name, value, f">= {minimum:.{digits}f}", result, hint)


def at_most(name: str, value: float, maximum: float, hint: str, digits: int = 2) -> Component:
    """A component that passes when value <= maximum."""
    result = PASS if value <= maximum else FAIL
    return Component(name, value, f"<= {maximum:.{digits}f}", result, hint)


def banded(name: str, value: float, band: tuple[float, float], hint: str) -> Component:
    """Fail below band[0], pass from band[1], and let a person judge in between."""
    low, high = band
    threshold = f"fail < {low:.1f} <= review < {high:.1f} <= pass"
    if value >= high:
        return Component(name, value, threshold, PASS)
    return Component(name, value, threshold, FAIL if value < low else REVIEW, hint)
