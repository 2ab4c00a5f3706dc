"""SQLAlchemy 2.x models. Times are stored in UTC; each community has a time zone for display.

Changing a model means adding an Alembic migration (`storage/migrations/versions/`).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on both SQLite (which has no time zones) and PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(),
        dict[str, Any]: JSON,
        list[str]: JSON,
    }


class Community(Base):
    __tablename__ = "communities"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    timezone: Mapped[str] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(16))
    buildings: Mapped[list[str]] = mapped_column(JSON, default=list)


class Chat(Base):
    """A group or private chat on a platform. `role` says what Steward does there."""

    __tablename__ = "chats"
    __table_args__ = (UniqueConstraint("platform", "platform_chat_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    platform_chat_id: Mapped[str] = mapped_column(String(128))
    community_id: Mapped[int | None] = mapped_column(ForeignKey("communities.id"))
    role: Mapped[str] = mapped_column(String(16))  # owners|stewards|supervisors|management|unbound|private
    title: Mapped[str] = mapped_column(String(200), default="")
    buildings: Mapped[list[str]] = mapped_column(JSON, default=list)
    webhook_key: Mapped[str | None] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    first_seen_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]


class Steward(Base):
    """A person on a community's roster: steward, supervisor or manager (from the config file)."""

    __tablename__ = "stewards"
    __table_args__ = (UniqueConstraint("community_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"))
    name: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16))  # steward|supervisor|manager
    buildings: Mapped[list[str]] = mapped_column(JSON, default=list)
    categories: Mapped[list[str]] = mapped_column(JSON, default=list)
    hours: Mapped[str] = mapped_column(String(16), default="00:00-24:00")
    days: Mapped[list[int]] = mapped_column(JSON, default=list)
    accounts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Member(Base):
    """A platform user seen in a chat. `unit` is personal data: never shown unmasked."""

    __tablename__ = "members"
    __table_args__ = (UniqueConstraint("platform", "platform_user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    platform_user_id: Mapped[str] = mapped_column(String(128))
    display_name: Mapped[str] = mapped_column(String(200), default="")
    community_id: Mapped[int | None] = mapped_column(ForeignKey("communities.id"))
    unit: Mapped[str | None] = mapped_column(String(64))
    steward_id: Mapped[int | None] = mapped_column(ForeignKey("stewards.id"))
    first_seen_at: Mapped[datetime]


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


class TicketFollower(Base):
    """Another owner reporting the same thing: merged into the ticket (an incident), told
    when it is resolved, and able to follow it with /my."""

    __tablename__ = "ticket_followers"
    __table_args__ = (UniqueConstraint("ticket_id", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    chat_id: Mapped[int] = mapped_column(ForeignKey("chats.id"))
    source_message_id: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime]


class BindCode(Base):
    """A one-time code an admin creates so a chat can join a community with `/bind CODE`."""

    __tablename__ = "bind_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"))
    role: Mapped[str] = mapped_column(String(16))
    buildings: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    used_by_chat_id: Mapped[int | None] = mapped_column(ForeignKey("chats.id"))


class TicketEvent(Base):
    """The append-only audit trail of a ticket: who did what, when, from which state to which."""

    __tablename__ = "ticket_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(64))  # "member:12", "steward:3", "system"
    action: Mapped[str] = mapped_column(String(32))
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str | None] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)


class MessageLog(Base):
    """Every message seen in a chat, with what the classifier made of it (for opinion work)."""

    __tablename__ = "message_log"
    __table_args__ = (Index("ix_message_log_community_time", "community_id", "sent_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    chat_id: Mapped[int] = mapped_column(ForeignKey("chats.id"))
    community_id: Mapped[int | None] = mapped_column(ForeignKey("communities.id"))
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    platform_message_id: Mapped[str] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    sent_at: Mapped[datetime]
    intent: Mapped[str | None] = mapped_column(String(16))
    category: Mapped[str | None] = mapped_column(String(32))
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    sentiment: Mapped[float] = mapped_column(Float, default=0.0)
    negative: Mapped[bool] = mapped_column(Boolean, default=False)
    risk: Mapped[int] = mapped_column(Integer, default=0)
    rules: Mapped[list[str]] = mapped_column(JSON, default=list)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"))


class OutboxMessage(Base):
    """A message to send, written in the same transaction as the change that caused it.

    `dedupe_key`, when set, makes an enqueue idempotent (an SLA escalation or a broadcast
    target is enqueued once however often the job that produces it runs).
    """

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_status_due", "status", "next_attempt_at"),
        Index("ix_outbox_chat_queue", "status", "platform", "platform_chat_id", "id"),
        Index("ix_outbox_platform_message", "platform", "platform_chat_id", "platform_message_id"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    platform_chat_id: Mapped[str] = mapped_column(String(128))
    chat_id: Mapped[int | None] = mapped_column(ForeignKey("chats.id"))
    payload: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending|sending|sent|failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime]
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    platform_message_id: Mapped[str | None] = mapped_column(String(128))
    error: Mapped[str | None] = mapped_column(Text)
    ref_type: Mapped[str | None] = mapped_column(String(32))
    ref_id: Mapped[int | None] = mapped_column(Integer)
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True)


class ProcessedDelivery(Base):
    """Deliveries already handled, so a platform's retry of the same update is dropped."""

    __tablename__ = "processed_deliveries"
    __table_args__ = (UniqueConstraint("platform", "delivery_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    delivery_key: Mapped[str] = mapped_column(String(300))
    at: Mapped[datetime]


class Counter(Base):
    """Named counters for human-friendly numbers (BX-20261122-0007)."""

    __tablename__ = "counters"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[int] = mapped_column(Integer)
