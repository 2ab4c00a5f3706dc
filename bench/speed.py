"""Speed bench: `classify` against bare `jieba.lcut`, in one process, on the same messages.

Run from the repository root::

    python -m bench.speed                  # 20,000 messages built by cycling the corpus
    python -m bench.speed --json out.json
    python -m bench.speed --compare        # also HMM on/off and matching modes (for the docs)
    python -m bench.speed --texts ../shared/data/lccc/train.utt --no-startup   # on real chatter

Reports both throughputs and the ratio (target: classify takes at most 1.5x the time of bare
``jieba.lcut`` with its default settings), start-up time (a fresh interpreter importing ``nlp``
until the first classification is ready) and resident memory (psutil).

Throughput is measured in CPU time of this process (``time.process_time``), best of N interleaved
runs: on a shared 2-CPU box wall-clock figures swing by tens of per cent with other jobs, CPU time
much less. Start-up is wall-clock.
"""

from __future__ import annotations

import argparse
import gc
import json
import logging
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TextIO

import jieba
import psutil

import nlp.classifier
from nlp import Classifier

CORPUS_DIR = Path("tests/data/corpus")
TARGET_RATIO = 1.5
_FALLBACK = [
    "3栋2单元1302厨房水管漏水，麻烦安排师傅来看下",
    "部lift壞咗，又要行樓梯😡",
    "请问明天几点停水？",
    "报修三天了还没人来修！！！",
    "电梯修好了，谢谢",
]


def corpus_texts(corpus_dir: Path) -> list[str]:
    texts: list[str] = []
    for split in ("dev", "test"):
        path = corpus_dir / f"{split}.jsonl"
        if not path.exists():
            continue
        with path.open(encoding="utf-8") as f:
            for line in f:
                if line.strip():
                    texts.append(str(json.loads(line)["text"]))
    return texts or list(_FALLBACK)


def build_messages(texts: Sequence[str], n: int) -> list[str]:
    return [texts[i % len(texts)] for i in range(n)]


def _best_of(fn: Callable[[], None], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        gc.collect()
        t0 = time.process_time()
        fn()
        best = min(best, time.process_time() - t0)
    return best


def time_pair(clf: Classifier, messages: Sequence[str], repeat: int) -> dict[str, float]:
    """Interleaved best-of-`repeat` timings of classify and jieba.lcut over `messages`."""
    classify = clf.classify
    lcut = jieba.lcut

    def run_classify() -> None:
        for m in messages:
            classify(m)

    def run_lcut() -> None:
        for m in messages:
            lcut(m)

    run_classify()  # warm-up (caches, lazy imports)
    run_lcut()
    runs_classify: list[float] = []
    runs_lcut: list[float] = []
    for _ in range(repeat):
        runs_classify.append(_best_of(run_classify, 1))
        runs_lcut.append(_best_of(run_lcut, 1))
    t_classify = min(runs_classify)
    t_lcut = min(runs_lcut)
    n = len(messages)
    return {
        "messages": float(n),
        "classify_seconds": t_classify,
        "lcut_seconds": t_lcut,
        "classify_per_second": n / t_classify,
        "lcut_per_second": n / t_lcut,
        "classify_us_per_message": 1e6 * t_classify / n,
        "lcut_us_per_message": 1e6 * t_lcut / n,
        "ratio": t_classify / t_lcut,
        # Each run's own ratio (classify then lcut, back to back): the spread on a busy box.
        "ratio_median": statistics.median(c / j for c, j in zip(runs_classify, runs_lcut, strict=True)),
        "ratio_max": max(c / j for c, j in zip(runs_classify, runs_lcut, strict=True)),
    }


_STARTUP_SNIPPET = """
import time
t0 = time.perf_counter()
from nlp import Classifier
clf = Classifier.load()
clf.classify("电梯坏了")
t1 = time.perf_counter()
import psutil
print(t1 - t0, psutil.Process().memory_info().rss)
"""


def startup() -> dict[str, float]:
    """Start-up in a fresh interpreter: import nlp, build the classifier, first classification."""
    runs = []
    for _ in range(3):
        out = subprocess.run(
            [sys.executable, "-c", _STARTUP_SNIPPET], capture_output=True, text=True, check=True, timeout=120
        ).stdout.split()
        runs.append((float(out[0]), int(out[1])))
    best = min(runs)
    return {"startup_seconds": best[0], "startup_rss_mb": best[1] / 2**20}


def compare(messages: Sequence[str], repeat: int, out: TextIO) -> list[dict[str, Any]]:
    """HMM on/off and matching modes: speed here, accuracy via bench.accuracy's evaluator."""
    from bench.accuracy import evaluate, load_corpus, steward_predict

    dev = CORPUS_DIR / "dev.jsonl"
    examples = load_corpus(dev) if dev.exists() else []
    rows: list[dict[str, Any]] = []
    out.write("\nvariants (accuracy on dev only):\n")
    out.write(f"  {'variant':<28}{'us/msg':>8}{'ratio':>7}{'devF1':>7}{'negF1':>7}\n")
    variants: list[tuple[str, dict[str, object]]] = [
        ("hmm off, token (default)", {"hmm": False, "match": "token"}),
        ("hmm on, token", {"hmm": True, "match": "token"}),
        ("hmm off, token_strict", {"hmm": False, "match": "token_strict"}),
        ("hmm off, substring", {"hmm": False, "match": "substring"}),
        ("hmm off, no keyword dict", {"hmm": False, "add_keywords_to_dictionary": False}),
        ("opencc t2s", {"opencc": "t2s"}),
    ]
    for label, overrides in variants:
        clf = Classifier.load(settings=overrides)
        speed = time_pair(clf, messages, repeat)
        row: dict[str, Any] = {"variant": label, "overrides": overrides, **speed}
        if examples:
            pred = steward_predict(clf)
            res = evaluate(examples, [pred(e.text) for e in examples])
            row["dev_intent_macro_f1"] = res["intent"]["macro_f1"]
            row["dev_negative_f1"] = res["negative"]["f1"]
        rows.append(row)
        out.write(
            f"  {label:<28}{speed['classify_us_per_message']:>8.1f}{speed['ratio']:>7.2f}"
            f"{row.get('dev_intent_macro_f1', float('nan')):>7.3f}{row.get('dev_negative_f1', float('nan')):>7.3f}\n"
        )
    return rows


def main(argv: Sequence[str] | None = None, out: TextIO = sys.stdout) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.speed", description=__doc__.splitlines()[0])
    ap.add_argument("-n", type=int, default=20_000, help="number of messages (default 20000)")
    ap.add_argument("--repeat", type=int, default=3, help="best of N interleaved runs (default 3)")
    ap.add_argument("--corpus-dir", type=Path, default=CORPUS_DIR)
    ap.add_argument("--json", type=Path, metavar="FILE", help="also write the figures as JSON")
    ap.add_argument("--compare", action="store_true", help="also time HMM on/off and matching variants")
    ap.add_argument(
        "--no-startup", action="store_true", help="skip the fresh-interpreter start-up measurement"
    )
    ap.add_argument(
        "--texts",
        type=Path,
        metavar="FILE",
        help="cycle the lines of FILE instead of the corpus (e.g. real chatter: shared/data/lccc/train.utt)",
    )
    args = ap.parse_args(argv)

    logging.getLogger("jieba").setLevel(logging.WARNING)
    proc = psutil.Process()
    if args.texts is not None:
        with args.texts.open(encoding="utf-8") as f:
            texts = [line.strip() for line in f if line.strip()]
    else:
        texts = corpus_texts(args.corpus_dir)
    messages = build_messages(texts, args.n)
    avg_len = sum(map(len, messages)) / len(messages)

    rss0 = proc.memory_info().rss
    t0 = time.perf_counter()
    clf = Classifier.load()
    clf.classify("电梯坏了")
    load_s = time.perf_counter() - t0
    rss_clf = proc.memory_info().rss
    jieba.initialize()  # the global tokenizer, as a bare jieba.lcut user would have it
    jieba.lcut("电梯坏了")
    rss_both = proc.memory_info().rss

    speed = time_pair(clf, messages, args.repeat)
    long_text = "楼上装修电钻一直响，吵得受不了！" * 7000  # ~100 kB

    def run_long() -> None:
        clf.classify(long_text)

    t_long = _best_of(run_long, 3)

    compiled = not nlp.classifier.__file__.endswith(".py")
    report: dict[str, Any] = {
        "compiled": compiled,
        "dictionary_min_freq": clf.settings.dictionary_min_freq,
        "corpus_messages": len(texts),
        "avg_chars": avg_len,
        **speed,
        "target_ratio": TARGET_RATIO,
        "ratio_ok": speed["ratio"] <= TARGET_RATIO,
        "load_seconds_in_process": load_s,
        "rss_mb_before_load": rss0 / 2**20,
        "rss_mb_after_classifier": rss_clf / 2**20,
        "rss_mb_classifier_delta": (rss_clf - rss0) / 2**20,
        "rss_mb_after_global_jieba": rss_both / 2**20,
        "rss_mb_after_run": proc.memory_info().rss / 2**20,
        "long_message_chars": len(long_text),
        "long_message_seconds": t_long,
    }
    if not args.no_startup:
        report.update(startup())

    out.write(
        f"messages: {len(messages)} (cycling {len(texts)} corpus texts, {avg_len:.1f} chars on average)\n"
        f"classifier: {'compiled with mypyc' if compiled else 'pure Python (not compiled)'}; jieba main "
        f"dictionary: {'words of frequency >= ' + str(clf.settings.dictionary_min_freq) if clf.settings.dictionary_min_freq else 'all'}, HMM {'on' if clf.settings.hmm else 'off'}\n"
    )
    out.write(
        f"classify:    {speed['classify_seconds']:.3f}s  {speed['classify_per_second']:>9,.0f} msg/s  "
        f"{speed['classify_us_per_message']:.1f} us/msg\n"
    )
    out.write(
        f"jieba.lcut:  {speed['lcut_seconds']:.3f}s  {speed['lcut_per_second']:>9,.0f} msg/s  "
        f"{speed['lcut_us_per_message']:.1f} us/msg   (global tokenizer, default settings: HMM on)\n"
    )
    out.write(
        f"ratio classify / lcut: {speed['ratio']:.2f}  (target <= {TARGET_RATIO}: "
        f"{'PASS' if report['ratio_ok'] else 'FAIL'}; per run: median {speed['ratio_median']:.2f}, "
        f"worst {speed['ratio_max']:.2f})\n"
    )
    out.write(
        f"100 kB message: {1000 * t_long:.1f} ms (bounded to the first {clf.settings.max_chars} chars)\n"
    )
    out.write(f"classifier load in this process: {load_s:.2f}s\n")
    if "startup_seconds" in report:
        out.write(
            f"start-up (fresh interpreter, import + load + first classification): {report['startup_seconds']:.2f}s, "
            f"RSS {report['startup_rss_mb']:.0f} MB\n"
        )
    out.write(
        f"RSS: {report['rss_mb_before_load']:.0f} MB before load, {report['rss_mb_after_classifier']:.0f} MB with the "
        f"classifier (+{report['rss_mb_classifier_delta']:.0f} MB), {report['rss_mb_after_global_jieba']:.0f} MB with "
        f"jieba's global tokenizer too, {report['rss_mb_after_run']:.0f} MB after the run\n"
    )
    if args.compare:
        report["variants"] = compare(messages, args.repeat, out)
    if args.json:
        args.json.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
        out.write(f"wrote {args.json}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
