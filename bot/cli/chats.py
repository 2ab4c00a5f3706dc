"""`steward telegram chats` / `steward wecom chats`: the chats seen on a platform, to find
ids to bind.

Every chat an update came from has a row (unbound until the community file or `/bind CODE`
binds it), so after writing in a group once, its id is listed here. Listing changes nothing
(the community file is not synced: that would mark every chat it binds active).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from rich.console import Console
from rich.table import Table

from bot.app.root import App
from bot.app.settings import Settings
from bot.cli.command import one_shot


@dataclass(frozen=True)
class ChatRow:
    chat_id: str
    title: str
    role: str
    community: str
    active: bool
    last_seen: datetime


async def seen_chats(app: App, platform: str) -> list[ChatRow]:
    async with app.runtime.reading() as store:
        codes = {c.id: c.code for c in await store.directory.communities()}
        chats = await store.directory.all_chats(platform)
        return [
            ChatRow(
                chat_id=chat.platform_chat_id,
                title=chat.title,
                role=chat.role,
                community=codes.get(chat.community_id, "") if chat.community_id else "",
                active=chat.active,
                last_seen=chat.last_seen_at,
            )
            for chat in sorted(chats, key=lambda c: c.last_seen_at, reverse=True)
        ]


async def print_chats(app: App, platform: str, console: Console | None = None) -> None:
    rows = await seen_chats(app, platform)
    console = console or Console()
    if not rows:
        console.print(f"no {platform} chats seen yet: start `steward run` and write in each group once")
        return
    table = Table(title=f"{platform} chats (newest first)")
    for column in ("id", "title", "role", "community", "active", "last seen (UTC)"):
        table.add_column(column, no_wrap=column == "id")
    for row in rows:
        table.add_row(
            row.chat_id,
            row.title,
            row.role,
            row.community or "-",
            "yes" if row.active else "no",
            row.last_seen.strftime("%Y-%m-%d %H:%M"),
        )
    console.print(table)


async def list_chats(settings: Settings, platform: str) -> int:
    async with one_shot(settings, read_only=True) as app:
        await print_chats(app, platform)
    return 0
