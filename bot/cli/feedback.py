"""`steward nlp feedback --export FILE`: the stewards' corrections of the classifier (改为报修 /
改为投诉 / 改为咨询 / 不是工单 on a ticket card) as labelled examples, one JSON line each in the
corpus's format (tests/data/corpus/*.jsonl, docs/LABELLING.md): text, intent, category, urgent,
negative, risk, script. Phone numbers and units in the text are masked (`mask_text`): the
corpus is training text and holds no household's address. A ticket corrected twice is written
once, as last corrected.

The `nlp` command group: `feedback` now; `retrain` joins it later.
"""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from bot.app.settings import ConfigError, Settings
from bot.cli.command import Command, Subparsers, one_shot, since
from handlers import tickets


def register(sub: Subparsers) -> None:
    parser = sub.add_parser("nlp", help="the classifier's labelled examples")
    nlp_sub = parser.add_subparsers(dest="nlp_command", required=True)
    feedback = nlp_sub.add_parser(
        "feedback", help="the stewards' corrections as corpus lines (JSON, phones and units masked)"
    )
    feedback.add_argument("--export", type=Path, required=True, metavar="FILE", help="file to write")
    feedback.add_argument("--since", type=since, help="only corrections this recent, e.g. 30d")


async def feedback(settings: Settings, args: argparse.Namespace) -> int:
    async with one_shot(settings) as app, app.runtime.reading() as uow:
        lines = await tickets.export_labels(uow, app.runtime.now - args.since if args.since else None)
    try:
        args.export.write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{args.export}: {exc.strerror or exc}") from exc
    print(f"{len(lines)} labelled example(s) written to {args.export}")
    return 0


COMMAND = Command(("nlp",), register, lambda settings, args: asyncio.run(feedback(settings, args)))
