"""The outbox: messages to send, written in the transaction of the change that caused them.

Delivery claims the oldest unsent row of each chat (so per-chat order is kept), marks it
`sending` with a lease, and records the outcome in a short transaction of its own. On
PostgreSQL the claim uses `FOR UPDATE SKIP LOCKED`, so two senders never take the same row.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from functools import lru_cache

from sqlalchemy import Insert, Integer, Select, bindparam, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from storage.outbox.models import OutboxMessage
from storage.rows import dialect_of, insert_row, table_of

UNSENT = ("pending", "sending")


_OUTBOX = table_of(OutboxMessage)


@lru_cache(maxsize=4)
def _claimable(dialect: str) -> Select[OutboxMessage]:
    """The due heads of the chats' queues (built once per dialect: the sender asks all the time)."""
    # Each chat's head: its oldest unsent row. Grouped over unsent rows only, which the
    # (status, platform, platform_chat_id, id) index covers, so the cost follows the
    # backlog, not the table's history.
    heads = (
        select(func.min(OutboxMessage.id).label("head"))
        .where(OutboxMessage.status.in_(UNSENT))
        .group_by(OutboxMessage.platform, OutboxMessage.platform_chat_id)
        .subquery()
    )
    query = (
        select(OutboxMessage)
        .join(heads, heads.c.head == OutboxMessage.id)
        .where(OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= bindparam("now"))
        .order_by(OutboxMessage.id)
        .limit(bindparam("limit", type_=Integer))
    )
    if dialect == "postgresql":
        query = query.with_for_update(skip_locked=True, of=OutboxMessage)
    return query


_TAKE = (
    update(_OUTBOX)
    .where(_OUTBOX.c.id.in_(bindparam("ids", expanding=True)), _OUTBOX.c.status == "pending")
    .values(status="sending", next_attempt_at=bindparam("lease_until", type_=_OUTBOX.c.next_attempt_at.type))
    .returning(_OUTBOX.c.id)
)
_SENT = (
    update(_OUTBOX)
    .where(_OUTBOX.c.id == bindparam("row_id"))
    .values(
        status="sent",
        sent_at=bindparam("at", type_=_OUTBOX.c.sent_at.type),
        platform_message_id=bindparam("message_id", type_=_OUTBOX.c.platform_message_id.type),
        error=None,
    )
)


@lru_cache(maxsize=4)
def _enqueue_once(dialect: str) -> Insert:
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = table_of(OutboxMessage)
    return insert(table).on_conflict_do_nothing(index_elements=["dedupe_key"]).returning(table.c.id)


class OutboxRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def enqueue(
        self,
        *,
        platform: str,
        platform_chat_id: str,
        chat_id: int | None,
        payload: str,
        now: datetime,
        not_before: datetime | None = None,
        ref_type: str | None = None,
        ref_id: int | None = None,
        dedupe_key: str | None = None,
    ) -> int | None:
        """Add a message (one INSERT); returns its id. With `dedupe_key`, a second enqueue
        of the same key is a no-op that returns None, settled by the unique constraint
        (`INSERT … ON CONFLICT DO NOTHING`: a concurrent enqueue of the key waits for the
        first transaction, then finds the row)."""
        values = {
            "platform": platform,
            "platform_chat_id": platform_chat_id,
            "chat_id": chat_id,
            "payload": payload,
            "status": "pending",
            "attempts": 0,
            "next_attempt_at": not_before or now,
            "created_at": now,
            "ref_type": ref_type,
            "ref_id": ref_id,
            "dedupe_key": dedupe_key,
        }
        if dedupe_key is None:
            return await insert_row(self.session, table_of(OutboxMessage), values)
        result = await self.session.execute(_enqueue_once(dialect_of(self.session)), values)
        queued = result.scalar_one_or_none()
        return None if queued is None else int(queued)

    async def claim(self, now: datetime, limit: int, lease: timedelta) -> Sequence[OutboxMessage]:
        """Take up to `limit` rows to send: the head of each chat's queue, if it is due."""
        rows = (
            await self.session.scalars(_claimable(dialect_of(self.session)), {"now": now, "limit": limit})
        ).all()
        if not rows:
            return []
        # The conditional UPDATE settles races between senders: a row another sender took
        # since our SELECT is no longer pending, so it is not ours.
        result = await self.session.execute(
            _TAKE, {"ids": [row.id for row in rows], "lease_until": now + lease}
        )
        mine = set(result.scalars().all())
        return [row for row in rows if row.id in mine]

    async def recover_expired(self, now: datetime) -> int:
        """Rows left `sending` past their lease (a sender died mid-send) go back to pending."""
        result = await self.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.status == "sending", OutboxMessage.next_attempt_at < now)
            .values(status="pending", next_attempt_at=now)
        )
        return int(getattr(result, "rowcount", 0) or 0)

    async def mark_sent_many(self, sent: Sequence[tuple[int, str | None]], now: datetime) -> None:
        """Many sends recorded in one executemany round trip (the sender's batches)."""
        if not sent:
            return
        await self.session.execute(
            _SENT, [{"row_id": row_id, "at": now, "message_id": message_id} for row_id, message_id in sent]
        )

    async def mark_retry(self, row_id: int, error: str, at: datetime) -> None:
        await self.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == row_id)
            .values(status="pending", attempts=OutboxMessage.attempts + 1, next_attempt_at=at, error=error)
        )

    async def mark_failed(self, row_id: int, error: str) -> None:
        await self.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == row_id)
            .values(status="failed", attempts=OutboxMessage.attempts + 1, error=error)
        )

    async def fail_chat(self, platform: str, platform_chat_id: str, error: str) -> int:
        """A chat that is gone (bot kicked): everything still queued for it fails at once."""
        result = await self.session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.platform == platform,
                OutboxMessage.platform_chat_id == platform_chat_id,
                OutboxMessage.status.in_(UNSENT),
            )
            .values(status="failed", error=error)
        )
        return int(getattr(result, "rowcount", 0) or 0)

    async def move_chat(self, platform: str, old_id: str, new_id: str, now: datetime) -> int:
        """A chat moved to a new id (see `Directory.migrate_chat`): its unsent rows go there,
        due now and in their order (row ids are kept, and they order the queue)."""
        result = await self.session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.platform == platform,
                OutboxMessage.platform_chat_id == old_id,
                OutboxMessage.status.in_(UNSENT),
            )
            .values(platform_chat_id=new_id, status="pending", next_attempt_at=now)
        )
        return int(getattr(result, "rowcount", 0) or 0)

    async def find_ref(
        self, platform: str, platform_chat_id: str, platform_message_id: str
    ) -> OutboxMessage | None:
        """The outbox row that produced a given platform message (e.g. which ticket a card is)."""
        return await self.session.scalar(
            select(OutboxMessage).where(
                OutboxMessage.platform == platform,
                OutboxMessage.platform_chat_id == platform_chat_id,
                OutboxMessage.platform_message_id == platform_message_id,
            )
        )

    async def pending_count(self) -> int:
        return int(
            await self.session.scalar(select(func.count()).where(OutboxMessage.status.in_(UNSENT))) or 0
        )

    async def by_ref(self, ref_type: str, ref_id: int) -> Sequence[OutboxMessage]:
        return (
            await self.session.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.ref_type == ref_type, OutboxMessage.ref_id == ref_id)
                .order_by(OutboxMessage.id)
            )
        ).all()
