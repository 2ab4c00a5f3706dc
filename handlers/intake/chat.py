"""Intake: every message in a chat is logged; owners' repairs and complaints become tickets.

Owner group, owner, text → classify → log → (repair | complaint) open a ticket, acknowledge
in one short line and post the card; inquiry → a helpful reply; anything else → silence.
Non-text messages (stickers, voice, photos without caption) are logged, not classified.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from bot.core.context import Context
from bot.core.events import MessageKind, Outgoing
from bot.core.roles import Role
from bot.core.router import Router
from handlers.broadcasts import BroadcastService
from handlers.knowledge.base import KnowledgeBase
from handlers.opinion import OpinionService
from handlers.tickets.opening import category_label, open_ticket, place_suffix, promise, ticket_building
from nlp.classification import Classification, Intent
from storage.messages.models import MessageLog
from storage.tickets.status import ACTIVE

log = logging.getLogger(__name__)

INCIDENT_WINDOW_MINUTES = 120  # reports of the same thing this close together are one incident
STAFF_MILESTONES = (2, 3, 5, 10, 20)  # merged reporters the stewards' group is told of ...
STAFF_EVERY = 50  # ... and every this many after

TEXTS_HANS = {
    "kb.answer": "{answer}\n（来源：{source}）",
}

MEDIA = (MessageKind.STICKER, MessageKind.PHOTO, MessageKind.VOICE, MessageKind.OTHER_MEDIA)


def log_entry(ctx: Context, classification: Classification | None) -> MessageLog:
    """The message's log row, not yet written: the ticket it leads to is set on it first,
    so it is written once (an INSERT, not an INSERT and an UPDATE)."""
    chat, incoming = ctx.chat, ctx.incoming
    assert chat is not None
    entry = MessageLog(
        platform=incoming.platform,
        chat_id=chat.id,
        community_id=ctx.community.id if ctx.community else None,
        member_id=ctx.member.id if ctx.member else None,
        platform_message_id=incoming.message_id,
        kind=incoming.kind.value,
        text=incoming.text,
        sent_at=incoming.sent_at,
    )
    if classification is not None:
        entry.intent = classification.intent.value
        entry.category = classification.category
        entry.urgent = classification.urgent
        entry.sentiment = classification.sentiment
        entry.negative = classification.negative
        entry.risk = classification.risk
        entry.rules = list(classification.rules)
    ctx.log_entry = entry
    return entry


async def log_message(ctx: Context, classification: Classification | None) -> MessageLog:
    return await ctx.uow.messages.log(log_entry(ctx, classification))


def router(opinion: OpinionService, broadcasts: BroadcastService) -> Router:
    """Intake's handlers; `opinion` watches each owner's message once it is logged."""
    intake = Router(name="intake")
    intake.on(*MEDIA)(media)

    @intake.message()
    async def text(ctx: Context) -> None:
        await owner_message(ctx, opinion, broadcasts)

    return intake


async def media(ctx: Context) -> None:
    """Logged for the record; nothing to classify."""
    await log_message(ctx, None)


async def owner_message(ctx: Context, opinion: OpinionService, broadcasts: BroadcastService) -> None:
    text = ctx.incoming.text
    if not text.strip():
        await log_message(ctx, None)
        return
    classification = ctx.services.classifier.classify(text)
    entry = log_entry(ctx, classification)
    log.debug(
        "message %s: intent=%s category=%s urgent=%s risk=%s",
        ctx.incoming.message_id,
        classification.intent,
        classification.category,
        classification.urgent,
        classification.risk,
    )
    if ctx.chat_role == "owners" and ctx.role is Role.OWNER and ctx.community is not None:
        await act_on(ctx, classification, entry, broadcasts)
    await ctx.uow.messages.log(entry)
    community, member = ctx.community, ctx.member
    if ctx.chat_role == "owners" and ctx.role is Role.OWNER and community is not None and member is not None:
        # alerts to supervisors; never raises
        await opinion.observe(ctx.uow, entry, classification, community=community, member=member)


async def act_on(
    ctx: Context, classification: Classification, entry: MessageLog, broadcasts: BroadcastService
) -> None:
    """An owner's message in their group: a ticket, a merge, a chase or an answer."""
    if classification.intent in (Intent.REPAIR, Intent.COMPLAINT):
        if await merge_into_incident(ctx, classification, entry):
            return
        opened = await open_ticket(ctx, classification)
        entry.ticket_id = opened.ticket.id
        key = "ack.urgent" if opened.ticket.priority == "urgent" else f"ack.{opened.ticket.kind}"
        await ctx.reply(
            ctx.t(
                key,
                number=opened.ticket.number,
                category=category_label(ctx, opened.ticket.category, opened.ticket.kind),
                place=place_suffix(ctx, opened.ticket),
                promise=promise(ctx, opened.deadlines),
            ),
            ref_type="ticket_ack",
            ref_id=opened.ticket.id,
        )
    elif classification.intent is Intent.INQUIRY:
        await answer_inquiry(ctx, classification, broadcasts)


async def merge_into_incident(ctx: Context, classification: Classification, entry: MessageLog) -> bool:
    """Another owner reporting what is already being handled (same category and building,
    recently): linked to that ticket instead of opening a new one."""
    assert ctx.community is not None and ctx.chat is not None and ctx.member is not None
    if classification.category is None:
        return False
    if classification.category == "repair_delay" and await chase_own_ticket(ctx, entry):
        return True
    since = ctx.now - timedelta(minutes=INCIDENT_WINDOW_MINUTES)
    building = ticket_building(ctx, classification)
    incident = await ctx.uow.tickets.find_incident(
        ctx.community.id, classification.category, building, ctx.chat.id, since, ctx.member.id
    )
    if incident is None:
        return False
    existing = incident.ticket
    entry.ticket_id = existing.id
    if existing.owner_member_id == ctx.member.id or incident.following:
        await ctx.reply(ctx.t("t.owner.again", number=existing.number))
        return True
    await ctx.uow.tickets.add_follower(existing, ctx.member.id, ctx.chat.id, ctx.incoming.message_id, ctx.now)
    reporters = 2 + incident.followers  # the first reporter, those before, and this one
    await ctx.uow.tickets.record(
        existing, at=ctx.now, actor=f"member:{ctx.member.id}", action="merged", note=f"reporters={reporters}"
    )
    await ctx.reply(ctx.t("t.owner.merged", n=reporters, number=existing.number))
    if tells_staff(reporters):
        for chat in await ctx.uow.directory.chats_with_role(existing.community_id, "stewards"):
            await ctx.send(chat, Outgoing(text=ctx.t("t.staff.merged", number=existing.number, n=reporters)))
    return True


def tells_staff(reporters: int) -> bool:
    """Whether the stewards' group hears of this many reporters: at the first few and then
    at round numbers. Each owner is answered in their group; a line in the stewards' group
    for every one of a hundred owners reporting a burst water main would bury the rest of the
    group's work (and exceed what a platform lets a bot post in a group)."""
    return reporters in STAFF_MILESTONES or reporters % STAFF_EVERY == 0


async def chase_own_ticket(ctx: Context, entry: MessageLog) -> bool:
    """「还没修好吗」 from an owner with a ticket still open: a chase (催办) on that ticket,
    not a new complaint; the steward's group hears of it."""
    assert ctx.member is not None and ctx.community is not None
    mine = [
        t
        for t in await ctx.uow.tickets.visible_to_owner(ctx.member.id)
        if t.community_id == ctx.community.id and t.status in ACTIVE
    ]
    if not mine:
        return False
    ticket = mine[0]
    entry.ticket_id = ticket.id
    await ctx.uow.tickets.record(ticket, at=ctx.now, actor=f"member:{ctx.member.id}", action="chased")
    await ctx.reply(ctx.t("t.owner.again", number=ticket.number))
    for chat in await ctx.uow.directory.chats_with_role(ticket.community_id, "stewards"):
        await ctx.send(chat, Outgoing(text=ctx.t("t.staff.chased", number=ticket.number)))
    return True


async def answer_inquiry(ctx: Context, classification: Classification, broadcasts: BroadcastService) -> None:
    """The community's knowledge base answers at once, citing the entry; anything it cannot
    answer goes to the steward on duty as a light ticket with a 24-hour reply target."""
    assert ctx.community is not None
    outage = await broadcasts.answer_outage_question(
        ctx.uow,
        ctx.incoming.text,
        classification,
        community=ctx.community,
        chat=ctx.chat,
        lang=ctx.lang,
        now=ctx.now,
    )
    if outage is not None:  # an announced outage answers 「几点来水」
        await ctx.reply(outage.text, ref_type="outage_answer", ref_id=outage.outage_id)
        return
    knowledge: dict[str, KnowledgeBase] = ctx.services.extras.get("knowledge", {})
    base = knowledge.get(ctx.community.code)
    found = base.match(ctx.incoming.text, classification.category) if base else None
    if found is not None:
        answer = (
            found.answer_hant
            if found.answer_hant and ctx.lang == "zh-Hant"
            else ctx.services.texts.convert(found.answer, ctx.lang)
        )
        await ctx.reply(
            ctx.t("kb.answer", answer=answer, source=ctx.services.texts.convert(found.title, ctx.lang))
        )
        return
    opened = await open_ticket(ctx, classification, kind="inquiry")
    if ctx.log_entry is not None:
        ctx.log_entry.ticket_id = opened.ticket.id
    await ctx.reply(
        ctx.t("inquiry.received", number=opened.ticket.number), ref_type="ticket_ack", ref_id=opened.ticket.id
    )
