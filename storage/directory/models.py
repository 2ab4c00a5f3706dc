"""Who and where: communities, chats, the roster (stewards, supervisors, managers), members
and one-time bind codes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base


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
    # The platform refused the chat's push credential for good (WeCom 93000: the group robot's
    # webhook key is dead): since when (None again once repaired), its answer, and a
    # fingerprint of the last credential refused (kept: it is not used again).
    push_failed_at: Mapped[datetime | None]
    push_error: Mapped[str | None] = mapped_column(String(300))
    push_key: Mapped[str | None] = mapped_column(String(64))


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
