"""Who hears of a ticket, and where: the owner under their report, the stewards' group, the
supervisors' chat. Every message is an outbox row in the caller's transaction, so a step
that fails tells nobody.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from bot.core.events import Button, Outgoing
from bot.core.outbox import priority_for, send_to_chat
from handlers.tickets import cards
from handlers.tickets.cards import Wording
from storage.directory.models import Chat, Community, Steward
from storage.hazards.models import Hazard
from storage.tickets.models import Ticket
from storage.tickets.repository import Reporter
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


async def answer(
    uow: UnitOfWork, chat: Chat, message: Outgoing, ticket: Ticket, now: datetime, *, lane: str | None = None
) -> None:
    """An owner's acknowledgement about `ticket` (under their report): its outbox row keeps the
    platform message id, so a reply to it is known to be about the ticket. An urgent ticket's
    goes ahead of other traffic; `lane` is the owner answered (fair turns in a busy chat)."""
    await send_to_chat(
        uow,
        chat,
        message,
        now,
        ref_type="ticket_ack",
        ref_id=ticket.id,
        priority=priority_for(ticket.priority == "urgent"),
        lane=lane,
    )


async def followers(
    uow: UnitOfWork,
    ticket: Ticket,
    text: str,
    now: datetime,
    *,
    buttons: tuple[tuple[Button, ...], ...] = (),
    ref_type: str = "ticket_update",
) -> None:
    """The other owners who reported the same thing, each under their own message."""
    for follower in await uow.tickets.followers(ticket.id):
        chat = await uow.directory.chat(follower.chat_id)
        if chat is not None and chat.active:
            await send_to_chat(
                uow,
                chat,
                Outgoing(text=text, reply_to=follower.source_message_id, buttons=buttons),
                now,
                ref_type=ref_type,
                ref_id=ticket.id,
            )


async def staff(
    uow: UnitOfWork,
    community_id: int,
    text: str,
    now: datetime,
    *,
    mention: Steward | None = None,
    urgent: bool = False,
) -> None:
    """A line in every stewards' group of the community, mentioning `mention` if given."""
    for chat in await uow.directory.chats_with_role(community_id, "stewards"):
        who = cards.mention_of(mention, chat.platform) if mention else None
        await send_to_chat(uow, chat, Outgoing(text=text, mentions=(who,) if who else (), urgent=urgent), now)


async def under_card(
    uow: UnitOfWork,
    w: Wording,
    ticket: Ticket,
    community: Community,
    text: str,
    now: datetime,
    *,
    urgent: bool = False,
    edits_in_place: Callable[[str], bool] | None = None,
    reporters: Sequence[Reporter] | None = None,
) -> None:
    """A line about a ticket in the stewards' groups, under its card (a reply to the card
    where it was sent); where the platform edits in place, the card itself is also rewritten
    to list every owner merged into the ticket (elsewhere an edit would arrive as a second
    copy of the card). A group that never got the card gets the line on its own."""
    cards_sent = {
        row.chat_id: row for row in await uow.tickets.cards(ticket) if row.platform_message_id is not None
    }
    for chat in await uow.directory.chats_with_role(community.id, "stewards"):
        row = cards_sent.get(chat.id)
        reply_to = row.platform_message_id if row is not None else None
        await send_to_chat(uow, chat, Outgoing(text=text, reply_to=reply_to, urgent=urgent), now)
    await cards_now(uow, w, ticket, community, now, edits_in_place=edits_in_place, reporters=reporters)


async def cards_now(
    uow: UnitOfWork,
    w: Wording,
    ticket: Ticket,
    community: Community,
    now: datetime,
    *,
    edits_in_place: Callable[[str], bool] | None,
    reporters: Sequence[Reporter] | None = None,
) -> None:
    """Where the platform edits in place, every card of the ticket is rewritten as it stands:
    every owner merged into it, who has it and what became of it, and only the buttons that
    still apply (none once it is resolved, closed or cancelled), so nobody presses a button
    that has done its work. Elsewhere (an edit would arrive as a second copy of the card)
    the lines already said are all the stewards get."""
    if edits_in_place is None:
        return
    rows = [row for row in await uow.tickets.cards(ticket) if row.platform_message_id is not None]
    rewritten: Outgoing | None = None
    for row in rows:
        chat = await uow.directory.chat(row.chat_id) if row.chat_id is not None else None
        if chat is None or not chat.active or not edits_in_place(chat.platform):
            continue
        if rewritten is None:
            assignee = await uow.directory.steward(ticket.assignee_id) if ticket.assignee_id else None
            owner = await uow.directory.member(ticket.owner_member_id) if ticket.owner_member_id else None
            if reporters is None:
                reporters = await uow.tickets.reporters(ticket.id)
            photos = cards.photo_summary(w, await uow.tickets.media_counts(ticket.id))
            found_by = await uow.directory.steward(ticket.opened_by_id) if ticket.opened_by_id else None
            text = cards.card_text(
                w,
                ticket,
                community,
                assignee,
                owner.display_name if owner else "",
                reporters=reporters,
                state=cards.card_state(w, ticket, assignee),
                photos=photos,
                found_by=found_by,
                hazard=await uow.hazards.for_ticket(ticket.id) if found_by is not None else None,
            )
            rewritten = Outgoing(text=text, buttons=cards.card_buttons(w, ticket))
        card = Outgoing.from_json(row.payload)
        await send_to_chat(
            uow,
            chat,
            Outgoing(
                text=rewritten.text,
                buttons=rewritten.buttons,
                mentions=card.mentions,
                edit_of=row.platform_message_id,
            ),
            now,
            ref_type="ticket_card_edit",
            ref_id=ticket.id,
        )


async def rating_settled(
    uow: UnitOfWork,
    ticket: Ticket,
    outcome: str,
    now: datetime,
    *,
    edits_in_place: Callable[[str], bool] | None,
) -> None:
    """The owner's rating request (the newest, under their report) loses its buttons and
    shows `outcome` instead (「已评价：满意」), where the platform edits in place."""
    if edits_in_place is None:
        return
    requests = [r for r in await uow.outbox.by_ref("rating_request", ticket.id) if r.platform_message_id]
    if not requests:
        return
    row = requests[-1]
    chat = await uow.directory.chat(row.chat_id) if row.chat_id is not None else None
    if chat is None or not chat.active or not edits_in_place(chat.platform):
        return
    asked = Outgoing.from_json(row.payload)
    await send_to_chat(
        uow,
        chat,
        Outgoing(text=f"{asked.text}\n{outcome}", mentions=asked.mentions, edit_of=row.platform_message_id),
        now,
        ref_type="rating_request_edit",
        ref_id=ticket.id,
    )


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
    *,
    escalated: Reporter | None = None,
    found_by: Steward | None = None,
    hazard: Hazard | None = None,
) -> None:
    """The ticket card in every stewards' group of the community, mentioning the assignee;
    urgent tickets and those no steward took are copied to the supervisors' chat, so they
    dispatch it. `escalated`: the urgent report that made the ticket urgent (sent again);
    `found_by`, `hazard`: a steward's work order and its line in the ledger."""
    text = cards.card_text(
        w, ticket, community, assignee, owner_name, escalated=escalated, found_by=found_by, hazard=hazard
    )
    buttons = cards.card_buttons(w, ticket)
    urgent = ticket.priority == "urgent"
    rows: list[int] = []
    for chat in await uow.directory.chats_with_role(community.id, "stewards"):
        mention = cards.mention_of(assignee, chat.platform) if assignee else None
        outgoing = Outgoing(text=text, buttons=buttons, mentions=(mention,) if mention else (), urgent=urgent)
        # As `send_to_chat`, keeping the row's id: lines about the ticket go under this card.
        row = await uow.outbox.enqueue(
            platform=chat.platform,
            platform_chat_id=chat.platform_chat_id,
            chat_id=chat.id,
            payload=outgoing.to_json(),
            now=now,
            ref_type="ticket_card",
            ref_id=ticket.id,
            priority=priority_for(urgent),
        )
        if row is not None:
            rows.append(row)
    ticket.card_rows = [*(ticket.card_rows or []), *rows]
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
