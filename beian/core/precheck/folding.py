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

import unicodedata

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
