"""Property tests: any input, any length up to 100 kB, never raises and returns a valid value."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nlp import Classification, Classifier, Intent, Risk, UnitAddress
from nlp.normalize import Normalizer

# Every code point, including lone surrogates, controls and private use.
ANY_CHAR = st.characters(codec=None, categories=None)
DOMAIN = st.sampled_from(
    [
        *list(
            "电梯坏了漏水投诉请问吗？！!?[]怒😡🤬栋单元座樓号楼-0123456789ABab \u3000\n\t不没冇唔又一直三天了还没修好谢谢"
        ),
        "12345",
        "报修",
        "部lift",
        "管理處",
        "煤气味",
        "[发怒]",
        "3栋2单元1302",
        "12-1-602",
        "🏳️\u200d🌈",
        "\ufeff",
        "�",
    ]
)
TEXT = st.one_of(
    st.text(ANY_CHAR, max_size=300),
    st.lists(DOMAIN, max_size=200).map("".join),
    # Large inputs up to ~100 kB, built by repetition so generation stays fast.
    st.tuples(
        st.lists(st.one_of(ANY_CHAR, DOMAIN), min_size=1, max_size=50).map("".join), st.integers(1, 2000)
    ).map(lambda p: (p[0] * p[1])[:100_000]),
)


def check(c: Classification, clf: Classifier) -> None:
    assert isinstance(c, Classification)
    assert isinstance(c.intent, Intent)
    cats = clf.categories()
    if c.intent is Intent.OTHER:
        assert c.category is None
    else:
        assert c.category is not None
        assert c.intent in cats[c.category]
    assert isinstance(c.urgent, bool)
    assert isinstance(c.negative, bool)
    assert -1.0 <= c.sentiment <= 1.0
    assert c.risk in (Risk.NONE, Risk.NEGATIVE, Risk.EXTERNAL, Risk.CRISIS)
    assert (c.risk >= Risk.NEGATIVE) is c.negative
    assert not c.urgent or c.negative
    assert all(isinstance(r, str) and r for r in c.rules)
    assert len(set(c.rules)) == len(c.rules)
    if c.unit is not None:
        assert isinstance(c.unit, UnitAddress)
        assert c.unit.raw
    c.as_dict()


@settings(
    max_examples=300,
    deadline=timedelta(seconds=2),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(TEXT)
def test_any_text_classifies(clf: Classifier, text: str) -> None:
    check(clf.classify(text), clf)


@settings(max_examples=100, deadline=timedelta(seconds=2), suppress_health_check=[HealthCheck.too_slow])
@given(TEXT)
def test_explain_never_raises(clf: Classifier, text: str) -> None:
    out = clf.explain(text)
    assert "intent:" in out


@settings(max_examples=300, deadline=timedelta(seconds=1))
@given(st.text(ANY_CHAR, max_size=500))
def test_normalized_text_is_clean(text: str) -> None:
    n = _NORMALIZER(text)
    assert len(n.text) <= 2000
    assert not any(0xD800 <= ord(ch) <= 0xDFFF for ch in n.text)  # encodable: OpenCC/jieba safe
    n.text.encode("utf-8")
    assert n.text == n.text.strip()
    assert "  " not in n.text
    assert "!!" not in n.text
    assert "??" not in n.text


def test_100kb_message_is_bounded(clf: Classifier) -> None:
    c = clf.classify("楼上装修电钻一直响，吵得受不了！" * 7000)
    assert c.intent is Intent.COMPLAINT


_NORMALIZER = Normalizer()
