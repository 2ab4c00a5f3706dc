"""Tickets, their audit events and followers, and the counters that number them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    true,
)
from sqlalchemy import (
    text as sql_text,
)
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base


class Ticket(Base):
    __tablename__ = "tickets"
    __table_args__ = (
        Index("ix_tickets_status_due", "status", "resolve_due_at"),
        Index("ix_tickets_owner", "owner_member_id"),
        # Every owner report looks for an open incident about the same thing (intake).
        Index("ix_tickets_incident", "community_id", "category", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"))
    kind: Mapped[str] = mapped_column(String(16))  # repair|complaint|inquiry
    category: Mapped[str | None] = mapped_column(String(32))
    priority: Mapped[str] = mapped_column(String(16))  # urgent|normal
    status: Mapped[str] = mapped_column(String(16))
    building: Mapped[str | None] = mapped_column(String(16))
    unit: Mapped[str | None] = mapped_column(String(64))
    summary: Mapped[str] = mapped_column(Text)
    owner_member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    source_chat_id: Mapped[int | None] = mapped_column(ForeignKey("chats.id"))
    source_message_id: Mapped[str | None] = mapped_column(String(128))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("stewards.id"))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    respond_due_at: Mapped[datetime | None]
    resolve_due_at: Mapped[datetime | None]
    first_response_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    rating: Mapped[str | None] = mapped_column(String(16))
    # When the current SLA clock started (creation, or the last reopening).
    sla_started_at: Mapped[datetime | None]
    rating_requested_at: Mapped[datetime | None]
    # The one reminder to rate, a day before an unrated ticket closes (issue 21, item 5).
    rating_reminded_at: Mapped[datetime | None]
    # A problem other flats share (the lift, a water main, a public area): reports from other
    # flats merge into it. False: one flat's problem, which only that flat's reports join
    # (handlers/tickets/data/conversation.toml says which is which).
    shared: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    # The outbox rows of its cards in the stewards' groups (the first, and one per escalation),
    # so a line about the ticket finds its card by primary key; None for tickets opened before.
    card_rows: Mapped[list[int] | None] = mapped_column(JSON)
    # The on-site clock of an urgent ticket (its policy's `onsite`): when someone must be there,
    # and when the steward said they were (「已到场」).
    onsite_due_at: Mapped[datetime | None]
    arrived_at: Mapped[datetime | None]
    # Where it came from: None, an owner's report; "patrol", a steward's work order (/open,
    # 开单：…, 巡查发现…), which has no owner to tell or to ask for a rating; `opened_by_id` is
    # that steward.
    source: Mapped[str | None] = mapped_column(String(16))
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("stewards.id"))


class TicketFollower(Base):
    """Another owner reporting the same thing: merged into the ticket (an incident), told
    when it is resolved, and able to follow it with /my. `text` and `building` are what the
    stewards' card lists for them (masked there: the building only, phones and units hidden)."""

    __tablename__ = "ticket_followers"
    __table_args__ = (UniqueConstraint("ticket_id", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    chat_id: Mapped[int] = mapped_column(ForeignKey("chats.id"))
    source_message_id: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime]
    text: Mapped[str | None] = mapped_column(Text)
    building: Mapped[str | None] = mapped_column(String(16))


class TicketMedia(Base):
    """A photo of a ticket, as the platform keeps it: its file id (Telegram's file_id, WeCom's
    MediaId or the robot's URL), never the picture itself. `stage`: "report" (the owner's, with
    or after their report), "before" / "after" (a steward's, on site and when resolving)."""

    __tablename__ = "ticket_media"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    platform: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(16))  # photo
    stage: Mapped[str] = mapped_column(String(16))  # report|before|after
    file_id: Mapped[str] = mapped_column(Text)
    unique_id: Mapped[str | None] = mapped_column(String(128))
    url: Mapped[str | None] = mapped_column(Text)
    chat_id: Mapped[int | None] = mapped_column(ForeignKey("chats.id"))
    message_id: Mapped[str | None] = mapped_column(String(128))
    actor: Mapped[str] = mapped_column(String(64))  # "member:12", "steward:3"
    caption: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]


# The SLA watch's events: one per ticket, level and SLA cycle (the note), settled by the
# database so two processes watching at once notify once (handlers/tickets/jobs.py).
SLA_ACTIONS = ("sla_reminder", "sla_breach", "sla_manager")
_SLA_WHERE = sql_text("action IN ('sla_reminder', 'sla_breach', 'sla_manager')")
# An urgent ticket's steward is asked for a progress note once per interval (the outbox's
# dedupe key settles it; the event records it).
PROMPT_ACTION = "progress_prompt"


class TicketEvent(Base):
    """The append-only audit trail of a ticket: who did what, when, from which state to which."""

    __tablename__ = "ticket_events"
    __table_args__ = (
        Index(
            "uq_ticket_events_sla",
            "ticket_id",
            "action",
            "note",
            unique=True,
            sqlite_where=_SLA_WHERE,
            postgresql_where=_SLA_WHERE,
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(64))  # "member:12", "steward:3", "system"
    action: Mapped[str] = mapped_column(String(32))
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str | None] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)


class Counter(Base):
    """Named counters for human-friendly numbers (BX-20261122-0007)."""

    __tablename__ = "counters"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[int] = mapped_column(Integer)


class TicketCallback(Base):
    """A 回访 call owed on a ticket its owner did not rate (issue 21, item 5): put on the
    stewards' list when the ticket closes unrated, settled by a steward's call.

    `outcome`: None while due; reached | not_reached | refused once called (not_reached stays
    on the list, `attempts` counts the calls); `rating` the one given by phone, if any."""

    __tablename__ = "ticket_callbacks"
    __table_args__ = (Index("ix_ticket_callbacks_due", "community_id", "done_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), unique=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"))
    due_at: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    outcome: Mapped[str | None] = mapped_column(String(16))
    rating: Mapped[str | None] = mapped_column(String(16))
    called_by: Mapped[str | None] = mapped_column(String(64))  # "steward:3"
    called_at: Mapped[datetime | None]
    done_at: Mapped[datetime | None]  # reached or refused: off the list
