"""The composition root: the one place that builds the settings' parts (database, classifier,
texts, features, router, outbox sender, scheduler, platform adapters, HTTP server) and hands
them to each other by parameter. Nothing is built at import time.

Everyone builds Steward here: `steward run` (`serve=True`: the adapters the settings call for
and the HTTP server), the demo and `steward chat` (a local channel), the command line's
one-shot jobs, and the tests (a local channel, a frozen clock, a temp database, fakes).

Every update goes through the inbox (`bot.core.inbox`): stored before its platform is
answered, then handled at once by the process that stored it; the inbox's worker retries
failures and picks up what a crash left.

Start order: database check and community sync → the inbox's worker (what an earlier run
left is handled) → adapters whose callbacks deliver through them (WeCom) → HTTP server →
adapters that need the server up (a Telegram webhook is registered at start; polling starts
too) → outbox sender and scheduler last, so nothing is sent through an adapter that is not
started. The health checks (`bot.app.health`) start last, once everything they
look at runs, and stop right after the HTTP server. Stop order: the inbox closes (nothing new is stored: webhooks and callbacks answer
503, polling takes no more, so the platforms keep what was not stored) → HTTP server
(requests in flight finish) → the inbox's worker (handlings in flight finish) → scheduler →
sender (sends in flight finish and are recorded, through adapters still connected; the rest handed
back, the instance marked stopped) →
adapters (polling ends after the update in flight, confirming what was stored; connections
close) → engine. Replies written after the sender stopped wait in the outbox for the next
start. Every stop step is bounded (`bot.core.shutdown`); what a cut-off step leaves is in
the inbox or the outbox.

Over 400 lines on purpose: this is the one composition root, and the start and stop orders
read best next to what they start and stop (the roles and offices of several processes are
in `bot.app.offices`).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy import make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.app.checks import add_steward_checks
from bot.app.communities import CommunityFile, community_spec, load_community_file
from bot.app.health import HealthMonitor
from bot.app.http import HttpServer
from bot.app.metrics import Metrics
from bot.app.offices import ROLES, build_election
from bot.app.platforms import Platforms, build_platforms
from bot.app.policies import (
    broadcast_policy,
    console_policy,
    opinion_policy,
    report_policy,
    triage_policy,
)
from bot.app.settings import ConfigError, Settings
from bot.console.web import ConsoleWeb
from bot.core import middlewares, redact
from bot.core.channel import Capabilities, Channel, Handle
from bot.core.clock import Clock, SystemClock
from bot.core.context import Context
from bot.core.election import Election
from bot.core.events import Incoming
from bot.core.feature import Feature
from bot.core.inbox import Inbox, InboxPolicy
from bot.core.instance import InstanceInfo
from bot.core.router import Dispatcher, Router
from bot.core.runtime import Runtime
from bot.core.sender import OutboxSender
from bot.core.services import Services
from bot.core.shutdown import bounded
from bot.core.texts import Texts
from handlers import (
    broadcasts,
    console,
    engagement,
    general,
    intake,
    membership,
    opinion,
    reports,
    tickets,
    triage,
    voices,
)
from handlers.knowledge.base import KnowledgeBase, KnowledgeError
from handlers.membership.service import MembershipService
from handlers.opinion import OpinionService
from handlers.reports import ReportService
from handlers.tickets.sla import SlaBook
from nlp.classifier import Classifier
from storage.db import WriteGate, check_migrated, create_engine, session_factory

log = logging.getLogger(__name__)


def build_features(
    settings: Settings,
    communities: CommunityFile,
    community_file: Path,
    services: Services,
    ticket_service: tickets.TicketService,
    console_service: console.ConsoleService,
) -> tuple[Feature, ...]:
    """Every feature with its collaborators, in routing order: intake's text handler, which
    takes whatever nobody else did, comes last but for general's answer to staff words that
    no feature read (after intake, which logs them). The ticket and console services are
    made by the caller: the web console uses them too."""
    opinion_service = OpinionService(
        opinion_policy(settings, ticket_service.sla.sections.get("opinion")), services
    )
    care_service = engagement.CareService(services, engagement.CarePolicy.load())
    broadcast_service = broadcasts.BroadcastService(
        services.texts, broadcast_policy(settings, communities), before_warning=care_service.warned
    )
    triage_service = triage.TriageService(services, ticket_service, triage_policy(settings))
    voice_service = voices.VoiceService(services.texts)
    return (
        general.feature(),
        membership.feature(MembershipService(services.classifier)),
        console.feature(console_service),
        tickets.feature(ticket_service, check_interval=settings.sla_check_interval),
        opinion.feature(opinion_service),
        reports.feature(
            ReportService(report_policy(settings, communities, sla=ticket_service.sla), services)
        ),
        broadcasts.feature(broadcast_service, tick_seconds=settings.broadcast_tick_seconds),
        triage.feature(triage_service),
        engagement.feature(
            engagement.EngagementService(services),
            engagement.ActivityService(services),
            engagement.FeeService(services, engagement.FeePolicy.load()),
            care_service,
            engagement.SurveyService(services, engagement.SurveyPolicy.load()),
        ),
        voices.feature(voice_service),
        intake.feature(
            services,
            tickets=ticket_service,
            knowledge=load_knowledge(communities, community_file),
            opinion=opinion_service,
            outages=broadcast_service,
            triage=triage_service,
            voices=voice_service,
        ),
        general.last(),
    )


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


def root_router(features: Sequence[Feature]) -> Router:
    root = Router()
    root.include(*(f.router for f in features if f.router is not None))
    return root


def register_texts(texts: Texts, features: Sequence[Feature]) -> None:
    for feature in features:
        if feature.texts_hans:
            texts.register(dict(feature.texts_hans), dict(feature.texts_hant))


def parse_admins(raw: str) -> frozenset[str]:
    return frozenset(part.strip() for part in raw.split(",") if part.strip())


def inbox_policy(settings: Settings) -> InboxPolicy:
    return InboxPolicy(
        max_failures=settings.inbox_max_failures,
        lease=timedelta(seconds=settings.inbox_lease),
        retry_base=settings.inbox_retry_base,
        retry_cap=settings.inbox_retry_cap,
        poll_interval=settings.inbox_poll_interval,
        concurrency=settings.inbox_concurrency,
        keep=timedelta(hours=settings.inbox_keep_hours),
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
    inbox: Inbox
    channels: dict[str, Channel] = field(default_factory=dict)
    platforms: Platforms | None = None
    http: HttpServer | None = None
    health: HealthMonitor = field(default_factory=HealthMonitor)
    metrics: Metrics | None = None
    sender_engine: AsyncEngine | None = None  # the sender's own connections (`sender_engine_for`)
    roles: frozenset[str] = frozenset(ROLES)
    election: Election | None = None  # `steward run`: the offices it stands for (bot.app.offices)
    console: ConsoleWeb | None = None  # the web console's pages (mounted by `steward run`)

    async def receive(self, incoming: Incoming) -> None:
        """What served adapters call: store, and return once stored (raises if not); this
        process handles it in the background if it is a worker (`Inbox.receive`)."""
        await self.inbox.receive(incoming)

    async def handle(self, incoming: Incoming) -> None:
        """The single entry point for every update from every adapter: stored in the inbox,
        then handled at once. Raises only if the update was not stored (`IntakeClosed` when
        stopping); a failure while handling is the inbox's to retry."""
        await self.inbox.deliver(incoming)

    async def accept(self, incoming: Incoming) -> Handle:
        """`handle` in two phases, for adapters that acknowledge before the handling ends:
        store (raises if not stored), then run the returned handle."""
        return await self.inbox.accept(incoming)

    async def handled_before(self, incoming: Incoming) -> bool:
        """Whether this delivery was handled already (an archive import skips it)."""
        async with self.runtime.reading() as uow:
            done = await uow.messages.processed_keys(incoming.platform, [incoming.delivery_key])
        return bool(done)

    def add_channel(self, channel: Channel) -> None:
        """Register an adapter; the outbox sender shares this mapping, and its capabilities
        become known to the features."""
        self.channels[channel.platform] = channel
        capabilities: dict[str, Capabilities] = dict(self.services.platforms)
        capabilities[channel.platform] = channel.capabilities
        self.services.platforms = capabilities

    async def sync_communities(self) -> None:
        async with self.runtime.transaction() as uow:
            # Processes started together (a deployment's first start) sync one after the other.
            await uow.lock("sync-communities")
            for entry in self.communities.community:
                await uow.directory.sync_community(community_spec(entry), self.services.clock.now())

    async def start(
        self,
        *,
        channels: bool = True,
        sender: bool = True,
        scheduler: bool = True,
        inbox: bool | None = None,
        sync: bool = True,
    ) -> None:
        """Start everything asked for, in the order of the module docstring; on failure, stop
        what was started and raise. `inbox`: the inbox's worker, by default where the adapters
        run (a one-shot command without them leaves the backlog to `steward run`). `sync`:
        write the community file into the database (a read-only command does not: it would
        reactivate every chat the file binds)."""
        try:
            await check_migrated(self.engine)
            if sync:
                await self.sync_communities()
            self.inbox.open()
            self.inbox.handles = "worker" in self.roles
            if (channels if inbox is None else inbox) and self.inbox.handles:
                await self.inbox.start()
            if self.platforms is not None and channels:
                await self.platforms.start_unserved(self.receive)
            if self.http is not None:
                await self.http.start()
            if self.platforms is not None and channels:
                await self.platforms.start_served(
                    self.receive,
                    set_commands=self.settings.telegram_set_commands,
                    webhook="poller" in self.roles,
                    poll=self.election is None,
                )
            if channels:
                for name, channel in self.channels.items():
                    if self.platforms is None or name not in self.platforms.channels:
                        await channel.start(self.handle)
            if self.election is not None:  # the sender stands for its offices; the scheduler too
                if "sender" in self.roles:
                    await self.sender.start()
                await self.election.start()
            else:
                if sender:
                    await self.sender.start()
                if scheduler:
                    self.scheduler.start()
            if self.http is not None:
                await self.health.start()
        except BaseException:
            if self.http is not None:
                await self.stop()
            else:
                await self.inbox.stop()  # its worker started first: not left running
            raise

    async def stop(self) -> None:
        """In the order of the module docstring; each step is bounded by
        `settings.stop_step_timeout`, so a stuck part cannot keep the rest running (what it
        leaves is in the inbox, or the outbox, for the next start)."""
        timeout = self.settings.stop_step_timeout
        self.inbox.close()
        if self.http is not None:
            await bounded(
                "stopping the HTTP server", self.http.stop(), self.settings.http_shutdown_timeout + timeout
            )
        await bounded("stopping the health checks", self.health.stop(), timeout)
        await bounded("stopping the inbox's worker", self.inbox.stop(grace=timeout / 2), timeout)
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        # Before the adapters close their connections: a send cut off there may have reached
        # the platform unrecorded, and would be sent again by the next start.
        await bounded("stopping the outbox sender", self.sender.stop(), timeout)
        if self.election is not None:  # another process may take the offices from here on
            await bounded("giving up the offices", self.election.stop(), timeout)
        for channel in self.channels.values():
            await bounded(f"stopping the {channel.platform} adapter", channel.stop(), timeout)
        if self.platforms is not None:
            self.platforms.mark_stopped()
        await bounded("disposing of the database engine", self.engine.dispose(), timeout)
        if self.sender_engine is not None and self.sender_engine is not self.engine:
            await bounded("disposing of the sender's database engine", self.sender_engine.dispose(), timeout)

    def describe(self) -> str:
        """One line on what runs: `steward run` prints it once started."""
        parts = []
        platforms = self.platforms
        if platforms is not None and platforms.telegram is not None:
            telegram = platforms.telegram
            how = f"webhook {platforms.telegram_webhook_path}" if telegram.mode == "webhook" else "polling"
            parts.append(f"telegram @{telegram.bot_username or '?'} ({how})")
        if platforms is not None and platforms.wecom is not None:
            callbacks = ", ".join(r for r in platforms.routes if r.startswith("/wecom")) or "pushes only"
            parts.append(f"wecom ({callbacks})")
        adapters = "; ".join(parts) or "no platform adapters (set STEWARD_TELEGRAM_TOKEN or STEWARD_WECOM_*)"
        if self.http is None:
            return adapters
        return f"{adapters}; http {self.http.host}:{self.http.bound_port} (/healthz)"


def secrets_of(settings: Settings) -> list[str | None]:
    """What must never appear in a log line (`bot.core.redact`)."""
    try:
        password = make_url(settings.database_url).password
    except ArgumentError:  # create_engine says what is wrong with it
        password = None
    return [
        settings.telegram_token,
        settings.telegram_secret_token,
        settings.wecom_token,
        settings.wecom_aes_key,
        settings.wecom_group_robot_token,
        settings.wecom_group_robot_aes_key,
        str(password) if password else None,
        settings.console_secret,
    ]


def build_app(
    settings: Settings,
    *,
    serve: bool = False,
    channels: Mapping[str, Channel] | None = None,
    clock: Clock | None = None,
    classifier: Classifier | None = None,
    engine: AsyncEngine | None = None,
    community_file: Path | None = None,
    roles: frozenset[str] = frozenset(ROLES),
) -> App:
    """Wire everything. `serve`: also the platform adapters the settings call for and the HTTP
    server (`steward run`); `channels`: adapters given by the caller (a local channel).
    Raises `ConfigError` for a bad community file (checked first) or bad platform settings."""
    path = community_file or settings.community_file
    redact.install()
    redact.add_secrets(secrets_of(settings))
    communities = load_community_file(path)
    redact.add_secrets(chat.webhook_key for c in communities.community for chat in c.chat)
    clock = clock or SystemClock()
    engine = engine or create_engine(settings.database_url)
    sessions = session_factory(engine)
    services = Services(
        classifier=classifier or Classifier.load(),
        clock=clock,
        texts=Texts(),
        admins=parse_admins(settings.admins),
    )
    ticket_service = tickets.TicketService(
        services.texts,
        services.classifier,
        SlaBook.load(),
        rules=tickets.ConversationRules.load(),
        capabilities=services.capabilities,
    )
    console_service = console.ConsoleService(console_policy(settings), services.admins)
    features = build_features(settings, communities, path, services, ticket_service, console_service)
    register_texts(services.texts, features)
    ConsoleWeb.register_texts(services.texts)
    router = root_router(features)
    gate = WriteGate.for_url(str(engine.url))
    channel_map: dict[str, Channel] = {}
    check_leases(settings)
    instance = InstanceInfo.current()
    platforms: Platforms | None = None
    health = HealthMonitor(sections=lambda: describe_process(instance, platforms, app))
    metrics = Metrics(health, lambda: platforms.call_logs() if platforms is not None else {})
    sender_engine = sender_engine_for(engine)
    sender = OutboxSender(
        session_factory(sender_engine),
        channel_map,
        clock,
        max_attempts=settings.outbox_max_attempts,
        poll_interval=settings.outbox_poll_interval,
        lease=timedelta(seconds=settings.outbox_lease_seconds),
        heartbeat_interval=settings.outbox_heartbeat_interval,
        stale_after=settings.outbox_stale_after,
        bulk_in_flight=settings.outbox_bulk_in_flight,
        send_timeout=settings.outbox_send_timeout,
        observer=metrics.observe,
        gate=gate,
        instance=instance,
    )

    def make_context(incoming: Incoming) -> Context:
        return Context(incoming=incoming, services=services)

    dispatcher = Dispatcher(
        router,
        [
            middlewares.errors(sessions, gate),
            middlewares.session(sessions, gate),
            middlewares.deduplicate(),
            middlewares.resolve(services.is_admin),
        ],
        make_context,
        after=sender.wake,
    )
    inbox = Inbox(sessions, dispatcher, services, inbox_policy(settings), gate, after=sender.wake)
    runtime = Runtime(sessions, services, sender.wake)
    scheduler = AsyncIOScheduler(timezone="UTC")
    app = App(
        settings,
        communities,
        engine,
        sessions,
        services,
        dispatcher,
        sender,
        runtime,
        scheduler,
        inbox,
        channel_map,
        health=health,
        metrics=metrics,
        sender_engine=sender_engine,
        roles=roles,
    )
    app.console = ConsoleWeb(runtime, console_service, ticket_service)
    for channel in (channels or {}).values():
        app.add_channel(channel)
    if serve:
        platforms = build_platforms(settings, communities, callback_prefixes=router.callback_prefixes())
        for channel in platforms.channels.values():
            app.add_channel(channel)
        platforms.attach(
            sessions, gate, now=clock.now, wake=sender.wake, watcher=general.PushNotices(services)
        )
        http = HttpServer(
            settings.http_host, settings.http_port, shutdown_timeout=settings.http_shutdown_timeout
        )
        http.add_health(health.snapshot)
        http.add_metrics(metrics.render)
        if console_service.policy.enabled:
            app.console.mount(http.app)
        if "poller" in roles:
            platforms.add_routes(http.app, accept=app.accept)
        app.platforms, app.http = platforms, http
        app.election = build_election(
            settings, roles, scheduler=scheduler, sender=sender, platforms=platforms
        )
    add_steward_checks(
        health,
        settings,
        sessions=sessions,
        gate=gate,
        clock=clock,
        sender=sender,
        platforms=app.platforms,
        watch_sender="sender" in roles,
    )
    for feature in features:
        feature.jobs(scheduler, runtime)
    return app


def sender_engine_for(engine: AsyncEngine) -> AsyncEngine:
    """The outbox sender's connections. On PostgreSQL a pool of its own (two: a claim and a
    recording can overlap), so under load the sender does not queue for a connection behind
    the handlers in the shared pool (issue 20 measured it sending 1-2 % of the rows during a
    load and the rest 6-29 s after). SQLite has one writer: the shared engine and its gate."""
    if engine.dialect.name != "postgresql":
        return engine
    return create_engine(engine.url.render_as_string(hide_password=False), pool_size=2, max_overflow=0)


def check_leases(settings: Settings) -> None:
    """A lease must outlive a few heartbeats, and a holder must miss a few before it is
    taken for dead; otherwise live senders would rob each other."""
    beat = settings.outbox_heartbeat_interval
    if settings.outbox_stale_after < 2 * beat:
        raise ConfigError(
            "STEWARD_OUTBOX_STALE_AFTER: must be at least twice STEWARD_OUTBOX_HEARTBEAT_INTERVAL"
        )
    if settings.outbox_lease_seconds < 2 * beat:
        raise ConfigError(
            "STEWARD_OUTBOX_LEASE_SECONDS: must be at least twice STEWARD_OUTBOX_HEARTBEAT_INTERVAL"
        )


def describe_process(instance: InstanceInfo, platforms: Platforms | None, app: App) -> dict[str, Any]:
    """The parts of /healthz that are no check's: who answers, its adapters, its roles and
    the offices it holds."""
    election = app.election
    return {
        "instance": {"id": instance.id, "host": instance.host, "pid": instance.pid},
        "adapters": platforms.status() if platforms is not None else {},
        "roles": sorted(app.roles),
        "offices": {o.name: o.name in election.held for o in election.offices} if election else {},
    }
