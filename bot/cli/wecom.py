"""`steward wecom chats | import-archive FILE.jsonl`."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from bot.adapters.wecom.archive_import import import_archive, print_summary
from bot.app.settings import ConfigError, Settings
from bot.cli.chats import list_chats
from bot.cli.command import Command, Subparsers, one_shot


def register(sub: Subparsers) -> None:
    wecom = sub.add_parser("wecom", help="WeCom tools")
    wecom_sub = wecom.add_subparsers(dest="wecom_command", required=True)
    wecom_sub.add_parser("chats", help="list the WeCom chats the robots have heard from")
    archive = wecom_sub.add_parser(
        "import-archive", help="import chat-archive records (会话内容存档, decrypted, one JSON per line)"
    )
    archive.add_argument("file", help="a .jsonl file of decrypted archive records")
    archive.add_argument(
        "--max-age", type=float, default=24.0, help="skip records older than this many hours (0: none)"
    )


async def import_file(settings: Settings, args: argparse.Namespace) -> int:
    """Every record through the app's entry point; replies wait in the outbox for `steward run`."""
    path = Path(args.file)
    if not await asyncio.to_thread(path.is_file):
        raise ConfigError(f"{path}: no such file")
    async with one_shot(settings) as app:
        summary = await import_archive(
            app.handle,
            app.handled_before,
            path,
            now=app.runtime.now,
            robot_names=settings.robot_names,
            robot_ids=settings.robot_ids,
            max_age_hours=args.max_age,
            progress=True,
        )
    print_summary(path, summary)
    return 1 if summary.bad or summary.stopped else 0


def run(settings: Settings, args: argparse.Namespace) -> int:
    if args.wecom_command == "chats":
        return asyncio.run(list_chats(settings, "wecom"))
    return asyncio.run(import_file(settings, args))


COMMAND = Command(("wecom",), register, run)
