"""Owners' voice and community life (`handlers/engagement/`): polls and their votes,
activities, their sign-ups and sign-up summaries; fee accounts and reminders; the care list
and its safety check-ins; satisfaction surveys and their answers."""

from __future__ import annotations

from datetime import date, datetime

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


class Activity(Base):
    """A community activity owners sign up for (「中秋游园 9月28日 限50人」).

    `capacity` None: no limit. `reminded_at` / `feedback_at`: the day-before reminder and the
    request for a rating after it, each sent once (set by a conditional UPDATE)."""

    __tablename__ = "activities"
    __table_args__ = (Index("ix_activities_community", "community_id", "starts_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"))
    title: Mapped[str] = mapped_column(String(100))
    starts_at: Mapped[datetime]
    timed: Mapped[bool] = mapped_column(default=False)  # a time was given (else the whole day)
    capacity: Mapped[int | None] = mapped_column(Integer)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    cancelled_at: Mapped[datetime | None]
    reminded_at: Mapped[datetime | None]
    feedback_at: Mapped[datetime | None]


class ActivitySignup(Base):
    """One owner's sign-up for `people` people: "joined", "waiting" (the waiting list, in id
    order) or "cancelled". One row per owner and activity, changed in place; `rating` is the
    owner's 1-5 feedback after it."""

    __tablename__ = "activity_signups"
    __table_args__ = (UniqueConstraint("activity_id", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    chat_id: Mapped[int] = mapped_column(ForeignKey("chats.id"))  # where the owner signed up
    people: Mapped[int] = mapped_column(Integer, default=1)
    state: Mapped[str] = mapped_column(String(12))  # joined|waiting|cancelled
    building: Mapped[str | None] = mapped_column(String(16))
    signed_at: Mapped[datetime]  # the place in the waiting list: the latest (re)sign-up
    rating: Mapped[int | None] = mapped_column(Integer)


class ActivityBoard(Base):
    """The sign-up summary of an activity in one owner group (接龙 without one reply per
    owner): `outbox_id` is the summary's message, edited in place where the platform can,
    else posted again at most once per throttle; `dirty` since a sign-up changed it."""

    __tablename__ = "activity_boards"
    __table_args__ = (UniqueConstraint("activity_id", "chat_id"), Index("ix_activity_boards_dirty", "dirty"))

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id"))
    chat_id: Mapped[int] = mapped_column(ForeignKey("chats.id"))
    outbox_id: Mapped[int | None] = mapped_column(Integer)
    posted_at: Mapped[datetime | None]
    dirty: Mapped[bool] = mapped_column(default=False)


class FeeAccount(Base):
    """A unit's property fees as the billing system last reported them (`steward fees
    import`): one row per community and unit, replaced by each import. Amounts are in cents
    and are personal data: shown to the owner privately, to staff only in a private chat."""

    __tablename__ = "fee_accounts"
    __table_args__ = (UniqueConstraint("community_id", "unit"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"))
    unit: Mapped[str] = mapped_column(String(64))  # canonical, "3-2-1302"
    building: Mapped[str] = mapped_column(String(16))
    account: Mapped[str | None] = mapped_column(String(160))  # the owner's "platform:user id"
    amount_due: Mapped[int] = mapped_column(Integer)  # cents
    months_overdue: Mapped[int] = mapped_column(Integer)
    due_date: Mapped[date | None]  # the next period's due date, when the billing system gives it
    imported_at: Mapped[datetime]


class FeeReminder(Base):
    """One reminder of a unit's fees, recorded once per kind and period: "friendly" (a week
    before the period), "formal" (1-3 months overdue, monthly) or "case" (beyond 3 months:
    listed for staff). `via` says how: "private" (the owner's private chat, `platform` /
    `user_id`) or "staff" (no private chat known: listed for the stewards instead). The
    owner's answer (「已缴」 paid / 「有异议」 dispute) is kept and passed to a steward."""

    __tablename__ = "fee_reminders"
    __table_args__ = (
        UniqueConstraint("account_id", "kind", "period", "user_id"),
        Index("ix_fee_reminders_user", "platform", "user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("fee_accounts.id"))
    kind: Mapped[str] = mapped_column(String(12))  # friendly|formal|case
    period: Mapped[str] = mapped_column(String(16))  # "2026-12-01" (a due date) or "2026-12" (a month)
    via: Mapped[str] = mapped_column(String(12))  # private|staff
    platform: Mapped[str] = mapped_column(String(16), default="")
    user_id: Mapped[str] = mapped_column(String(128), default="")  # "" for the staff list
    amount_due: Mapped[int] = mapped_column(Integer)  # cents, as reminded
    months_overdue: Mapped[int] = mapped_column(Integer)
    sent_at: Mapped[datetime]
    answer: Mapped[str | None] = mapped_column(String(12))  # paid|dispute
    answered_at: Mapped[datetime | None]


class CareEntry(Base):
    """A household on a community's private care list (独居老人, 孕妇, 残障人士, …), kept by
    stewards. The unit is personal data: staff chats see it masked."""

    __tablename__ = "care_entries"
    __table_args__ = (Index("ix_care_entries_community", "community_id", "removed_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"))
    unit: Mapped[str] = mapped_column(String(64))
    building: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(32))
    note: Mapped[str] = mapped_column(String(200), default="")
    added_by: Mapped[str] = mapped_column(String(64))
    added_at: Mapped[datetime]
    removed_at: Mapped[datetime | None]


class CareCheck(Base):
    """A safety check-in of the care list before a warning goes out (「先确认安全」): one line
    per household, escalated to the supervisors once at `escalate_at` if any is not reached."""

    __tablename__ = "care_checks"
    __table_args__ = (Index("ix_care_checks_due", "escalated_at", "escalate_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"))
    reason: Mapped[str] = mapped_column(String(200))
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    escalate_at: Mapped[datetime]
    escalated_at: Mapped[datetime | None]


class CareCheckLine(Base):
    """One household of a check-in: "pending", "confirmed" (已确认) or "unreached" (未联系上)."""

    __tablename__ = "care_check_lines"
    __table_args__ = (UniqueConstraint("check_id", "entry_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    check_id: Mapped[int] = mapped_column(ForeignKey("care_checks.id"))
    entry_id: Mapped[int] = mapped_column(ForeignKey("care_entries.id"))
    line: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(12), default="pending")
    marked_by: Mapped[str | None] = mapped_column(String(64))
    marked_at: Mapped[datetime | None]


class Survey(Base):
    """A quarterly satisfaction survey of a community's owners, open until `closes_at`; the
    results go to staff once, when it closes (`closed_at`)."""

    __tablename__ = "surveys"
    __table_args__ = (Index("ix_surveys_open", "closed_at", "closes_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"))
    quarter: Mapped[str] = mapped_column(String(8))  # "2026-Q4"
    indicators: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    closes_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]


class SurveyAnswer(Base):
    """One owner's score (1-5) for one indicator: one row per owner and indicator, changed in
    place until the close; `unit` / `building` as known, for households and buildings."""

    __tablename__ = "survey_answers"
    __table_args__ = (UniqueConstraint("survey_id", "member_id", "indicator"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    indicator: Mapped[int] = mapped_column(Integer)
    score: Mapped[int] = mapped_column(Integer)
    unit: Mapped[str | None] = mapped_column(String(64))
    building: Mapped[str | None] = mapped_column(String(16))
    answered_at: Mapped[datetime]
