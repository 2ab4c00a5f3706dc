"""Suggestions and praise: one INSERT when an owner speaks, plain queries for the lists, the
digest and the figures (all rare next to the owner-message hot path)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.rows import insert_object
from storage.voices.models import Praise, Suggestion


class VoiceRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add_suggestion(self, suggestion: Suggestion) -> Suggestion:
        self.session.add(suggestion)
        await self.session.flush()
        return suggestion

    async def suggestion(self, suggestion_id: int) -> Suggestion | None:
        return await self.session.get(Suggestion, suggestion_id)

    async def suggestions(
        self, community_id: int, *, states: Sequence[str] | None = None, limit: int = 30
    ) -> Sequence[Suggestion]:
        """A community's suggestions, oldest first (in `states` if given)."""
        query = select(Suggestion).where(Suggestion.community_id == community_id)
        if states is not None:
            query = query.where(Suggestion.state.in_(list(states)))
        return (await self.session.scalars(query.order_by(Suggestion.id).limit(limit))).all()

    async def suggestions_between(
        self, community_id: int, since: datetime, until: datetime
    ) -> Sequence[Suggestion]:
        return (
            await self.session.scalars(
                select(Suggestion)
                .where(
                    Suggestion.community_id == community_id,
                    Suggestion.created_at >= since,
                    Suggestion.created_at < until,
                )
                .order_by(Suggestion.id)
            )
        ).all()

    async def add_praise(self, praise: Praise) -> None:
        await insert_object(self.session, praise, want_id=False)

    async def praised_since(self, community_id: int, member_id: int, named: str, since: datetime) -> bool:
        """Whether this owner thanked this person already since `since` (one credit a day)."""
        found = await self.session.scalar(
            select(Praise.id)
            .where(
                Praise.community_id == community_id,
                Praise.member_id == member_id,
                Praise.named == named,
                Praise.created_at >= since,
            )
            .limit(1)
        )
        return found is not None

    async def praise_counts(
        self, community_id: int, since: datetime, until: datetime
    ) -> list[tuple[str, int]]:
        """Praise in the window by the name credited (the roster's name where matched),
        most first."""
        rows = await self.session.execute(
            select(Praise.named, func.count())
            .where(
                Praise.community_id == community_id,
                Praise.created_at >= since,
                Praise.created_at < until,
            )
            .group_by(Praise.named)
            .order_by(func.count().desc(), Praise.named)
        )
        return [(str(name), int(n)) for name, n in rows]

    async def praise_by_steward(self, community_id: int, since: datetime, until: datetime) -> dict[int, int]:
        """Praise in the window credited to a roster entry, by steward id (per-steward figures)."""
        rows = await self.session.execute(
            select(Praise.steward_id, func.count())
            .where(
                Praise.community_id == community_id,
                Praise.steward_id.is_not(None),
                Praise.created_at >= since,
                Praise.created_at < until,
            )
            .group_by(Praise.steward_id)
        )
        return {int(steward_id): int(n) for steward_id, n in rows if steward_id is not None}
