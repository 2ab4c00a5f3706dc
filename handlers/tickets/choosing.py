"""Which ticket a message in words is about, when it names none (`handlers/tickets/words.py`).

A message that quotes one of Steward's lines about a ticket (its card, the owner's
acknowledgement, a progress line, the rating request) is about that ticket: the outbox row of
the quoted message says which. Otherwise a steward's 「接单」 / 「已解决」 / 「进度」 may only
be about the tickets that steward could do it to, and an owner's 「满意」 only about their own
tickets waiting for a rating: one such ticket is the one meant, several are offered as
choices, none is said so.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.core.actor import Actor
from handlers.tickets.words import Act
from storage.tickets.models import Ticket
from storage.tickets.status import TicketStatus
from storage.uow import UnitOfWork

# The outbox rows that are about one ticket (`ref_id`).
ABOUT_A_TICKET = frozenset(
    {"ticket_card", "ticket_card_edit", "ticket_ack", "ticket_update", "rating_request", "progress_prompt"}
)
CHOICES = 5  # tickets offered at most


async def quoted(uow: UnitOfWork, platform: str, chat_id: str, message_id: str) -> Ticket | None:
    """The ticket the quoted message (by its platform message id) is about, if any."""
    row = await uow.outbox.find_ref(platform, chat_id, message_id)
    if row is None or row.ref_id is None or row.ref_type not in ABOUT_A_TICKET:
        return None
    return await uow.tickets.get(row.ref_id)


async def candidates(uow: UnitOfWork, actor: Actor, act: Act) -> Sequence[Ticket]:
    """The tickets `act` could be about for `actor`, oldest first."""
    if act == "rate":
        if actor.member is None:
            return []
        mine = await uow.tickets.visible_to_owner(actor.member.id)
        return sorted(
            (t for t in mine if t.owner_member_id == actor.member.id and t.status == TicketStatus.RESOLVED),
            key=lambda t: t.id,
        )
    steward = actor.steward
    if steward is None:
        return []
    community = steward.community_id
    mine = await uow.tickets.in_status(
        community,
        [TicketStatus.ASSIGNED, TicketStatus.IN_PROGRESS, TicketStatus.REOPENED],
        assignee_id=steward.id,
    )
    if act == "accept":
        waiting = [t for t in mine if t.status != TicketStatus.IN_PROGRESS]
        free = await uow.tickets.in_status(
            community, [TicketStatus.OPEN, TicketStatus.REOPENED], assignee_id=None
        )
        return sorted([*waiting, *free], key=lambda t: t.id)
    if act == "arrive":
        return [t for t in mine if t.arrived_at is None]
    return list(mine)
