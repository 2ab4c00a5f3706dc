"""The care list and its check-ins."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.engagement.models import CareCheck, CareCheckLine, CareEntry


class CareRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, entry: CareEntry) -> CareEntry:
        self.session.add(entry)
        await self.session.flush()
        return entry

    async def entry(self, entry_id: int) -> CareEntry | None:
        return await self.session.get(CareEntry, entry_id)

    async def entries(self, community_id: int) -> Sequence[CareEntry]:
        query = select(CareEntry).where(
            CareEntry.community_id == community_id, CareEntry.removed_at.is_(None)
        )
        return list(
            await self.session.scalars(query.order_by(CareEntry.building, CareEntry.unit, CareEntry.id))
        )

    async def add_check(self, check: CareCheck, entries: Sequence[CareEntry]) -> list[CareCheckLine]:
        self.session.add(check)
        await self.session.flush()
        lines = [
            CareCheckLine(check_id=check.id, entry_id=e.id, line=i, state="pending")
            for i, e in enumerate(entries, 1)
        ]
        self.session.add_all(lines)
        await self.session.flush()
        return lines

    async def check(self, check_id: int) -> CareCheck | None:
        return await self.session.get(CareCheck, check_id)

    async def line(self, line_id: int) -> CareCheckLine | None:
        return await self.session.get(CareCheckLine, line_id)

    async def lines(self, check_id: int) -> list[tuple[CareCheckLine, CareEntry]]:
        query = (
            select(CareCheckLine, CareEntry)
            .join(CareEntry, CareEntry.id == CareCheckLine.entry_id)
            .where(CareCheckLine.check_id == check_id)
            .order_by(CareCheckLine.line)
        )
        return [(line, entry) for line, entry in (await self.session.execute(query)).all()]

    async def due_checks(self, now: datetime) -> Sequence[int]:
        query = select(CareCheck.id).where(CareCheck.escalated_at.is_(None), CareCheck.escalate_at <= now)
        return list(await self.session.scalars(query.order_by(CareCheck.id)))

    async def escalate(self, check: CareCheck, now: datetime) -> bool:
        """Mark a check escalated once: False if it was."""
        result = await self.session.execute(
            update(CareCheck)
            .where(CareCheck.id == check.id, CareCheck.escalated_at.is_(None))
            .values(escalated_at=now)
            .execution_options(synchronize_session=False)
        )
        await self.session.refresh(check)
        return bool(getattr(result, "rowcount", 0))
