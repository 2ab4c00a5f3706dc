"""`steward chat`: type as an owner or a steward in a simulated community and watch every
chat's messages. It plays on a throw-away database of its own (SQLite in a temporary
directory, gone at /quit) unless `--database URL` names one, and it refuses a database that
holds platform chats (Telegram, WeCom): its simulated clock and its failing local deliveries
must never touch a live deployment's tickets or outbox.

    /as owner [NAME|UNIT]     speak as an owner (default); a unit such as 3-2-1302 registers it
    /as steward 王管家         speak as a roster person (steward, supervisor or manager)
    /in CHAT                  switch chat (see /chats)
    /press N                  press button N of the last message with buttons in this chat
    /reply TEXT               reply to the last bot message in this chat
    /chats, /quit
Anything else is sent as a message (commands like /my are passed to Steward).
"""

from __future__ import annotations

import asyncio
import re
import shlex
import tempfile
from datetime import datetime
from pathlib import Path

from rich.console import Console
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from bot.adapters.local.channel import LocalChannel
from bot.app.root import build_app
from bot.app.settings import Settings
from bot.core.clock import Clock, ShiftedClock, SystemClock
from bot.demo.console import TranscriptPrinter
from storage.db import create_engine, upgrade
from storage.directory.models import Chat

UNIT = re.compile(r"^[0-9A-Za-z]{1,3}(-[0-9A-Za-z]{1,4}){1,2}$")


async def run_chat(settings: Settings, start: datetime | None = None, database: str | None = None) -> int:
    """`database`: a URL to play on (refused if it holds platform chats); None: a throw-away one."""
    with tempfile.TemporaryDirectory(prefix="steward-chat-") as tmp:
        url = database or f"sqlite+aiosqlite:///{Path(tmp) / 'chat.db'}"
        return await _chat(settings.model_copy(update={"database_url": url}), start, fresh=database is None)


async def platform_chats(settings: Settings) -> int:
    """How many chats of a real platform the database holds (0 for a database not set up, or
    not reached: the app's own start then says which, in one line)."""
    engine = create_engine(settings.database_url)
    try:
        async with engine.connect() as conn:
            return int(
                await conn.scalar(select(func.count()).select_from(Chat).where(Chat.platform != "local")) or 0
            )
    except (SQLAlchemyError, OSError):  # asyncpg's refused connection is an OSError
        return 0
    finally:
        await engine.dispose()


async def _chat(settings: Settings, start: datetime | None, *, fresh: bool) -> int:
    console = Console()
    if fresh:
        engine = create_engine(settings.database_url)
        try:
            await upgrade(engine)
        finally:
            await engine.dispose()
    elif await platform_chats(settings):
        console.print(
            "steward chat: this database holds platform chats (a live deployment); "
            "leave out --database to play on a throw-away one"
        )
        return 2
    clock: Clock = ShiftedClock(start) if start is not None else SystemClock()
    channel = LocalChannel(clock)
    app = build_app(settings, channels={"local": channel}, clock=clock)
    local_chats = [
        (c.id, c.title or c.id) for e in app.communities.community for c in e.chat if c.platform == "local"
    ]
    if not local_chats:
        console.print("[red]the community file binds no local chats[/red]")
        return 2
    titles = dict(local_chats)
    people = {
        p.name: p.accounts.get("local", p.name)
        for e in app.communities.community
        for p in (*e.steward, *e.supervisor, *e.manager)
    }
    channel.listeners.append(TranscriptPrinter(console, titles))
    await app.start()
    chat_id = next((cid for cid, _ in local_chats if "owner" in cid), local_chats[0][0])
    user_id, user_name = "owner-1", "业主"
    registered: set[str] = set()
    console.print(__doc__ or "")
    loop = asyncio.get_running_loop()
    try:
        while True:
            prompt = f"[{titles.get(chat_id, chat_id)} · {user_name}]> "
            try:
                line = (await loop.run_in_executor(None, input, prompt)).strip()
            except EOFError:
                break
            if not line:
                continue
            try:
                words = shlex.split(line)
            except ValueError:
                words = line.split()
            head = words[0]
            if head == "/quit":
                break
            if head == "/chats":
                for cid, title in local_chats:
                    console.print(f"  {cid}  {title}")
                continue
            if head == "/in" and len(words) == 2 and words[1] in titles:
                chat_id = words[1]
                continue
            if head == "/as" and len(words) >= 2:
                if words[1] == "steward" and len(words) == 3 and words[2] in people:
                    user_id, user_name = str(people[words[2]]), words[2]
                elif words[1] == "owner":
                    who = words[2] if len(words) > 2 else "1"
                    user_id = f"owner-{who}"
                    if not UNIT.match(who):
                        user_name = who
                    else:
                        # An owner known by their unit: registered privately, shown by building only.
                        user_name = f"{who.split('-')[0]}栋业主"
                        if who not in registered:
                            registered.add(who)
                            await channel.post(chat_id, user_id, f"/unit {who}", sender_name=user_name)
                            await app.sender.drain()
                else:
                    console.print(f"[red]unknown person; roster: {', '.join(people)}[/red]")
                continue
            if head == "/press" and len(words) == 2 and words[1].isdigit():
                with_buttons = [m for m in channel.sent_to(chat_id) if m.outgoing and m.outgoing.buttons]
                if not with_buttons:
                    console.print("[red]no message with buttons in this chat[/red]")
                    continue
                target = with_buttons[-1]
                assert target.outgoing is not None
                flat = [b for row in target.outgoing.buttons for b in row]
                index = int(words[1]) - 1
                if not 0 <= index < len(flat):
                    console.print(f"[red]buttons are 1..{len(flat)}[/red]")
                    continue
                await channel.press(chat_id, target.message_id, flat[index].data, user_id, user_name)
            elif head == "/reply" and len(words) >= 2:
                sent = channel.sent_to(chat_id)
                reply_to = sent[-1].message_id if sent else None
                await channel.post(
                    chat_id, user_id, line.split(None, 1)[1], sender_name=user_name, reply_to=reply_to
                )
            else:
                await channel.post(chat_id, user_id, line, sender_name=user_name)
            await app.sender.drain()
    finally:
        await app.stop()
    return 0
