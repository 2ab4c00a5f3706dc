"""The SLA watch: a scheduled job that reminds, escalates and closes unrated tickets.

For the current phase of each active ticket (respond until first accepted, then resolve)
the elapsed share of its window decides (`sla.LEVELS`): 80 % → a reminder to the assignee in
the stewards' group; 100 % → escalation to the supervisors' chat; 200 % → to the manager.
Each is an audit event and a message sent exactly once, however often the job runs, across
restarts and with two processes watching at once: the event is claimed by an insert-or-ignore
on a partial unique index (ticket, level, SLA cycle), in the transaction that queues the
message. What falls due in one pass goes to each chat as one message, a line per ticket (13
reminders in a minute are one message, not 13). A resolved ticket nobody rated is reminded
once and then closed as unrated and put on the 回访 list (`callbacks.rating_clock`). An
urgent ticket's on-site window (until 「已到场」) is watched the same way, beside its current
phase, and its steward is asked for a progress note every interval while it is open
(`onsite.py`).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.core.events import Mention, Outgoing
from bot.core.feature import Scheduler, every
from bot.core.outbox import priority_for, send_to_chat
from bot.core.runtime import Runtime
from bot.core.texts import Texts
from handlers.shared.privacy import mask_unit
from handlers.tickets import callbacks, onsite
from handlers.tickets.cards import Wording
from handlers.tickets.sla import LEVELS, Level, SlaBook, elapsed_share, phase_of
from nlp.classifier import Classifier
from storage.directory.models import Community, Steward
from storage.directory.repository import account_of
from storage.tickets.models import Ticket
from storage.tickets.status import ACTIVE, TicketStatus
from storage.uow import UnitOfWork

log = logging.getLogger(__name__)

# Lines in one message of notices that fell due together; the rest are counted.
BATCH_LINES = 30


def install(scheduler: Scheduler, runtime: Runtime, book: SlaBook, check_interval: float) -> None:
    """The SLA watch runs every `check_interval` seconds (one instance at a time)."""
    every(scheduler, "sla-watch", check_interval, check_sla, runtime, book)


async def check_sla(runtime: Runtime, book: SlaBook) -> int:
    """One pass over active tickets; returns how many messages were newly queued (what fell
    due together goes to each chat as one message, a line per ticket)."""
    now = runtime.now
    texts, classifier = runtime.services.texts, runtime.services.classifier
    queued = notices = prompts = 0
    async with runtime.transaction() as store:
        communities: dict[int, Community] = {}
        due: dict[tuple[int, str], list[Notice]] = {}
        for ticket in await store.tickets.active():
            community = communities.get(ticket.community_id) or await store.directory.community(
                ticket.community_id
            )
            if community is None:
                continue
            communities[community.id] = community
            if ticket.status == TicketStatus.RESOLVED:
                wording = Wording(texts, classifier, community.language)
                await callbacks.rating_clock(store, wording, book.rating, ticket, now)
                continue
            cycle = int((ticket.sla_started_at or ticket.created_at).timestamp())
            phases = [phase_of(ticket)]
            if ticket.onsite_due_at is not None and ticket.arrived_at is None and ticket.status in ACTIVE:
                phases.append("onsite")  # nobody said 「已到场」 yet: the on-site clock runs too
            for phase in phases:
                share = elapsed_share(book, ticket, phase, now, ZoneInfo(community.timezone))
                marker = f"{phase}@{cycle}"
                for level in LEVELS:
                    if share >= level.share and await store.tickets.claim_event(
                        ticket, at=now, actor="system", action=level.name, note=marker
                    ):
                        due.setdefault((community.id, level.name), []).append(Notice(ticket, phase, level))
            n = onsite.due_prompts(book, ticket, now)
            if n and await onsite.prompt_progress(
                store, Wording(texts, classifier, community.language), community, ticket, n, now
            ):
                prompts += 1
        for (community_id, _), batch in due.items():
            notices += len(batch)
            queued += await notify(store, texts, classifier, communities[community_id], batch, now)
    if notices:
        log.info("sla: %d notice(s) in %d message(s)", notices, queued)
    if prompts:
        log.info("sla: %d progress prompt(s)", prompts)
    return queued + prompts


@dataclass(frozen=True)
class Notice:
    """A ticket that reached a level of its current window, claimed (its audit event written)."""

    ticket: Ticket
    phase: str
    level: Level


async def notify(
    store: UnitOfWork,
    texts: Texts,
    classifier: Classifier,
    community: Community,
    batch: Sequence[Notice],
    now: datetime,
) -> int:
    """One level's notices of one community, as one message to each chat of the level's role:
    a single ticket in its own words, several as a line each (at most `BATCH_LINES`)."""
    level = batch[0].level
    lang = community.language
    tz = ZoneInfo(community.timezone)
    people: dict[int, Steward] = {}
    lines = []
    for notice in batch:
        ticket = notice.ticket
        assignee = await store.directory.steward(ticket.assignee_id) if ticket.assignee_id else None
        for person in await recipients(store, community, assignee, level):
            people.setdefault(person.id, person)
        due = {"respond": ticket.respond_due_at, "onsite": ticket.onsite_due_at}.get(
            notice.phase, ticket.resolve_due_at
        )
        assert due is not None
        values = {
            "number": ticket.number,
            "category": texts.convert(classifier.category_label(ticket.category or ticket.kind), lang),
            "place": mask_unit(ticket.building, lang),
            "phase": texts.render(f"sla.phase.{notice.phase}", lang),
            "due": due.astimezone(tz).strftime("%m-%d %H:%M"),
            "assignee": assignee.name if assignee else "-",
        }
        lines.append(texts.render(level.text_key if len(batch) == 1 else "sla.line", lang, **values))
    if len(batch) > 1:
        shown = lines[:BATCH_LINES]
        if len(lines) > BATCH_LINES:
            shown.append(texts.render("sla.more", lang, n=len(lines) - BATCH_LINES))
        lines = [texts.render(f"{level.text_key}.batch", lang, n=len(batch)), *shown]
    text = "\n".join(lines)
    chats = list(await store.directory.chats_with_role(community.id, level.chat_role))
    if not chats and level.chat_role == "management":
        chats = list(await store.directory.chats_with_role(community.id, "supervisors"))
    first = batch[0]
    cycle = int((first.ticket.sla_started_at or first.ticket.created_at).timestamp())
    new = 0
    for chat in chats:
        mentions = tuple(Mention(a, p.name) for p in people.values() if (a := account_of(p, chat.platform)))
        if await send_to_chat(
            store,
            chat,
            Outgoing(text=text, mentions=mentions, urgent=level.share >= 1.0),
            now,
            ref_type="sla",
            ref_id=first.ticket.id,
            # the first ticket's notice is claimed once, so is this message
            dedupe_key=f"sla:{first.ticket.id}:{level.name}:{first.phase}@{cycle}:{chat.id}",
            priority=priority_for(level.share >= 1.0),  # breaches and escalations go first
        ):
            new += 1
    return new


async def recipients(
    store: UnitOfWork, community: Community, assignee: Steward | None, level: Level
) -> list[Steward]:
    if level.mention_role == "assignee":
        return [assignee] if assignee else list(await store.directory.roster(community.id, "supervisor"))
    return list(await store.directory.roster(community.id, level.mention_role))
