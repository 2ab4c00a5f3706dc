"""The web console's sign-ins: single-use links (the nonce of each signed link, and when it
was used) and the sessions they open (only a hash of the session's cookie is stored)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base


class ConsoleLink(Base):
    """A link minted by `/console` or `steward admin console-link`: the signed token carries
    `nonce`; opening it sets `used_at` once (a second opening finds it set and is refused)."""

    __tablename__ = "console_links"

    nonce: Mapped[str] = mapped_column(String(64), primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class ConsoleSession(Base):
    """A signed-in person: the cookie's SHA-256 (`token_hash`), who (platform and user id: the
    role and communities are read from the roster at every request), until when, and when it
    was ended by logging out."""

    __tablename__ = "console_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    platform: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
