"""`steward report --community lxy --month 2026-11 --out DIR`: a community's service report as
CSV, PNG charts and the owner summary."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from bot.app.policies import report_policy
from bot.app.settings import ConfigError, Settings
from bot.cli.command import Command, Subparsers, one_shot
from handlers import reports
from handlers.reports.charts import FontMissing


def register(sub: Subparsers) -> None:
    service = sub.add_parser("report", help="a community's service report: CSV, PNG charts, owner summary")
    service.add_argument("--community", required=True, help="community code, e.g. lxy")
    period = service.add_mutually_exclusive_group(required=True)
    period.add_argument("--month", help="e.g. 2026-11")
    period.add_argument("--week", help="an ISO week, e.g. 2026-W47")
    period.add_argument("--quarter", help="e.g. 2026-Q4 (with the months' trend)")
    period.add_argument("--year", help="e.g. 2026 (with the months' trend)")
    service.add_argument("--out", type=Path, required=True, help="directory to write the files to")


async def export(settings: Settings, args: argparse.Namespace) -> int:
    async with one_shot(settings) as app, app.runtime.reading() as uow:
        try:
            paths = await reports.export(
                uow,
                app.services,
                args.community,
                args.month or args.week or args.quarter or args.year,
                args.out,
                app.runtime.now,
                targets=report_policy(settings, app.communities).targets_for(args.community),
            )
        except (LookupError, ValueError, FontMissing) as exc:
            raise ConfigError(str(exc)) from exc
    for path in paths:
        print(path)
    return 0


COMMAND = Command(("report",), register, lambda settings, args: asyncio.run(export(settings, args)))
