"""The message log (every message seen, with its classification) and delivery de-duplication."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.messages.models import MessageLog, ProcessedDelivery
from storage.rows import insert_new, insert_object, table_of

_NEAR = timedelta(days=1)


class MessageRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def claim_delivery(self, platform: str, delivery_key: str, at: datetime) -> bool:
        """Record a delivery as handled, as the transaction's first write; False if it was
        already (the unique constraint makes the INSERT a no-op; a concurrent copy's INSERT
        waits for the first transaction and then finds the row). The caller rolls back."""
        return await insert_new(
            self.session,
            table_of(ProcessedDelivery),
            {"platform": platform, "delivery_key": delivery_key, "at": at},
        )

    def mark_processed(self, platform: str, delivery_key: str, at: datetime) -> None:
        """Recorded in the handler's transaction: a delivery counts as handled only if the
        handling committed, and a concurrent duplicate fails on the unique constraint."""
        self.session.add(ProcessedDelivery(platform=platform, delivery_key=delivery_key, at=at))

    async def processed_keys(self, platform: str, delivery_keys: Sequence[str]) -> set[str]:
        """Which of these deliveries were handled already (importers report duplicates)."""
        if not delivery_keys:
            return set()
        rows = await self.session.scalars(
            select(ProcessedDelivery.delivery_key).where(
                ProcessedDelivery.platform == platform, ProcessedDelivery.delivery_key.in_(delivery_keys)
            )
        )
        return set(rows.all())

    async def log(self, entry: MessageLog) -> MessageLog:
        """Write the entry (it gets its id); the entry is a record, not tracked by the session,
        so it must be complete first (intake sets its ticket before logging it)."""
        await insert_object(self.session, entry)
        return entry

    async def get(self, log_id: int) -> MessageLog | None:
        return await self.session.get(MessageLog, log_id)

    async def for_ticket(self, ticket_id: int, limit: int = 50) -> Sequence[MessageLog]:
        """The owners' messages logged against a ticket, oldest first (the console's timeline)."""
        return (
            await self.session.scalars(
                select(MessageLog)
                .where(MessageLog.ticket_id == ticket_id)
                .order_by(MessageLog.id)
                .limit(limit)
            )
        ).all()

    async def find(
        self, community_id: int, chat_id: int, platform_message_id: str, around: datetime
    ) -> MessageLog | None:
        """The logged message `platform_message_id` of a chat, sent within a day of `around`
        (that bound lets the community/time index find it: the log is the largest table)."""
        return await self.session.scalar(
            select(MessageLog)
            .where(
                MessageLog.community_id == community_id,
                MessageLog.sent_at >= around - _NEAR,
                MessageLog.sent_at <= around + _NEAR,
                MessageLog.chat_id == chat_id,
                MessageLog.platform_message_id == platform_message_id,
            )
            .order_by(MessageLog.id)
            .limit(1)
        )
