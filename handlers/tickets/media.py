"""Photos of tickets: the owner's with or right after their report, the steward's before and
after the work. Kept as the platform keeps them (a file id, a URL), never the pictures: a
`TicketMedia` row per photo. Staff see that photos exist (a count per stage on /ticket and on
the card's lines) and get them forwarded on request (/photos): re-sent by file id where the
platform can (`Capabilities.photo_ids`) and the photo was taken there, else as a line saying
where it is.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from bot.core.channel import Capabilities
from bot.core.events import Outgoing, Photo
from bot.core.outbox import send_to_chat
from handlers.tickets.cards import STAGES, Wording
from storage.directory.models import Chat
from storage.tickets.models import Ticket, TicketMedia
from storage.uow import UnitOfWork

# Photos forwarded for one request, at most (the newest are the ones left out).
FORWARD_LIMIT = 10
CAPTION_LIMIT = 200


async def attach(
    uow: UnitOfWork,
    ticket: Ticket,
    photos: Sequence[Photo],
    *,
    platform: str,
    chat_id: int | None,
    message_id: str | None,
    actor: str,
    stage: str,
    caption: str,
    now: datetime,
) -> int:
    """Keep `photos` as the ticket's (`stage`: report, before, after); returns how many were
    new (a photo the ticket has already is not kept twice). Each new one is an audit event."""
    assert stage in STAGES, stage
    added = 0
    for photo in photos:
        media = TicketMedia(
            ticket_id=ticket.id,
            platform=platform,
            kind="photo",
            stage=stage,
            file_id=photo.file_id,
            unique_id=photo.unique_id or None,
            url=photo.url or None,
            chat_id=chat_id,
            message_id=message_id,
            actor=actor,
            caption=caption[:CAPTION_LIMIT] or None,
            created_at=now,
        )
        if await uow.tickets.add_media(media):
            added += 1
    if added:
        await uow.tickets.record(ticket, at=now, actor=actor, action="photo", note=f"{stage}:{added}")
        ticket.updated_at = now
    return added


async def forward(
    uow: UnitOfWork,
    w: Wording,
    ticket: Ticket,
    chat: Chat,
    capabilities: Callable[[str], Capabilities] | None,
    now: datetime,
    *,
    reply_to: str | None = None,
) -> int:
    """Send the ticket's photos to `chat` (one message each, captioned with the ticket and
    the stage); returns how many. Where the chat's platform re-sends by file id and the photo
    was taken there, it is the photo itself; else a line saying where it can be seen."""
    kept = list(await uow.tickets.media(ticket.id))
    if not kept:
        return 0
    by_id = capabilities is not None and capabilities(chat.platform).photo_ids
    for index, media in enumerate(kept[:FORWARD_LIMIT], start=1):
        caption = w.t(
            "t.photo.caption",
            number=ticket.number,
            i=index,
            n=len(kept),
            stage=w.t(f"t.photo.stage_name.{media.stage}"),
        )
        if by_id and media.platform == chat.platform:
            message = Outgoing(text=caption, photo=media.file_id, reply_to=reply_to)
        else:
            where = media.url or media.file_id
            message = Outgoing(text=w.t("t.photo.elsewhere", caption=caption, where=where), reply_to=reply_to)
        await send_to_chat(uow, chat, message, now, ref_type="ticket_photo", ref_id=ticket.id)
    if len(kept) > FORWARD_LIMIT:
        await send_to_chat(
            uow, chat, Outgoing(text=w.t("t.photo.more", n=len(kept) - FORWARD_LIMIT)), now, ref_id=ticket.id
        )
    return min(len(kept), FORWARD_LIMIT)
