"""Queries behind the service reports: a period's tickets, owner messages and alerts."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.directory.models import Chat
from storage.messages.models import MessageLog
from storage.opinion.models import OpinionAlert
from storage.opinion.repository import all_queued, owner_messages
from storage.tickets.models import Ticket, TicketCallback, TicketEvent

# What an owner's rating below 「满意」 is stored as (handlers/tickets/lifecycle.py: RATINGS).
LOW_RATINGS = ("一般", "不满意")


class ReportRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def tickets_created(self, community_id: int, start: datetime, end: datetime) -> Sequence[Ticket]:
        """Tickets opened in [start, end), whatever their state now."""
        return (
            await self.session.scalars(
                select(Ticket)
                .where(
                    Ticket.community_id == community_id, Ticket.created_at >= start, Ticket.created_at < end
                )
                .order_by(Ticket.created_at, Ticket.id)
            )
        ).all()

    def _events_of_period(self, community_id: int, start: datetime, end: datetime, *actions: str) -> Any:
        return (
            select(TicketEvent.ticket_id, TicketEvent.at, TicketEvent.action, TicketEvent.note)
            .join(Ticket, Ticket.id == TicketEvent.ticket_id)
            .where(
                Ticket.community_id == community_id,
                Ticket.created_at >= start,
                Ticket.created_at < end,
                TicketEvent.action.in_(actions),
            )
            .order_by(TicketEvent.ticket_id, TicketEvent.at, TicketEvent.id)
        )

    async def reopened(self, community_id: int, start: datetime, end: datetime) -> set[int]:
        """The ids of the tickets opened in [start, end) that were reopened at least once."""
        query = self._events_of_period(community_id, start, end, "reopened")
        return {row[0] for row in (await self.session.execute(query)).all()}

    async def low_ratings(
        self, community_id: int, start: datetime, end: datetime
    ) -> dict[int, tuple[str, list[str]]]:
        """Tickets opened in [start, end) an owner rated below 「满意」: ticket id → (the
        lowest such rating, the notes the owner added after it, raw: the caller masks them)."""
        query = self._events_of_period(community_id, start, end, "rated", "owner_note")
        found: dict[int, tuple[str, list[str]]] = {}
        for ticket_id, _, action, note in (await self.session.execute(query)).all():
            if action == "rated" and note in LOW_RATINGS:
                rating, notes = found.get(ticket_id, (note, []))
                worst = max(rating, note, key=LOW_RATINGS.index)
                found[ticket_id] = (worst, notes)
            elif action == "owner_note" and ticket_id in found and note:
                found[ticket_id][1].append(note)
        return found

    async def owner_message_times(
        self, community_id: int, start: datetime, end: datetime
    ) -> list[tuple[datetime, bool]]:
        """(sent_at, negative) of every owner text message in [start, end): no text, no sender."""
        query = owner_messages(community_id, MessageLog.sent_at, MessageLog.negative).where(
            MessageLog.sent_at >= start, MessageLog.sent_at < end
        )
        return [(row[0], bool(row[1])) for row in (await self.session.execute(query)).all()]

    async def call_outcomes(self, ticket_ids: Sequence[int]) -> dict[int, str | None]:
        """The 回访 call outcome of each of these tickets that went on the call list."""
        found: dict[int, str | None] = {}
        for start in range(0, len(ticket_ids), 500):
            chunk = list(ticket_ids[start : start + 500])
            rows = await self.session.execute(
                select(TicketCallback.ticket_id, TicketCallback.outcome).where(
                    TicketCallback.ticket_id.in_(chunk)
                )
            )
            found.update({ticket_id: outcome for ticket_id, outcome in rows})
        return found

    async def alerts(self, community_id: int, start: datetime, end: datetime) -> Sequence[OpinionAlert]:
        return (
            await self.session.scalars(
                select(OpinionAlert)
                .where(
                    OpinionAlert.community_id == community_id,
                    OpinionAlert.created_at >= start,
                    OpinionAlert.created_at < end,
                )
                .order_by(OpinionAlert.id)
            )
        ).all()

    async def active(self, community_id: int, start: datetime, end: datetime) -> bool:
        """Whether anything happened in [start, end): a ticket, an owner message or an alert
        (an empty period gets no report). Three index lookups at most."""
        for query in (
            select(Ticket.id).where(
                Ticket.community_id == community_id, Ticket.created_at >= start, Ticket.created_at < end
            ),
            owner_messages(community_id, MessageLog.id).where(
                MessageLog.sent_at >= start, MessageLog.sent_at < end
            ),
            select(OpinionAlert.id).where(
                OpinionAlert.community_id == community_id,
                OpinionAlert.created_at >= start,
                OpinionAlert.created_at < end,
            ),
        ):
            if await self.session.scalar(query.limit(1)) is not None:
                return True
        return False

    async def private_chats(self, accounts: Mapping[str, str]) -> Sequence[Chat]:
        """The active private chats whose id on their platform is one of these accounts
        (platform → the person's user id there)."""
        if not accounts:
            return []
        query = (
            select(Chat)
            .where(
                Chat.role == "private",
                Chat.active.is_(True),
                or_(*(and_(Chat.platform == p, Chat.platform_chat_id == a) for p, a in accounts.items())),
            )
            .order_by(Chat.id)
        )
        return (await self.session.scalars(query)).all()

    async def all_queued(self, dedupe_keys: Sequence[str]) -> bool:
        """Whether every one of these idempotent messages (e.g. this month's reports) is in the
        outbox already."""
        return await all_queued(self.session, dedupe_keys)
