from __future__ import annotations

import pytest

from nlp.normalize import Normalizer


@pytest.fixture(scope="module")
def norm() -> Normalizer:
    return Normalizer({"[怒]": -2.0, "😡": -2.0, "👍": 1.0}, max_chars=50)


def test_full_width_becomes_half_width(norm: Normalizer) -> None:
    n = norm("３栋２单元１３０２，ＡＢＣ！")
    assert n.text == "3栋2单元1302,abc!"
    assert n.display == "3栋2单元1302,ABC!"


def test_traditional_is_converted_for_matching_but_kept_for_display(norm: Normalizer) -> None:
    n = norm("部lift壞咗，嘈到瞓唔著，管理處")
    assert n.text == "部lift坏咗,嘈到瞓唔着,管理处"
    assert n.display == "部lift壞咗,嘈到瞓唔著,管理處"
    assert n.traditional
    assert n.aligned


def test_simplified_text_is_not_flagged_traditional(norm: Normalizer) -> None:
    assert not norm("电梯坏了").traditional


def test_repeated_punctuation_is_folded_into_signals(norm: Normalizer) -> None:
    n = norm("又坏了！！！到底修不修？？？")
    assert n.text == "又坏了!到底修不修?"
    assert n.exclaim_runs == 1
    assert n.question_runs == 1
    assert n.question_marks == 1


def test_mixed_question_exclamation_run(norm: Normalizer) -> None:
    n = norm("什么情况?!?!")
    assert n.text.endswith("?")
    assert n.question_runs == 1


def test_known_emoticons_are_removed_and_kept_as_signals(norm: Normalizer) -> None:
    n = norm("电梯又停了[怒]😡")
    assert n.text == "电梯又停了"
    assert n.emoticons == ("[怒]", "😡")
    assert norm.emoticon_score(n) == -4.0


def test_traditional_bracket_emoticon_is_recognised(norm: Normalizer) -> None:
    n = Normalizer({"[发怒]": -2.0})("好嬲[發怒]")
    assert n.emoticons == ("[发怒]",)


def test_unknown_bracket_text_is_kept(norm: Normalizer) -> None:
    assert "[b2]" in norm("车位在[B2]层").text


def test_unknown_emoji_is_dropped_without_signal(norm: Normalizer) -> None:
    n = norm("早上好☀️🌈")
    assert n.text == "早上好"
    assert n.emoticons == ()


def test_control_zero_width_and_surrogates_are_removed(norm: Normalizer) -> None:
    n = norm("电\u200b梯\x00坏\ud800了\ufeff")
    assert n.text == "电梯坏了"


def test_whitespace_is_collapsed(norm: Normalizer) -> None:
    assert norm("  电梯 \t\n 坏了  ").text == "电梯 坏了"


def test_long_input_is_bounded(norm: Normalizer) -> None:
    n = norm("漏" * 10_000)
    assert n.truncated
    assert len(n.text) == 50


def test_empty_input(norm: Normalizer) -> None:
    n = norm("")
    assert n.text == ""
    assert not n.truncated


def test_terms_are_normalized_like_messages(norm: Normalizer) -> None:
    assert norm.normalize_term(" 管理處 ") == "管理处"
    assert norm.normalize_term("ＬＩＦＴ") == "lift"


def test_max_chars_must_be_positive() -> None:
    with pytest.raises(ValueError, match="positive"):
        Normalizer(max_chars=0)
