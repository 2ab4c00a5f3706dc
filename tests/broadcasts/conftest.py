"""A rig for broadcast tests: the real app on a local channel, a frozen clock and a real
database (SQLite and PostgreSQL through the `engine` fixture), with the broadcast jobs driven by
hand. Community files are the shipped example or written here (three time zones; N groups)."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.adapters.local.channel import LocalChannel, LocalMessage
from bot.app.root import App, build_app
from bot.app.settings import EXAMPLE_COMMUNITY_FILE, Settings
from bot.core.channel import Channel
from bot.core.clock import FrozenClock
from handlers.broadcasts.jobs import TICK, BroadcastJobs
from nlp.classifier import Classifier
from storage.base import Base
from storage.broadcasts.models import Broadcast, BroadcastSchedule, Outage
from storage.outbox.models import OutboxMessage

EXAMPLE = EXAMPLE_COMMUNITY_FILE
SHANGHAI = ZoneInfo("Asia/Shanghai")
# Monday 2026-11-23 10:00 in Shanghai (as the core harness).
MONDAY_MORNING = datetime(2026, 11, 23, 10, 0, tzinfo=SHANGHAI)


class Rig:
    def __init__(
        self,
        engine: AsyncEngine,
        db_url: str,
        classifier: Classifier,
        *,
        community_file: Path = EXAMPLE,
        start: datetime = MONDAY_MORNING,
        channel: LocalChannel | None = None,
        clock: FrozenClock | None = None,
        **settings: Any,
    ) -> None:
        self.engine = engine
        self.db_url = db_url
        self.classifier = classifier
        self.community_file = community_file
        self.settings = settings
        self.clock = clock or FrozenClock(start)
        self.channel = channel or LocalChannel(self.clock)
        self.app: App = self.build({"local": self.channel})

    def build(self, channels: dict[str, Channel]) -> App:
        return build_app(
            Settings(
                database_url=self.db_url,
                community_file=self.community_file,
                admins="local:admin",
                **self.settings,
            ),
            channels=channels,
            clock=self.clock,
            classifier=self.classifier,
            engine=self.engine,
        )

    async def start(self) -> None:
        await self.app.start(sender=False, scheduler=False)

    async def restart(self) -> Rig:
        """A new process on the same database (same clock and local 'platform')."""
        rig = Rig(
            self.engine,
            self.db_url,
            self.classifier,
            community_file=self.community_file,
            channel=self.channel,
            clock=self.clock,
            **self.settings,
        )
        await rig.start()
        return rig

    @property
    def jobs(self) -> BroadcastJobs:
        """The feature's jobs object: the one whose tick the scheduler runs."""
        jobs = self.app.scheduler.get_job(TICK).func.__self__
        assert isinstance(jobs, BroadcastJobs)
        return jobs

    async def say(self, chat: str, user: str, text: str, *, private: bool = False) -> None:
        await self.channel.post(chat, user, text, private=private)
        await self.app.sender.drain()

    async def press(self, chat: str, prefix: str, user: str) -> str:
        """Press the newest button in `chat` whose data starts with `prefix`; returns its data."""
        for message in reversed(self.channel.sent_to(chat)):
            for row in message.outgoing.buttons if message.outgoing else ():
                for button in row:
                    if button.data.startswith(prefix):
                        await self.channel.press(chat, message.message_id, button.data, user)
                        await self.app.sender.drain()
                        return button.data
        raise AssertionError(f"no {prefix!r} button in {chat}")

    async def tick(self) -> None:
        await self.jobs.tick()
        await self.app.sender.drain()

    def advance(self, **delta: float) -> None:
        self.clock.advance(timedelta(**delta))

    def at(self, when: datetime) -> None:
        self.clock.set(when)

    def sent(self, chat: str) -> list[LocalMessage]:
        return self.channel.sent_to(chat)

    def texts(self, chat: str) -> list[str]:
        return [m.text for m in self.channel.sent_to(chat)]

    def last(self, chat: str) -> str:
        return self.channel.last_to(chat).text

    async def all(self, model: type[Base]) -> list[Any]:
        async with self.app.sessions() as session:
            return list((await session.scalars(select(model).order_by(model.id))).all())  # type: ignore[attr-defined]

    async def count(self, model: type[Base]) -> int:
        async with self.app.sessions() as session:
            return int(await session.scalar(select(func.count()).select_from(model)) or 0)

    async def broadcasts(self) -> list[Broadcast]:
        return await self.all(Broadcast)

    async def schedules(self) -> list[BroadcastSchedule]:
        return await self.all(BroadcastSchedule)

    async def outages(self) -> list[Outage]:
        return await self.all(Outage)

    async def outbox(self, ref_type: str = "broadcast") -> list[OutboxMessage]:
        async with self.app.sessions() as session:
            return list(
                (
                    await session.scalars(
                        select(OutboxMessage)
                        .where(OutboxMessage.ref_type == ref_type)
                        .order_by(OutboxMessage.id)
                    )
                ).all()
            )


@pytest.fixture
async def rig(engine: AsyncEngine, db_url: str, classifier: Classifier) -> Rig:
    r = Rig(engine, db_url, classifier)
    await r.start()
    return r


# -- community files written for a test ----------------------------------------------------------
def community_block(
    code: str,
    name: str,
    timezone: str,
    language: str,
    *,
    groups: int = 2,
    buildings: int = 6,
    extra: str = "",
) -> str:
    """A community with `groups` owner groups (buildings spread over them), a stewards' and a
    supervisors' chat, steward `{code}-steward` and supervisor `{code}-boss`."""
    names = ", ".join(f'"{b}"' for b in range(1, buildings + 1))
    lines = [
        "[[community]]",
        f'code = "{code}"',
        f'name = "{name}"',
        f'timezone = "{timezone}"',
        f'language = "{language}"',
        f"buildings = [{names}]",
        extra,
    ]
    for g in range(groups):
        building = str(g % buildings + 1)
        lines += [
            "[[community.chat]]",
            'platform = "local"',
            f'id = "{code}-owners-{g + 1}"',
            'role = "owners"',
            f'title = "{name}{g + 1}群"',
            f'buildings = ["{building}"]',
        ]
    lines += [
        "[[community.chat]]",
        'platform = "local"',
        f'id = "{code}-stewards"',
        'role = "stewards"',
        "[[community.chat]]",
        'platform = "local"',
        f'id = "{code}-supervisors"',
        'role = "supervisors"',
        "[[community.steward]]",
        f'name = "{name}管家"',
        f'accounts = {{ local = "{code}-steward" }}',
        "[[community.supervisor]]",
        f'name = "{name}主管"',
        f'accounts = {{ local = "{code}-boss" }}',
        "",
    ]
    return "\n".join(lines)


@pytest.fixture
def three_zones(tmp_path: Path) -> Path:
    """Shanghai (Simplified), Hong Kong (Traditional) and Taipei (Taiwan Traditional)."""
    path = tmp_path / "three.toml"
    path.write_text(
        community_block("sh", "春江苑", "Asia/Shanghai", "zh-Hans")
        + community_block("hk", "海景苑", "Asia/Hong_Kong", "zh-Hant")
        + community_block("tp", "松山苑", "Asia/Taipei", "zh-Hant-TW"),
        encoding="utf-8",
    )
    return path
