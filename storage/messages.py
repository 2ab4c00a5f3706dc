"""The message log (every message seen, with its classification) and delivery de-duplication."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import MessageLog, ProcessedDelivery


class MessageRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def claim_delivery(self, platform: str, delivery_key: str, at: datetime) -> bool:
        """Record a delivery as handled, as the transaction's first write; False if it was
        already (the caller must roll back: the failed INSERT ends the transaction)."""
        self.session.add(ProcessedDelivery(platform=platform, delivery_key=delivery_key, at=at))
        try:
            await self.session.flush()
        except IntegrityError:
            return False
        return True

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
        self.session.add(entry)
        await self.session.flush()
        return entry

    async def get(self, log_id: int) -> MessageLog | None:
        return await self.session.get(MessageLog, log_id)
