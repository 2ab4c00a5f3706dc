"""`steward demo`: a scripted morning in two communities, played through the real router,
database and outbox on a local channel and a simulated clock, printed as a transcript.

Nothing here decides what the bot says: every reply comes from the handlers and the
classifier, exactly as it would for a live message.
"""

from __future__ import annotations

import tempfile
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from rich.console import Console
from sqlalchemy import select

from bot.app import App, build_app
from bot.clock import FrozenClock
from bot.config import Settings
from bot.console import TranscriptPrinter, ticket_table
from bot.events import MessageKind
from bot.local import LocalChannel
from storage.db import create_engine, upgrade
from storage.models import Steward, Ticket


@dataclass(frozen=True)
class Line:
    chat: str
    user: str
    name: str
    text: str
    kind: MessageKind | None = None  # None: a command if it starts with '/', else text


SCRIPT: list[Line] = [
    Line("lxy-owners-1", "u-zhang", "张先生", "3栋2单元1302厨房水管漏水了，水一直往下滴，麻烦尽快派人来看看"),
    Line("lxy-owners-2", "u-li", "李阿姨", "救命！5号楼电梯卡在8楼了，里面有老人出不来！！！"),
    Line("lxy-owners-1", "u-wang", "王女士", "楼上每天晚上12点还在装修敲墙，吵得根本睡不着，已经好几天了😡"),
    Line("lxy-owners-2", "u-chen", "陈先生", "请问这个月的物业费可以用微信交吗？"),
    Line("lxy-owners-1", "u-zhao", "赵先生", "电梯修好了，谢谢管家"),
    Line("lxy-owners-1", "u-zhao", "赵先生", "", MessageKind.STICKER),
    Line("lxy-owners-1", "u-sun", "孙女士", "2栋门口的路灯坏了好几天了，晚上黑漆漆的很不安全"),
    Line("lxy-owners-2", "u-zhou", "周先生", "👍👍"),
    Line("hbhy-owners", "u-wong", "黃生", "A座16樓B室廁所漏水，滴到落樓下，唔該盡快派師傅嚟睇下"),
    Line("hbhy-owners", "u-chan", "陳太", "B座部lift又壞咗，成個禮拜壞咗三次，管理處究竟有冇人理㗎？"),
    Line("hbhy-owners", "u-lee", "李小姐", "聽日幾點停水？"),
    Line("hbhy-owners", "u-ho", "何生", "多謝管理處幫手搬走啲雜物🙏"),
    Line("hbhy-owners", "u-lam", "林太", "C座大堂好大陣煤氣味！！"),
]

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
        await self.channel.post(line.chat, line.user, line.text, sender_name=line.name, kind=line.kind)
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


async def intake_scene(demo: Demo) -> None:
    demo.console.rule("业主群消息 → 工单")
    for line in SCRIPT:
        await demo.say(line)


def scenes() -> list[Scene]:
    """The scenes in order: intake, the ticket loop, broadcasts, and opinion monitoring last
    (the demo ends with an alert, a folded repeat and a report image). Feature scenes import
    this module, so they are imported here, late."""
    from bot.demo_broadcasts import broadcasts_scene
    from bot.demo_opinion import opinion_scene
    from bot.demo_tickets import tickets_scene

    return [intake_scene, tickets_scene, broadcasts_scene, opinion_scene]


async def run_demo(console: Console | None = None, workdir: Path | None = None) -> list[Ticket]:
    console = console or Console()
    tmp = tempfile.TemporaryDirectory(prefix="steward-demo-") if workdir is None else None
    base = workdir or Path(tmp.name)  # type: ignore[union-attr]
    url = f"sqlite+aiosqlite:///{base / 'demo.db'}"
    try:
        engine = create_engine(url)
        await upgrade(engine)
        clock = FrozenClock(START)
        channel = LocalChannel(clock)
        app = build_app(Settings(database_url=url), channels={"local": channel}, clock=clock, engine=engine)
        titles = {c.id: c.title or c.id for entry in app.communities.community for c in entry.chat}
        channel.listeners.append(TranscriptPrinter(console, titles))
        await app.start(sender=False, scheduler=False)  # the demo drives both by hand
        demo = Demo(app, channel, clock, console)
        try:
            for scene in scenes():
                await scene(demo)
            tickets = await summarize(app, console)
        finally:
            await app.stop()
        return tickets
    finally:
        if tmp is not None:
            tmp.cleanup()


async def summarize(app: App, console: Console) -> list[Ticket]:
    async with app.sessions() as session:
        tickets = list((await session.scalars(select(Ticket).order_by(Ticket.id))).all())
        names = {s.id: s.name for s in (await session.scalars(select(Steward))).all()}
    classifier = app.services.classifier
    rows = [
        (
            t.number,
            {"repair": "报修", "complaint": "投诉", "inquiry": "咨询"}.get(t.kind, t.kind),
            classifier.category_label(t.category) if t.category else "-",
            "紧急" if t.priority == "urgent" else "普通",
            t.status,
            f"{t.building}栋****" if t.building else "-",
            names.get(t.assignee_id, "-") if t.assignee_id else "-",
        )
        for t in tickets
    ]
    console.print(ticket_table(rows, f"本次演示共开出 {len(tickets)} 张工单"))
    return tickets
