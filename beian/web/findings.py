"""The error body every client sees: a list of findings, as the pre-check reports them."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel

# errcode values of web-level errors: the HTTP status followed by two digits.
BAD_REQUEST = 40000
INVALID_FIELD = 40001
INVALID_JSON = 40002
NOT_AUTHENTICATED = 40100
BAD_CREDENTIALS = 40101
FORBIDDEN = 40300
CSRF_FAILED = 40301
NOT_FOUND = 40400
METHOD_NOT_ALLOWED = 40500
CONFLICT = 40900
TOO_LARGE = 41300
UNSUPPORTED_MEDIA_TYPE = 41500
TOO_MANY_REQUESTS = 42900
INTERNAL = 50000


class Finding(BaseModel):
    """One problem: which field, what is wrong and what to do."""

    errcode: int
    err_field: str
    errmsg: str
    suggest: str
    severity: Literal["error", "warning"] = "error"


class ErrorBody(BaseModel):
    """The JSON body of every error response under /api."""

    errors: list[Finding]


def finding(errcode: int, err_field: str, errmsg: str, suggest: str) -> dict[str, Any]:
    """A finding of severity error, as a plain dict ready for JSON."""
    return {
        "errcode": errcode,
        "err_field": err_field,
        "errmsg": errmsg,
        "suggest": suggest,
        "severity": "error",
    }


class FindingError(Exception):
    """Raise from a route to answer with these findings and this HTTP status."""

    def __init__(
        self,
        status_code: int,
        findings: list[dict[str, Any]],
        *,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(findings[0]["errmsg"] if findings else str(status_code))
        self.status_code = status_code
        self.findings = findings
        self.headers = headers or {}


# The finding for a bare HTTP status, when the code raising it said nothing more.
STATUS_FINDINGS: dict[int, tuple[int, str, str]] = {
    400: (BAD_REQUEST, "请求有误", "请检查提交的内容后重试"),
    401: (
        NOT_AUTHENTICATED,
        "需要登录",
        "请先登录；调用接口时请在 Authorization 头中提供 Bearer 令牌",
    ),
    403: (FORBIDDEN, "没有权限执行此操作", "请使用具有相应角色的账号登录"),
    404: (NOT_FOUND, "找不到请求的页面或资源", "请检查地址是否正确"),
    405: (METHOD_NOT_ALLOWED, "不支持此请求方法", "请查看接口文档中该地址支持的方法"),
    409: (CONFLICT, "与现有数据冲突", "请刷新后查看最新状态再重试"),
    413: (TOO_LARGE, "提交的内容过大", "请减小文件或请求体后重试"),
    415: (UNSUPPORTED_MEDIA_TYPE, "不支持的内容类型", "请以 application/json 提交请求体"),
    422: (INVALID_FIELD, "提交的内容有误", "请按提示修改后重试"),
    429: (TOO_MANY_REQUESTS, "请求过于频繁", "请稍后再试"),
    500: (INTERNAL, "服务器内部错误", "请稍后重试；如果问题持续，请联系运营管理员"),
}


def status_finding(status_code: int, errmsg: str | None = None) -> dict[str, Any]:
    """The default finding for an HTTP status, optionally with a more precise message."""
    code, message, suggest = STATUS_FINDINGS.get(
        status_code, (status_code * 100, "请求未能完成", "请稍后重试")
    )
    return finding(code, "", errmsg or message, suggest)
