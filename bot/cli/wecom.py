"""`steward wecom chats | retry CHAT_ID | import-archive FILE.jsonl`.

`chats` lists the WeCom chats the robots have heard from, with each one's robot: `ok`, `no key`
(nothing can be pushed there: give the chat a `webhook_key` in the community file, or let its
group robot hear a message), or `DEAD since …` (WeCom refused the key as invalid, 93000: the
group receives nothing; the supervisors and admins were told). `retry CHAT_ID` sends again
what failed because the chat's robot was dead (the last day's), for the running `steward run`
to find out whether the robot works; a corrected key in the community file does the same at
the next start, and a group-robot callback with a new key at once.
"""

from __future__ import annotations

import argparse
import asyncio
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.table import Table

from bot.adapters.wecom.archive_import import import_archive, print_summary
from bot.adapters.wecom.keybook import RESEND_WITHIN
from bot.adapters.wecom.webhook import DEAD_WEBHOOK
from bot.app.root import App
from bot.app.settings import ConfigError, Settings
from bot.cli.chats import seen_chats
from bot.cli.command import Command, Subparsers, hours_or_zero, one_shot
from bot.core.events import Platform

PLATFORM = Platform.WECOM.value


def register(sub: Subparsers) -> None:
    wecom = sub.add_parser("wecom", help="WeCom tools")
    wecom_sub = wecom.add_subparsers(dest="wecom_command", required=True)
    wecom_sub.add_parser(
        "chats", help="list the WeCom chats the robots have heard from, with their robots' state"
    )
    retry = wecom_sub.add_parser(
        "retry", help="send again what failed because a chat's group robot was dead (93000)"
    )
    retry.add_argument("chat", help="the chat's id (see `steward wecom chats`)")
    archive = wecom_sub.add_parser(
        "import-archive", help="import chat-archive records (会话内容存档, decrypted, one JSON per line)"
    )
    archive.add_argument("file", help="a .jsonl file of decrypted archive records")
    archive.add_argument(
        "--max-age",
        type=hours_or_zero,
        default=24.0,
        help="skip records older than this many hours (0: none)",
    )


@dataclass(frozen=True)
class RobotState:
    """What `chats` says of a chat's group robot."""

    text: str
    dead: bool = False


async def robot_states(app: App) -> dict[str, RobotState]:
    configured = {
        chat.id
        for entry in app.communities.community
        for chat in entry.chat
        if chat.platform == PLATFORM and chat.webhook_key
    }
    states: dict[str, RobotState] = {}
    async with app.runtime.reading() as store:
        for chat in await store.directory.all_chats(PLATFORM):
            if chat.push_failed_at is not None:
                failed = await store.outbox.failed_count(
                    PLATFORM,
                    chat.platform_chat_id,
                    since=app.runtime.now - RESEND_WITHIN,
                    error_prefix=DEAD_WEBHOOK,
                )
                since = chat.push_failed_at.strftime("%Y-%m-%d %H:%M")
                states[chat.platform_chat_id] = RobotState(
                    f"DEAD since {since} UTC ({(chat.push_error or '')[:60]}); {failed} failed in 24 h",
                    dead=True,
                )
            elif chat.webhook_key or chat.platform_chat_id in configured:
                states[chat.platform_chat_id] = RobotState("ok")
            elif chat.role == "private":
                states[chat.platform_chat_id] = RobotState("- (answered in reply only)")
            else:
                states[chat.platform_chat_id] = RobotState("no key")
    return states


async def print_chats(app: App, console: Console | None = None) -> None:
    rows = await seen_chats(app, PLATFORM)
    console = console or Console()
    if not rows:
        console.print(f"no {PLATFORM} chats seen yet: start `steward run` and write in each group once")
        return
    states = await robot_states(app)
    table = Table(title=f"{PLATFORM} chats (newest first)")
    for column in ("id", "title", "role", "community", "active", "robot", "last seen (UTC)"):
        table.add_column(column, no_wrap=column == "id")
    for row in rows:
        state = states.get(row.chat_id, RobotState("?"))
        table.add_row(
            row.chat_id,
            row.title,
            row.role,
            row.community or "-",
            "yes" if row.active else "no",
            f"[bold red]{state.text}[/bold red]" if state.dead else state.text,
            row.last_seen.strftime("%Y-%m-%d %H:%M"),
        )
    console.print(table)
    dead = sum(1 for s in states.values() if s.dead)
    if dead:
        console.print(
            f"{dead} group robot(s) refused as invalid (93000): re-add the robot in the group and put its new "
            "webhook key in the community file (then restart), or let it hear one @-mention; "
            "`steward wecom retry CHAT_ID` sends what failed again."
        )


async def list_chats(settings: Settings) -> int:
    async with one_shot(settings, read_only=True) as app:
        await print_chats(app)
    return 0


async def retry(settings: Settings, chat_id: str) -> int:
    """What failed because the chat's robot was dead, due again (the running Steward sends it)."""
    async with one_shot(settings) as app, app.runtime.transaction() as store:
        chat = await store.directory.chat_by_platform_id(PLATFORM, chat_id)
        if chat is None:
            raise ConfigError(f"no {PLATFORM} chat {chat_id}: see `steward wecom chats`")
        now = app.runtime.now
        again = await store.outbox.requeue_failed(
            PLATFORM, chat_id, since=now - RESEND_WITHIN, error_prefix=DEAD_WEBHOOK, now=now
        )
    print(
        f"{chat_id}: {again} message(s) due again; the running `steward run` sends them with the chat's robot"
    )
    return 0


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
        return asyncio.run(list_chats(settings))
    if args.wecom_command == "retry":
        return asyncio.run(retry(settings, args.chat))
    return asyncio.run(import_file(settings, args))


COMMAND = Command(("wecom",), register, run)
