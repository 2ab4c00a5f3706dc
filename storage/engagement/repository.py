"""Polls and votes, activities and sign-ups: plain statements (a vote or a sign-up is one
owner's press, never the hot path)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.directory.models import Chat, Member
from storage.engagement.models import Activity, ActivityBoard, ActivitySignup, Poll, PollVote
from storage.outbox.models import OutboxMessage
from storage.rows import insert_new, table_of

_VOTES = table_of(PollVote)


class EngagementRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def private_chat(self, platform: str, user_id: str) -> Chat | None:
        """The person's private chat with Steward, if they ever opened one (on the platforms
        we serve, a private chat's id is the person's user id)."""
        return await self.session.scalar(
            select(Chat).where(
                Chat.platform == platform, Chat.platform_chat_id == user_id, Chat.role == "private"
            )
        )

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

    # -- activities ----------------------------------------------------------------------------
    async def add_activity(self, activity: Activity) -> Activity:
        self.session.add(activity)
        await self.session.flush()
        return activity

    async def activity(self, activity_id: int) -> Activity | None:
        return await self.session.get(Activity, activity_id)

    async def open_activities(self, community_id: int, now: datetime) -> Sequence[Activity]:
        """The community's activities not cancelled whose day has not passed (sign-ups open)."""
        query = (
            select(Activity)
            .where(
                Activity.community_id == community_id,
                Activity.cancelled_at.is_(None),
                Activity.starts_at > now,
            )
            .order_by(Activity.starts_at, Activity.id)
        )
        return list(await self.session.scalars(query))

    async def activities_to_remind(self, before: datetime, now: datetime) -> Sequence[Activity]:
        """Activities starting before `before` and after now, not reminded, not cancelled."""
        query = select(Activity).where(
            Activity.cancelled_at.is_(None),
            Activity.reminded_at.is_(None),
            Activity.starts_at > now,
            Activity.starts_at <= before,
        )
        return list(await self.session.scalars(query.order_by(Activity.id)))

    async def activities_for_feedback(self, started_before: datetime) -> Sequence[Activity]:
        query = select(Activity).where(
            Activity.cancelled_at.is_(None),
            Activity.feedback_at.is_(None),
            Activity.starts_at <= started_before,
        )
        return list(await self.session.scalars(query.order_by(Activity.id)))

    async def mark_activity(self, activity: Activity, column: str, now: datetime) -> bool:
        """Set `reminded_at` or `feedback_at` once: False if another run did."""
        field = getattr(Activity, column)
        result = await self.session.execute(
            update(Activity)
            .where(Activity.id == activity.id, field.is_(None))
            .values({column: now})
            .execution_options(synchronize_session=False)
        )
        await self.session.refresh(activity)
        return bool(getattr(result, "rowcount", 0))

    async def signup(self, activity_id: int, member_id: int) -> ActivitySignup | None:
        return await self.session.scalar(
            select(ActivitySignup).where(
                ActivitySignup.activity_id == activity_id, ActivitySignup.member_id == member_id
            )
        )

    async def add_signup(self, signup: ActivitySignup) -> ActivitySignup:
        self.session.add(signup)
        await self.session.flush()
        return signup

    async def signups(self, activity_id: int) -> list[tuple[ActivitySignup, Member]]:
        """Every sign-up of an activity with its owner, joined then waiting, each in order."""
        query = (
            select(ActivitySignup, Member)
            .join(Member, Member.id == ActivitySignup.member_id)
            .where(ActivitySignup.activity_id == activity_id)
            .order_by(ActivitySignup.signed_at, ActivitySignup.id)
        )
        return [(s, m) for s, m in (await self.session.execute(query)).all()]

    async def taken(self, activity_id: int) -> int:
        """People signed up (not waiting)."""
        total = await self.session.scalar(
            select(func.coalesce(func.sum(ActivitySignup.people), 0)).where(
                ActivitySignup.activity_id == activity_id, ActivitySignup.state == "joined"
            )
        )
        return int(total or 0)

    async def boards(self, activity_id: int) -> Sequence[ActivityBoard]:
        query = (
            select(ActivityBoard).where(ActivityBoard.activity_id == activity_id).order_by(ActivityBoard.id)
        )
        return list(await self.session.scalars(query))

    async def add_board(self, board: ActivityBoard) -> ActivityBoard:
        self.session.add(board)
        await self.session.flush()
        return board

    async def dirty_boards(self) -> Sequence[int]:
        """The activities with a summary waiting to be brought up to date."""
        query = select(ActivityBoard.activity_id).where(ActivityBoard.dirty.is_(True)).distinct()
        return sorted(await self.session.scalars(query))

    async def message_of(self, outbox_id: int) -> tuple[str, str | None] | None:
        """The status of the outbox row that carries a summary, and its platform message id."""
        row = (
            await self.session.execute(
                select(OutboxMessage.status, OutboxMessage.platform_message_id).where(
                    OutboxMessage.id == outbox_id
                )
            )
        ).first()
        return (str(row[0]), row[1]) if row is not None else None
