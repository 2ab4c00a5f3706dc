"""The `nlp` command group: the stewards' labelled examples, and the classifier's model rebuilt
from them.

- `steward nlp feedback --export FILE`: every labelled example, one JSON line each in the
  corpus's format (tests/data/corpus/*.jsonl, docs/LABELLING.md: text, intent, category, urgent,
  negative, risk, script): the stewards' corrections on a ticket's card (改为报修 / 改为投诉 /
  改为咨询 / 不是工单, source "correction") and their decisions on the digest of uncertain
  messages (开单 / 忽略, source "digest"). Phone numbers and units in the text are masked
  (`mask_text`): the corpus is training text and holds no household's address. A ticket
  labelled twice is written once, as last labelled.
- `steward nlp retrain [--dry-run]`: the model rebuilt from the corpus's training splits plus
  those examples, with figures on the frozen splits before and after (`bot/cli/retrain.py`).
  Deliberate: nothing runs it on its own.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections import Counter
from pathlib import Path

from bot.app.settings import ConfigError, Settings
from bot.cli import retrain
from bot.cli.command import Command, Subparsers, one_shot, since
from handlers import tickets
from handlers.tickets import CorpusLine
from nlp.model import DEFAULT_TRAIN_PATH


def register(sub: Subparsers) -> None:
    parser = sub.add_parser("nlp", help="the classifier's labelled examples and its model")
    nlp_sub = parser.add_subparsers(dest="nlp_command", required=True)
    feedback = nlp_sub.add_parser(
        "feedback",
        help="the stewards' corrections and digest decisions as corpus lines (JSON, phones and units masked)",
    )
    feedback.add_argument("--export", type=Path, required=True, metavar="FILE", help="file to write")
    feedback.add_argument("--since", type=since, help="only examples this recent, e.g. 30d")
    train = nlp_sub.add_parser(
        "retrain",
        help="rebuild the classifier's model from the corpus plus the stewards' labelled examples, "
        "with figures on the frozen splits before and after",
    )
    train.add_argument("--dry-run", action="store_true", help="print the figures; write nothing")
    train.add_argument(
        "--feedback",
        type=Path,
        metavar="FILE",
        help="labelled examples from this file (written by `nlp feedback --export`) instead of the database",
    )
    train.add_argument("--since", type=since, help="only the database's examples this recent, e.g. 90d")
    train.add_argument(
        "--corpus-dir", type=Path, default=retrain.CORPUS_DIR, help="the corpus (default tests/data/corpus)"
    )
    train.add_argument(
        "--train",
        type=Path,
        default=DEFAULT_TRAIN_PATH,
        metavar="FILE",
        help="the training file the model is built from now, and rewritten (default nlp/data/train.jsonl)",
    )
    train.add_argument(
        "--split", default="all", help="the frozen splits to report, comma-separated (default: all at hand)"
    )


async def labelled(settings: Settings, args: argparse.Namespace) -> list[CorpusLine]:
    async with one_shot(settings) as app, app.runtime.reading() as uow:
        return await tickets.export_labels(uow, app.runtime.now - args.since if args.since else None)


async def feedback(settings: Settings, args: argparse.Namespace) -> int:
    lines = await labelled(settings, args)
    try:
        args.export.write_text("".join(f"{line}\n" for line, _ in lines), encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{args.export}: {exc.strerror or exc}") from exc
    sources = Counter(source for _, source in lines)
    detail = ", ".join(f"{source} {n}" for source, n in sorted(sources.items()))
    print(f"{len(lines)} labelled example(s) written to {args.export}" + (f" ({detail})" if detail else ""))
    return 0


def retrain_command(settings: Settings, args: argparse.Namespace) -> int:
    if args.feedback is not None:
        try:
            lines = args.feedback.read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise ConfigError(f"{args.feedback}: {exc.strerror or exc}") from exc
        source = str(args.feedback)
    else:
        lines = [line for line, _ in asyncio.run(labelled(settings, args))]
        source = "the database"
    return retrain.retrain(
        lines,
        source,
        corpus_dir=args.corpus_dir,
        train_path=args.train,
        splits=args.split,
        dry_run=args.dry_run,
        out=sys.stdout,
    )


def run(settings: Settings, args: argparse.Namespace) -> int:
    if args.nlp_command == "retrain":
        return retrain_command(settings, args)
    return asyncio.run(feedback(settings, args))


COMMAND = Command(("nlp",), register, run)
