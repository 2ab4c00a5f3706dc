"""The composition root: the one place that builds config, database, classifier, router,
outbox sender and adapters, and hands them to each other. Nothing is built at import time;
tests call `build_app` with fakes (a local channel, a frozen clock, a temp database).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.app.settings import CommunityEntry, CommunityFile, ConfigError, Settings, load_community_file
from bot.core import middlewares
from bot.core.channel import Channel
from bot.core.clock import Clock, SystemClock
from bot.core.context import Context, Runtime, Services
from bot.core.events import Incoming
from bot.core.router import Dispatcher, Router
from bot.core.sender import OutboxSender
from bot.core.shutdown import bounded
from bot.core.texts import Texts
from handlers.broadcasts import chat as broadcasts
from handlers.general import chat as general
from handlers.intake import chat as intake
from handlers.knowledge.base import KnowledgeBase, KnowledgeError
from handlers.membership import chat as membership
from handlers.opinion import chat as opinion
from handlers.reports import chat as reports
from handlers.tickets import chat as tickets
from handlers.tickets import sla_watch
from handlers.tickets.sla import SlaBook
from nlp.classifier import Classifier
from storage.db import WriteGate, check_migrated, create_engine, session_factory
from storage.directory.repository import ChatBinding, CommunitySpec, RosterPerson
from storage.uow import Store

log = logging.getLogger(__name__)


# Feature modules, in routing order: intake's catch-all text handler comes last. A feature
# module may have `router` (its handlers), `TEXTS_HANS` / `TEXTS_HANT` (its bot texts) and
# `install(app)` (its scheduled jobs and services), both picked up here.
FEATURES: tuple[ModuleType, ...] = (
    general,
    membership,
    tickets,
    sla_watch,
    opinion,
    reports,
    broadcasts,
    intake,
)


def build_router() -> Router:
    root = Router()
    for feature in FEATURES:
        feature_router = getattr(feature, "router", None)
        if feature_router is not None:
            root.include(feature_router)
    return root


def build_texts() -> Texts:
    texts = Texts()
    for feature in FEATURES:
        hans = getattr(feature, "TEXTS_HANS", None)
        if hans:
            texts.register(hans, getattr(feature, "TEXTS_HANT", None))
    return texts


def community_spec(entry: CommunityEntry) -> CommunitySpec:
    people = [
        RosterPerson(
            name=p.name,
            role=role,
            buildings=list(p.buildings),
            categories=list(p.categories),
            hours=p.hours,
            days=list(p.days),
            accounts={str(k): v for k, v in p.accounts.items()},
        )
        for role, group in (
            ("steward", entry.steward),
            ("supervisor", entry.supervisor),
            ("manager", entry.manager),
        )
        for p in group
    ]
    chats = [
        ChatBinding(
            platform=c.platform,
            platform_chat_id=c.id,
            role=c.role,
            title=c.title,
            buildings=list(c.buildings),
            webhook_key=c.webhook_key,
        )
        for c in entry.chat
    ]
    return CommunitySpec(
        code=entry.code,
        name=entry.name,
        timezone=entry.timezone,
        language=entry.language,
        buildings=list(entry.buildings),
        chats=chats,
        people=people,
    )


@dataclass
class App:
    settings: Settings
    communities: CommunityFile
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    services: Services
    dispatcher: Dispatcher
    sender: OutboxSender
    runtime: Runtime
    scheduler: AsyncIOScheduler
    channels: dict[str, Channel] = field(default_factory=dict)

    async def handle(self, incoming: Incoming) -> None:
        """The single entry point for every update from every adapter."""
        await self.dispatcher.handle(incoming)

    async def handled_before(self, incoming: Incoming) -> bool:
        """Whether this delivery was handled already (an archive import skips it)."""
        async with self.sessions() as session:
            done = await Store(session).messages.processed_keys(incoming.platform, [incoming.delivery_key])
        return bool(done)

    def add_channel(self, channel: Channel) -> None:
        """Register an adapter built after the app (bot/platforms.py builds them from the
        settings, the community file and the router). The outbox sender shares this mapping."""
        self.channels[channel.platform] = channel

    async def sync_communities(self) -> None:
        async with self.sessions() as session:
            store = Store(session)
            for entry in self.communities.community:
                await store.directory.sync_community(community_spec(entry), self.services.clock.now())
            await store.commit()

    async def start(self, *, channels: bool = True, sender: bool = True, scheduler: bool = True) -> None:
        await check_migrated(self.engine)
        await self.sync_communities()
        if sender:
            await self.sender.start()
        if scheduler:
            self.scheduler.start()
        if channels:
            for channel in self.channels.values():
                await channel.start(self.handle)

    async def stop(self) -> None:
        """Stop adapters, scheduler, sender and engine, in that order; each step is bounded by
        `settings.stop_step_timeout`, so a stuck adapter cannot keep the rest running."""
        timeout = self.settings.stop_step_timeout
        for channel in self.channels.values():
            await bounded(f"stopping the {channel.platform} adapter", channel.stop(), timeout)
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        await bounded("stopping the outbox sender", self.sender.stop(), timeout)
        await bounded("disposing of the database engine", self.engine.dispose(), timeout)


def load_knowledge(communities: CommunityFile, path: Path) -> dict[str, KnowledgeBase]:
    """Each community's knowledge base (a bad file stops the start like a bad config)."""
    bases: dict[str, KnowledgeBase] = {}
    for entry in communities.community:
        if entry.knowledge is None:
            bases[entry.code] = KnowledgeBase.empty()
            continue
        try:
            bases[entry.code] = KnowledgeBase.load(path.parent / entry.knowledge)
        except KnowledgeError as exc:
            raise ConfigError(f"community {entry.code}: knowledge base: {exc}") from exc
    return bases


def parse_admins(raw: str) -> frozenset[str]:
    return frozenset(part.strip() for part in raw.split(",") if part.strip())


def build_app(
    settings: Settings,
    *,
    channels: Mapping[str, Channel] | None = None,
    clock: Clock | None = None,
    classifier: Classifier | None = None,
    engine: AsyncEngine | None = None,
    community_file: Path | None = None,
) -> App:
    """Wire everything. Raises `ConfigError` for a bad community file (checked first)."""
    path = community_file or settings.community_file
    communities = load_community_file(path)
    knowledge = load_knowledge(communities, path)
    clock = clock or SystemClock()
    engine = engine or create_engine(settings.database_url)
    sessions = session_factory(engine)
    services = Services(
        classifier=classifier or Classifier.load(),
        clock=clock,
        texts=build_texts(),
        admins=parse_admins(settings.admins),
        extras={"sla": SlaBook.load(), "knowledge": knowledge},
    )
    channel_map = dict(channels or {})
    gate = WriteGate.for_url(str(engine.url))
    sender = OutboxSender(
        sessions,
        channel_map,
        clock,
        max_attempts=settings.outbox_max_attempts,
        poll_interval=settings.outbox_poll_interval,
        gate=gate,
    )

    def make_context(incoming: Incoming) -> Context:
        return Context(incoming=incoming, services=services)

    def is_admin(platform: str, user_id: str) -> bool:
        return f"{platform}:{user_id}" in services.admins

    dispatcher = Dispatcher(
        build_router(),
        [
            middlewares.errors(sessions),
            middlewares.session(sessions, gate),
            middlewares.deduplicate(),
            middlewares.resolve(is_admin),
        ],
        make_context,
        after=sender.wake,
    )
    runtime = Runtime(sessions, services, sender.wake)
    scheduler = AsyncIOScheduler(timezone="UTC")
    app = App(
        settings, communities, engine, sessions, services, dispatcher, sender, runtime, scheduler, channel_map
    )
    for feature in FEATURES:
        install = getattr(feature, "install", None)
        if install is not None:
            install(app)
    return app
