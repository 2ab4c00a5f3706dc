"""The statistical component: training data, determinism, explanation, speed of training."""

from __future__ import annotations

import json
import time
from pathlib import Path

from nlp import Classifier, Intent
from nlp.model import DEFAULT_TRAIN_PATH, Feature, NaiveBayes, load_examples, message_features

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


def test_training_is_fast(clf: Classifier) -> None:
    examples = load_examples(DEFAULT_TRAIN_PATH)
    t0 = time.process_time()
    clf.retrained(examples)
    assert time.process_time() - t0 < 1.0  # ~0.25 s on the development box; generous for CI


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


def test_features_keep_bigrams_apart_from_tokens() -> None:
    feats = message_features("电梯坏了", ["电梯", "坏", "了"], question=False, emoticons=())
    assert "电梯" in feats
    assert ("电", "梯") in feats
    assert ("梯", "坏") in feats
    assert "<?>" in message_features("几点?", ["几点", "?"], question=True, emoticons=())
