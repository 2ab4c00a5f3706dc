"""`steward fees import FILE.csv --community lxy`: the billing system's export of each unit's
fees (unit, owner account, amount due, months overdue; optionally the period's due date).
Idempotent: importing the same file again changes nothing. Bad lines are listed one per line
on standard error with their line number (the good lines are imported); the exit status is
1 when any line was bad."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from bot.app.settings import ConfigError, Settings
from bot.cli.command import Command, Subparsers, one_shot
from handlers import engagement


def register(sub: Subparsers) -> None:
    parser = sub.add_parser("fees", help="property fees for the private reminders")
    fees_sub = parser.add_subparsers(dest="fees_command", required=True)
    imports = fees_sub.add_parser("import", help="import the billing system's CSV export (idempotent)")
    imports.add_argument("file", type=Path, help="CSV: unit,account,amount_due,months_overdue[,due_date]")
    imports.add_argument("--community", required=True, help="community code, e.g. lxy")


async def fees_command(settings: Settings, args: argparse.Namespace) -> int:
    try:
        text = args.file.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{args.file}: cannot read it as UTF-8 text ({exc.__class__.__name__})") from exc
    async with one_shot(settings) as app, app.runtime.transaction() as uow:
        service = engagement.FeeService(app.services, engagement.FeePolicy.load())
        try:
            done = await service.import_file(uow, args.community, text, app.runtime.now)
        except LookupError as exc:
            raise ConfigError(str(exc)) from exc
    for bad in done.bad:
        print(f"{args.file}:{bad.line}: {bad.reason}", file=sys.stderr)
    print(
        f"{args.community}: {done.new} new, {done.changed} changed, {done.unchanged} unchanged"
        + (f"; {len(done.bad)} bad lines (not imported)" if done.bad else "")
    )
    return 1 if done.bad else 0


COMMAND = Command(("fees",), register, lambda settings, args: asyncio.run(fees_command(settings, args)))
