"""Masking ID-number and mobile patterns in text and in log records."""

from __future__ import annotations

import logging

import pytest

from beian.crypto.redact import (
    RedactingFilter,
    contains_personal_pattern,
    install_log_redaction,
    redact,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("手机13800138000无法接通", "手机138****8000无法接通"),
        ("to +8613800138000.", "to +86138****8000."),
        ("身份证11010519491231002X有误", "身份证11**************2X有误"),
        ("id 110105194912310021", "id 11**************21"),
    ],
)
def test_personal_patterns_are_masked(text: str, expected: str) -> None:
    assert contains_personal_pattern(text)
    assert redact(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "filing ac7f1041138001380001 claimed",  # inside a hex id
        "a1380013800b",  # letters around it
        "1380013800",  # ten digits
        "2026000001",
        "京ICP备2026000001号-1X",
        "sha 0" + "13800138000" * 2,
    ],
)
def test_other_digit_runs_are_left_alone(text: str) -> None:
    assert not contains_personal_pattern(text)
    assert redact(text) == text


def test_the_filter_masks_messages_and_exception_text(caplog) -> None:
    logger = logging.getLogger("tests.redact")
    caplog.set_level(logging.INFO, logger="tests.redact")
    caplog.handler.addFilter(RedactingFilter())
    try:
        logger.info("gateway refused %s", "13800138000")
        try:
            raise ValueError("bad number 13800138000")
        except ValueError:
            logger.exception("delivery failed")
    finally:
        caplog.handler.filters.clear()
    text = caplog.text
    assert "13800138000" not in text
    assert "138****8000" in text and "ValueError: bad number 138****8000" in text


def test_install_attaches_one_filter_per_handler() -> None:
    logger = logging.getLogger("tests.redact.install")
    handler = logging.NullHandler()
    logger.addHandler(handler)
    try:
        install_log_redaction(logger)
        install_log_redaction(logger)
        assert [type(f) for f in handler.filters] == [RedactingFilter]
    finally:
        logger.removeHandler(handler)
