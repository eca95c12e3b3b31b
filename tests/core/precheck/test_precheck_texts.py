"""Applet comment (2000-2099), prohibited words (2100-2199), individual names (2200-2299)."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from beian.core.precheck.rules.texts import find_words, normalise, word_list

COMMENT = range(2000, 2100)
WORDS = range(2100, 2200)
NAMES = range(2200, 2300)
NAME = "icp_applets.base_info.name"
TEXT = "icp_applets.base_info.comment"


def base(doc):
    return doc["icp_applets"]["base_info"]


def test_valid_filings_pass(found, enterprise, individual):
    for codes in (COMMENT, WORDS, NAMES):
        assert found(enterprise, codes) == found(individual, codes) == set()


@pytest.mark.parametrize(("length", "errcode"), [(19, 2001), (20, None), (200, None), (201, 2002)])
def test_comment_has_20_to_200_characters(found, individual, length, errcode):
    base(individual)["comment"] = "记" * length
    assert found(individual, COMMENT) == ({(errcode, TEXT)} if errcode else set())


def test_surrounding_spaces_do_not_count(found, individual):
    base(individual)["comment"] = "  " + "记" * 19 + "  "
    assert found(individual, COMMENT) == {(2001, TEXT)}


@pytest.mark.parametrize("name", ["开心赌博", "六合 彩预测", "百家乐！", "Ｋ粉"])
def test_prohibited_words_in_the_name(found, enterprise, name):
    base(enterprise)["name"] = name
    assert found(enterprise, WORDS) == {(2101, NAME)}


def test_prohibited_words_in_the_comment(check, enterprise):
    base(enterprise)["comment"] += "另提供博彩资讯。"
    [finding] = [f for f in check(enterprise) if f.errcode in WORDS]
    assert (finding.errcode, finding.err_field) == (2102, TEXT)
    assert "博彩" in finding.errmsg


def test_the_word_list_is_shipped_and_normalised():
    words = word_list("prohibited_words")
    assert {"赌博", "色情", "诈骗", "毒品", "k粉"} <= set(words)
    assert all(word == normalise(word) for word in words)
    assert find_words("菠菜沙拉", words) == []


@pytest.mark.parametrize("name", ["abc123", "Hello World", "ＡＢＣ", "2048"])
def test_an_individual_name_is_not_only_latin_or_digits(found, individual, name):
    base(individual)["name"] = name
    assert found(individual, NAMES) == {(2201, NAME)}


@pytest.mark.parametrize("name", ["中国美食笔记", "中华诗词笔记", "国家地理笔记"])
def test_an_individual_name_has_no_national_prefix(found, individual, name):
    base(individual)["name"] = name
    assert found(individual, NAMES) == {(2202, NAME)}


@pytest.mark.parametrize("name", ["小川科技公司", "小川官方商城", "小川政府服务", "小川银行助手"])
def test_an_individual_name_implies_no_organisation(found, individual, name):
    base(individual)["name"] = name
    assert found(individual, NAMES) == {(2203, NAME)}


def test_organisations_may_use_such_names(found, enterprise):
    base(enterprise)["name"] = "中国启明星教育官方"
    assert found(enterprise, NAMES) == set()


def test_a_latin_name_with_chinese_is_fine(found, individual):
    base(individual)["name"] = "小川的AI笔记"
    assert found(individual, NAMES) == set()


def folded_by_definition(text):
    """NFKC of the whole text, lower case, then no character of categories P, S, Z or C."""
    folded = unicodedata.normalize("NFKC", text).lower()
    return "".join(char for char in folded if unicodedata.category(char)[0] not in "PSZC")


# Characters the fast folding takes one by one (CJK, full-width and ASCII punctuation) mixed
# with ones it must not (combining marks, Hangul jamo, Greek sigma, compatibility letters).
MIXED = st.text(
    alphabet=st.sampled_from(
        "北京学堂赌博，：、。！（）ＡＢｃ１ 　…‥″a-Z.?"
        "\u0301\u0308\u0338e=<\u1100\u1161\u11a8ΣσΟΔ\ufb01\u2474\u2126\uff9e\u30ab\u00bd"
    ),
    max_size=12,
)


@settings(derandomize=True, max_examples=2000, deadline=None)
@given(MIXED | st.text(max_size=12))
def test_folding_is_nfkc_lower_case_without_punctuation(text):
    assert normalise(text) == folded_by_definition(text)


def found_by_definition(text, words):
    folded = folded_by_definition(text)
    return [word for word in words if word in folded]


# Words of the shipped list and a few made-up ones (Latin, digits, an empty word), and text
# made of their characters in either case, of characters folding drops, and of some that
# fold to something else (full-width letters, circled digits, combining marks).
SOME_WORDS = ("赌博", "k粉", "六合彩", "ab", "1a", "")
WORDY = st.text(
    alphabet=st.sampled_from("赌博k粉K六合彩abAB1ａＡ①学 ，。·\u3000-!\u0301\ufe10…"),
    max_size=14,
)


@settings(derandomize=True, max_examples=3000, deadline=None)
@given(WORDY | MIXED, st.sampled_from([SOME_WORDS, SOME_WORDS[:-1], ("kk",), ("Ab",)]))
def test_finding_words_is_searching_the_folded_text(text, words):
    assert find_words(text, words) == found_by_definition(text, words)


@settings(derandomize=True, max_examples=500, deadline=None)
@given(WORDY | MIXED)
def test_the_shipped_list_is_searched_as_in_folded_text(text):
    words = word_list("prohibited_words")
    assert find_words(text, words) == found_by_definition(text, words)


def test_a_word_split_between_the_name_and_the_comment_is_not_found(found, enterprise):
    # The name and the comment are searched together first: a word made of the end of one
    # and the start of the other is no word of either.
    base(enterprise)["name"] = "开心赌"
    base(enterprise)["comment"] = "博物馆导览：" + base(enterprise)["comment"]
    assert found(enterprise, WORDS) == set()
    base(enterprise)["comment"] = "赌博" + base(enterprise)["comment"]
    assert found(enterprise, WORDS) == {(2102, TEXT)}
