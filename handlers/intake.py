"""Intake: every message in a chat is logged; owners' repairs and complaints become tickets.

Owner group, owner, text → classify → log → (repair | complaint) open a ticket, acknowledge
in one short line and post the card; inquiry → a helpful reply; anything else → silence.
Non-text messages (stickers, voice, photos without caption) are logged, not classified.
"""

from __future__ import annotations

import logging

from bot.events import MessageKind
from bot.router import Router
from handlers.context import Context, Role
from handlers.ticketing import category_label, open_ticket, place_suffix, promise
from nlp.classification import Classification, Intent
from storage.models import MessageLog

log = logging.getLogger(__name__)

router = Router(name="intake")

MEDIA = (MessageKind.STICKER, MessageKind.PHOTO, MessageKind.VOICE, MessageKind.OTHER_MEDIA)


async def log_message(ctx: Context, classification: Classification | None) -> MessageLog:
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
    ctx.log_entry = await ctx.store.messages.log(entry)
    return entry


@router.on(*MEDIA)
async def media(ctx: Context) -> None:
    """Logged for the record; nothing to classify."""
    await log_message(ctx, None)


@router.message
async def owner_message(ctx: Context) -> None:
    text = ctx.incoming.text
    if not text.strip():
        await log_message(ctx, None)
        return
    classification = ctx.services.classifier.classify(text)
    entry = await log_message(ctx, classification)
    log.debug(
        "message %s: intent=%s category=%s urgent=%s risk=%s",
        ctx.incoming.message_id,
        classification.intent,
        classification.category,
        classification.urgent,
        classification.risk,
    )
    if ctx.chat_role != "owners" or ctx.role is not Role.OWNER or ctx.community is None:
        return
    if classification.intent in (Intent.REPAIR, Intent.COMPLAINT):
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
        await answer_inquiry(ctx, classification)


async def answer_inquiry(ctx: Context, classification: Classification) -> None:
    """Until the knowledge base answers, tell the owner the question reached a steward."""
    await ctx.reply(ctx.t("inquiry.nobody"))
