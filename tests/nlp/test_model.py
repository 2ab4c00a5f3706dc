"""The statistical component: training data, determinism, explanation, exact fast scoring."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from nlp import Classifier, Intent
from nlp.model import (
    DEFAULT_TRAIN_PATH,
    Feature,
    JointModel,
    NaiveBayes,
    load_examples,
    message_features,
    pack_row,
    unpack_sums,
)

CORPUS = Path(__file__).resolve().parents[1] / "data" / "corpus"


def _squash(text: str) -> str:
    return "".join(text.split())


def test_training_data_never_contains_the_frozen_test_split() -> None:
    train = {_squash(e.text) for e in load_examples(DEFAULT_TRAIN_PATH)}
    test_path = CORPUS / "test.jsonl"
    with test_path.open(encoding="utf-8") as f:
        test = {_squash(json.loads(line)["text"]) for line in f if line.strip()}
    assert not train & test  # a count only: no test text is printed


def test_training_data_is_labelled_like_the_corpus() -> None:
    examples = load_examples(DEFAULT_TRAIN_PATH)
    assert len(examples) >= 900
    assert {e.intent for e in examples} == {i.value for i in Intent}


def test_the_model_appears_as_a_rule(clf: Classifier) -> None:
    assert clf.has_model
    # No complaint word: the rules alone leave it below the threshold; the model decides.
    c = clf.classify("这物业真的不行")
    assert c.intent is Intent.COMPLAINT
    assert any(r.startswith("model:complaint(") for r in c.rules), c.rules
    # Decisive rules: the model is not consulted (it could not change the outcome).
    assert not any(
        r.startswith("model:") for r in clf.classify("隔壁那家天天把垃圾袋扔在走廊，臭到不行").rules
    )


def test_training_is_deterministic(clf: Classifier) -> None:
    examples = load_examples(DEFAULT_TRAIN_PATH)
    a = clf.retrained(examples)
    b = clf.retrained(list(examples))
    for text in ("楼下的狗一直叫", "请问几点停水", "大家早上好", "电梯按钮不亮"):
        assert a.classify(text) == b.classify(text)


def test_rules_only_without_training_data(clf: Classifier) -> None:
    bare = clf.retrained([])
    assert not bare.has_model
    assert not any(r.startswith("model") for r in bare.classify("电梯坏了").rules)


def test_naive_bayes_basics() -> None:
    docs: list[set[Feature]] = [{"a", "b"}, {"a"}, {"c"}, {"c", "d"}]
    nb = NaiveBayes.train(docs, ["x", "x", "y", "y"], alpha=0.5)
    px = nb.proba({"a"})
    assert px[0] > 0.5 > px[1]
    assert abs(sum(nb.proba({"zzz"})) - 1.0) < 1e-9
    assert nb.proba({"zzz"}) == [0.5, 0.5]  # unknown features: the (uniform) prior


def test_features_are_tokens_bigrams_and_signals() -> None:
    feats = message_features("电梯坏了", ["电梯", "坏", "了"], question=False, emoticons=())
    # A multiset: a two-character token is also a bigram of the text, the same string, twice.
    assert Counter(feats) == Counter({"电梯": 2, "梯坏": 1, "坏了": 1, "坏": 1, "了": 1})
    assert "<?>" in message_features("几点?", ["几点", "?"], question=True, emoticons=())
    assert "[怒]" in message_features("好", ["好"], question=False, emoticons=("[怒]",))
    assert message_features("电梯坏了", ["电梯", "坏", "了"], False, (), bigrams=False) == [
        "电梯",
        "坏",
        "了",
    ]


def test_packed_rows_sum_like_floats() -> None:
    rows = [[-0.5, -12.25, 0.0], [-3.0, -1e-3, -7.75], [-19.5, -0.125, -2.0]]
    total = sum(pack_row(r) for r in rows)
    for got, want in zip(unpack_sums(total, 3), map(sum, zip(*rows, strict=True)), strict=True):
        assert abs(got - want) < 1e-6
    assert unpack_sums(0, 2) == [0.0, 0.0]
    with pytest.raises(ValueError, match="not a log-likelihood"):
        pack_row([0.5])


def test_joint_model_matches_its_models() -> None:
    docs: list[list[Feature]] = [
        ["电梯", "梯坏", "坏"],
        ["电梯", "停水"],
        ["噪音", "吵", "吵"],
        ["请问", "<?>"],
    ]
    a = NaiveBayes.train(docs, ["r", "r", "c", "i"], alpha=0.5)
    b = NaiveBayes.train(docs, ["u", "n", "n", "n"], alpha=0.5)
    joint = JointModel([a, b])
    for feats in (["电梯", "坏", "zzz"], ["吵", "吵"], [], ["<?>", "请问", "电梯"]):
        sums = joint.sums(feats)
        for i, m in enumerate((a, b)):
            for got, want in zip(joint.proba(sums, i), m.proba(feats), strict=True):
                assert abs(got - want) < 1e-6


def test_message_sums_equal_the_sums_of_the_feature_set(clf: Classifier) -> None:
    """The fast path (bigrams found by the automaton, no feature set built) is exact."""
    model = clf._joint
    assert model is not None
    with (CORPUS / "dev.jsonl").open(encoding="utf-8") as f:
        texts = [json.loads(line)["text"] for line in f][:150]
    for text in [*texts, "", "a", "吗?", "<?>", "😡😡电梯电梯电梯"]:
        a = clf.analyse(text)
        n = a.normalized
        feats = clf._model_features(n, a.tokens, a.hits)
        fast = clf._model_sums(model, n, a.tokens, clf._rule_features(a.hits))
        assert fast == model.sums(feats), text
