"""The stewards' triage: owners' messages the classifier was not sure of, kept for a digest
instead of becoming tickets, and the digests that listed them (`handlers/triage/`)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base


class TriageItem(Base):
    """One uncertain owner message waiting for a steward's 开单 or 忽略.

    Written once when intake keeps the message (one INSERT); listed by one digest
    (`digest_id`, `line`); decided once (`state` leaves "pending" by a conditional UPDATE).
    The text and the classifier's labels are the message log's (`message_id`)."""

    __tablename__ = "triage_items"
    # The digest job's question: this community's items not yet listed (digest_id IS NULL);
    # a press's: the items of one digest.
    __table_args__ = (Index("ix_triage_items_digest", "digest_id", "community_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"))
    chat_id: Mapped[int] = mapped_column(ForeignKey("chats.id"))
    message_id: Mapped[int] = mapped_column(ForeignKey("message_log.id"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    building: Mapped[str | None] = mapped_column(String(16))
    thread_id: Mapped[str | None] = mapped_column(String(128))  # the owner's forum topic, if any
    sent_at: Mapped[datetime]  # the owner's message time: a ticket opened from it keeps its SLA
    state: Mapped[str] = mapped_column(String(8), default="pending")  # pending|opened|joined|ignored
    digest_id: Mapped[int | None] = mapped_column(ForeignKey("triage_digests.id"))
    line: Mapped[int | None] = mapped_column(Integer)  # its number in the digest (1, 2, …)
    decided_at: Mapped[datetime | None]
    decided_by: Mapped[str | None] = mapped_column(String(64))  # "steward:3"
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"))


class TriageDigest(Base):
    """One scheduled digest of a community (`slot`: the local time it stands for, as UTC).

        A slot is claimed once (the unique constraint), whether or not there was anything to
        post; `rows` are the outbox rows of the digest in the stewards' groups (empty: nothing
        was posted), so a decision can rewrite it in place; `more`: the items over the digest's
    length, left for the next one (said on the digest)."""

    __tablename__ = "triage_digests"
    __table_args__ = (UniqueConstraint("community_id", "slot"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"))
    slot: Mapped[datetime]
    created_at: Mapped[datetime]
    rows: Mapped[list[int]] = mapped_column(JSON, default=list)
    more: Mapped[int] = mapped_column(Integer, default=0)  # items left for the next digest
