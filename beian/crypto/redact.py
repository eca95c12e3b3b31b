"""Masking of ID-number and mobile patterns in free text, and a logging filter doing it.

The code never logs personal data on purpose (a test runs a whole journey and checks);
this is the second line: an exception message from a third-party gateway or a database
driver may quote a value, and `RedactingFilter` masks it before any handler writes it.
"""

from __future__ import annotations

import logging
import re

# An 18-character resident ID (17 digits and a digit or X) and a mainland mobile, each
# standing alone: not inside a longer run of letters and digits (hex ids, hashes).
ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")
MOBILE = re.compile(r"(?<![0-9A-Za-z+])(?:\+?86)?1[3-9]\d{9}(?![0-9A-Za-z])")


def redact(text: str) -> str:
    """The text with every ID-number and mobile pattern masked."""
    text = ID_NUMBER.sub(lambda m: m.group()[:2] + "*" * 14 + m.group()[-2:], text)
    return MOBILE.sub(lambda m: m.group()[:-8] + "****" + m.group()[-4:], text)


def contains_personal_pattern(text: str) -> bool:
    """Whether the text holds something shaped like an ID number or a mobile."""
    return bool(ID_NUMBER.search(text) or MOBILE.search(text))


class RedactingFilter(logging.Filter):
    """Rewrites each record's message with `redact` (attach it to handlers)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if contains_personal_pattern(message):
            record.msg, record.args = redact(message), None
        if record.exc_info and record.exc_info[1] is not None:
            text = str(record.exc_info[1])
            if contains_personal_pattern(text):
                # The traceback would quote the message: keep the type, drop the text.
                record.exc_text = f"{type(record.exc_info[1]).__name__}: {redact(text)}"
                record.exc_info = None
        return True


def install_log_redaction(logger: logging.Logger | None = None) -> RedactingFilter:
    """Attach a RedactingFilter to every handler of `logger` (default: the root logger)."""
    target = logger or logging.getLogger()
    redacting = RedactingFilter()
    for handler in target.handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(redacting)
    return redacting
