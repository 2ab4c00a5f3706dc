"""Broadcasts, schedules, templates, outages and tip history; and the broadcast's outbox rows.

A broadcast's fan-out writes its outbox rows in bulk with `INSERT … ON CONFLICT (dedupe_key)
DO NOTHING`, so a fan-out that is run again after a crash adds only the rows still missing:
the unique key, not Python, guarantees one row per target chat.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, func, or_, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from storage.base import Base
from storage.broadcasts.models import Broadcast, BroadcastSchedule, BroadcastTemplate, Outage, TipDelivery
from storage.directory.models import Chat
from storage.outbox.models import OutboxMessage, Priority
from storage.outbox.repository import lock_chat_queues

REF_TYPE = "broadcast"

M = TypeVar("M", bound=Base)


def dedupe_key(broadcast_id: int, chat_id: int) -> str:
    return f"bc:{broadcast_id}:{chat_id}"


@dataclass(frozen=True)
class OutboxItem:
    """One target chat's message, ready for the outbox (payload already rendered)."""

    chat: Chat
    payload: str


@dataclass
class DeliveryReport:
    total: int = 0
    by_status: dict[str, int] = field(default_factory=dict)
    failures: list[tuple[str, str]] = field(default_factory=list)  # (chat title or id, reason)

    def count(self, status: str) -> int:
        return self.by_status.get(status, 0)


class BroadcastRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # -- generic ---------------------------------------------------------------------------
    async def add(self, row: M) -> M:
        self.session.add(row)
        await self.session.flush()
        return row

    async def flush(self) -> None:
        """Write what was changed on loaded rows now (ids and values later statements see)."""
        await self.session.flush()

    async def move(
        self, model: type[Base], row_id: int, from_statuses: Iterable[str], to: str, **values: Any
    ) -> bool:
        """A conditional status change (`UPDATE … WHERE id = :id AND status IN (…)`): the row
        count says whether this caller won, so two presses of one button confirm once."""
        table: Any = model
        result = await self.session.execute(
            update(table)
            .where(table.id == row_id, table.status.in_(list(from_statuses)))
            .values(status=to, **values)
            .execution_options(synchronize_session=False)
        )
        moved = bool(getattr(result, "rowcount", 0))
        if moved:
            row = await self.session.get(model, row_id)
            if row is not None:
                await self.session.refresh(row)
        return moved

    # -- broadcasts --------------------------------------------------------------------------
    async def broadcast(self, broadcast_id: int) -> Broadcast | None:
        return await self.session.get(Broadcast, broadcast_id)

    async def batch(self, batch_id: int) -> Sequence[Broadcast]:
        return (
            await self.session.scalars(
                select(Broadcast).where(Broadcast.batch_id == batch_id).order_by(Broadcast.id)
            )
        ).all()

    async def by_run_key(self, run_key: str) -> Broadcast | None:
        return await self.session.scalar(select(Broadcast).where(Broadcast.run_key == run_key))

    async def with_status(self, *statuses: str) -> Sequence[Broadcast]:
        return (
            await self.session.scalars(
                select(Broadcast).where(Broadcast.status.in_(statuses)).order_by(Broadcast.id)
            )
        ).all()

    async def drafts_by(self, created_by: str) -> list[str]:
        """The references (N12, S3, T4) of the drafts `created_by` has not yet confirmed or
        discarded, oldest first: a notice's or a schedule's batch, an outage."""
        notices = await self.session.execute(
            select(func.min(Broadcast.batch_id))
            .where(
                Broadcast.status == "draft",
                Broadcast.created_by == created_by,
                Broadcast.outage_id.is_(None),
                Broadcast.batch_id.is_not(None),
            )
            .group_by(Broadcast.batch_id)
        )
        schedules = await self.session.execute(
            select(func.min(BroadcastSchedule.batch_id))
            .where(
                BroadcastSchedule.status == "draft",
                BroadcastSchedule.created_by == created_by,
                BroadcastSchedule.batch_id.is_not(None),
            )
            .group_by(BroadcastSchedule.batch_id)
        )
        outages = await self.session.scalars(
            select(Outage.id).where(Outage.status == "draft", Outage.created_by == created_by)
        )
        refs = [(int(n), "N") for (n,) in notices.all() if n is not None]
        refs += [(int(n), "S") for (n,) in schedules.all() if n is not None]
        refs += [(int(n), "T") for n in outages.all()]
        return [f"{kind}{number}" for number, kind in sorted(refs)]

    async def recent(self, community_id: int | None, limit: int = 10) -> Sequence[Broadcast]:
        query = select(Broadcast).where(Broadcast.status != "draft")
        if community_id is not None:
            query = query.where(Broadcast.community_id == community_id)
        return (await self.session.scalars(query.order_by(Broadcast.id.desc()).limit(limit))).all()

    async def of_outage(self, outage_id: int) -> Sequence[Broadcast]:
        return (
            await self.session.scalars(
                select(Broadcast).where(Broadcast.outage_id == outage_id).order_by(Broadcast.id)
            )
        ).all()

    async def latest_of_schedule(self, schedule_id: int) -> Broadcast | None:
        return await self.session.scalar(
            select(Broadcast)
            .where(Broadcast.schedule_id == schedule_id)
            .order_by(Broadcast.id.desc())
            .limit(1)
        )

    # -- targets and the outbox -------------------------------------------------------------
    async def owner_chats(self, community_id: int, buildings: Sequence[str]) -> list[Chat]:
        """The active owner groups of a community; with `buildings`, those covering any of them
        (a group bound to "*" covers every building)."""
        chats = (
            await self.session.scalars(
                select(Chat)
                .where(Chat.community_id == community_id, Chat.role == "owners", Chat.active.is_(True))
                .order_by(Chat.id)
            )
        ).all()
        if not buildings:
            return list(chats)
        wanted = set(buildings)
        return [c for c in chats if "*" in c.buildings or not c.buildings or wanted & set(c.buildings)]

    async def queued_chats(self, broadcast_id: int) -> set[int]:
        rows = await self.session.scalars(
            select(OutboxMessage.chat_id).where(
                OutboxMessage.ref_type == REF_TYPE, OutboxMessage.ref_id == broadcast_id
            )
        )
        return {int(c) for c in rows if c is not None}

    async def enqueue(
        self, broadcast_id: int, items: Sequence[OutboxItem], now: datetime, *, priority: int = Priority.BULK
    ) -> list[int]:
        """Insert outbox rows for `items`, skipping any already there; returns the chat ids
        that got a new row. Broadcasts are bulk traffic (`Priority.BULK`) unless told."""
        if not items:
            return []
        values = [
            {
                "platform": item.chat.platform,
                "platform_chat_id": item.chat.platform_chat_id,
                "chat_id": item.chat.id,
                "payload": item.payload,
                "status": "pending",
                "attempts": 0,
                "next_attempt_at": now,
                "due_at": now,
                "created_at": now,
                "priority": int(priority),
                "turn": 0,
                "ref_type": REF_TYPE,
                "ref_id": broadcast_id,
                "dedupe_key": dedupe_key(broadcast_id, item.chat.id),
            }
            for item in items
        ]
        dialect = self.session.get_bind().dialect.name
        await lock_chat_queues(
            self.session, [(item.chat.platform, item.chat.platform_chat_id) for item in items]
        )
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        statement = (
            insert(OutboxMessage)
            .values(values)
            .on_conflict_do_nothing(index_elements=["dedupe_key"])
            .returning(OutboxMessage.chat_id)
        )
        result = await self.session.execute(statement)
        return [int(c) for c in result.scalars().all() if c is not None]

    async def cancel_pending(self, broadcast_id: int, reason: str) -> int:
        """Rows not yet taken by the sender are withdrawn (a row mid-send finishes)."""
        result = await self.session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.ref_type == REF_TYPE,
                OutboxMessage.ref_id == broadcast_id,
                OutboxMessage.status == "pending",
            )
            .values(status="cancelled", error=reason)
        )
        return int(getattr(result, "rowcount", 0) or 0)

    async def report(self, broadcast_id: int, failures: int = 10) -> DeliveryReport:
        report = DeliveryReport()
        rows = await self.session.execute(
            select(OutboxMessage.status, func.count())
            .where(OutboxMessage.ref_type == REF_TYPE, OutboxMessage.ref_id == broadcast_id)
            .group_by(OutboxMessage.status)
        )
        for status, count in rows.all():
            report.by_status[str(status)] = int(count)
            report.total += int(count)
        failed = await self.session.execute(
            select(Chat.title, OutboxMessage.platform_chat_id, OutboxMessage.error)
            .join(Chat, Chat.id == OutboxMessage.chat_id, isouter=True)
            .where(
                OutboxMessage.ref_type == REF_TYPE,
                OutboxMessage.ref_id == broadcast_id,
                OutboxMessage.status == "failed",
            )
            .order_by(OutboxMessage.id)
            .limit(failures)
        )
        report.failures = [(title or chat_id, error or "") for title, chat_id, error in failed.all()]
        return report

    # -- schedules ----------------------------------------------------------------------------
    async def schedule(self, schedule_id: int) -> BroadcastSchedule | None:
        return await self.session.get(BroadcastSchedule, schedule_id)

    async def schedules(self, *statuses: str, community_id: int | None = None) -> Sequence[BroadcastSchedule]:
        query = select(BroadcastSchedule).where(BroadcastSchedule.status.in_(statuses))
        if community_id is not None:
            query = query.where(BroadcastSchedule.community_id == community_id)
        return (await self.session.scalars(query.order_by(BroadcastSchedule.id))).all()

    async def claim_runs(self, schedule_id: int, seen: datetime, upto: datetime) -> bool:
        """Move a schedule's `last_run_at` from `seen` to `upto` (`UPDATE … WHERE last_run_at =
        :seen`): of two runners that saw the same mark only one moves it and makes the run."""
        result = await self.session.execute(
            update(BroadcastSchedule)
            .where(BroadcastSchedule.id == schedule_id, BroadcastSchedule.last_run_at == seen)
            .values(last_run_at=upto)
            .execution_options(synchronize_session=False)
        )
        return bool(getattr(result, "rowcount", 0))

    async def schedule_batch(self, batch_id: int) -> Sequence[BroadcastSchedule]:
        return (
            await self.session.scalars(
                select(BroadcastSchedule)
                .where(BroadcastSchedule.batch_id == batch_id)
                .order_by(BroadcastSchedule.id)
            )
        ).all()

    async def add_tips_schedule(self, values: dict[str, Any]) -> bool:
        """Create the community's `tips` schedule unless one exists (a concurrent start's
        insert waits for the first, then does nothing). True if this one created it."""
        dialect = self.session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        statement = (
            insert(BroadcastSchedule)
            .values({**values, "kind": "tips"})
            .on_conflict_do_nothing(index_elements=["community_id"], index_where=text("kind = 'tips'"))
            .returning(BroadcastSchedule.id)
        )
        return (await self.session.execute(statement)).scalar() is not None

    async def tips_schedule(self, community_id: int) -> BroadcastSchedule | None:
        return await self.session.scalar(
            select(BroadcastSchedule)
            .where(BroadcastSchedule.community_id == community_id, BroadcastSchedule.kind == "tips")
            .order_by(BroadcastSchedule.id)
            .limit(1)
        )

    # -- templates ------------------------------------------------------------------------------
    async def template(self, name: str, community_id: int | None) -> BroadcastTemplate | None:
        """The template `name` as `community_id` sees it: its own, else a shared one (None: the
        shared one only)."""
        found = await self.session.scalars(
            select(BroadcastTemplate)
            .where(BroadcastTemplate.name == name, _seen_by(community_id))
            .order_by(BroadcastTemplate.community_id.is_(None))
        )
        return found.first()

    async def own_template(self, name: str, community_id: int | None) -> BroadcastTemplate | None:
        """The template `name` that belongs to `community_id` (None: the shared one)."""
        scope = (
            BroadcastTemplate.community_id.is_(None)
            if community_id is None
            else BroadcastTemplate.community_id == community_id
        )
        return await self.session.scalar(
            select(BroadcastTemplate).where(BroadcastTemplate.name == name, scope)
        )

    async def templates(self, community_id: int | None) -> Sequence[BroadcastTemplate]:
        """The templates `community_id` sees (its own and the shared ones), by name."""
        return (
            await self.session.scalars(
                select(BroadcastTemplate)
                .where(_seen_by(community_id))
                .order_by(BroadcastTemplate.name, BroadcastTemplate.community_id.is_(None))
            )
        ).all()

    # -- outages ----------------------------------------------------------------------------------
    async def outage(self, outage_id: int) -> Outage | None:
        return await self.session.get(Outage, outage_id)

    async def outages(self, community_id: int, *statuses: str) -> Sequence[Outage]:
        return (
            await self.session.scalars(
                select(Outage)
                .where(Outage.community_id == community_id, Outage.status.in_(statuses))
                .order_by(Outage.starts_at, Outage.id)
            )
        ).all()

    # -- tips ---------------------------------------------------------------------------------------
    async def tip_history(self, chat_ids: Sequence[int], since: date) -> dict[int, dict[str, date]]:
        """Per chat, each tip's latest (local) send day on or after `since`."""
        history: dict[int, dict[str, date]] = {chat_id: {} for chat_id in chat_ids}
        if not chat_ids:
            return history
        rows = await self.session.execute(
            select(TipDelivery.chat_id, TipDelivery.tip_id, func.max(TipDelivery.sent_on))
            .where(TipDelivery.chat_id.in_(list(chat_ids)), TipDelivery.sent_on >= since)
            .group_by(TipDelivery.chat_id, TipDelivery.tip_id)
        )
        for chat_id, tip_id, sent_on in rows.all():
            history.setdefault(int(chat_id), {})[str(tip_id)] = sent_on
        return history

    async def tip_chats(self, broadcast_id: int) -> set[int]:
        rows = await self.session.scalars(
            select(TipDelivery.chat_id).where(TipDelivery.broadcast_id == broadcast_id)
        )
        return {int(c) for c in rows}

    async def record_tips(self, broadcast_id: int, sent: dict[int, str], day: date) -> None:
        """Remember what each group got (or "-": none); a second runner's rows are ignored."""
        if not sent:
            return
        dialect = self.session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        await self.session.execute(
            insert(TipDelivery)
            .values(
                [
                    {"chat_id": chat_id, "broadcast_id": broadcast_id, "tip_id": tip_id, "sent_on": day}
                    for chat_id, tip_id in sent.items()
                ]
            )
            .on_conflict_do_nothing(index_elements=["chat_id", "broadcast_id"])
        )


def _seen_by(community_id: int | None) -> ColumnElement[bool]:
    shared = BroadcastTemplate.community_id.is_(None)
    return shared if community_id is None else or_(shared, BroadcastTemplate.community_id == community_id)
