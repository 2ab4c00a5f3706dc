"""Labelled examples: written one at a time (a correction), read in bulk (an export)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.feedback.models import LabelledExample
from storage.rows import insert_object


class FeedbackRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, example: LabelledExample) -> LabelledExample:
        await insert_object(self.session, example)
        return example

    async def examples(self, since: datetime | None = None) -> Sequence[LabelledExample]:
        """Every labelled example (or those since `since`), oldest first."""
        query = select(LabelledExample).order_by(LabelledExample.id)
        if since is not None:
            query = query.where(LabelledExample.created_at >= since)
        return (await self.session.scalars(query)).all()
