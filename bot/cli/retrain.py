"""`steward nlp retrain`: the classifier's statistical component (nlp/model.py) rebuilt from the
corpus's training splits plus the stewards' labelled examples, with its figures on the frozen
splits before and after. Deliberate: nothing runs it on its own.

- **The training data**: the training splits (`bench.accuracy.TRAINING_SPLITS`: dev, dev2,
  dev3 of tests/data/corpus), line for line as they are (with no feedback the file comes out
  as it is shipped), then the feedback: the lines `steward nlp feedback --export` writes (from
  the database, or from a file given with `--feedback`). A text of any frozen split at hand
  (the held-out corpus files, the TipDM test titles, the held-aside LCCC chatter) never enters
  it, and the result is checked again by bench.accuracy's guard before anything is written. A
  feedback text the training splits already hold keeps the corpus's label (a labeller's,
  checked) and is counted.
- **The figures**: the classifier as built from the current training file, then the same rules
  with a model trained on the new data, on every frozen split at hand (or those named with
  `--split`), as bench.accuracy computes them. Aggregate figures only: no frozen text is shown.
- **The file**: written (`nlp/data/train.jsonl` unless `--train` says otherwise) only without
  `--dry-run`. The classifier trains from it when it is built (`Classifier.load`, at each start
  of Steward): restart to use it. Nothing is compiled from it (the build compiles nlp/*.py
  only); a non-editable install ships it as package data, so reinstall there.

bench/ and the corpus belong to a checkout of Steward, not to the installed package: run it from
the repository root (`python -m bot.cli nlp retrain`, or `steward` with PYTHONPATH set to it).
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from bot.app.settings import ConfigError
from nlp import Classifier, Intent
from nlp.model import load_examples

try:  # bench/ lives in a checkout, beside the corpus; the installed package has neither
    from bench import accuracy
except ImportError:  # an installed steward without its checkout: `retrain` says so
    accuracy = None  # type: ignore[assignment]

CORPUS_DIR = Path("tests/data/corpus")
INTENTS = frozenset(i.value for i in Intent)
# The frozen splits, in bench.accuracy's order; LCCC's held-aside chatter is counted as false
# alarms (every message is `other`), the others are labelled.
CHATTER = "lccc-held"


def _bench() -> Any:
    if accuracy is None:
        raise ConfigError(
            "steward nlp retrain needs bench/ and tests/data/corpus/ from a checkout of Steward: "
            "run `python -m bot.cli nlp retrain` from the repository root"
        )
    return accuracy


def squash(text: str) -> str:
    return "".join(text.split())


@dataclass
class Frozen:
    """The frozen splits at hand: labelled examples or chatter texts by name, and why any
    split is missing."""

    labelled: dict[str, list[Any]] = field(default_factory=dict)
    chatter: dict[str, list[str]] = field(default_factory=dict)
    missing: dict[str, str] = field(default_factory=dict)

    def texts(self) -> set[str]:
        out = {squash(e.text) for examples in self.labelled.values() for e in examples}
        out.update(squash(t) for texts in self.chatter.values() for t in texts)
        return out


def frozen_splits(corpus_dir: Path) -> Frozen:
    """Every frozen split that can be read here (bench.accuracy's loaders)."""
    bench = _bench()
    frozen = Frozen()
    for name in [n for n in bench.ALL_SPLITS if n in bench.HELD_OUT_SPLITS]:
        if name in bench.LCCC_SPLITS:
            texts, where = bench.load_lccc(bench.LCCC_SPLITS[name])
            if texts is None:
                frozen.missing[name] = where
            else:
                frozen.chatter[name] = texts
        elif name in bench.TIPDM_SPLITS:
            ids = corpus_dir / "tipdm" / f"{bench.TIPDM_SPLITS[name]}.ids.jsonl"
            if not ids.exists():
                frozen.missing[name] = f"{ids} not found"
                continue
            loaded, where = bench.load_tipdm(bench.TIPDM_SPLITS[name], corpus_dir)
            if loaded is None:
                frozen.missing[name] = where
            else:
                frozen.labelled[name] = loaded
        else:
            path = corpus_dir / f"{name}.jsonl"
            if path.exists():
                frozen.labelled[name] = bench.load_corpus(path)
            else:
                frozen.missing[name] = f"{path} not found"
    return frozen


@dataclass
class TrainingSet:
    lines: list[str]  # the training file, a record a line
    corpus: int  # lines from the training splits
    feedback: int  # feedback lines added
    frozen_corpus: int  # training-split lines left out: their text is in a frozen split
    frozen_feedback: int  # feedback lines left out for the same reason
    known: int  # feedback lines whose text the training splits already hold (their label kept)


def feedback_record(line: str, where: str) -> dict[str, Any]:
    """A feedback line as a corpus record, or a clear error."""
    try:
        record = json.loads(line)
        ok = (
            isinstance(record, dict)
            and isinstance(record.get("text"), str)
            and record.get("intent") in INTENTS
        )
    except json.JSONDecodeError:
        ok = False
    if not ok:
        raise ConfigError(f"{where}: not a corpus record (docs/LABELLING.md): {line[:80]!r}")
    return dict(record)


def training_set(corpus_dir: Path, feedback: Iterable[str], frozen: set[str]) -> TrainingSet:
    """The training splits line for line, then the feedback, without any frozen text."""
    bench = _bench()
    lines: list[str] = []
    seen: set[str] = set()
    left_out = 0
    for name in sorted(bench.TRAINING_SPLITS):
        path = corpus_dir / f"{name}.jsonl"
        if not path.exists():
            raise ConfigError(f"{path}: training split not found (--corpus-dir)")
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            text = squash(feedback_record(line, str(path))["text"])
            if text in frozen:
                left_out += 1
                continue
            seen.add(text)
            lines.append(line)
    corpus = len(lines)
    added = frozen_feedback = known = 0
    for n, line in enumerate(feedback, start=1):
        if not line.strip():
            continue
        record = feedback_record(line, f"feedback line {n}")
        text = squash(record["text"])
        if text in frozen:
            frozen_feedback += 1
        elif text in seen:
            known += 1
        else:
            seen.add(text)
            lines.append(json.dumps(record, ensure_ascii=False))
            added += 1
    return TrainingSet(lines, corpus, added, left_out, frozen_feedback, known)


# -- the figures ----------------------------------------------------------------------------------
def _f(x: float) -> str:
    return f"{x:.3f}"


def _pr(res: dict[str, float]) -> str:
    """Precision / recall, or "-" where there was nothing to find and nothing found."""
    if not res["support"] and not res["predicted"]:
        return "- / -"
    return f"{_f(res['precision'])} / {_f(res['recall'])}"


def labelled_figures(examples: Sequence[Any], clf: Classifier) -> dict[str, str]:
    """bench.accuracy's figures for one labelled split, and how many actionable predictions
    are uncertain (what goes to the stewards' digest instead of a ticket or an answer)."""
    bench = _bench()
    predict = bench.steward_predict(clf)
    preds = [predict(e.text) for e in examples]
    res = bench.evaluate(examples, preds)
    others = [p for e, p in zip(examples, preds, strict=True) if e.intent == "other"]
    alarms = bench.false_alarms(others)
    acting = [p for p in preds if p.intent != "other"]
    unsure = sum(1 for p in acting if p.uncertain)
    return {
        "intent macro-F1": _f(res["intent"]["macro_f1"]),
        "category accuracy": _f(res["category_accuracy"]),
        "urgent P / R": _pr(res["urgent"]),
        "risk>=2 P / R": _pr(res["risk2"]),
        "negative F1": _f(res["negative"]["f1"]),
        "tickets per 1,000 other (uncertain)": (
            f"{alarms['tickets']:.1f} ({alarms['tickets_uncertain']:.1f})" if others else "-"
        ),
        "uncertain of actionable": f"{unsure}/{len(acting)}",
    }


def chatter_figures(texts: Sequence[str], clf: Classifier) -> dict[str, str]:
    bench = _bench()
    predict = bench.steward_predict(clf)
    fa = bench.false_alarms([predict(t) for t in texts])
    return {
        "per 1,000: tickets (uncertain)": f"{fa['tickets']:.1f} ({fa['tickets_uncertain']:.1f})",
        "per 1,000: inquiries / alerts / pages": f"{fa['inquiries']:.1f} / {fa['alerts']:.1f} / {fa['pages']:.1f}",
    }


def report(frozen: Frozen, names: Sequence[str], before: Classifier, after: Classifier, out: TextIO) -> None:
    rows: list[tuple[str, str, str, str]] = [("frozen split", "figure", "before", "after")]
    skipped: list[str] = []
    for name in names:
        if name in frozen.labelled:
            examples = frozen.labelled[name]
            was, now = labelled_figures(examples, before), labelled_figures(examples, after)
            n = len(examples)
        elif name in frozen.chatter:
            texts = frozen.chatter[name]
            was, now = chatter_figures(texts, before), chatter_figures(texts, after)
            n = len(texts)
        else:
            skipped.append(f"{name}: skipped ({frozen.missing.get(name, 'not at hand')})")
            continue
        head = f"{name} ({n:,})"
        for figure in was:
            rows.append((head, figure, was[figure], now[figure]))
            head = ""
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    out.write("\n")
    for split, figure, was_, now_ in rows:
        out.write(
            f"{split:<{widths[0]}}  {figure:<{widths[1]}}  {was_:>{widths[2]}}  {now_:>{widths[3]}}".rstrip()
            + "\n"
        )
    for line in skipped:
        out.write(f"{line}\n")


def write_atomically(path: Path, lines: Sequence[str]) -> None:
    data = "".join(f"{line}\n" for line in lines)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def retrain(
    feedback: Sequence[str],
    source: str,
    *,
    corpus_dir: Path,
    train_path: Path,
    splits: str,
    dry_run: bool,
    out: TextIO,
) -> int:
    """Build the training data, print the figures before and after, write the file unless
    `dry_run`; `source` says where the feedback came from."""
    bench = _bench()
    frozen_names = [n for n in bench.ALL_SPLITS if n in bench.HELD_OUT_SPLITS]
    names = frozen_names if splits == "all" else [s.strip() for s in splits.split(",") if s.strip()]
    unknown = [n for n in names if n not in frozen_names]
    if unknown:
        raise ConfigError(f"--split: {', '.join(unknown)} is not a frozen split ({', '.join(frozen_names)})")
    if not train_path.exists():
        raise ConfigError(f"{train_path}: training file not found (--train)")
    frozen = frozen_splits(corpus_dir)
    data = training_set(corpus_dir, feedback, frozen.texts())
    out.write(
        f"training data: {data.corpus:,} line(s) of the training splits "
        f"({', '.join(sorted(bench.TRAINING_SPLITS))}) + {data.feedback:,} labelled example(s) from "
        f"{source} = {len(data.lines):,}\n"
        f"  left out: {data.frozen_corpus} training line(s) and {data.frozen_feedback} example(s) whose "
        f"text is in a frozen split; {data.known} example(s) whose text the training splits already "
        f"hold (their label kept)\n"
        f"  frozen splits at hand: {', '.join([*frozen.labelled, *frozen.chatter]) or 'none'}"
        + (f"; missing: {', '.join(frozen.missing)}" if frozen.missing else "")
        + "\n"
    )
    with tempfile.TemporaryDirectory(prefix="steward-retrain-") as tmp:
        candidate = Path(tmp) / "train.jsonl"
        candidate.write_text("".join(f"{line}\n" for line in data.lines), encoding="utf-8")
        overlap = bench.check_no_test_in_training(corpus_dir, candidate)
        if overlap:  # cannot happen (frozen texts are left out above); the guard says so if it did
            raise ConfigError(f"{overlap} training text(s) also in a held-out split: nothing written")
        examples = load_examples(candidate)
    before = Classifier.load(train_path=train_path)
    after = before.retrained(examples)
    out.write(f"before: the model trained on {train_path} ({len(load_examples(train_path)):,} examples)\n")
    out.write(f"after:  the same rules, the model trained on the {len(examples):,} examples above\n")
    report(frozen, names, before, after, out)
    if dry_run:
        out.write(f"\n--dry-run: {train_path} not written\n")
        return 0
    write_atomically(train_path, data.lines)
    out.write(
        f"\nwrote {len(data.lines):,} examples to {train_path}. The classifier trains from it when it is "
        "built: restart Steward to use it (nothing is compiled from it; a non-editable install "
        "needs reinstalling to ship it).\n"
    )
    return 0
