"""The rectification ledger (隐患整改台账): a hazard a steward found on patrol, the ticket
that fixes it, its deadline, who answers for it, its photos before and after, and whether it
is closed (`handlers/tickets/hazards.py`)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base

OPEN = "open"
DONE = "done"
CANCELLED = "cancelled"


class Hazard(Base):
    """One line of the ledger: one per ticket. Closed once (`status` leaves "open" by a
    conditional UPDATE); escalated once when overdue (`escalated_at`, likewise)."""

    __tablename__ = "hazards"
    # The overdue watch's question (open ones past their deadline) and /hazards' (a
    # community's open ones).
    __table_args__ = (
        Index("ix_hazards_status_due", "status", "due_at"),
        Index("ix_hazards_community_status", "community_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"))
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), unique=True)
    category: Mapped[str] = mapped_column(String(32))  # the hazard class (a ticket category)
    status: Mapped[str] = mapped_column(String(16))  # open | done | cancelled
    created_at: Mapped[datetime]
    due_at: Mapped[datetime]  # the rectification deadline
    # Who answers for it (the ticket's assignee when it opened; None: nobody was on duty).
    responsible_id: Mapped[int | None] = mapped_column(ForeignKey("stewards.id"))
    found_by_id: Mapped[int | None] = mapped_column(ForeignKey("stewards.id"))
    # Media references (a platform file id or a file under the data directory), never blobs.
    photo_before: Mapped[str | None] = mapped_column(String(512))
    photo_after: Mapped[str | None] = mapped_column(String(512))
    closed_at: Mapped[datetime | None]
    closed_by: Mapped[str | None] = mapped_column(String(64))  # "steward:3", "system"
    note: Mapped[str | None] = mapped_column(Text)
    escalated_at: Mapped[datetime | None]  # when the supervisors were told it is overdue
