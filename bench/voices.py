"""How often the suggestion and praise detector (handlers/voices/detection.py) speaks, on real
chatter and on the labelled corpus (issue 21, item 6: it must add no noise).

    python -m bench.voices                   # LCCC tune and held, and every labelled split
    python -m bench.voices --split lccc-tune --show 20

For each split: messages, suggestions and praise per 1,000 messages (on LCCC, Weibo chatter
about nothing of a property, every one is a false alarm), and, on the labelled splits, how many
messages labelled repair, complaint or inquiry the detector would take from intake (it runs
only where intake would not act: `other`, or a message the classifier was unsure of), which
would be a repair lost. The roster is the example community's.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field

from bench.accuracy import CORPUS_DIR, load_corpus, load_lccc
from handlers.voices.detection import Person, is_suggestion, praised
from nlp.classification import Intent
from nlp.classifier import Classifier
from nlp.normalize import Normalizer

ROSTER = [Person(1, "王管家"), Person(2, "刘管家"), Person(3, "赵师傅"), Person(4, "何姑娘")]
SPLITS = (
    "lccc-tune",
    "lccc-held",
    "chatter-dev",
    "chatter-dev2",
    "dev",
    "dev2",
    "dev3",
    "dev4",
    "letters-dev",
)


@dataclass
class Tally:
    messages: int = 0
    suggestions: int = 0
    praise: int = 0
    taken: int = 0  # labelled repair / complaint / inquiry, taken by the detector
    shown: list[str] = field(default_factory=list)


def run(texts: Sequence[tuple[str, str | None]], classifier: Classifier, show: int) -> Tally:
    plain = Normalizer()
    tally = Tally()
    for text, label in texts:
        tally.messages += 1
        c = classifier.classify(text)
        if not (c.intent is Intent.OTHER or c.uncertain):
            continue  # intake acts on it: the detector never sees it
        normalized = plain.normalize_term(text)
        kind = None
        if is_suggestion(normalized, c):
            tally.suggestions += 1
            kind = "suggestion"
        elif praised(normalized, c, ROSTER) is not None:
            tally.praise += 1
            kind = "praise"
        if kind is None:
            continue
        if label in ("repair", "complaint", "inquiry"):
            tally.taken += 1
        if len(tally.shown) < show:
            tally.shown.append(f"  {kind} ({label or 'chatter'}): {text[:60]}")
    return tally


def split_texts(name: str) -> list[tuple[str, str | None]] | None:
    if name.startswith("lccc-"):
        lines, _ = load_lccc(name.split("-", 1)[1])
        return None if lines is None else [(t, None) for t in lines]
    path = CORPUS_DIR / f"{name}.jsonl"
    if not path.exists():
        return None
    return [(e.text, e.intent) for e in load_corpus(path)]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", action="append", help="a split (default: all)")
    parser.add_argument("--show", type=int, default=0, help="print the first N messages detected")
    args = parser.parse_args(argv)
    classifier = Classifier.load()
    print(f"{'split':<14}{'messages':>9}{'sugg/1k':>9}{'praise/1k':>10}{'taken':>7}")
    for name in args.split or SPLITS:
        texts = split_texts(name)
        if texts is None:
            print(f"{name:<14} (not available here)")
            continue
        t = run(texts, classifier, args.show)
        per = 1000 / t.messages if t.messages else 0.0
        print(f"{name:<14}{t.messages:>9}{t.suggestions * per:>9.2f}{t.praise * per:>10.2f}{t.taken:>7}")
        for line in t.shown:
            print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
