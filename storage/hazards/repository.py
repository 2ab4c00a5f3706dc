"""The rectification ledger's statements: rare next to the owner-message hot path (a patrol
report, a /hazards, the overdue watch once a minute), so plain ORM and conditional UPDATEs."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from storage.hazards.models import OPEN, Hazard
from storage.tickets.models import Ticket


@dataclass(frozen=True)
class Entry:
    """A ledger line with the ticket it is about."""

    hazard: Hazard
    ticket: Ticket


class HazardRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, hazard: Hazard) -> Hazard:
        self.session.add(hazard)
        await self.session.flush()
        return hazard

    async def for_ticket(self, ticket_id: int) -> Hazard | None:
        result = await self.session.execute(select(Hazard).where(Hazard.ticket_id == ticket_id))
        return result.scalar_one_or_none()

    async def open_in(self, community_id: int) -> Sequence[Entry]:
        """The community's open hazards, the earliest deadline first."""
        result = await self.session.execute(
            select(Hazard, Ticket)
            .join(Ticket, Ticket.id == Hazard.ticket_id)
            .where(Hazard.community_id == community_id, Hazard.status == OPEN)
            .order_by(Hazard.due_at, Hazard.id)
        )
        return [Entry(h, t) for h, t in result.all()]

    async def overdue(self, now: datetime) -> Sequence[Entry]:
        """Open hazards past their deadline that no supervisor was told of yet."""
        result = await self.session.execute(
            select(Hazard, Ticket)
            .join(Ticket, Ticket.id == Hazard.ticket_id)
            .where(Hazard.status == OPEN, Hazard.due_at <= now, Hazard.escalated_at.is_(None))
            .order_by(Hazard.community_id, Hazard.due_at, Hazard.id)
        )
        return [Entry(h, t) for h, t in result.all()]

    async def claim_escalation(self, hazard: Hazard, now: datetime) -> bool:
        """Mark `hazard` escalated, if nobody did yet: of two watches at once, one wins."""
        result = await self.session.execute(
            update(Hazard)
            .where(Hazard.id == hazard.id, Hazard.status == OPEN, Hazard.escalated_at.is_(None))
            .values(escalated_at=now)
            .execution_options(synchronize_session=False)
        )
        won = bool(getattr(result, "rowcount", 0))
        if won:
            set_committed_value(hazard, "escalated_at", now)
        return won

    async def close(
        self,
        hazard: Hazard,
        status: str,
        now: datetime,
        by: str,
        *,
        photo_after: str | None = None,
        note: str | None = None,
    ) -> bool:
        """Close an open hazard (`status`: done or cancelled); False: it was closed already."""
        values: dict[str, object] = {"status": status, "closed_at": now, "closed_by": by}
        if photo_after is not None:
            values["photo_after"] = photo_after
        if note:
            values["note"] = note
        result = await self.session.execute(
            update(Hazard)
            .where(Hazard.id == hazard.id, Hazard.status == OPEN)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        won = bool(getattr(result, "rowcount", 0))
        if won:
            for key, value in values.items():
                set_committed_value(hazard, key, value)
        return won
