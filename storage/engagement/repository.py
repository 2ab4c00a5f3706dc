"""Polls and votes: plain statements (a vote is one owner's press, never the hot path)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.engagement.models import Poll, PollVote
from storage.rows import insert_new, table_of

_VOTES = table_of(PollVote)


class EngagementRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # -- polls ---------------------------------------------------------------------------------
    async def add_poll(self, poll: Poll) -> Poll:
        self.session.add(poll)
        await self.session.flush()
        return poll

    async def poll(self, poll_id: int) -> Poll | None:
        return await self.session.get(Poll, poll_id)

    async def due_polls(self, now: datetime) -> Sequence[int]:
        """The ids of open polls whose close has come."""
        query = select(Poll.id).where(Poll.closed_at.is_(None), Poll.closes_at <= now).order_by(Poll.id)
        return list(await self.session.scalars(query))

    async def close_poll(self, poll: Poll, now: datetime) -> bool:
        """Close a poll once: False if it was closed already (by another run, or early)."""
        result = await self.session.execute(
            update(Poll)
            .where(Poll.id == poll.id, Poll.closed_at.is_(None))
            .values(closed_at=now)
            .execution_options(synchronize_session=False)
        )
        await self.session.refresh(poll)
        return bool(getattr(result, "rowcount", 0))

    async def vote(
        self, poll_id: int, member_id: int, option: int, building: str | None, now: datetime
    ) -> int | None:
        """Record a member's vote, or change it; returns the option voted before (None: the
        first vote). One row per member and poll (the unique constraint settles two presses
        at once: the second finds the first's row and changes it)."""
        values = {
            "poll_id": poll_id,
            "member_id": member_id,
            "option": option,
            "building": building,
            "voted_at": now,
            "changes": 0,
        }
        if await insert_new(self.session, _VOTES, values):
            return None
        before = await self.session.scalar(
            select(PollVote.option)
            .where(PollVote.poll_id == poll_id, PollVote.member_id == member_id)
            .with_for_update()
        )
        if before != option:
            await self.session.execute(
                update(PollVote)
                .where(PollVote.poll_id == poll_id, PollVote.member_id == member_id)
                .values(option=option, building=building, voted_at=now, changes=PollVote.changes + 1)
                .execution_options(synchronize_session=False)
            )
        return before

    async def poll_counts(self, poll_id: int) -> list[tuple[str | None, int, int]]:
        """(building, option, votes) for every building and option that has a vote."""
        query = (
            select(PollVote.building, PollVote.option, func.count())
            .where(PollVote.poll_id == poll_id)
            .group_by(PollVote.building, PollVote.option)
        )
        return [(b, int(o), int(n)) for b, o, n in (await self.session.execute(query)).all()]
