"""Owners' voice and community life (`handlers/engagement/`): polls and their votes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base


class Poll(Base):
    """A supervisor's question to a community's owner groups, open until `closes_at`.

    `closed_at` is set once, by a conditional UPDATE, by the job that posts the result (or a
    supervisor's early close), so the result is posted once."""

    __tablename__ = "polls"
    # The close job's question: the polls still open whose time has come.
    __table_args__ = (Index("ix_polls_open", "closed_at", "closes_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"))
    question: Mapped[str] = mapped_column(String(200))
    options: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_by: Mapped[str] = mapped_column(String(64))  # the actor label, "steward:4"
    created_at: Mapped[datetime]
    closes_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]


class PollVote(Base):
    """One owner's (member's) vote on a poll: one row per member, changed in place until the
    close. `building` is where the owner lives as far as Steward knows (their unit, else a
    single-building group), for staff's per-building counts; owners never see who voted."""

    __tablename__ = "poll_votes"
    __table_args__ = (UniqueConstraint("poll_id", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    poll_id: Mapped[int] = mapped_column(ForeignKey("polls.id"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    option: Mapped[int] = mapped_column(Integer)  # index into `Poll.options`
    building: Mapped[str | None] = mapped_column(String(16))
    voted_at: Mapped[datetime]
    changes: Mapped[int] = mapped_column(Integer, default=0)  # how often the owner changed it
