"""Every labelled corpus file keeps the labelling rules of docs/LABELLING.md: one record format,
category codes from the intent's list, the linked labels, and no message in two places."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from nlp import Classifier

CORPUS = Path(__file__).resolve().parents[1] / "data" / "corpus"
SPLITS = sorted(CORPUS.glob("*.jsonl"))
KEYS = ["text", "intent", "category", "urgent", "negative", "risk", "script"]
INTENTS = {"repair", "complaint", "inquiry", "other"}


def records(path: Path) -> list[dict[str, object]]:
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_the_corpus_has_its_splits() -> None:
    names = {p.stem for p in SPLITS}
    assert {"dev", "test", "letters-dev", "letters-test"} <= names
    total = sum(len(records(p)) for p in SPLITS)
    assert total >= 600


@pytest.mark.parametrize("path", SPLITS, ids=lambda p: p.stem)
def test_records_follow_the_labelling_rules(path: Path, clf: Classifier) -> None:
    categories = clf.rules.categories
    for n, r in enumerate(records(path), 1):
        where = f"{path.name}:{n}"
        assert list(r) == KEYS, where
        text, intent, category = r["text"], r["intent"], r["category"]
        assert isinstance(text, str), where
        assert text, where
        assert text == text.strip(), where
        assert intent in INTENTS, where
        if intent == "other":
            assert category is None, where
        else:
            assert isinstance(category, str), where
            assert category in categories, where
            assert intent in {i.value for i in categories[category].intents}, where
        assert isinstance(r["urgent"], bool), where
        assert isinstance(r["negative"], bool), where
        assert r["risk"] in (0, 1, 2, 3), where
        assert (r["risk"] >= 1) == r["negative"], f"{where}: risk >= 1 if and only if negative"
        assert not r["urgent"] or r["negative"], f"{where}: urgent implies negative"
        assert r["script"] in ("hans", "hant"), where


def test_no_message_is_in_two_places() -> None:
    seen: dict[str, str] = {}
    for path in SPLITS:
        for n, r in enumerate(records(path), 1):
            key = squash(str(r["text"]))
            where = f"{path.name}:{n}"
            assert key not in seen, f"{where} repeats {seen[key]}"
            seen[key] = where
