"""The inbox: every update from a platform, stored before the platform is answered."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base

PENDING = "pending"  # stored, not handled yet (due at `next_attempt_at`)
DONE = "done"  # handled: marked in the handler's own transaction
FAILED = "failed"  # parked as a dead letter after too many failures (`steward inbox retry`)


class InboxUpdate(Base):
    """One update as it arrived, written in a short transaction of its own before the platform
    is acknowledged, and handled from here.

    `next_attempt_at` is when a worker may take the row: a stored row is reserved for a while
    for the process that stored it (it handles it at once), a row being handled carries its
    lease there, and a failed one the time of its retry. `attempts` counts every failed try
    (the back-off), `failures` only those the handling itself caused (a database that is
    unreachable is not the update's fault): `failures` reaching the limit parks the row.
    `(platform, delivery_key)` is unique, so a platform's redelivery is stored once.
    """

    __tablename__ = "inbox"
    __table_args__ = (
        UniqueConstraint("platform", "delivery_key"),
        Index("ix_inbox_chat_queue", "status", "platform", "platform_chat_id", "id"),
        Index("ix_inbox_status_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    platform_chat_id: Mapped[str] = mapped_column(String(128))
    delivery_key: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(16))
    payload: Mapped[str] = mapped_column(Text)  # `Incoming.to_json()`
    status: Mapped[str] = mapped_column(String(16), default=PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime]
    received_at: Mapped[datetime]
    handled_at: Mapped[datetime | None]
    error: Mapped[str | None] = mapped_column(Text)
