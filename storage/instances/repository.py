"""Instances (who delivers the outbox, and whether they are alive), the health probe, and the
totals /metrics reports from the database."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import lru_cache

from sqlalchemy import Insert, delete, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from storage.instances.models import HealthProbe, Instance
from storage.opinion.models import OpinionAlert
from storage.rows import dialect_of, table_of
from storage.tickets.models import Ticket


@lru_cache(maxsize=4)
def _probe(dialect: str) -> Insert:
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(table_of(HealthProbe))
    return statement.on_conflict_do_update(
        index_elements=["instance_id"], set_={"probed_at": statement.excluded.probed_at}
    )


class InstanceRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def register(self, instance_id: str, host: str, pid: int, now: datetime) -> None:
        self.session.add(
            Instance(
                id=instance_id, host=host[:255], pid=pid, started_at=now, heartbeat_at=now, stopped_at=None
            )
        )
        await self.session.flush()

    async def beat(self, instance_id: str, now: datetime) -> bool:
        """Record that `instance_id` is alive; False if it is unknown or was marked stopped
        (its leases may already have been taken over)."""
        result = await self.session.execute(
            update(Instance)
            .where(Instance.id == instance_id, Instance.stopped_at.is_(None))
            .values(heartbeat_at=now)
            .execution_options(synchronize_session=False)
        )
        return bool(getattr(result, "rowcount", 0))

    async def stop(self, instance_id: str, now: datetime) -> None:
        await self.session.execute(
            update(Instance)
            .where(Instance.id == instance_id, Instance.stopped_at.is_(None))
            .values(stopped_at=now)
            .execution_options(synchronize_session=False)
        )

    async def get(self, instance_id: str) -> Instance | None:
        return await self.session.get(Instance, instance_id)

    async def live(self, stale_before: datetime) -> Sequence[Instance]:
        """Instances not stopped whose heartbeat is newer than `stale_before`."""
        return (
            await self.session.scalars(
                select(Instance)
                .where(Instance.stopped_at.is_(None), Instance.heartbeat_at >= stale_before)
                .order_by(Instance.started_at)
            )
        ).all()

    async def forget(self, before: datetime) -> int:
        """Drop instances stopped or silent since before `before` (a row per process start
        would otherwise pile up). Their leases, if any, ended long ago."""
        result = await self.session.execute(
            delete(Instance)
            .where(or_(Instance.stopped_at < before, Instance.heartbeat_at < before))
            .execution_options(synchronize_session=False)
        )
        return int(getattr(result, "rowcount", 0) or 0)

    async def probe(self, instance_id: str, now: datetime) -> None:
        """A real write: upsert this instance's probe row."""
        await self.session.execute(
            _probe(dialect_of(self.session)), {"instance_id": instance_id, "probed_at": now}
        )


class FigureRepository:
    """Totals for /metrics that only the database knows across processes and restarts."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def tickets_opened(self) -> dict[str, int]:
        """Tickets ever opened, by kind (repair, complaint, inquiry)."""
        rows = await self.session.execute(select(Ticket.kind, func.count()).group_by(Ticket.kind))
        return {str(kind): int(n) for kind, n in rows.all()}

    async def alerts_raised(self) -> dict[str, int]:
        """Public-opinion alerts ever raised, by kind."""
        rows = await self.session.execute(select(OpinionAlert.kind, func.count()).group_by(OpinionAlert.kind))
        return {str(kind): int(n) for kind, n in rows.all()}
