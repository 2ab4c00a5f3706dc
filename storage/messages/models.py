"""Every message seen (the message log) and every delivery handled (for de-duplication)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base


class MessageLog(Base):
    """Every message seen in a chat, with what the classifier made of it (for opinion work)."""

    __tablename__ = "message_log"
    __table_args__ = (
        Index("ix_message_log_community_time", "community_id", "sent_at"),
        # The web console's ticket page lists a ticket's messages.
        Index("ix_message_log_ticket", "ticket_id"),
    )

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


class ProcessedDelivery(Base):
    """Deliveries already handled, so a platform's retry of the same update is dropped."""

    __tablename__ = "processed_deliveries"
    __table_args__ = (UniqueConstraint("platform", "delivery_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    delivery_key: Mapped[str] = mapped_column(String(300))
    at: Mapped[datetime]
