"""Text folded for word matching: NFKC, lower case, no punctuation, symbols, spaces or controls.

`fold` is `_fold_slowly` made fast. The slow way normalises the whole text (NFKC), lower-cases
it and drops every character of Unicode categories P, S, Z and C. For text made only of
"plain" characters it gives the same result character by character, so one `str.translate`
through a table of per-character results does it in C. A character is plain when every
character of its compatibility decomposition is a starter (combining class 0) from ASCII,
General Punctuation, CJK Symbols and Punctuation, the CJK ideographs or the half- and
full-width forms: such characters never compose with, or reorder around, their neighbours,
and none of them is the Greek capital sigma, the one letter whose lower case depends on its
neighbours. Chinese applet names and comments, with their full-width punctuation, are plain;
anything else takes the slow way.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

_PLAIN_BLOCKS = (
    ("\u0000", "\u007f"),  # ASCII
    ("\u2000", "\u206f"),  # General Punctuation
    ("\u3000", "\u303f"),  # CJK Symbols and Punctuation
    ("\u3400", "\u4dbf"),  # CJK Unified Ideographs Extension A
    ("\u4e00", "\u9fff"),  # CJK Unified Ideographs
    ("\uff00", "\uffef"),  # Halfwidth and Fullwidth Forms
)
# Stop learning after this many characters, so odd input cannot fill memory.
_TABLE_LIMIT = 1 << 16


class _NotPlain(Exception):
    """A character that must be folded with its neighbours (not a LookupError on purpose:
    str.translate would take that as "keep the character")."""


def _is_plain(char: str) -> bool:
    return all(
        unicodedata.combining(part) == 0
        and any(low <= part <= high for low, high in _PLAIN_BLOCKS)
        for part in unicodedata.normalize("NFKD", char)
    )


def _fold_slowly(text: str) -> str:
    folded = unicodedata.normalize("NFKC", text).lower()
    return "".join(char for char in folded if unicodedata.category(char)[0] not in "PSZC")


class _Folded(dict[int, str]):
    """For str.translate: each plain character's folded form, learnt as characters come."""

    def __missing__(self, code: int) -> str:
        char = chr(code)
        if not _is_plain(char):
            raise _NotPlain
        folded = _fold_slowly(char)
        if len(self) < _TABLE_LIMIT:
            self[code] = folded
        return folded


_FOLDED = _Folded()


def fold(text: str) -> str:
    """The text as word lists are matched against it (see the module docstring)."""
    try:
        return text.translate(_FOLDED)
    except _NotPlain:
        return _fold_slowly(text)


# Simple text: every character folds, on its own, either to itself lower-cased (letters,
# digits, ideographs) or to nothing (punctuation, spaces, symbols). Such text folds to
# itself without the dropped characters, lower-cased, so a word list can be searched for in
# it without folding it first (rules.texts does). Characters outside the plain blocks are
# left out: the classification stays cheap and anything unusual takes the general way.
def _classify() -> tuple[str, str]:
    kept: list[int] = []
    dropped: list[int] = []
    for low, high in _PLAIN_BLOCKS:
        for code in range(ord(low), ord(high) + 1):
            char = chr(code)
            # Most of the range is ideographs with no decomposition: they fold to
            # themselves; telling them apart this way is some ten times faster.
            if (
                unicodedata.category(char) == "Lo"
                and not unicodedata.decomposition(char)
                and not unicodedata.combining(char)
            ):
                kept.append(code)
            elif _is_plain(char):
                folded = _fold_slowly(char)
                if not folded:
                    dropped.append(code)
                elif folded == char.lower():
                    kept.append(code)
    return _char_class(sorted(kept + dropped)), _char_class(dropped)


def _char_class(codes: list[int]) -> str:
    """A regex character class of the code points (sorted), written as ranges."""
    parts = []
    start = end = codes[0]
    for code in [*codes[1:], -1]:
        if code == end + 1:
            end = code
            continue
        parts.append(
            re.escape(chr(start))
            if start == end
            else f"{re.escape(chr(start))}-{re.escape(chr(end))}"
        )
        start = end = code
    return "[" + "".join(parts) + "]"


@cache
def _simple_patterns() -> tuple[re.Pattern[str], str]:
    simple, dropped = _classify()
    return re.compile(f"{simple}*"), dropped


def is_simple(text: str) -> bool:
    """Whether each character of the text folds to itself lower-cased, or to nothing."""
    return _simple_patterns()[0].fullmatch(text) is not None


def dropped_class() -> str:
    """A regex character class of the characters that simple text loses when folded."""
    # Made of small ranges on purpose: the regex compiler spells out every character of a
    # range, so the shorter negated class of the kept characters (whole ideograph blocks)
    # would make a word-list pattern, which repeats the class, slow to compile.
    return _simple_patterns()[1]
