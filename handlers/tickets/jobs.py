"""The SLA watch: a scheduled job that reminds, escalates and closes unrated tickets.

For the current phase of each active ticket (respond until first accepted, then resolve)
the elapsed share of its window decides (`sla.LEVELS`): 80 % → a reminder to the assignee in
the stewards' group; 100 % → escalation to the supervisors' chat; 200 % → to the manager.
Each is an audit event and a message sent exactly once, however often the job runs and
across restarts: the outbox's unique `dedupe_key` settles it in the database. A resolved
ticket nobody rated in three days is closed as unrated.
"""

from __future__ import annotations

import logging
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.core.events import Mention, Outgoing
from bot.core.feature import Scheduler, every
from bot.core.outbox import priority_for, send_to_chat
from bot.core.runtime import Runtime
from bot.core.texts import Texts
from handlers.shared.privacy import mask_unit
from handlers.tickets import lifecycle
from handlers.tickets.sla import LEVELS, RATING_WAIT, Level, SlaBook, elapsed_share, phase_of
from nlp.classifier import Classifier
from storage.directory.models import Community, Steward
from storage.directory.repository import account_of
from storage.tickets.models import Ticket
from storage.tickets.status import TicketStatus
from storage.uow import UnitOfWork

log = logging.getLogger(__name__)


def install(scheduler: Scheduler, runtime: Runtime, book: SlaBook, check_interval: float) -> None:
    """The SLA watch runs every `check_interval` seconds (one instance at a time)."""
    every(scheduler, "sla-watch", check_interval, check_sla, runtime, book)


async def check_sla(runtime: Runtime, book: SlaBook) -> int:
    """One pass over active tickets; returns how many notifications were newly queued."""
    now = runtime.now
    texts, classifier = runtime.services.texts, runtime.services.classifier
    queued = 0
    async with runtime.transaction() as store:
        communities: dict[int, Community] = {}
        for ticket in await store.tickets.active():
            community = communities.get(ticket.community_id) or await store.directory.community(
                ticket.community_id
            )
            if community is None:
                continue
            communities[community.id] = community
            if ticket.status == TicketStatus.RESOLVED:
                await close_unrated(store, ticket, now)
                continue
            phase = phase_of(ticket)
            share = elapsed_share(book, ticket, phase, now, ZoneInfo(community.timezone))
            for level in LEVELS:
                if share >= level.share:
                    queued += await notify(store, texts, classifier, community, ticket, phase, level, now)
    if queued:
        log.info("sla: %d notification(s) queued", queued)
    return queued


async def close_unrated(store: UnitOfWork, ticket: Ticket, now: datetime) -> None:
    if ticket.rating_requested_at is not None and now - ticket.rating_requested_at >= RATING_WAIT:
        await lifecycle.transition(
            store.tickets, ticket, TicketStatus.CLOSED, actor="system", at=now, action="auto_closed"
        )


async def notify(
    store: UnitOfWork,
    texts: Texts,
    classifier: Classifier,
    community: Community,
    ticket: Ticket,
    phase: str,
    level: Level,
    now: datetime,
) -> int:
    """Queue one level's message once; the audit event is written with the first send."""
    cycle = int((ticket.sla_started_at or ticket.created_at).timestamp())
    marker = f"{phase}@{cycle}"
    lang = community.language
    assignee = await store.directory.steward(ticket.assignee_id) if ticket.assignee_id else None
    due = ticket.respond_due_at if phase == "respond" else ticket.resolve_due_at
    assert due is not None
    text = texts.render(
        level.text_key,
        lang,
        number=ticket.number,
        category=texts.convert(classifier.category_label(ticket.category or ticket.kind), lang),
        place=mask_unit(ticket.building, lang),
        phase=texts.render(f"sla.phase.{phase}", lang),
        due=due.astimezone(ZoneInfo(community.timezone)).strftime("%m-%d %H:%M"),
        assignee=assignee.name if assignee else "-",
    )
    people = await recipients(store, community, assignee, level)
    chats = list(await store.directory.chats_with_role(community.id, level.chat_role))
    if not chats and level.chat_role == "management":
        chats = list(await store.directory.chats_with_role(community.id, "supervisors"))
    new = 0
    for chat in chats:
        mentions = tuple(Mention(a, p.name) for p in people if (a := account_of(p, chat.platform)))
        if await send_to_chat(
            store,
            chat,
            Outgoing(text=text, mentions=mentions, urgent=level.share >= 1.0),
            now,
            ref_type="sla",
            ref_id=ticket.id,
            dedupe_key=f"sla:{ticket.id}:{level.name}:{marker}:{chat.id}",
            priority=priority_for(level.share >= 1.0),  # breaches and escalations go first
        ):
            new += 1
    first_time = new > 0 if chats else not await store.tickets.has_event(ticket.id, level.name, marker)
    if first_time:
        await store.tickets.record(ticket, at=now, actor="system", action=level.name, note=marker)
    return new


async def recipients(
    store: UnitOfWork, community: Community, assignee: Steward | None, level: Level
) -> list[Steward]:
    if level.mention_role == "assignee":
        return [assignee] if assignee else list(await store.directory.roster(community.id, "supervisor"))
    return list(await store.directory.roster(community.id, level.mention_role))
