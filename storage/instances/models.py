"""The processes delivering the outbox, and the health check's write probe.

Each running Steward process registers an `Instance` when its outbox sender starts and
writes its heartbeat every few seconds. A lease on an outbox row (`outbox.claimed_by`) is
only as good as its holder: once the holder's heartbeat is stale, or it stopped, any other
sender takes the row over (docs/RELIABILITY.md, "Leases and instances").
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base


class Instance(Base):
    """One process's outbox sender: who it is, and whether it is still alive."""

    __tablename__ = "instances"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    host: Mapped[str] = mapped_column(String(255))
    pid: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime]
    heartbeat_at: Mapped[datetime]
    stopped_at: Mapped[datetime | None]


class HealthProbe(Base):
    """One row per instance, upserted by `/healthz`'s database check: a real write, so a
    full disk, a read-only file or a held lock shows up as the write failing."""

    __tablename__ = "health_probe"

    instance_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    probed_at: Mapped[datetime]
