"""Public-opinion (舆情) tables: alerts, the messages folded into them, and staff feedback.

An alert is raised once per matter: later messages about the same matter are linked to it
(`OpinionAlertMessage`) instead of raising another. The feedback rows keep which rules fired
on an alert a supervisor called 「误报」, so the rules can be tuned from real cases.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base


class OpinionAlert(Base):
    """One alert to the supervisors: a risky message, a group complaint or a spike.

    `kind`: message | group | spike. `tier`: 2 (supervisor within 48 h) or 3 (management at
    once). `state`: open | followed | false_positive. `topics` are category codes; `members`
    the owners involved; `reasons` the rules or the detection that raised it.
    """

    __tablename__ = "opinion_alerts"
    __table_args__ = (Index("ix_opinion_alerts_community_first", "community_id", "first_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"))
    kind: Mapped[str] = mapped_column(String(16))
    tier: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(16), default="open")
    topic: Mapped[str | None] = mapped_column(String(32))
    topics: Mapped[list[str]] = mapped_column(JSON, default=list)
    members: Mapped[list[int]] = mapped_column(JSON, default=list)
    chat_id: Mapped[int | None] = mapped_column(ForeignKey("chats.id"))
    message_log_id: Mapped[int | None] = mapped_column(ForeignKey("message_log.id"))
    rules: Mapped[list[str]] = mapped_column(JSON, default=list)
    reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    first_at: Mapped[datetime]
    last_at: Mapped[datetime]
    created_at: Mapped[datetime]
    folded: Mapped[int] = mapped_column(Integer, default=0)
    handled_by: Mapped[str | None] = mapped_column(String(64))
    handled_at: Mapped[datetime | None]
    # The follow-up timer (issue 21, item 4): reminded the supervisors, escalated to the manager.
    reminded_at: Mapped[datetime | None]
    escalated_at: Mapped[datetime | None]


class OpinionAlertMessage(Base):
    """A logged message that belongs to an alert (the first one and every folded repeat)."""

    __tablename__ = "opinion_alert_messages"
    __table_args__ = (UniqueConstraint("alert_id", "message_log_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("opinion_alerts.id"), index=True)
    message_log_id: Mapped[int] = mapped_column(ForeignKey("message_log.id"), index=True)
    at: Mapped[datetime]


class OpinionFeedback(Base):
    """A staff verdict on an alert (「已跟进」 or 「误报」), kept for rule tuning and export."""

    __tablename__ = "opinion_feedback"

    id: Mapped[int] = mapped_column(primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("opinion_alerts.id"), index=True)
    message_log_id: Mapped[int | None] = mapped_column(ForeignKey("message_log.id"))
    verdict: Mapped[str] = mapped_column(String(16))  # followed | false_positive
    kind: Mapped[str] = mapped_column(String(16))
    tier: Mapped[int] = mapped_column(Integer)
    rules: Mapped[list[str]] = mapped_column(JSON, default=list)
    reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    actor: Mapped[str] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime]


class OpinionCrisis(Base):
    """A tier-3 alert's crisis record: who speaks for the company (统一口径), the public
    reply drafted from the template (核实 → 回应), and whether a manager confirmed it sent.

    `reply_state`: none | drafted | sent. The timeline is `OpinionCrisisEvent`."""

    __tablename__ = "opinion_crises"

    id: Mapped[int] = mapped_column(primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("opinion_alerts.id"), unique=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    created_at: Mapped[datetime]
    spokesperson: Mapped[str | None] = mapped_column(String(64))
    reply: Mapped[str | None] = mapped_column(Text)
    reply_state: Mapped[str] = mapped_column(String(16), default="none")
    confirmed_by: Mapped[str | None] = mapped_column(String(64))
    sent_at: Mapped[datetime | None]


class OpinionCrisisEvent(Base):
    """One line of a crisis's timeline: the alert, follow-ups, folded replies, the
    spokesperson, the draft and its confirmation."""

    __tablename__ = "opinion_crisis_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    crisis_id: Mapped[int] = mapped_column(ForeignKey("opinion_crises.id"), index=True)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32))
    note: Mapped[str | None] = mapped_column(Text)
