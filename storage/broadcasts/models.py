"""Broadcasts' own tables: notices, their schedules, templates, outages and the tip history.

A `Broadcast` is one message to the owner groups of one community (a request aimed at every
community makes one per community, tied by `batch_id`). It fans out through the outbox, one
row per target chat with `dedupe_key = "bc:{broadcast id}:{chat id}"`, so the outbox rows are
the delivery report. A `BroadcastSchedule` produces broadcasts: recurring (cron, in the
community's time zone) or the weekly safety tip. Times are UTC, as everywhere.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base


class Broadcast(Base):
    """One notice to one community's owner groups.

    status: draft (previewed, awaiting confirmation) → scheduled (due at `send_at`) or
    paused → sending (fan-out under way) → sent; or cancelled / skipped (missed by more than
    the grace period). `buildings` empty means every owner group of the community.
    """

    __tablename__ = "broadcasts"
    __table_args__ = (Index("ix_broadcasts_status_send_at", "status", "send_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # notice|outage|reminder|restored|tip
    status: Mapped[str] = mapped_column(String(16))
    buildings: Mapped[list[str]] = mapped_column(JSON, default=list)
    body: Mapped[str] = mapped_column(Text, default="")  # the text, or the template's body
    template: Mapped[str | None] = mapped_column(String(64))  # the template's name, if one was used
    text: Mapped[str] = mapped_column(Text, default="")  # the free text a template's {text} takes
    values: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    requested_at: Mapped[datetime | None]  # the time asked for (None: at once)
    send_at: Mapped[datetime | None]  # when it is due, after quiet hours
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(64))
    decided_at: Mapped[datetime | None]
    fanned_out_at: Mapped[datetime | None]
    target_count: Mapped[int] = mapped_column(Integer, default=0)
    batch_id: Mapped[int | None] = mapped_column(Integer)
    schedule_id: Mapped[int | None] = mapped_column(ForeignKey("broadcast_schedules.id"), index=True)
    outage_id: Mapped[int | None] = mapped_column(ForeignKey("outages.id"), index=True)
    run_key: Mapped[str | None] = mapped_column(String(120), unique=True)


class BroadcastSchedule(Base):
    """A recurring notice (kind `notice`, a 5-field cron in `timezone`) or a community's weekly
    safety tip (kind `tips`). `last_run_at` is the fire time of the last run handled (sent or
    skipped); runs are due strictly after it.

    status: draft → active ⇄ paused; deleted. A community has one `tips` schedule, which the
    database holds to (two processes starting together create it once).
    """

    __tablename__ = "broadcast_schedules"
    __table_args__ = (
        Index(
            "uq_broadcast_schedules_tips",
            "community_id",
            unique=True,
            sqlite_where=text("kind = 'tips'"),
            postgresql_where=text("kind = 'tips'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # notice|tips
    status: Mapped[str] = mapped_column(String(16))
    cron: Mapped[str] = mapped_column(String(64))
    timezone: Mapped[str] = mapped_column(String(64))
    buildings: Mapped[list[str]] = mapped_column(JSON, default=list)
    body: Mapped[str] = mapped_column(Text, default="")
    template: Mapped[str | None] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text, default="")
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(64))
    last_run_at: Mapped[datetime]
    batch_id: Mapped[int | None] = mapped_column(Integer)


class BroadcastTemplate(Base):
    """A saved notice template; its variables were checked when it was saved. A supervisor's
    belongs to their community (`community_id`); an operator's (None) is shared by all, and a
    community's own template of the same name comes first."""

    __tablename__ = "broadcast_templates"
    __table_args__ = (UniqueConstraint("community_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int | None] = mapped_column(ForeignKey("communities.id"))
    name: Mapped[str] = mapped_column(String(64))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(64))


class Outage(Base):
    """A planned (or urgent) water, power or gas outage in some buildings of a community.

    status: draft → announced → restored; or cancelled.
    """

    __tablename__ = "outages"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    utility: Mapped[str] = mapped_column(String(16))  # water|power|gas
    status: Mapped[str] = mapped_column(String(16))
    buildings: Mapped[list[str]] = mapped_column(JSON, default=list)
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    reason: Mapped[str] = mapped_column(Text, default="")
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(64))
    restored_at: Mapped[datetime | None]


class TipDelivery(Base):
    """Which safety tip an owner group got, and on which (local) day: the no-repeat memory."""

    __tablename__ = "tip_deliveries"
    __table_args__ = (UniqueConstraint("chat_id", "broadcast_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    chat_id: Mapped[int] = mapped_column(ForeignKey("chats.id"), index=True)
    broadcast_id: Mapped[int] = mapped_column(ForeignKey("broadcasts.id"))
    tip_id: Mapped[str] = mapped_column(String(32))
    sent_on: Mapped[date] = mapped_column(Date)
