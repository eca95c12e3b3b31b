"""Errors the filing services raise; each carries findings in the pre-check's shape."""

from __future__ import annotations

from typing import Any

from beian.core.workflow import IllegalTransition

# errcodes of service refusals (the pre-check's own codes live in beian.core.precheck).
NOT_FOUND = 40400
FORBIDDEN = 40300
CONFLICT = 40900
ILLEGAL_MOVE = 40901
LOCKED_FIELD = 42201
BAD_INPUT = 42200
PRECHECK_FAILED = 42210
CODE_REJECTED = 42230


class FilingError(Exception):
    """A refused action, with findings saying which field and what to do."""

    status = 422

    def __init__(
        self, message: str, *, field: str = "", suggest: str = "", errcode: int = BAD_INPUT
    ) -> None:
        super().__init__(message)
        self.findings: list[dict[str, Any]] = [
            {
                "errcode": errcode,
                "err_field": field,
                "errmsg": message,
                "suggest": suggest,
                "severity": "error",
            }
        ]


class NotFound(FilingError):
    status = 404

    def __init__(self, what: str = "备案申请", field: str = "filing_id") -> None:
        super().__init__(
            f"{what}不存在或无权访问", field=field, suggest="请检查编号是否正确", errcode=NOT_FOUND
        )


class Forbidden(FilingError):
    status = 403

    def __init__(self, message: str, suggest: str = "") -> None:
        super().__init__(message, suggest=suggest, errcode=FORBIDDEN)


class Conflict(FilingError):
    status = 409

    def __init__(self, message: str, suggest: str = "", field: str = "") -> None:
        super().__init__(message, suggest=suggest, field=field, errcode=CONFLICT)


class IllegalMove(FilingError):
    status = 409

    def __init__(self, error: IllegalTransition) -> None:
        super().__init__(
            str(error),
            field="status",
            suggest="请刷新页面查看备案的当前状态后再操作",
            errcode=ILLEGAL_MOVE,
        )
        self.event = error.event
        self.current = error.current


class PrecheckFailed(FilingError):
    """The document has error findings; nothing was submitted."""

    status = 422

    def __init__(self, findings: list[dict[str, Any]]) -> None:
        errors = [f for f in findings if f["severity"] == "error"]
        super().__init__(
            f"备案信息有 {len(errors)} 处错误，请修改后再提交", errcode=PRECHECK_FAILED
        )
        self.findings = findings


class CodeRejected(FilingError):
    """A wrong, expired or unknown verification code (worded so as not to reveal which)."""

    status = 422

    def __init__(self, message: str, suggest: str) -> None:
        super().__init__(message, field="code", suggest=suggest, errcode=CODE_REJECTED)
