"""The stewards' digest decisions as labelled examples: `steward nlp feedback --export FILE`
writes them with the corrections, and `steward nlp retrain` rebuilds the classifier's model
from the corpus's training splits plus them, printing figures on the frozen splits before and
after and writing the training file only without --dry-run."""

from __future__ import annotations

import asyncio
import json
import re
import shutil
from pathlib import Path

import pytest

from bench.accuracy import TRAINING_SPLITS
from bot.app.settings import Settings
from bot.cli.feedback import feedback, retrain_command
from bot.cli.main import build_parser, main
from nlp.model import DEFAULT_TRAIN_PATH, load_examples
from tests.harness import EXAMPLE
from tests.nlp.test_corpus import KEYS
from tests.triage.conftest import OWNERS, STEWARDS, TriageHarness, unsure

CORPUS = Path(__file__).resolve().parents[1] / "data" / "corpus"
DRAIN = "wy你好 3栋1单元602 门口那边的灯好像不太对"
BINS = "负二楼电梯口那滩东西从周一放到现在了，是打算养着吗"
LEAK = "3栋2单元1302厨房水管漏水了，麻烦派人来修"


async def decided(th: TriageHarness) -> None:
    """开单 on one uncertain message, 忽略 on another, and a correction on a sure ticket's card."""
    await th.say(OWNERS, "u-a", DRAIN)
    await th.say(OWNERS, "u-b", BINS)
    await th.say(OWNERS, "u-c", LEAK)
    [sure] = await th.tickets()
    await th.tick()
    [digest] = th.digests(STEWARDS)
    drain, bins = await th.items()
    await th.press_on(STEWARDS, digest, f"dg:open:{drain.id}", "wang")
    await th.press_on(STEWARDS, digest, f"dg:ignore:{bins.id}", "wang")
    card = next(
        m for m in th.sent(STEWARDS) if any(b.data == f"tk:none:{sure.id}" for r in m.out.buttons for b in r)
    )
    await th.press_on(STEWARDS, card, f"tk:none:{sure.id}", "wang")


async def test_the_export_includes_the_digest_decisions(
    th: TriageHarness, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    c = unsure(th.app.services.classifier, DRAIN)
    unsure(th.app.services.classifier, BINS)
    await decided(th)
    out = tmp_path / "feedback.jsonl"
    args = build_parser().parse_args(["nlp", "feedback", "--export", str(out)])
    settings = Settings(database_url=th.app.settings.database_url, community_file=EXAMPLE)
    assert await feedback(settings, args) == 0
    assert (
        capsys.readouterr().out.strip() == f"3 labelled example(s) written to {out} (correction 1, digest 2)"
    )
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [list(r) for r in records] == [KEYS] * 3
    drain, bins, leak = records
    assert drain == {
        "text": "wy你好 3栋****门口那边的灯好像不太对",  # the unit masked
        "intent": c.intent.value,
        "category": c.category,
        "urgent": False,
        "negative": c.negative,
        "risk": c.risk,
        "script": "hans",
    }
    assert (bins["text"], bins["intent"], bins["category"], bins["urgent"]) == (BINS, "other", None, False)
    assert (leak["intent"], leak["category"]) == ("other", None)  # 不是工单 on the card


def corpus_copy(tmp_path: Path, frozen_extra: str) -> tuple[Path, Path]:
    """The corpus's training splits and labelled frozen files, a frozen line of the test's own
    added to the test split, and the shipped training file: a temp copy to retrain in."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name in [*sorted(TRAINING_SPLITS), "test", "letters-test", "chatter-test"]:
        shutil.copy(CORPUS / f"{name}.jsonl", corpus / f"{name}.jsonl")
    with (corpus / "test.jsonl").open("a", encoding="utf-8") as f:
        f.write(json.dumps(record(frozen_extra, "repair", "elevator"), ensure_ascii=False) + "\n")
    train = tmp_path / "train.jsonl"
    shutil.copy(DEFAULT_TRAIN_PATH, train)
    return corpus, train


def record(text: str, intent: str, category: str | None) -> dict[str, object]:
    return {
        "text": text,
        "intent": intent,
        "category": category,
        "urgent": False,
        "negative": False,
        "risk": 0,
        "script": "hans",
    }


@pytest.fixture
def no_real_data(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The real chatter and letters kept out (they are looked for outside the corpus dir)."""
    monkeypatch.setenv("STEWARD_LCCC", str(tmp_path / "no-lccc.utt"))
    monkeypatch.setenv("STEWARD_TIPDM_SHEET4", str(tmp_path / "no-sheet.xlsx"))


@pytest.mark.slow
@pytest.mark.usefixtures("no_real_data")
def test_retrain_dry_run_prints_figures_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    frozen = "冻结测试句：六栋电梯按钮失灵了"
    corpus, train = corpus_copy(tmp_path, frozen)
    first_dev = json.loads((corpus / "dev.jsonl").read_text(encoding="utf-8").splitlines()[0])
    fresh = "楼道的声控灯坏了好几天了，晚上黑漆漆的"
    lines = [
        record(fresh, "repair", "public_facility"),
        record(frozen, "other", None),  # a frozen text: never trained on
        record(first_dev["text"], "other", None),  # the corpus has it: its label stands
    ]
    given = tmp_path / "feedback.jsonl"
    given.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in lines), encoding="utf-8")
    shipped = train.read_bytes()
    argv = ["nlp", "retrain", "--dry-run", "--feedback", str(given), "--corpus-dir", str(corpus)]
    assert main([*argv, "--train", str(train), "--split", "test,chatter-test,lccc-held"]) == 0
    out = capsys.readouterr().out
    assert train.read_bytes() == shipped  # nothing written
    n = len(load_examples(train))
    assert (
        f"training data: {n:,} line(s) of the training splits (dev, dev2, dev3) + 1 labelled example(s)"
        in out
    )
    assert (
        "left out: 0 training line(s) and 1 example(s) whose text is in a frozen split; 1 example(s)" in out
    )
    assert f"after:  the same rules, the model trained on the {n + 1:,} examples above" in out
    table = [line.split() for line in out.splitlines()]
    header = next(i for i, words in enumerate(table) if words[:2] == ["frozen", "split"])
    assert table[header][-2:] == ["before", "after"]
    test_rows = out.split("frozen split", 1)[1]
    assert "test (274)" in test_rows
    assert "chatter-test (180)" in test_rows
    for figure in ("intent macro-F1", "urgent P / R", "negative F1", "uncertain of actionable"):
        assert test_rows.count(figure) == 2  # for each labelled split
    f1 = [line for line in out.splitlines() if "intent macro-F1" in line]
    assert all(re.fullmatch(r".*\b[01]\.\d{3}\s+[01]\.\d{3}", line) for line in f1)
    assert "lccc-held: skipped" in out
    assert f"--dry-run: {train} not written" in out


@pytest.mark.slow
@pytest.mark.usefixtures("no_real_data")
def test_retrain_writes_the_training_file_in_a_temp_copy(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    frozen = "冻结测试句：六栋电梯按钮失灵了"
    corpus, train = corpus_copy(tmp_path, frozen)
    fresh = record("楼道的声控灯坏了好几天了，晚上黑漆漆的", "repair", "public_facility")
    given = tmp_path / "feedback.jsonl"
    given.write_text(
        json.dumps(fresh, ensure_ascii=False) + "\n" + json.dumps(record(frozen, "other", None)) + "\n",
        encoding="utf-8",
    )
    args = build_parser().parse_args(
        ["nlp", "retrain", "--feedback", str(given), "--corpus-dir", str(corpus), "--train", str(train)]
    )
    args.split = "test"
    assert retrain_command(Settings(), args) == 0
    out = capsys.readouterr().out
    assert f"wrote {len(load_examples(train)):,} examples to {train}" in out
    written = train.read_text(encoding="utf-8").splitlines()
    training = [
        line
        for name in sorted(TRAINING_SPLITS)
        for line in (corpus / f"{name}.jsonl").read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    assert written == [*training, json.dumps(fresh, ensure_ascii=False)]
    assert all(frozen not in line for line in written)


@pytest.mark.slow
@pytest.mark.usefixtures("no_real_data")
def test_without_feedback_the_shipped_training_file_comes_out_as_it_is(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The rebuild is the documented recipe: the training splits, concatenated."""
    corpus, train = corpus_copy(tmp_path, "冻结测试句：六栋电梯按钮失灵了")
    shipped = train.read_bytes()
    empty = tmp_path / "none.jsonl"
    empty.write_text("", encoding="utf-8")
    argv = ["nlp", "retrain", "--feedback", str(empty), "--corpus-dir", str(corpus), "--train", str(train)]
    assert main([*argv, "--split", "letters-test"]) == 0
    assert train.read_bytes() == shipped
    assert "letters-test (60)" in capsys.readouterr().out


@pytest.mark.slow
@pytest.mark.usefixtures("no_real_data")
async def test_retrain_reads_the_databases_examples(
    th: TriageHarness, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    await decided(th)
    corpus, train = corpus_copy(tmp_path, "冻结测试句：六栋电梯按钮失灵了")
    args = build_parser().parse_args(
        ["nlp", "retrain", "--dry-run", "--corpus-dir", str(corpus), "--train", str(train), "--split", "test"]
    )
    settings = Settings(database_url=th.app.settings.database_url, community_file=EXAMPLE)
    # The command runs its own event loop (as `steward` does): here, in a worker thread.
    code = await asyncio.to_thread(retrain_command, settings, args)
    assert code == 0
    out = capsys.readouterr().out
    # the three decisions; 负二楼电梯口… is a line of the corpus's dev2 already: its label stands
    assert "+ 2 labelled example(s) from the database" in out
    assert "1 example(s) whose text the training splits already hold" in out


@pytest.mark.usefixtures("no_real_data")
def test_a_bad_feedback_file_is_one_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "电梯坏了", "intent": "fix"}\n', encoding="utf-8")
    assert main(["nlp", "retrain", "--dry-run", "--feedback", str(bad)]) == 2
    assert "feedback line 1: not a corpus record" in capsys.readouterr().err
    assert main(["nlp", "retrain", "--dry-run", "--feedback", str(bad), "--split", "dev"]) == 2
    assert "--split: dev is not a frozen split" in capsys.readouterr().err
