"""Applet comment (errcodes 2000-2099), prohibited words (2100-2199) and an
individual's applet name (2200-2299)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from functools import cache
from importlib import resources

from beian.core.document import FilingDocument
from beian.core.findings import Finding
from beian.core.precheck.context import Context, filled
from beian.core.precheck.folding import dropped_class, fold, is_simple

COMMENT_TOO_SHORT = 2001
COMMENT_TOO_LONG = 2002
PROHIBITED_IN_NAME = 2101
PROHIBITED_IN_COMMENT = 2102
NAME_ONLY_LATIN = 2201
NAME_NATIONAL_PREFIX = 2202
NAME_IMPLIES_ORGANISATION = 2203

COMMENT_MIN, COMMENT_MAX = 20, 200
NATIONAL_PREFIXES = ("中国", "中华", "国家")
APPLET_NAME = "icp_applets.base_info.name"
APPLET_COMMENT = "icp_applets.base_info.comment"


def normalise(text: str) -> str:
    """Text folded for word matching: NFKC, lower case, no spaces, punctuation or symbols."""
    return fold(text)


@cache
def word_list(name: str) -> tuple[str, ...]:
    """The normalised words of a shipped list (data/<name>.txt)."""
    text = resources.files("beian.core.precheck").joinpath("data", f"{name}.txt")
    words = []
    for line in text.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            words.append(normalise(line))
    return tuple(word for word in words if word)


def find_words(text: str, words: tuple[str, ...]) -> list[str]:
    """The listed words that occur in the text, in list order."""
    _, in_simple_text, any_of = _patterns(words)
    if is_simple(text) and in_simple_text.search(text) is None:
        return []  # the usual case, decided without folding the text
    folded = normalise(text)
    if any_of.search(folded) is None:
        return []  # the usual case, found by one scan instead of one per word
    return [word for word in words if word in folded]


def _words_in_folded(folded: str, words: tuple[str, ...]) -> list[str]:
    """find_words for a text already folded (normalise)."""
    if _patterns(words)[2].search(folded) is None:
        return []
    return [word for word in words if word in folded]


def _none_in_simple_text(text: str, words: tuple[str, ...]) -> bool:
    """Whether the text is simple and surely holds none of the words (see find_words)."""
    return is_simple(text) and _patterns(words)[1].search(text) is None


# The patterns of each word list, found by the identity of its tuple (word_list returns the
# same one every time): hashing some fifty words on every call would cost more than the
# search. An entry holds its tuple, so the id cannot be reused while the entry is there.
_PATTERNS: dict[int, tuple[tuple[str, ...], re.Pattern[str], re.Pattern[str]]] = {}


def _patterns(words: tuple[str, ...]) -> tuple[tuple[str, ...], re.Pattern[str], re.Pattern[str]]:
    entry = _PATTERNS.get(id(words))
    if entry is None or entry[0] is not words:
        if len(_PATTERNS) >= 16:
            _PATTERNS.clear()
        entry = _PATTERNS[id(words)] = (words, _in_simple_text(words), _any_of(words))
    return entry


def _in_simple_text(words: tuple[str, ...]) -> re.Pattern[str]:
    """A pattern that finds, in simple text (folding.is_simple), whatever may fold into a word.

    Simple text folds by losing some characters and lower-casing the rest, so a word occurs
    in the folded text only where its characters (ASCII letters in either case) stand in
    the text with nothing but dropped characters between them. The pattern may find more
    than that; what it finds is then checked the general way.
    """
    between = dropped_class() + "*"
    alternatives = []
    for word in words:
        rest = "".join(between + _either_case(char) for char in word[1:])
        # Each alternative starts with one literal character, so the regex engine can skip
        # ahead to the places where some word may start instead of trying every position.
        for first in dict.fromkeys((word[:1], word[:1].upper() if word[:1].isascii() else "")):
            if first or not word:
                alternatives.append(re.escape(first) + rest)
    return re.compile("|".join(alternatives))


def _either_case(char: str) -> str:
    if char.isascii() and char.upper() != char:
        return f"[{re.escape(char)}{re.escape(char.upper())}]"
    return re.escape(char)


def _any_of(words: tuple[str, ...]) -> re.Pattern[str]:
    """A pattern that finds any of the words (an empty word is found everywhere)."""
    return re.compile("|".join(map(re.escape, words)))


def applet_comment(doc: FilingDocument, ctx: Context) -> Iterable[Finding]:
    """The applet comment describes the service in 20 to 200 characters."""
    text = (ctx.applet_base.comment or "").strip()
    if not text:
        return ()  # the required-fields rule reports it
    length = len(text)
    if length < COMMENT_MIN:
        return (
            Finding(
                COMMENT_TOO_SHORT,
                APPLET_COMMENT,
                f"小程序备注只有 {length} 个字，少于 {COMMENT_MIN} 个字",
                "请具体描述小程序实际经营和提供的主要服务（如服务对象、内容、方式），"
                "20 至 200 个字",
            ),
        )
    if length > COMMENT_MAX:
        return (
            Finding(
                COMMENT_TOO_LONG,
                APPLET_COMMENT,
                f"小程序备注有 {length} 个字，超过 {COMMENT_MAX} 个字",
                f"请精简到 {COMMENT_MAX} 个字以内，保留实际经营内容和主要服务",
            ),
        )
    return ()


def prohibited_words(doc: FilingDocument, ctx: Context) -> Iterable[Finding]:
    """No prohibited word in the applet name or comment."""
    words = word_list("prohibited_words")
    base = ctx.applet_base
    name, comment = base.name or "", base.comment or ""
    # The usual case, told in one pass over both texts: a space (simple, folded away) joins
    # them, so a hit may straddle the two; any hit is then looked for text by text.
    if _none_in_simple_text(f"{name} {comment}", words):
        return ()
    if not (find_words(name, words) or find_words(comment, words)):
        return ()
    return _prohibited_findings(base.name, base.comment, words)


def _prohibited_findings(
    name: str | None, comment: str | None, words: tuple[str, ...]
) -> Iterator[Finding]:
    for field, errcode, label, text in (
        (APPLET_NAME, PROHIBITED_IN_NAME, "小程序名称", name),
        (APPLET_COMMENT, PROHIBITED_IN_COMMENT, "小程序备注", comment),
    ):
        found = find_words(text or "", words)
        if found:
            yield Finding(
                errcode,
                field,
                f"{label}含有禁止使用的词语：{'、'.join(found)}",
                "涉及色情、赌博、诈骗、毒品等违法内容的小程序不能备案；如属误用，请修改措辞后重新提交",
            )


def individual_applet_name(doc: FilingDocument, ctx: Context) -> Iterable[Finding]:
    """An individual's applet name is not bare Latin/digits and implies no organisation."""
    name = ctx.applet_base.name
    if ctx.individual is not True or not filled(name):
        return ()  # decided before a generator is made
    assert name is not None
    return _individual_name_problems(name)


def _individual_name_problems(name: str) -> list[Finding]:
    found: list[Finding] = []
    folded = normalise(name)
    if folded and folded.isascii() and folded.isalnum():
        found.append(
            Finding(
                NAME_ONLY_LATIN,
                APPLET_NAME,
                "个人小程序名称不能只由字母或数字组成",
                "请在微信公众平台把小程序名称改为包含中文、能体现服务内容的名称后再备案",
            )
        )
    if folded.startswith(NATIONAL_PREFIXES):
        prefix = next(p for p in NATIONAL_PREFIXES if folded.startswith(p))
        found.append(
            Finding(
                NAME_NATIONAL_PREFIX,
                APPLET_NAME,
                f"个人小程序名称不能以「{prefix}」开头",
                "请修改小程序名称，去掉“中国”“中华”“国家”等字样",
            )
        )
    # The name is folded already: look for the words in it directly (find_words would first
    # try the raw text, which saves folding, not searching).
    words = _words_in_folded(folded, word_list("individual_name_words"))
    if words:
        found.append(
            Finding(
                NAME_IMPLIES_ORGANISATION,
                APPLET_NAME,
                f"个人小程序名称含有「{'、'.join(words)}」，像是企业、特定行业或官方机构",
                "个人主体的小程序名称不能体现企业、行业或官方性质：请修改名称，或以相应单位主体备案",
            )
        )
    return found
