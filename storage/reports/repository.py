"""Queries behind the service reports: a period's tickets, owner messages and alerts."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.messages.models import MessageLog
from storage.opinion.models import OpinionAlert
from storage.opinion.repository import all_queued, owner_messages
from storage.tickets.models import Ticket, TicketCallback


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

    async def all_queued(self, dedupe_keys: Sequence[str]) -> bool:
        """Whether every one of these idempotent messages (e.g. this month's reports) is in the
        outbox already."""
        return await all_queued(self.session, dedupe_keys)
