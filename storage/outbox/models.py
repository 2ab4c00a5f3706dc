"""The outbox: every message to a platform, written in the transaction that caused it."""

from __future__ import annotations

from datetime import datetime
from enum import IntEnum

from sqlalchemy import (
    BigInteger,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base


class Priority(IntEnum):
    """Which messages go first: lower is sooner (docs/RELIABILITY.md, "Priority").

    Within a chat the head of the queue is the row with the lowest (priority, turn, id);
    across chats the sender claims heads in (priority, id) order and keeps only a few bulk
    rows in flight, so a notice to 200 groups never stands in front of an urgent reply."""

    URGENT = 0  # urgent owner acknowledgements, urgent ticket cards, SLA escalations
    NORMAL = 1  # replies, cards, staff lines: everything not named here
    BULK = 2  # broadcasts, safety tips, digests, reports


class OutboxMessage(Base):
    """A message to send, written in the same transaction as the change that caused it.

    `dedupe_key`, when set, makes an enqueue idempotent (an SLA escalation or a broadcast
    target is enqueued once however often the job that produces it runs).

    Ordering: `priority` (see `Priority`), then `turn`, then `id`. `lane` names whom a reply
    answers (e.g. "member:12"); a lane's rows beyond a small share of a chat's queue get a
    later `turn`, so one member's flood of commands waits behind other members' replies.
    While `sending`, `next_attempt_at` is the lease's end and `claimed_by` the instance
    (`storage.instances`) holding it; `due_at` is when the row first became due.
    """

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_status_due", "status", "next_attempt_at"),
        Index("ix_outbox_chat_queue", "status", "platform", "platform_chat_id", "priority", "turn", "id"),
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
    priority: Mapped[int] = mapped_column(SmallInteger, default=Priority.NORMAL, server_default="1")
    turn: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    lane: Mapped[str | None] = mapped_column(String(64))
    claimed_by: Mapped[str | None] = mapped_column(String(32))
    due_at: Mapped[datetime | None]
