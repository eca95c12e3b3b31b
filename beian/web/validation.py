"""Explain request validation errors in Chinese, one finding per field (dotted path)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from beian.web.findings import INVALID_FIELD, INVALID_JSON, finding

# pydantic error type -> (what is wrong, what to do); {field} is the dotted path.
_MESSAGES: dict[str, tuple[str, str]] = {
    "missing": ("缺少必填字段 {field}", "请提供该字段"),
    "extra_forbidden": ("不允许的字段 {field}", "请删除该字段，或检查拼写"),
    "json_invalid": ("请求体不是合法的 JSON", "请检查引号、逗号和括号，并以 UTF-8 编码发送"),
    "json_type": ("请求体不是合法的 JSON", "请以 application/json 发送一个 JSON 对象"),
    "model_attributes_type": ("{field} 应为 JSON 对象", '请提供形如 {{"键": 值}} 的对象'),
    "dict_type": ("{field} 应为 JSON 对象", '请提供形如 {{"键": 值}} 的对象'),
    "model_type": ("{field} 应为 JSON 对象", '请提供形如 {{"键": 值}} 的对象'),
    "list_type": ("{field} 应为数组", "请提供 JSON 数组"),
    "string_type": ("{field} 应为字符串", "请用双引号括起该值"),
    "string_too_short": ("{field} 太短", "至少需要 {min_length} 个字符"),
    "string_too_long": ("{field} 太长", "最多 {max_length} 个字符"),
    "string_pattern_mismatch": ("{field} 格式不正确", "请按接口文档的格式填写"),
    "int_type": ("{field} 应为整数", "请填写不带引号的整数"),
    "int_parsing": ("{field} 应为整数", "请填写整数"),
    "int_from_float": ("{field} 应为整数", "请去掉小数部分"),
    "float_type": ("{field} 应为数字", "请填写数字"),
    "float_parsing": ("{field} 应为数字", "请填写数字"),
    "bool_type": ("{field} 应为布尔值", "请填写 true 或 false"),
    "bool_parsing": ("{field} 应为布尔值", "请填写 true 或 false"),
    "literal_error": ("{field} 的取值不在允许范围内", "请从接口文档列出的取值中选择"),
    "enum": ("{field} 的取值不在允许范围内", "请从接口文档列出的取值中选择"),
    "greater_than_equal": ("{field} 太小", "不能小于 {ge}"),
    "less_than_equal": ("{field} 太大", "不能大于 {le}"),
    "too_short": ("{field} 的项数太少", "至少需要 {min_length} 项"),
    "too_long": ("{field} 的项数太多", "最多 {max_length} 项"),
    "date_from_datetime_parsing": ("{field} 不是有效的日期", "请使用 YYYY-MM-DD 格式"),
    "datetime_from_date_parsing": ("{field} 不是有效的时间", "请使用 ISO 8601 格式"),
}
_FALLBACK = ("{field} 的值无效", "请按接口文档修改该字段")
_SEND_JSON = "请以 Content-Type: application/json 发送一个 JSON 对象"
# Errors about the body as a whole: usually no body, or one sent as something else than JSON.
_WHOLE_BODY = {
    "missing": ("缺少请求体", _SEND_JSON),
    "model_attributes_type": ("请求体应为 JSON 对象", _SEND_JSON),
    "dict_type": ("请求体应为 JSON 对象", _SEND_JSON),
    "model_type": ("请求体应为 JSON 对象", _SEND_JSON),
}
# Where a value came from. An error about the whole body has the empty field, as a
# pre-check finding about the whole document does.
_SOURCES = {"body", "query", "path", "header", "cookie"}


def field_path(loc: Sequence[Any]) -> str:
    """The dotted path of a field from a pydantic location, without its source."""
    parts = [str(part) for part in loc]
    if len(parts) > 1 and parts[0] in _SOURCES:
        parts = parts[1:]
    if parts in (["body"], []):
        return ""
    return ".".join(parts)


def validation_findings(errors: Sequence[Any]) -> list[dict[str, Any]]:
    """One finding per validation error; the submitted values are never echoed back."""
    findings = []
    for error in errors:
        kind = str(error.get("type", ""))
        loc = tuple(error.get("loc", ()))
        # The location of a JSON syntax error is a byte offset, not a field.
        field = "" if kind in ("json_invalid", "json_type") else field_path(loc)
        message, suggest = _MESSAGES.get(kind, _FALLBACK)
        if not field and kind in _WHOLE_BODY:
            message, suggest = _WHOLE_BODY[kind]
        elif not field:
            message = message.replace("{field} ", "请求体").replace("{field}", "请求体")
        context = {k: v for k, v in (error.get("ctx") or {}).items() if isinstance(v, int | str)}
        code = INVALID_JSON if kind in ("json_invalid", "json_type") else INVALID_FIELD
        findings.append(finding(code, field, message.format(field=field), _fill(suggest, context)))
    return findings


def _fill(template: str, context: dict[str, Any]) -> str:
    try:
        return template.format(**context)
    except (KeyError, IndexError, ValueError):
        return template.split("{", 1)[0].rstrip() or "请按接口文档修改该字段"
