"""The real-data splits: TipDM letters stored as ids and labels only, LCCC chatter split by a hash;
the bench skips either with one clear line when its file is absent (CI has no network)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from bench import accuracy
from nlp import Classifier

TIPDM = Path(__file__).resolve().parents[1] / "data" / "corpus" / "tipdm"
KEYS = ["id", "intent", "category", "urgent", "negative", "risk"]


def _records(name: str) -> list[dict[str, object]]:
    with (TIPDM / f"{name}.ids.jsonl").open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def test_tipdm_splits_hold_ids_and_labels_only(clf: Classifier) -> None:
    dev, test = _records("dev"), _records("test")
    assert len(dev) >= 300
    assert len(test) >= 150
    ids = [r["id"] for r in dev + test]
    assert len(ids) == len(set(ids)), "a letter in two places"
    categories = clf.rules.categories
    for r in dev + test:
        assert list(r) == KEYS, r  # no title, no body: the letters' licence is unclear
        assert isinstance(r["id"], int)
        intent, category = r["intent"], r["category"]
        if intent == "other":
            assert category is None
        else:
            assert isinstance(category, str)
            assert category in categories
            assert intent in {i.value for i in categories[category].intents}
        assert (int(str(r["risk"])) >= 1) == r["negative"]


def test_the_tipdm_split_is_by_a_hash_of_the_id() -> None:
    import hashlib

    for name, frozen in (("dev", False), ("test", True)):
        for r in _records(name):
            h = int(hashlib.sha256(f"tipdm:{r['id']}".encode()).hexdigest()[:8], 16)
            assert (h % 100 < 37) is frozen


def test_letters_are_skipped_with_one_line_when_the_sheet_is_absent(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("STEWARD_TIPDM_SHEET4", str(tmp_path / "missing.xlsx"))
    examples, why = accuracy.load_tipdm("dev")
    assert examples is None
    assert "sheet 4 not found" in why
    out = io.StringIO()
    assert accuracy.main(["--split", "tipdm-test", "--no-snownlp"], out) == 0
    assert "letters-real: skipped (sheet 4 not found at" in out.getvalue()


def test_chatter_is_skipped_with_one_line_when_absent(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("STEWARD_LCCC", str(tmp_path / "missing.utt"))
    out = io.StringIO()
    assert accuracy.main(["--split", "lccc-held", "--no-snownlp"], out) == 0
    assert "split: lccc-held: skipped (LCCC chatter not found at" in out.getvalue()


def test_lccc_parts_are_a_stable_hash_of_the_line() -> None:
    lines = [f"第{i}句闲聊" for i in range(2000)]
    parts = [accuracy.lccc_part(t) for t in lines]
    assert parts == [accuracy.lccc_part(t) for t in lines]
    held = parts.count("held") / len(parts)
    assert 0.30 <= held <= 0.40


def test_false_alarms_are_per_thousand_messages() -> None:
    preds = [accuracy.Prediction("other", None, False, False, 0)] * 998 + [
        accuracy.Prediction("repair", "elevator", True, True, 1, True),
        accuracy.Prediction("inquiry", "fees", False, False, 2),
    ]
    fa = accuracy.false_alarms(preds)
    assert fa["n"] == 1000
    assert fa["tickets"] == 0.0  # uncertain: the stewards' digest, not a ticket
    assert fa["tickets_uncertain"] == 1.0
    assert fa["inquiries"] == 1.0
    assert fa["inquiries_uncertain"] == 0.0
    assert fa["alerts"] == 1.0
    assert fa["pages"] == 1.0


def test_held_out_splits_never_list_their_mistakes() -> None:
    for split in (
        "chatter-test",
        "chatter-test2",
        "tipdm-test",
        "lccc-held",
        "test",
        "test2",
        "letters-test",
    ):
        out = io.StringIO()
        assert accuracy.main(["--split", "none", "--errors", split], out) == 2
        assert "is held out" in out.getvalue()


def test_actionable_messages_are_acted_on_sent_to_the_digest_or_lost() -> None:
    gold = [
        accuracy.Example("t", intent, None, False, False, 0, "hans")
        for intent in ("repair", "complaint", "inquiry", "other")
    ]
    preds = [
        accuracy.Prediction("repair", uncertain=False),
        accuracy.Prediction("complaint", uncertain=True),
        accuracy.Prediction("other", uncertain=False),
        accuracy.Prediction("repair", uncertain=False),
    ]
    ao = accuracy.acted_on(gold, preds)
    assert ao["n"] == 3
    assert ao["acted"] == pytest.approx(1 / 3)
    assert ao["digest"] == pytest.approx(1 / 3)
    assert ao["lost"] == pytest.approx(1 / 3)
