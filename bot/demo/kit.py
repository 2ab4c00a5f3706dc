"""The demo's kit: what a scene drives (the real app on a local channel and a simulated
clock) and how a scene says, presses and runs jobs. Scenes import this module; this module
imports no scene.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from rich.console import Console

from bot.adapters.local.channel import LocalChannel
from bot.app.root import App
from bot.core.clock import FrozenClock
from bot.core.events import MessageKind, Photo


@dataclass(frozen=True)
class Line:
    chat: str
    user: str
    name: str
    text: str
    kind: MessageKind | None = None  # None: a command if it starts with '/', else text
    photos: tuple[Photo, ...] = ()  # a photo sent (`text` its caption)


START = datetime(2026, 11, 23, 9, 30, tzinfo=ZoneInfo("Asia/Shanghai"))  # a Monday morning


@dataclass
class Demo:
    """What a demo scene drives: the real app on a local channel and a simulated clock."""

    app: App
    channel: LocalChannel
    clock: FrozenClock
    console: Console

    async def say(self, line: Line) -> None:
        self.clock.advance(timedelta(minutes=3))
        await self.channel.post(
            line.chat, line.user, line.text, sender_name=line.name, kind=line.kind, photos=line.photos
        )
        await self.app.sender.drain()

    async def press(self, chat: str, data_prefix: str, user: str, name: str) -> bool:
        """Press the newest button in `chat` whose data starts with `data_prefix`."""
        for message in reversed(self.channel.sent_to(chat)):
            if message.outgoing is None:
                continue
            for row in message.outgoing.buttons:
                for button in row:
                    if button.data.startswith(data_prefix):
                        self.console.print(f"[dim]  ({name} 按下「{button.label}」)[/dim]")
                        await self.channel.press(chat, message.message_id, button.data, user, name)
                        await self.app.sender.drain()
                        return True
        return False

    async def run_jobs(self, *job_ids: str) -> None:
        """Run the named scheduled jobs once, now (on the simulated clock)."""
        for job_id in job_ids:
            job = self.app.scheduler.get_job(job_id)
            if job is None:
                raise KeyError(f"no scheduled job {job_id!r}")
            await job.func(*job.args, **job.kwargs)
        await self.app.sender.drain()


Scene = Callable[[Demo], Awaitable[None]]
