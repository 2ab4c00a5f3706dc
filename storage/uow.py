"""The unit of work: one session, its repositories, and one transaction per use."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from storage.directory.repository import Directory
from storage.messages.repository import MessageRepository
from storage.outbox.repository import OutboxRepository
from storage.tickets.repository import TicketRepository


class Store:
    """Repositories over one `AsyncSession`. Handlers get one per update; only storage writes SQL."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.directory = Directory(session)
        self.tickets = TicketRepository(session)
        self.messages = MessageRepository(session)
        self.outbox = OutboxRepository(session)

    async def commit(self) -> None:
        await self.session.commit()

    async def rollback(self) -> None:
        await self.session.rollback()
