"""The real app on local channels for the stewards' digest: the example communities, plus a
second stewards' group for 绿溪园 on a stand-in for Telegram (a platform that edits in place);
the digest job is run by hand."""

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
from handlers.triage import TriageService
from handlers.triage.jobs import JOB_ID, digest_tick
from nlp.classification import Classification
from nlp.classifier import Classifier
from storage.feedback.models import LabelledExample
from storage.triage.models import TriageItem
from tests.harness import EXAMPLE, MONDAY_MORNING, Harness

OWNERS, OWNERS_2, STEWARDS = "lxy-owners-1", "lxy-owners-2", "lxy-stewards"
HK_OWNERS, HK_STEWARDS = "hbhy-owners", "hbhy-stewards"
TG_STEWARDS = "-1002002"
KINDS = {"repair": "报修", "complaint": "投诉", "inquiry": "咨询"}


def community_file(tmp_path: Path) -> Path:
    text = EXAMPLE.read_text(encoding="utf-8")
    anchor = 'title = "绿溪园管家工作群"\n'
    assert anchor in text
    text = text.replace(
        anchor,
        anchor + f'\n[[community.chat]]\nplatform = "telegram"\nid = "{TG_STEWARDS}"\nrole = "stewards"\n',
    )
    path = tmp_path / "community.toml"
    path.write_text(text, encoding="utf-8")
    (tmp_path / "knowledge").mkdir(exist_ok=True)
    for knowledge in (EXAMPLE.parent / "knowledge").glob("*.toml"):
        (tmp_path / "knowledge" / knowledge.name).write_text(knowledge.read_text(encoding="utf-8"), "utf-8")
    return path


class TriageHarness(Harness):
    def __init__(
        self, engine: AsyncEngine, db_url: str, classifier: Classifier, community: Path, **settings: Any
    ) -> None:
        self.clock = FrozenClock(MONDAY_MORNING)
        self.channel = LocalChannel(self.clock)
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
        await self.app.start(sender=False, scheduler=False)  # the digest job is run by hand

    @property
    def triage(self) -> TriageService:
        """The triage service the app was built with (its digest job carries it)."""
        service = self.app.scheduler.get_job(JOB_ID).args[1]
        assert isinstance(service, TriageService)
        return service

    async def tick(self) -> int:
        """The digest job, once; the outbox is then delivered."""
        posted = await digest_tick(self.app.runtime, self.triage)
        await self.app.sender.drain()
        return posted

    async def items(self) -> list[TriageItem]:
        async with self.app.sessions() as session:
            return list((await session.scalars(select(TriageItem).order_by(TriageItem.id))).all())

    async def examples(self) -> list[LabelledExample]:
        async with self.app.sessions() as session:
            return list((await session.scalars(select(LabelledExample).order_by(LabelledExample.id))).all())

    def digests(self, chat: str, channel: LocalChannel | None = None) -> list[LocalMessage]:
        """The digests (and their rewrites) sent to a chat."""
        sent = (channel or self.channel).sent_to(chat)
        return [m for m in sent if m.text.startswith(("🗂️ 待确认的业主消息", "🗂️ 待確認嘅業主訊息"))]

    async def press_on(self, chat: str, message: LocalMessage, data: str, user: str) -> str:
        """Press a button on `message` (in the local channel); the toast the presser saw."""
        toasts = len(self.channel.toasts(chat))
        await self.press(chat, message, data, user)
        new = self.channel.toasts(chat)[toasts:]
        return new[-1].text if new else ""


def unsure(classifier: Classifier, text: str) -> Classification:
    """What the classifier makes of a test message, which must be actionable but uncertain
    (and not urgent): if the classifier changes its mind, pick another message."""
    c = classifier.classify(text)
    assert c.intent.value in KINDS, (text, c.intent)
    assert c.uncertain, text
    assert not c.urgent, text
    return c


@pytest.fixture
def settings() -> dict[str, Any]:
    """Override in a test module to change the settings."""
    return {}


@pytest.fixture
async def th(
    engine: AsyncEngine, db_url: str, classifier: Classifier, tmp_path: Path, settings: dict[str, Any]
) -> AsyncIterator[TriageHarness]:
    h = TriageHarness(engine, db_url, classifier, community_file(tmp_path), **settings)
    await h.start()
    yield h
    await h.stop()
