"""`steward demo`: a scripted morning in two communities, played through the real router,
database and outbox on a local channel and a simulated clock, printed as a transcript.

Nothing here decides what the bot says: every reply comes from the handlers and the
classifier, exactly as it would for a live message.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from rich.console import Console
from sqlalchemy import select

from bot.adapters.local.channel import LocalChannel
from bot.app.root import App, build_app
from bot.app.settings import Settings
from bot.core.clock import FrozenClock
from bot.demo.console import TranscriptPrinter, ticket_table
from bot.demo.kit import START, Demo, Scene
from bot.demo.scenes.broadcasts import broadcasts_scene
from bot.demo.scenes.emergency import emergency_scene
from bot.demo.scenes.engagement import activity_scene, care_scene, fee_scene, poll_scene
from bot.demo.scenes.intake import intake_scene
from bot.demo.scenes.opinion import opinion_scene
from bot.demo.scenes.patrol import patrol_scene
from bot.demo.scenes.review import review_scene
from bot.demo.scenes.service_floor import callback_scene, crisis_scene
from bot.demo.scenes.tickets import tickets_scene
from storage.db import create_engine, upgrade
from storage.directory.models import Steward
from storage.tickets.models import Ticket

# In order: intake, the ticket loop, the emergency clock, broadcasts, opinion monitoring (an
# alert, a folded repeat and a report image), the service floor (a crisis reaching
# management, suggestions and 回访), the monthly review (targets, comparisons, the service
# star, each steward's own month), owners' voice (a poll and its result, an activity's
# sign-ups, a private fee reminder, a care check-in before a typhoon notice), then stewards'
# patrol and the hazards ledger, whose day-long deadline moves the clock on last.
SCENES: tuple[Scene, ...] = (
    intake_scene,
    tickets_scene,
    emergency_scene,
    broadcasts_scene,
    opinion_scene,
    crisis_scene,
    callback_scene,
    review_scene,
    poll_scene,
    activity_scene,
    fee_scene,
    care_scene,
    patrol_scene,
)


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
            for scene in SCENES:
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
