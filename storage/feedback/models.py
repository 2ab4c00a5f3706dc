"""Labelled examples: what the classifier said about a message and what a person corrected it
to (a steward's 改为报修 / 改为投诉 / 改为咨询 / 不是工单 on a ticket card), kept for the corpus
(`steward nlp feedback --export FILE`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base


class LabelledExample(Base):
    """One message with two sets of labels in the corpus's terms (docs/LABELLING.md):
    `predicted` is the classifier's (intent, category, urgent, negative, risk), `corrected`
    the person's. `text` is the message as written (personal data: masked on export)."""

    __tablename__ = "labelled_examples"
    __table_args__ = (Index("ix_labelled_examples_created", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int | None] = mapped_column(ForeignKey("communities.id"))
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"))
    text: Mapped[str] = mapped_column(Text)
    predicted: Mapped[dict[str, Any]] = mapped_column(JSON)
    corrected: Mapped[dict[str, Any]] = mapped_column(JSON)
    actor: Mapped[str] = mapped_column(String(64))  # "steward:3"
    source: Mapped[str] = mapped_column(String(16))  # "correction"
    created_at: Mapped[datetime]
