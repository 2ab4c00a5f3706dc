"""Triage items and digests: one INSERT when intake keeps a message, plain statements for the
digest job and the stewards' decisions (both rare next to the owner-message hot path)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.directory.models import Member
from storage.messages.models import MessageLog
from storage.outbox.models import OutboxMessage
from storage.rows import insert_new, insert_row, table_of
from storage.tickets.models import Ticket
from storage.triage.models import TriageDigest, TriageItem

PENDING = "pending"


@dataclass(frozen=True)
class TriageLine:
    """An item as a digest shows it: the message as logged, who wrote it, what it became."""

    item: TriageItem
    text: str
    intent: str | None
    category: str | None
    name: str
    number: str | None  # the ticket it was opened as (or joined)


def _lines() -> Select[TriageItem, str, str | None, str | None, str, str]:
    return (
        select(
            TriageItem,
            MessageLog.text,
            MessageLog.intent,
            MessageLog.category,
            Member.display_name,
            Ticket.number,
        )
        .join(MessageLog, MessageLog.id == TriageItem.message_id)
        .join(Member, Member.id == TriageItem.member_id)
        .outerjoin(Ticket, Ticket.id == TriageItem.ticket_id)
    )


def _line(row: Any) -> TriageLine:
    item, text, intent, category, name, number = row
    return TriageLine(item, text, intent, category, name or "", number)


class TriageRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # -- intake ------------------------------------------------------------------------------
    async def keep(
        self,
        *,
        community_id: int,
        chat_id: int,
        message_id: int,
        member_id: int,
        building: str | None,
        thread_id: str | None,
        sent_at: datetime,
    ) -> int:
        """Keep a logged message for the next digest: one INSERT; the item's id."""
        return await insert_row(
            self.session,
            table_of(TriageItem),
            {
                "community_id": community_id,
                "chat_id": chat_id,
                "message_id": message_id,
                "member_id": member_id,
                "building": building,
                "thread_id": thread_id,
                "sent_at": sent_at,
                "state": PENDING,
            },
        )

    # -- the digest job ------------------------------------------------------------------------
    async def claimed_slots(self, slots: Iterable[tuple[int, datetime]]) -> set[tuple[int, datetime]]:
        """Which of these (community, slot) pairs have had their digest already."""
        pairs = list(slots)
        if not pairs:
            return set()
        rows = await self.session.execute(
            select(TriageDigest.community_id, TriageDigest.slot).where(
                tuple_(TriageDigest.community_id, TriageDigest.slot).in_(pairs)
            )
        )
        return {(community_id, slot) for community_id, slot in rows.all()}

    async def claim_slot(self, community_id: int, slot: datetime, now: datetime) -> TriageDigest | None:
        """The digest of this slot, claimed now; None if it was claimed before (by an earlier
        run or another process: the unique constraint decides)."""
        values = {"community_id": community_id, "slot": slot, "created_at": now, "rows": [], "more": 0}
        if not await insert_new(self.session, table_of(TriageDigest), values):
            return None
        return await self.session.scalar(
            select(TriageDigest).where(TriageDigest.community_id == community_id, TriageDigest.slot == slot)
        )

    async def unlisted(self, community_id: int, since: datetime, limit: int) -> list[TriageLine]:
        """The community's pending items no digest has listed, from messages sent since
        `since`, oldest first, at most `limit`."""
        rows = await self.session.execute(
            _lines()
            .where(
                TriageItem.digest_id.is_(None),
                TriageItem.community_id == community_id,
                TriageItem.state == PENDING,
                TriageItem.sent_at >= since,
            )
            .order_by(TriageItem.id)
            .limit(limit)
        )
        return [_line(row) for row in rows.all()]

    async def count_unlisted(self, community_id: int, since: datetime) -> int:
        return int(
            await self.session.scalar(
                select(func.count())
                .select_from(TriageItem)
                .where(
                    TriageItem.digest_id.is_(None),
                    TriageItem.community_id == community_id,
                    TriageItem.state == PENDING,
                    TriageItem.sent_at >= since,
                )
            )
            or 0
        )

    async def list_in(self, digest: TriageDigest, items: Sequence[TriageItem]) -> None:
        """The items are the digest's lines 1, 2, … in this order."""
        for number, item in enumerate(items, start=1):
            item.digest_id, item.line = digest.id, number
        await self.session.flush()

    # -- decisions -------------------------------------------------------------------------------
    async def item(self, item_id: int) -> TriageItem | None:
        return await self.session.get(TriageItem, item_id)

    async def decide(self, item: TriageItem, state: str, actor: str, now: datetime) -> bool:
        """Decide a pending item (a conditional UPDATE: of two presses, one wins); False if it
        was decided already. The item object is refreshed either way."""
        result = await self.session.execute(
            update(TriageItem)
            .where(TriageItem.id == item.id, TriageItem.state == PENDING)
            .values(state=state, decided_at=now, decided_by=actor)
            .execution_options(synchronize_session=False)
        )
        await self.session.refresh(item)
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def digest(self, digest_id: int) -> TriageDigest | None:
        return await self.session.get(TriageDigest, digest_id)

    async def lines(self, digest_id: int) -> list[TriageLine]:
        """A digest's lines in order, with what each became."""
        rows = await self.session.execute(
            _lines().where(TriageItem.digest_id == digest_id).order_by(TriageItem.line)
        )
        return [_line(row) for row in rows.all()]

    async def posted(self, digest: TriageDigest) -> Sequence[OutboxMessage]:
        """The outbox rows of the digest in the stewards' groups (by primary key)."""
        if not digest.rows:
            return []
        return (
            await self.session.scalars(
                select(OutboxMessage).where(OutboxMessage.id.in_(digest.rows)).order_by(OutboxMessage.id)
            )
        ).all()
