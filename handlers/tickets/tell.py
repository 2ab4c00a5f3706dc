"""Who hears of a ticket, and where: the owner under their report, the stewards' group, the
supervisors' chat. Every message is an outbox row in the caller's transaction, so a step
that fails tells nobody.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bot.core.events import Button, Outgoing
from bot.core.outbox import priority_for, send_to_chat
from handlers.tickets import cards
from handlers.tickets.cards import Wording
from storage.directory.models import Community, Steward
from storage.tickets.models import Ticket
from storage.uow import UnitOfWork


async def owner(
    uow: UnitOfWork,
    ticket: Ticket,
    text: str,
    now: datetime,
    *,
    buttons: tuple[tuple[Button, ...], ...] = (),
    ref_type: str = "ticket_update",
) -> None:
    """One short line in the owner's group, threaded under their report."""
    if ticket.source_chat_id is None:
        return
    chat = await uow.directory.chat(ticket.source_chat_id)
    if chat is None or not chat.active:
        return
    await send_to_chat(
        uow,
        chat,
        Outgoing(text=text, reply_to=ticket.source_message_id, buttons=buttons),
        now,
        ref_type=ref_type,
        ref_id=ticket.id,
    )


async def followers(uow: UnitOfWork, ticket: Ticket, text: str, now: datetime) -> None:
    """The other owners who reported the same thing, each under their own message."""
    for follower in await uow.tickets.followers(ticket.id):
        chat = await uow.directory.chat(follower.chat_id)
        if chat is not None and chat.active:
            await send_to_chat(uow, chat, Outgoing(text=text, reply_to=follower.source_message_id), now)


async def staff(
    uow: UnitOfWork, community_id: int, text: str, now: datetime, *, mention: Steward | None = None
) -> None:
    """A line in every stewards' group of the community, mentioning `mention` if given."""
    for chat in await uow.directory.chats_with_role(community_id, "stewards"):
        who = cards.mention_of(mention, chat.platform) if mention else None
        await send_to_chat(uow, chat, Outgoing(text=text, mentions=(who,) if who else ()), now)


async def supervisors(
    uow: UnitOfWork, community_id: int, text: str, now: datetime, supervisors: Sequence[Steward]
) -> None:
    """A line in the supervisors' chat, mentioning each of `supervisors`."""
    for chat in await uow.directory.chats_with_role(community_id, "supervisors"):
        await send_to_chat(
            uow, chat, Outgoing(text=text, mentions=cards.mentions_of(supervisors, chat.platform)), now
        )


async def card(
    uow: UnitOfWork,
    w: Wording,
    ticket: Ticket,
    community: Community,
    assignee: Steward | None,
    owner_name: str,
    now: datetime,
) -> None:
    """The ticket card in every stewards' group of the community, mentioning the assignee;
    urgent tickets and those no steward took are copied to the supervisors' chat, so they
    dispatch it."""
    text = cards.card_text(w, ticket, community, assignee, owner_name)
    buttons = cards.card_buttons(w, ticket)
    urgent = ticket.priority == "urgent"
    for chat in await uow.directory.chats_with_role(community.id, "stewards"):
        mention = cards.mention_of(assignee, chat.platform) if assignee else None
        await send_to_chat(
            uow,
            chat,
            Outgoing(text=text, buttons=buttons, mentions=(mention,) if mention else (), urgent=urgent),
            now,
            ref_type="ticket_card",
            ref_id=ticket.id,
            priority=priority_for(urgent),
        )
    if urgent or assignee is None or assignee.role != "steward":
        for chat in await uow.directory.chats_with_role(community.id, "supervisors"):
            on_roster = await uow.directory.roster(community.id, "supervisor")
            await send_to_chat(
                uow,
                chat,
                Outgoing(text=text, mentions=cards.mentions_of(on_roster, chat.platform), urgent=True),
                now,
                ref_type="ticket_card",
                ref_id=ticket.id,
                priority=priority_for(urgent),
            )
