"""Command-line entry points, wired into the ``steward`` console script by bot/cli.py.

``steward classify "text" ...``     print a readable explanation of each message
``steward classify --json``          read one message per line on stdin, write one JSON object
                                     per line (intent, category, urgent, unit, sentiment,
                                     negative, risk, rules, uncertain, uncertain_reason,
                                     evidence); --addressed: as if the messages @-mentioned
                                     the bot or replied to a steward
``steward rules check``              validate the rules file (and the user dictionary) and list
                                     keywords that never fire on a corpus
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from nlp.classifier import DEFAULT_USERDICT_PATH, Classifier
from nlp.rules import DEFAULT_RULES_PATH, RulesError

__all__ = ["classify_main", "rules_check_main"]

DEFAULT_CORPUS = Path("tests/data/corpus/dev.jsonl")


class _Exit(Exception):
    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


class _Parser(argparse.ArgumentParser):
    """argparse that writes help to the caller's stdout and errors to stderr, without exiting."""

    def __init__(self, *args: object, out: TextIO, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._out = out

    def print_help(self, file: Any = None) -> None:
        super().print_help(self._out)

    def exit(self, status: int = 0, message: str | None = None) -> None:  # type: ignore[override]
        if message:
            sys.stderr.write(message)
        raise _Exit(status)

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        sys.stderr.write(f"{self.prog}: error: {message}\n")
        raise _Exit(2)


def _load(rules: Path | None, userdict: Path | None) -> Classifier:
    return Classifier.load(rules, userdict)


def classify_main(argv: Sequence[str], stdin: TextIO, stdout: TextIO) -> int:
    """``steward classify``. Returns a process exit code."""
    parser = _Parser(
        prog="steward classify",
        description="Classify owner messages: intent, category, urgency, unit, sentiment, risk.",
        out=stdout,
    )
    parser.add_argument(
        "text", nargs="*", help="message(s) to explain; with --json, classified as JSON instead"
    )
    parser.add_argument(
        "--json",
        action="store_true",
        help="write one JSON object per message; reads stdin when no text is given",
    )
    parser.add_argument(
        "--rules", type=Path, default=None, help=f"rules file (default: {DEFAULT_RULES_PATH})"
    )
    parser.add_argument("--userdict", type=Path, default=None, help="jieba user dictionary")
    parser.add_argument(
        "--addressed",
        action="store_true",
        help="the messages @-mention the bot or reply to a steward (evidence that they are about the property)",
    )
    try:
        args = parser.parse_args(list(argv))
    except _Exit as exc:
        return exc.code
    if not args.text and not args.json:
        parser.print_usage(sys.stderr)
        sys.stderr.write("steward classify: error: give a message, or --json to read messages from stdin\n")
        return 2
    try:
        clf = _load(args.rules, args.userdict)
    except RulesError as exc:
        sys.stderr.write(f"steward classify: {exc}\n")
        return 2

    if args.json:
        lines: Sequence[str] = args.text if args.text else _stdin_lines(stdin)
        for line in lines:
            c = clf.classify(line, addressed=args.addressed)
            stdout.write(json.dumps(c.as_dict(), ensure_ascii=False) + "\n")
        stdout.flush()
        return 0
    for i, text in enumerate(args.text):
        if i:
            stdout.write("\n")
        stdout.write(clf.explain(text, addressed=args.addressed) + "\n")
    return 0


def _stdin_lines(stdin: TextIO) -> list[str]:
    # One message per line; line breaks inside a message are not representable on this interface.
    return [line.rstrip("\r\n") for line in stdin]


def rules_check_main(argv: Sequence[str], stdout: TextIO) -> int:
    """``steward rules check``: 0 if the rules load, 1 if they do not (2 on usage errors)."""
    parser = _Parser(
        prog="steward rules check",
        description="Validate the classifier rules and list keywords that never fire on a corpus.",
        out=stdout,
    )
    parser.add_argument(
        "--rules", type=Path, default=None, help=f"rules file (default: {DEFAULT_RULES_PATH})"
    )
    parser.add_argument(
        "--userdict", type=Path, default=None, help=f"user dictionary (default: {DEFAULT_USERDICT_PATH})"
    )
    parser.add_argument(
        "--corpus",
        type=Path,
        default=None,
        help=f"JSON-lines corpus with a 'text' field (default: {DEFAULT_CORPUS} when present)",
    )
    parser.add_argument("--strict", action="store_true", help="exit 1 when some keyword never fires")
    try:
        args = parser.parse_args(list(argv))
    except _Exit as exc:
        return exc.code

    rules_path: Path = args.rules or DEFAULT_RULES_PATH
    try:
        clf = _load(args.rules, args.userdict)
    except RulesError as exc:
        stdout.write(f"FAIL {exc}\n")
        return 1
    rs = clf.rules
    every = rs.all_rules()
    n_words = sum(1 for r in every if r.word is not None)
    n_patterns = sum(1 for r in every if r.pattern is not None)
    stdout.write(
        f"OK {rules_path}: {n_words} keywords, {n_patterns} patterns, {len(rs.categories)} categories, "
        f"{len(rs.genres)} letter genres\n"
    )

    corpus: Path | None = args.corpus
    if corpus is None and DEFAULT_CORPUS.exists():
        corpus = DEFAULT_CORPUS
    if corpus is None:
        stdout.write(
            "no corpus given (and no tests/data/corpus/dev.jsonl here): skipped the dead-keyword report\n"
        )
        return 0
    try:
        texts = _corpus_texts(corpus)
    except (OSError, ValueError) as exc:
        stdout.write(f"FAIL cannot read corpus {corpus}: {exc}\n")
        return 1

    fired: set[str] = set()
    for text in texts:
        for hit in clf.analyse(text).hits:  # the letter's genre hit included
            fired.update(r.id for r in hit.rules)
    dead = [r for r in every if r.id not in fired]
    stdout.write(
        f"corpus {corpus}: {len(texts)} messages; {len(every) - len(dead)} of {len(every)} rules fire\n"
    )
    if dead:
        stdout.write(f"{len(dead)} rules never fire on this corpus:\n")
        by_path: dict[str, list[str]] = {}
        for r in dead:
            section = r.path.split("[", 1)[0]
            by_path.setdefault(section, []).append(r.source or r.id)
        for section, words in by_path.items():
            stdout.write(f"  {section}: {', '.join(words)}\n")
    return 1 if dead and args.strict else 0


def _corpus_texts(path: Path) -> list[str]:
    texts: list[str] = []
    with path.open(encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            line = line.strip()
            if not line:
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ValueError(f"line {lineno}: {exc.msg}") from None
            text = record.get("text") if isinstance(record, dict) else None
            if not isinstance(text, str):
                raise ValueError(f"line {lineno}: no 'text' string")
            texts.append(text)
    return texts


def main() -> int:  # pragma: no cover - convenience for `python -m nlp.cli`
    argv = sys.argv[1:]
    if argv[:2] == ["rules", "check"]:
        return rules_check_main(argv[2:], sys.stdout)
    if argv[:1] == ["classify"]:
        argv = argv[1:]
    with contextlib.suppress(BrokenPipeError):
        return classify_main(argv, sys.stdin, sys.stdout)
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
