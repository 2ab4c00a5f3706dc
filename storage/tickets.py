"""Tickets, their audit trail and their human-friendly numbers."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Counter, Ticket, TicketEvent


class TicketRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def next_counter(self, name: str) -> int:
        """Atomically increment a named counter (settled by the database, not by Python)."""
        for _ in range(3):
            result = await self.session.execute(
                update(Counter)
                .where(Counter.name == name)
                .values(value=Counter.value + 1)
                .returning(Counter.value)
            )
            value = result.scalar_one_or_none()
            if value is not None:
                return int(value)
            try:
                async with self.session.begin_nested():
                    self.session.add(Counter(name=name, value=1))
                return 1
            except IntegrityError:
                continue  # someone else created it first: increment theirs
        raise RuntimeError(f"could not allocate counter {name}")

    async def add(self, ticket: Ticket) -> Ticket:
        self.session.add(ticket)
        await self.session.flush()
        return ticket

    async def record(
        self,
        ticket: Ticket,
        *,
        at: datetime,
        actor: str,
        action: str,
        from_status: str | None = None,
        to_status: str | None = None,
        note: str | None = None,
    ) -> TicketEvent:
        event = TicketEvent(
            ticket_id=ticket.id,
            at=at,
            actor=actor,
            action=action,
            from_status=from_status,
            to_status=to_status,
            note=note,
        )
        self.session.add(event)
        await self.session.flush()
        return event

    async def get(self, ticket_id: int) -> Ticket | None:
        return await self.session.get(Ticket, ticket_id)

    async def by_number(self, number: str) -> Ticket | None:
        return await self.session.scalar(select(Ticket).where(Ticket.number == number.upper()))

    async def events(self, ticket_id: int) -> Sequence[TicketEvent]:
        return (
            await self.session.scalars(
                select(TicketEvent).where(TicketEvent.ticket_id == ticket_id).order_by(TicketEvent.id)
            )
        ).all()

    async def for_owner(self, member_id: int, limit: int = 20) -> Sequence[Ticket]:
        return (
            await self.session.scalars(
                select(Ticket)
                .where(Ticket.owner_member_id == member_id)
                .order_by(Ticket.id.desc())
                .limit(limit)
            )
        ).all()

    async def by_community(self, community_id: int, **filters: Any) -> Sequence[Ticket]:
        query = select(Ticket).where(Ticket.community_id == community_id)
        for name, value in filters.items():
            query = query.where(getattr(Ticket, name) == value)
        return (await self.session.scalars(query.order_by(Ticket.id))).all()
