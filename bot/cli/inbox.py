"""`steward inbox status | failed | retry (--all | ID ...)`: the inbox's backlog and its dead
letters (updates parked after too many failures), and sending them back.

`retry` puts the parked updates back in their chats' queues, due at once, their failures
forgotten; the running `steward run` handles them (within its poll interval) with the
platforms' adapters, so they are handled exactly as live updates are (or at its next start).
Nothing here prints message text: a row is named by its id, platform, chat, kind and error.
"""

from __future__ import annotations

import argparse
import asyncio

from rich.console import Console
from rich.table import Table

from bot.app.settings import ConfigError, Settings
from bot.cli.command import Command, Subparsers, one_shot, row_id


def register(sub: Subparsers) -> None:
    inbox = sub.add_parser("inbox", help="updates waiting to be handled, and those parked after failures")
    inbox_sub = inbox.add_subparsers(dest="inbox_command", required=True)
    inbox_sub.add_parser("status", help="the backlog, how long its oldest update has waited, dead letters")
    inbox_sub.add_parser("failed", help="list the updates parked after too many failures")
    retry = inbox_sub.add_parser("retry", help="send parked updates back to be handled again")
    retry.add_argument(
        "ids", nargs="*", type=row_id, metavar="ID", help="the updates to retry (see `failed`)"
    )
    retry.add_argument("--all", action="store_true", help="every parked update")


async def status(settings: Settings, console: Console) -> int:
    async with one_shot(settings) as app:
        stats = await app.inbox.stats()
    waited = "-" if stats.oldest_pending_seconds is None else f"{stats.oldest_pending_seconds:.0f} s"
    console.print(f"backlog: {stats.backlog}  oldest waiting: {waited}  dead letters: {stats.dead_letters}")
    return 0


async def failed(settings: Settings, console: Console) -> int:
    async with one_shot(settings) as app, app.runtime.reading() as uow:
        rows = await uow.inbox.parked()
    if not rows:
        console.print("no parked updates")
        return 0
    table = Table(title=f"{len(rows)} parked update(s), oldest first")
    for column in ("id", "platform", "chat", "kind", "failures", "received (UTC)", "parked (UTC)", "error"):
        table.add_column(column, no_wrap=column in ("id", "chat"))
    for row in rows:
        table.add_row(
            str(row.id),
            row.platform,
            row.platform_chat_id,
            row.kind,
            str(row.failures),
            row.received_at.strftime("%Y-%m-%d %H:%M:%S"),
            row.handled_at.strftime("%Y-%m-%d %H:%M:%S") if row.handled_at else "-",
            row.error or "",
        )
    console.print(table)
    console.print("retry them with `steward inbox retry ID ...` or `steward inbox retry --all`")
    return 0


async def retry(settings: Settings, args: argparse.Namespace, console: Console) -> int:
    if bool(args.ids) == bool(args.all):
        raise ConfigError("inbox retry: name the updates (IDs from `steward inbox failed`) or give --all")
    async with one_shot(settings) as app, app.runtime.transaction() as uow:
        requeued = await uow.inbox.requeue(None if args.all else args.ids, app.runtime.now)
    missing = sorted(set(args.ids) - set(requeued))
    if requeued:
        console.print(
            f"{len(requeued)} update(s) sent back: {', '.join(map(str, requeued))}; "
            "the running `steward run` handles them (or its next start)"
        )
    else:
        console.print("nothing to retry")
    if missing:
        raise ConfigError(f"inbox retry: not parked: {', '.join(map(str, missing))}")
    return 0


def run(settings: Settings, args: argparse.Namespace) -> int:
    console = Console()
    if args.inbox_command == "status":
        return asyncio.run(status(settings, console))
    if args.inbox_command == "failed":
        return asyncio.run(failed(settings, console))
    return asyncio.run(retry(settings, args, console))


COMMAND = Command(("inbox",), register, run)
