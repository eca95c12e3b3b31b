"""Findings: one pre-check result each, `{errcode, err_field, errmsg, suggest, severity}`.

`err_field` is a dotted path into the filing document, for example
`icp_subject.principal_info.mobile` or `icp_applets.base_info.nrlx_details.0.code`;
the empty string means the document as a whole. An `error` blocks submission, a
`warning` is shown to the reviewer.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning"]
ERROR: Severity = "error"
WARNING: Severity = "warning"


# The generated __init__ of a frozen dataclass sets each field through object.__setattr__
# by name, which made building a finding cost as much as a whole rule that found nothing;
# this one stores into the slots directly (their descriptors, bound below the class).
@dataclass(frozen=True, slots=True, init=False)
class Finding:
    """One thing the pre-check found, with what to do about it."""

    errcode: int
    err_field: str
    errmsg: str
    suggest: str
    severity: Severity = ERROR

    def __init__(
        self, errcode: int, err_field: str, errmsg: str, suggest: str, severity: Severity = ERROR
    ) -> None:
        if severity != ERROR and severity != WARNING:
            raise ValueError(f"severity must be 'error' or 'warning', not {severity!r}")
        _set_errcode(self, errcode)
        _set_err_field(self, err_field)
        _set_errmsg(self, errmsg)
        _set_suggest(self, suggest)
        _set_severity(self, severity)

    @property
    def is_error(self) -> bool:
        """Whether this finding blocks submission."""
        return self.severity == ERROR

    def to_dict(self) -> dict[str, object]:
        """The finding as a JSON-ready dict, keys in the documented order."""
        return {
            "errcode": self.errcode,
            "err_field": self.err_field,
            "errmsg": self.errmsg,
            "suggest": self.suggest,
            "severity": self.severity,
        }


_set_errcode = Finding.__dict__["errcode"].__set__
_set_err_field = Finding.__dict__["err_field"].__set__
_set_errmsg = Finding.__dict__["errmsg"].__set__
_set_suggest = Finding.__dict__["suggest"].__set__
_set_severity = Finding.__dict__["severity"].__set__


def has_errors(findings: Iterable[Finding]) -> bool:
    """Whether any finding blocks submission."""
    return any(finding.is_error for finding in findings)


def errors(findings: Iterable[Finding]) -> list[Finding]:
    """Only the findings that block submission."""
    return [finding for finding in findings if finding.is_error]


def warnings(findings: Iterable[Finding]) -> list[Finding]:
    """Only the findings meant for the reviewer."""
    return [finding for finding in findings if not finding.is_error]


def mask_number(number: object) -> str:
    """Mask a certificate number for messages: first 3 and last 4 characters kept."""
    text = str(number)
    if len(text) < 8:
        # Too short to keep anything without revealing most of it.
        return "*" * len(text)
    return text[:3] + "*" * (len(text) - 7) + text[-4:]
