"""Refusals raised inside the documents feature and turned into findings at its edge."""

from __future__ import annotations

from beian.core.findings import ERROR, Finding


class Refusal(Exception):
    """An upload or document that cannot be accepted, with what to do about it."""

    def __init__(self, errcode: int, errmsg: str, suggest: str) -> None:
        super().__init__(errmsg)
        self.errcode = errcode
        self.errmsg = errmsg
        self.suggest = suggest

    def finding(self, field: str) -> Finding:
        """The refusal as an error finding on `field`."""
        return Finding(self.errcode, field, self.errmsg, self.suggest, ERROR)
