"""The real app on a local channel with opinion settings of the test's choosing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.adapters.local.channel import LocalChannel, LocalMessage
from bot.app.root import build_app
from bot.app.settings import Settings
from bot.core.channel import Capabilities
from bot.core.clock import FrozenClock
from handlers.opinion import OpinionService
from handlers.reports import ReportService
from nlp.classifier import Classifier
from storage.opinion.models import OpinionAlert, OpinionAlertMessage, OpinionFeedback
from tests.harness import EXAMPLE, MONDAY_MORNING, Harness

OWNERS = "lxy-owners-1"
OWNERS_2 = "lxy-owners-2"
STEWARDS = "lxy-stewards"
SUPERVISORS = "lxy-supervisors"
MANAGEMENT = "lxy-management"
TG_SUPERVISORS = "-1003001"


def community_file(tmp_path: Path, *, management: bool, telegram: bool = False) -> Path:
    """The example community file, with a management chat for 绿溪园 if asked, and a second
    supervisors' chat on Telegram (where cards are edited in place) with 李主管's account."""
    text = EXAMPLE.read_text(encoding="utf-8")
    if telegram:
        anchor = 'title = "绿溪园主管群"\n'
        accounts = 'accounts = { local = "li", wecom = "lizhuguan" }'
        assert anchor in text
        assert accounts in text
        text = text.replace(
            anchor,
            anchor
            + f'\n[[community.chat]]\nplatform = "telegram"\nid = "{TG_SUPERVISORS}"\nrole = "supervisors"\n',
        ).replace(accounts, 'accounts = { local = "li", wecom = "lizhuguan", telegram = "3001" }')
    if management:
        anchor = 'title = "绿溪园主管群"\n'
        assert anchor in text
        text = text.replace(
            anchor,
            anchor
            + f'\n[[community.chat]]\nplatform = "local"\nid = "{MANAGEMENT}"\nrole = "management"\n'
            + 'title = "绿溪园管理层"\n',
        )
    path = tmp_path / "community.toml"
    path.write_text(text, encoding="utf-8")
    for knowledge in (EXAMPLE.parent / "knowledge").glob("*.toml"):
        (tmp_path / "knowledge").mkdir(exist_ok=True)
        (tmp_path / "knowledge" / knowledge.name).write_text(knowledge.read_text(encoding="utf-8"), "utf-8")
    return path


class OpinionHarness(Harness):
    """`tests.harness.Harness` with its own settings (thresholds, report directory)."""

    def __init__(
        self, engine: AsyncEngine, db_url: str, classifier: Classifier, community: Path, **settings: Any
    ) -> None:
        self.clock = FrozenClock(MONDAY_MORNING)
        self.channel = LocalChannel(self.clock)
        # A second in-process channel standing in for Telegram: what matters here is what
        # handlers ask of it (edits in place), which is recorded on its `Outgoing`s.
        self.telegram = LocalChannel(self.clock)
        self.telegram.platform = "telegram"
        # A stand-in for Telegram: it says it can edit in place, as the Telegram adapter does.
        self.telegram.capabilities = Capabilities(edit_in_place=True, buttons=True, answers=True)
        self.app = build_app(
            Settings(database_url=db_url, community_file=community, **settings),
            channels={"local": self.channel, "telegram": self.telegram},
            clock=self.clock,
            classifier=classifier,
            engine=engine,
        )

    async def start(self) -> None:
        await self.app.start(sender=False, scheduler=False)  # tests run the jobs by hand

    @property
    def opinion(self) -> OpinionService:
        """The opinion service the app was built with (its digest job carries it)."""
        service = self.app.scheduler.get_job("opinion:digest").args[1]
        assert isinstance(service, OpinionService)
        return service

    @property
    def reports(self) -> ReportService:
        """The report service the app was built with (its monthly job carries it)."""
        service = self.app.scheduler.get_job("reports:monthly").args[1]
        assert isinstance(service, ReportService)
        return service

    async def alerts(self) -> list[OpinionAlert]:
        async with self.app.sessions() as session:
            return list((await session.scalars(select(OpinionAlert).order_by(OpinionAlert.id))).all())

    async def links(self, alert_id: int) -> int:
        async with self.app.sessions() as session:
            rows = await session.scalars(
                select(OpinionAlertMessage.id).where(OpinionAlertMessage.alert_id == alert_id)
            )
            return len(rows.all())

    async def feedback(self) -> list[OpinionFeedback]:
        async with self.app.sessions() as session:
            return list((await session.scalars(select(OpinionFeedback).order_by(OpinionFeedback.id))).all())

    def cards(self, chat: str) -> list[LocalMessage]:
        """Alert cards in a chat: messages carrying the 「已跟进」/「误报」 buttons."""
        return [
            m
            for m in self.sent(chat)
            if m.outgoing is not None
            and any(b.data.startswith("op:") for row in m.outgoing.buttons for b in row)
        ]


@pytest.fixture
def settings() -> dict[str, Any]:
    """Override in a test module to change the opinion settings."""
    return {}


@pytest.fixture
def management() -> bool:
    return False


@pytest.fixture
def telegram() -> bool:
    return False


@pytest.fixture
async def oh(
    engine: AsyncEngine,
    db_url: str,
    classifier: Classifier,
    tmp_path: Path,
    settings: dict[str, Any],
    management: bool,
    telegram: bool,
) -> AsyncIterator[OpinionHarness]:
    h = OpinionHarness(
        engine,
        db_url,
        classifier,
        community_file(tmp_path, management=management, telegram=telegram),
        report_dir=tmp_path / "reports",
        **settings,
    )
    await h.start()
    yield h
    await h.stop()
