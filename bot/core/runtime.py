"""What scheduled jobs, the command line and other non-chat callers get instead of an update:
a way to open a unit of work, the kernel's services, and a way to wake the outbox sender."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.services import Services
from storage.uow import UnitOfWork


def _nothing() -> None:
    return None


@dataclass
class Runtime:
    sessions: async_sessionmaker[AsyncSession]
    services: Services
    wake: Callable[[], None] = _nothing

    @property
    def now(self) -> datetime:
        return self.services.clock.now()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[UnitOfWork]:
        """One committed unit of work; the sender is woken once it is committed."""
        async with self.sessions() as session:
            uow = UnitOfWork(session)
            yield uow
            await uow.commit()
        self.wake()

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[UnitOfWork]:
        """A unit of work that only reads (nothing is committed)."""
        async with self.sessions() as session:
            yield UnitOfWork(session)
