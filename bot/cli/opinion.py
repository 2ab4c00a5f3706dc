"""`steward opinion report | feedback`: the opinion digest for a period; staff verdicts as CSV."""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import timedelta
from pathlib import Path

from bot.app.settings import ConfigError, Settings
from bot.cli.command import Command, Subparsers, one_shot, since
from handlers import opinion


def register(sub: Subparsers) -> None:
    parser = sub.add_parser("opinion", help="public-opinion monitoring")
    opinion_sub = parser.add_subparsers(dest="opinion_command", required=True)
    report = opinion_sub.add_parser("report", help="the opinion digest of each community for a period")
    report.add_argument("--since", type=since, default=timedelta(days=7), help="e.g. 7d (default), 24h, 2w")
    report.add_argument("--community", help="one community code (default: all)")
    feedback = opinion_sub.add_parser("feedback", help="staff verdicts on alerts (误报 etc.) as CSV")
    feedback.add_argument("--since", type=since, help="only verdicts this recent, e.g. 30d")
    feedback.add_argument("--out", type=Path, help="file to write (default: standard output)")


async def opinion_command(settings: Settings, args: argparse.Namespace) -> int:
    async with one_shot(settings) as app, app.runtime.reading() as uow:
        now = app.runtime.now
        try:
            if args.opinion_command == "report":
                print(await opinion.report_text(uow, app.services, args.since, now, args.community))
                return 0
            text = await opinion.export_feedback(uow, now - args.since if args.since else None)
        except (LookupError, ValueError) as exc:
            raise ConfigError(str(exc)) from exc
    if args.out:
        args.out.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


COMMAND = Command(("opinion",), register, lambda settings, args: asyncio.run(opinion_command(settings, args)))
