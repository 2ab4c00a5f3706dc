"""Owners' voices that are not repairs (issue 21, item 6): suggestions (建议) kept for the
monthly meeting and answered when decided, and praise of a named steward, credited to them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base


class Suggestion(Base):
    """An owner's suggestion. `state`: open | adopted | declined | noted; `answer` is what
    the decision said, posted to the owner group it came from."""

    __tablename__ = "suggestions"
    __table_args__ = (Index("ix_suggestions_community_created", "community_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"))
    chat_id: Mapped[int] = mapped_column(ForeignKey("chats.id"))
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    message_log_id: Mapped[int | None] = mapped_column(ForeignKey("message_log.id"))
    source_message_id: Mapped[str | None] = mapped_column(String(128))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]
    state: Mapped[str] = mapped_column(String(16), default="open")
    answer: Mapped[str | None] = mapped_column(Text)
    answered_by: Mapped[str | None] = mapped_column(String(64))
    answered_at: Mapped[datetime | None]


class Praise(Base):
    """An owner's thanks to a named member of staff, counted in the figures: `named` is the
    name as written (王管家, 陈师傅), `steward_id` the roster entry it was matched to (None
    when nobody on the roster carries that name)."""

    __tablename__ = "praises"
    __table_args__ = (Index("ix_praises_community_created", "community_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"))
    steward_id: Mapped[int | None] = mapped_column(ForeignKey("stewards.id"), index=True)
    named: Mapped[str] = mapped_column(String(32))
    chat_id: Mapped[int] = mapped_column(ForeignKey("chats.id"))
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    message_log_id: Mapped[int | None] = mapped_column(ForeignKey("message_log.id"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]
